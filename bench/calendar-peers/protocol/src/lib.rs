//! The protocol every runner of `bench/calendar_vs_peers.sh` speaks, for the
//! Rust runners.
//!
//! ```text
//! RUNNER add BUDGET_SECONDS INPUT OUTPUT
//! RUNNER elapsed INPUT OUTPUT
//! ```
//!
//! Input for `add`: one start per line, Unix epoch seconds (UTC). Input for
//! `elapsed`: `from to` per line, epoch seconds. Output: one answer per line,
//! the due instant in epoch seconds or the business seconds between the two
//! instants, or `ERR <short reason>` when the engine failed on that line.
//!
//! The runner times only its compute loop (after reading the input, building
//! the calendar and converting the input to the engine's own instant type) and
//! prints one line to stdout:
//!
//! ```text
//! engine=ule-hours op=add budget=14400 n=100000 seconds=0.0473 per_sec=2114000 build_seconds=0.000012
//! ```
//!
//! The holidays come from the iCalendar file named by `HOLIDAYS_ICS` (by
//! default `bench/data/england-and-wales.ics`); Kept's own calendar from the
//! TOML file named by `KEPT_CALENDAR_TOML`.

use std::fmt::Display;
use std::io::{BufWriter, Write};
use std::path::PathBuf;
use std::time::Duration;

/// What to compute.
pub enum Op {
    /// Due instants: `budget` business seconds after each start.
    Add {
        /// The budget in seconds.
        budget: u64,
        /// The starts, epoch seconds.
        starts: Vec<i64>,
    },
    /// Business seconds between each pair.
    Elapsed {
        /// `(from, to)` pairs, epoch seconds.
        pairs: Vec<(i64, i64)>,
    },
}

/// A parsed command line.
pub struct Args {
    /// The operation and its input.
    pub op: Op,
    /// Where the answers go.
    pub output: PathBuf,
}

fn usage(engine: &str) -> ! {
    eprintln!("usage: {engine} add BUDGET_SECONDS INPUT OUTPUT | {engine} elapsed INPUT OUTPUT");
    std::process::exit(2)
}

fn read(path: &str) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| {
        eprintln!("cannot read {path}: {e}");
        std::process::exit(2)
    })
}

fn int(s: &str) -> i64 {
    s.trim().parse().unwrap_or_else(|e| {
        eprintln!("not an integer: {s:?}: {e}");
        std::process::exit(2)
    })
}

impl Args {
    /// Parses `std::env::args()`; exits with status 2 on a malformed command line or input.
    pub fn from_env(engine: &str) -> Args {
        let args: Vec<String> = std::env::args().skip(1).collect();
        match args
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["add", budget, input, output] => Args {
                op: Op::Add {
                    budget: u64::try_from(int(budget)).unwrap_or_else(|_| usage(engine)),
                    starts: read(input)
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(int)
                        .collect(),
                },
                output: PathBuf::from(output),
            },
            ["elapsed", input, output] => Args {
                op: Op::Elapsed {
                    pairs: read(input)
                        .lines()
                        .filter(|l| !l.trim().is_empty())
                        .map(|l| {
                            let mut it = l.split_whitespace();
                            match (it.next(), it.next()) {
                                (Some(a), Some(b)) => (int(a), int(b)),
                                _ => {
                                    eprintln!("not a `from to` pair: {l:?}");
                                    std::process::exit(2)
                                }
                            }
                        })
                        .collect(),
                },
                output: PathBuf::from(output),
            },
            _ => usage(engine),
        }
    }
}

fn data_file(var: &str, name: &str) -> PathBuf {
    std::env::var_os(var).map(PathBuf::from).unwrap_or_else(|| {
        PathBuf::from(env!("CARGO_MANIFEST_DIR"))
            .join("../../data")
            .join(name)
    })
}

/// The holiday dates `(year, month, day)` of the all-day events in the
/// iCalendar file `HOLIDAYS_ICS` (default `bench/data/england-and-wales.ics`).
pub fn holidays() -> Vec<(i16, i8, i8)> {
    let path = data_file("HOLIDAYS_ICS", "england-and-wales.ics");
    let text = read(path.to_str().expect("a UTF-8 path"));
    let dates: Vec<(i16, i8, i8)> = text
        .lines()
        .filter_map(|l| l.trim_end().strip_prefix("DTSTART;VALUE=DATE:"))
        .map(|d| {
            let bad = || -> ! {
                eprintln!("{}: not a date: {d:?}", path.display());
                std::process::exit(2)
            };
            if d.len() != 8 {
                bad()
            }
            (
                d[0..4].parse().unwrap_or_else(|_| bad()),
                d[4..6].parse().unwrap_or_else(|_| bad()),
                d[6..8].parse().unwrap_or_else(|_| bad()),
            )
        })
        .collect();
    if dates.is_empty() {
        eprintln!("{}: no all-day events", path.display());
        std::process::exit(2)
    }
    dates
}

/// Kept's calendar file `KEPT_CALENDAR_TOML` (default `bench/data/london-9-17.toml`).
pub fn kept_calendar_toml() -> String {
    let path = data_file("KEPT_CALENDAR_TOML", "london-9-17.toml");
    read(path.to_str().expect("a UTF-8 path"))
}

/// Writes the answers, one a line, then prints the report line.
pub fn finish<E: Display>(
    engine: &str,
    args: &Args,
    answers: impl IntoIterator<Item = Result<i64, E>>,
    compute: Duration,
    build: Duration,
) {
    let file = std::fs::File::create(&args.output).unwrap_or_else(|e| {
        eprintln!("cannot write {}: {e}", args.output.display());
        std::process::exit(2)
    });
    let mut out = BufWriter::new(file);
    for a in answers {
        match a {
            Ok(v) => writeln!(out, "{v}"),
            // one short line: no newlines from an error's text
            Err(e) => writeln!(out, "ERR {}", e.to_string().replace(['\n', '\r'], " ")),
        }
        .expect("write the output");
    }
    out.flush().expect("write the output");
    let (op, n) = match &args.op {
        Op::Add { budget, starts } => (format!("op=add budget={budget}"), starts.len()),
        Op::Elapsed { pairs } => ("op=elapsed".to_string(), pairs.len()),
    };
    let secs = compute.as_secs_f64();
    let per_sec = if secs > 0.0 { n as f64 / secs } else { 0.0 };
    println!(
        "engine={engine} {op} n={n} seconds={secs:.6} per_sec={per_sec:.0} build_seconds={:.6}",
        build.as_secs_f64()
    );
}
