//! `kept calendar check|due|elapsed|holidays`: business-time arithmetic from
//! the shell, on a calendar file in TOML or JSON.

use std::path::{Path, PathBuf};

use anyhow::Context;
use kept_calendar::jiff::Timestamp;
use kept_calendar::jiff::civil::DateTime;
use kept_calendar::{BusinessDuration, Calendar, CalendarSpec, holidays_from_ics};

/// Subcommands of `kept calendar`.
#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Validate a calendar file and summarise it; every problem is listed.
    Check(CheckArgs),
    /// Print the due instant: START plus DURATION of open time (RFC 3339).
    Due(DueArgs),
    /// Print the open time between two instants (such as 2h30m).
    Elapsed(ElapsedArgs),
    /// Print the all-day events of an iCalendar (.ics) file as [[holidays]]
    /// entries to paste into a calendar file.
    Holidays(HolidaysArgs),
}

/// The calendar a command works on.
#[derive(Debug, clap::Args)]
pub struct Source {
    /// Calendar file: TOML, or JSON if its name ends in .json.
    #[arg(long, value_name = "FILE")]
    pub calendar: PathBuf,
    /// Also close the all-day events of this iCalendar file (bank holidays).
    #[arg(long, value_name = "FILE.ics")]
    pub holidays: Option<PathBuf>,
}

/// Options of `kept calendar check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// Calendar file: TOML, or JSON if its name ends in .json.
    pub file: PathBuf,
    /// Also close the all-day events of this iCalendar file.
    #[arg(long, value_name = "FILE.ics")]
    pub holidays: Option<PathBuf>,
}

/// Options of `kept calendar due`.
#[derive(Debug, clap::Args)]
pub struct DueArgs {
    #[command(flatten)]
    pub source: Source,
    /// When the clock starts: RFC 3339 (2026-03-27T16:30:00Z), or a local
    /// time in the calendar's zone (2026-03-27T16:30).
    #[arg(long, value_name = "INSTANT")]
    pub start: String,
    /// Open time to add, such as 4h, 90m, 2h30m or 40h.
    #[arg(long, value_name = "DURATION")]
    pub duration: String,
    /// Print the answer with the calendar's local offset instead of UTC.
    #[arg(long)]
    pub local: bool,
}

/// Options of `kept calendar elapsed`.
#[derive(Debug, clap::Args)]
pub struct ElapsedArgs {
    #[command(flatten)]
    pub source: Source,
    /// Start of the span (RFC 3339, or local time in the calendar's zone).
    #[arg(long, value_name = "INSTANT")]
    pub from: String,
    /// End of the span.
    #[arg(long, value_name = "INSTANT")]
    pub to: String,
}

/// Options of `kept calendar holidays`.
#[derive(Debug, clap::Args)]
pub struct HolidaysArgs {
    /// The iCalendar file.
    pub file: PathBuf,
}

/// Runs a `kept calendar` subcommand.
pub fn run(command: Command) -> anyhow::Result<()> {
    match command {
        Command::Check(args) => check(&args.file, args.holidays.as_deref()),
        Command::Due(args) => {
            let calendar = load(&args.source.calendar, args.source.holidays.as_deref())?;
            let start = instant(&calendar, "--start", &args.start)?;
            calendar
                .check_in_range(start)
                .with_context(|| format!("--start {}", args.start))?;
            let duration = duration("--duration", &args.duration)?;
            let due = calendar.add(start, duration)?;
            if args.local {
                let zoned = due.to_zoned_datetime(calendar.time_zone().clone());
                println!("{}", zoned.strftime("%Y-%m-%dT%H:%M:%S%:z"));
            } else {
                println!("{due}");
            }
            Ok(())
        }
        Command::Elapsed(args) => {
            let calendar = load(&args.source.calendar, args.source.holidays.as_deref())?;
            let from = instant(&calendar, "--from", &args.from)?;
            let to = instant(&calendar, "--to", &args.to)?;
            for (flag, text, at) in [("--from", &args.from, from), ("--to", &args.to, to)] {
                calendar
                    .check_in_range(at)
                    .with_context(|| format!("{flag} {text}"))?;
            }
            if to < from {
                anyhow::bail!("--to ({to}) is before --from ({from})");
            }
            println!("{}", calendar.elapsed(from, to));
            Ok(())
        }
        Command::Holidays(args) => {
            let holidays = read_ics(&args.file)?;
            for h in &holidays {
                println!("[[holidays]]\ndate = \"{}\"\nname = {:?}\n", h.date, h.name);
            }
            eprintln!(
                "{} holidays read from {}",
                holidays.len(),
                args.file.display()
            );
            Ok(())
        }
    }
}

