//! `kept calendar`: business-time arithmetic from the shell.

mod common;

use common::Sandbox;

const ISSUE_CALENDAR: &str = r#"zone = "Europe/London"
[week]
mon = ["09:00-12:30", "13:30-17:30"]
tue = ["09:00-17:30"]
wed = ["09:00-17:30"]
thu = ["09:00-17:30"]
fri = ["09:00-17:30", "22:00-06:00"]
sat = []
sun = []
[[holidays]]
date = "2026-12-25"
name = "Christmas Day"
"#;

/// Runs `kept` with `args`; returns success, stdout and stderr.
fn run(sandbox: &Sandbox, args: &[&str]) -> (bool, String, String) {
    let output = sandbox.kept().args(args).output().expect("kept ran");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

fn with_calendar(text: &str) -> (Sandbox, String) {
    let sandbox = Sandbox::new();
    let path = sandbox.file("hours.toml");
    std::fs::write(&path, text).expect("written");
    let path = path.to_string_lossy().into_owned();
    (sandbox, path)
}

#[test]
fn due_prints_the_due_instant_in_rfc_3339() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);

    let (ok, stdout, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--start",
            "2026-03-27T16:30:00Z",
            "--duration",
            "4h",
        ],
    );

    assert!(ok, "{stderr}");
    // One hour on Friday, then three of the night shift.
    assert_eq!(stdout.trim(), "2026-03-28T01:00:00Z");
    assert!(
        !sandbox.file("kept-data").exists(),
        "no database is touched"
    );
}

#[test]
fn due_of_a_zero_duration_from_a_closed_instant_is_the_next_opening() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);

    let (ok, stdout, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--start",
            "2026-03-28T12:00:00Z",
            "--duration",
            "0m",
        ],
    );

    assert!(ok, "{stderr}");
    // Saturday noon: Monday 09:00, British Summer Time since Sunday.
    assert_eq!(stdout.trim(), "2026-03-30T08:00:00Z");
}

#[test]
fn due_reads_local_times_and_prints_local_offsets_on_request() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);

    let (ok, stdout, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--start",
            "2026-03-27T16:30",
            "--duration",
            "40h",
            "--local",
        ],
    );

    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "2026-04-02T15:30:00+01:00");
}

#[test]
fn elapsed_prints_business_time_between_two_instants() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);

    let (ok, stdout, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "elapsed",
            "--calendar",
            &cal,
            "--from",
            "2026-03-27T16:30:00Z",
            "--to",
            "2026-04-03T00:00:00Z",
        ],
    );

    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "42h");
}

#[test]
fn check_summarises_a_valid_calendar() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);

    let (ok, stdout, stderr) = run(&sandbox, &["calendar", "check", &cal]);

    assert!(ok, "{stderr}");
    assert!(stdout.contains("a valid calendar"), "{stdout}");
    assert!(stdout.contains("fri: 09:00-17:30, 22:00-06:00"), "{stdout}");
    assert!(stdout.contains("open a week: 49h30m"), "{stdout}");
    assert!(stdout.contains("holidays: 1"), "{stdout}");
}

#[test]
fn check_lists_every_problem_and_exits_non_zero() {
    let (sandbox, cal) = with_calendar(
        "zone = \"Europe/Lodnon\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n",
    );

    let (ok, _, stderr) = run(&sandbox, &["calendar", "check", &cal]);

    assert!(!ok);
    assert!(stderr.contains("is not a valid calendar"), "{stderr}");
    assert!(
        stderr.contains("zone: unknown time zone `Europe/Lodnon`"),
        "{stderr}"
    );
    assert!(
        stderr.contains("week.mon[1]: 12:00-17:00 overlaps"),
        "{stderr}"
    );
}

