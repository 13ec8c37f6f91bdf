#!/usr/bin/perl
# peer_business_hours.pl: Business::Hours (Debian libbusiness-hours-perl), the
# engine Request Tracker uses for SLAs, in the peer comparison.
#
#   peer_business_hours.pl add BUDGET_SECONDS INPUT OUTPUT
#   peer_business_hours.pl elapsed INPUT OUTPUT
#
# Business::Hours has no time-zone support of its own: it works in the
# process's local time (localtime/timelocal). This runner sets
# TZ=Europe/London and calls tzset before anything else, so epoch seconds go in
# and come out unchanged and the library converts them to London time itself.
#
# Configured as RT configures it ($RT::ServiceBusinessHours): Monday to Friday
# Start => '9:00', End => '17:00' (End is the first closed minute), Saturday
# and Sunday undef, holidays => ['YYYY-MM-DD', ...] from HOLIDAYS_ICS (default
# bench/data/england-and-wales.ics).
#
# add is $hours->add_seconds(START, BUDGET), as RT::SLA's Due does it. It
# returns -1 when it finds no answer within 30 days of the start; that line is
# written as "ERR search-cap: add_seconds returned -1 (30-day limit)".
# elapsed is what RT does for a pair: a fresh timespan for (FROM, TO)
# (for_timespan, which is what a fresh object's between() does on first use),
# then $hours->between(FROM, TO).
#
# Timed: only the loop; building the object is reported as build_seconds.
use strict;
use warnings;

BEGIN { $ENV{TZ} = 'Europe/London'; }
use POSIX qw(tzset);
use Time::HiRes ();
use File::Basename qw(dirname);
use File::Spec;
use Business::Hours;

tzset();

my $ENGINE = 'business-hours';

sub holidays {
    my $default = File::Spec->catfile(dirname(File::Spec->rel2abs(__FILE__)), '..', 'data', 'england-and-wales.ics');
    my $path = $ENV{HOLIDAYS_ICS} // $default;
    open(my $fh, '<', $path) or die "cannot read $path: $!\n";
    my @dates;
    while (my $line = <$fh>) {
        $line =~ s/\r?\n\z//;
        push @dates, "$1-$2-$3" if $line =~ /^DTSTART;VALUE=DATE:(\d{4})(\d{2})(\d{2})$/;
    }
    close $fh;
    die "$path: no all-day events\n" unless @dates;
    return @dates;
}

sub build {
    my @holidays = holidays();
    my $hours = Business::Hours->new;
    my %day = map { $_ => 1 } 1 .. 5;
    my @names = qw(Sunday Monday Tuesday Wednesday Thursday Friday Saturday);
    $hours->business_hours(
        (map {
            $_ => $day{$_}
                ? { Name => $names[$_], Start => '9:00', End => '17:00' }
                : { Name => $names[$_], Start => undef, End => undef }
        } 0 .. 6),
        holidays => \@holidays,
    );
    return $hours;
}

my ($op, $budget, $in, $out);
if (@ARGV == 4 && $ARGV[0] eq 'add') {
    ($op, $budget, $in, $out) = @ARGV;
} elsif (@ARGV == 3 && $ARGV[0] eq 'elapsed') {
    ($op, $in, $out) = @ARGV;
} else {
    die "usage: $0 add BUDGET_SECONDS INPUT OUTPUT | $0 elapsed INPUT OUTPUT\n";
}

open(my $ifh, '<', $in) or die "cannot read $in: $!\n";
my @rows = map { [split ' '] } grep { /\S/ } <$ifh>;
close $ifh;

my $t0 = Time::HiRes::time();
my $hours = build();
my $build_seconds = Time::HiRes::time() - $t0;

my @answers;
my $head;
if ($op eq 'add') {
    $budget = int($budget);
    my @starts = map { int($_->[0]) } @rows;
    $t0 = Time::HiRes::time();
    for my $s (@starts) {
        my $r = eval { $hours->add_seconds($s, $budget) };
        push @answers,
            !defined $r ? 'ERR died: ' . ((split /\n/, ($@ // 'unknown'))[0])
            : $r == -1  ? 'ERR search-cap: add_seconds returned -1 (30-day limit)'
            :             $r;
    }
    $head = "op=add budget=$budget";
} else {
    my @pairs = map { [int($_->[0]), int($_->[1])] } @rows;
    $t0 = Time::HiRes::time();
    for my $p (@pairs) {
        my ($from, $to) = @$p;
        my $r = eval {
            $hours->for_timespan(Start => $from, End => $to);
            $hours->between($from, $to);
        };
        push @answers,
            !defined $r ? 'ERR died: ' . ((split /\n/, ($@ // 'unknown'))[0])
            : $r == -1  ? 'ERR between returned -1'
            :             $r;
    }
    $head = 'op=elapsed';
}
my $seconds = Time::HiRes::time() - $t0;

open(my $ofh, '>', $out) or die "cannot write $out: $!\n";
print {$ofh} map { "$_\n" } @answers;
close $ofh or die "cannot write $out: $!\n";

my $n = scalar @rows;
printf "engine=%s %s n=%d seconds=%.6f per_sec=%.0f build_seconds=%.6f\n",
    $ENGINE, $head, $n, $seconds, ($seconds > 0 ? $n / $seconds : 0), $build_seconds;