fn check(file: &Path, holidays: Option<&Path>) -> anyhow::Result<()> {
    let spec = read_spec(file, holidays)?;
    let calendar = compile(file, &spec)?;
    let spec = calendar.spec();
    println!("{}: a valid calendar", file.display());
    println!("zone: {}", spec.zone);
    let names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];
    for (name, day) in names.iter().zip(spec.week.days()) {
        let hours: Vec<String> = day.iter().map(ToString::to_string).collect();
        let text = if hours.is_empty() {
            "closed".to_owned()
        } else {
            hours.join(", ")
        };
        println!("  {name}: {text}");
    }
    println!(
        "open a week: {}",
        BusinessDuration::from_seconds(spec.week.clock_seconds())
    );
    let first = spec.holidays.iter().map(|h| h.date).min();
    let last = spec.holidays.iter().map(|h| h.date).max();
    match (first, last) {
        (Some(a), Some(b)) => println!("holidays: {} ({a} to {b})", spec.holidays.len()),
        _ => println!("holidays: none"),
    }
    println!("exceptions: {}", spec.exceptions.len());
    match (spec.valid_from, spec.valid_until) {
        (None, None) => println!("valid: always (1900-01-01 to 2199-12-31)"),
        (from, until) => println!(
            "valid: {} to {}",
            from.map_or("1900-01-01".into(), |d| d.to_string()),
            until.map_or("2199-12-31".into(), |d| d.to_string())
        ),
    }
    Ok(())
}

fn read_ics(path: &Path) -> anyhow::Result<Vec<kept_calendar::Holiday>> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    holidays_from_ics(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

fn read_spec(path: &Path, holidays: Option<&Path>) -> anyhow::Result<CalendarSpec> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let json = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json"));
    let parsed = if json {
        CalendarSpec::from_json(&text)
    } else {
        CalendarSpec::from_toml(&text)
    };
    let mut spec = parsed.map_err(|e| invalid(path, &e))?;
    if let Some(ics) = holidays {
        let known: std::collections::HashSet<_> = spec.holidays.iter().map(|h| h.date).collect();
        spec.holidays.extend(
            read_ics(ics)?
                .into_iter()
                .filter(|h| !known.contains(&h.date)),
        );
    }
    Ok(spec)
}

fn compile(path: &Path, spec: &CalendarSpec) -> anyhow::Result<Calendar> {
    spec.compile().map_err(|e| invalid(path, &e))
}

fn invalid(path: &Path, e: &kept_calendar::InvalidCalendar) -> anyhow::Error {
    let lines: Vec<String> = e.to_string().lines().map(|l| format!("  {l}")).collect();
    anyhow::anyhow!(
        "{} is not a valid calendar:\n{}",
        path.display(),
        lines.join("\n")
    )
}

fn load(path: &Path, holidays: Option<&Path>) -> anyhow::Result<Calendar> {
    let spec = read_spec(path, holidays)?;
    compile(path, &spec)
}

/// An RFC 3339 instant, or a local wall-clock time in the calendar's zone.
fn instant(calendar: &Calendar, flag: &str, text: &str) -> anyhow::Result<Timestamp> {
    if let Ok(t) = text.trim().parse::<Timestamp>() {
        return Ok(t);
    }
    let local: DateTime = text.trim().parse().map_err(|_| {
        anyhow::anyhow!(
            "{flag} `{text}` is not an instant: write RFC 3339 such as 2026-03-27T16:30:00Z, \
             or a local time such as 2026-03-27T16:30"
        )
    })?;
    Ok(local
        .to_zoned_datetime(calendar.time_zone().clone())
        .map_err(|e| anyhow::anyhow!("{flag} `{text}`: {e}"))?
        .timestamp())
}

fn duration(flag: &str, text: &str) -> anyhow::Result<BusinessDuration> {
    text.parse().map_err(|e| anyhow::anyhow!("{flag}: {e}"))
}