#[test]
fn malformed_files_and_arguments_are_refused_clearly() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);
    let bad = sandbox.file("bad.toml");
    std::fs::write(&bad, "zone = \"UTC\"\n[week]\nmon = [\"9-5\"]\n").expect("written");
    let bad = bad.to_string_lossy().into_owned();
    let cases: &[(&[&str], &str)] = &[
        (&["calendar", "check", &bad], "line 3"),
        (
            &["calendar", "check", "missing.toml"],
            "cannot read missing.toml",
        ),
        (
            &[
                "calendar",
                "due",
                "--calendar",
                &cal,
                "--start",
                "soon",
                "--duration",
                "4h",
            ],
            "--start `soon` is not an instant",
        ),
        (
            &[
                "calendar",
                "due",
                "--calendar",
                &cal,
                "--start",
                "2026-03-27T16:30:00Z",
                "--duration",
                "4d",
            ],
            "--duration: `4d` is not a duration",
        ),
        (
            &[
                "calendar",
                "elapsed",
                "--calendar",
                &cal,
                "--from",
                "2026-03-28T00:00:00Z",
                "--to",
                "2026-03-27T00:00:00Z",
            ],
            "is before --from",
        ),
    ];
    for (args, expected) in cases {
        let (ok, _, stderr) = run(&sandbox, args);
        assert!(!ok, "{args:?} should fail");
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

#[test]
fn a_calendar_with_no_open_time_gives_an_error_not_a_hang() {
    let (sandbox, cal) = with_calendar("zone = \"UTC\"\n[week]\n");

    let (ok, _, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--start",
            "2026-01-01T00:00:00Z",
            "--duration",
            "1h",
        ],
    );

    assert!(!ok);
    assert!(stderr.contains("not enough open time"), "{stderr}");
}

#[test]
fn holidays_from_an_ics_file_close_their_days_and_print_as_toml() {
    let (sandbox, cal) = with_calendar(ISSUE_CALENDAR);
    let ics = sandbox.file("bank.ics");
    std::fs::write(
        &ics,
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nDTSTART;VALUE=DATE:20260330\r\n\
         SUMMARY:Staff day\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
    )
    .expect("written");
    let ics = ics.to_string_lossy().into_owned();

    let (ok, stdout, stderr) = run(&sandbox, &["calendar", "holidays", &ics]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("[[holidays]]\ndate = \"2026-03-30\"\nname = \"Staff day\""),
        "{stdout}"
    );

    // Monday 30 March closed: after 9h on Friday, the tenth is 09:00-10:00 BST on Tuesday.
    let (ok, stdout, stderr) = run(
        &sandbox,
        &[
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--holidays",
            &ics,
            "--start",
            "2026-03-27T16:30:00Z",
            "--duration",
            "10h",
        ],
    );
    assert!(ok, "{stderr}");
    assert_eq!(stdout.trim(), "2026-03-31T09:00:00Z");

    let broken = sandbox.file("broken.ics");
    std::fs::write(
        &broken,
        "BEGIN:VCALENDAR\nBEGIN:VEVENT\nDTSTART:20260330T090000Z\nEND:VEVENT\nEND:VCALENDAR\n",
    )
    .expect("written");
    let (ok, _, stderr) = run(
        &sandbox,
        &["calendar", "holidays", &broken.to_string_lossy()],
    );
    assert!(!ok);
    assert!(stderr.contains("broken.ics: line 3:"), "{stderr}");
}

#[test]
fn an_instant_outside_the_calendar_s_valid_dates_is_refused() {
    let (sandbox, cal) = with_calendar(
        "zone = \"UTC\"\nvalid_from = \"2026-01-01\"\nvalid_until = \"2026-12-31\"\n[week]\nmon = [\"09:00-17:00\"]\n",
    );
    let due = |start: &str| {
        let args = [
            "calendar",
            "due",
            "--calendar",
            &cal,
            "--start",
            start,
            "--duration",
            "1h",
        ];
        run(&sandbox, &args)
    };

    let (before_ok, _, before) = due("2025-06-01T00:00:00Z");
    let (elapsed_ok, _, elapsed) = run(
        &sandbox,
        &[
            "calendar",
            "elapsed",
            "--calendar",
            &cal,
            "--from",
            "2026-06-01T00:00:00Z",
            "--to",
            "2027-06-01T00:00:00Z",
        ],
    );
    let (inside_ok, inside, stderr) = due("2026-01-01T00:00:00Z");

    assert!(!before_ok && !elapsed_ok);
    for (stderr, flag) in [(&before, "--start"), (&elapsed, "--to")] {
        assert!(stderr.contains(flag), "{stderr}");
        assert!(
            stderr.contains("outside the calendar's valid range, 2026-01-01 to 2026-12-31"),
            "{stderr}"
        );
    }
    assert!(inside_ok, "{stderr}");
    assert_eq!(inside.trim(), "2026-01-05T10:00:00Z");
}
