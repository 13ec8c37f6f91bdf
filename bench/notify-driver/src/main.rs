//! The driver of `bench/notify.sh`.
//!
//! `notify-driver sink PORT LOG`: an SMTP sink on 127.0.0.1:PORT (the
//! tests' own, `crates/cli/tests/common/smtp_sink.rs`) that keeps nothing
//! and appends a line `MICROS MESSAGE-ID` to LOG as each message is
//! accepted (microseconds since the Unix epoch); runs until killed.
//!
//! `notify-driver load URL TOKEN BODY_FILE COUNT CONCURRENCY [RATE DONE_LOG]`:
//! COUNT `POST URL` with the JSON in BODY_FILE as the bearer of TOKEN,
//! from CONCURRENCY connections; prints one line of JSON: the rate, the
//! latency percentiles, the status codes, and when the load began and
//! ended. With RATE (requests per second), request `i` is not sent before
//! `i / RATE` seconds from the start (an open-loop pace, not as fast as
//! the server answers), and the instant each was answered is written to
//! DONE_LOG, one line of microseconds each.

#[path = "../../../crates/cli/tests/common/smtp_sink.rs"]
mod smtp_sink;

use std::collections::BTreeMap;
use std::io::{LineWriter, Write};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use smtp_sink::{Observer, Options, Received, SmtpSink};

type Failure = Box<dyn std::error::Error + Send + Sync>;

fn micros(at: SystemTime) -> u128 {
    at.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_micros())
}

/// The value of the message's `Message-ID` header, or `-`.
fn message_id(data: &[u8]) -> String {
    let text = String::from_utf8_lossy(data);
    text.split("\r\n")
        .take_while(|line| !line.is_empty())
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("message-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_else(|| "-".to_owned())
}

fn sink(port: u16, log: &str) -> Result<(), Failure> {
    let file = Mutex::new(LineWriter::new(std::fs::File::create(log)?));
    let observer: Observer = Arc::new(move |message: &Received| {
        let line = format!("{} {}\n", micros(message.at), message_id(&message.data));
        if let Ok(mut file) = file.lock() {
            let _ = file.write_all(line.as_bytes());
        }
    });
    let _sink = SmtpSink::with(Options {
        port,
        forget: true,
        observer: Some(observer),
    });
    println!("the SMTP sink listens on 127.0.0.1:{port}");
    loop {
        std::thread::park();
    }
}

/// What the load's clients saw.
#[derive(Default)]
struct Seen {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    errors: usize,
    done: Vec<u128>,
}

/// The shared schedule of a load.
struct Plan {
    next: AtomicUsize,
    count: usize,
    /// With a pace: when the load started, and the gap between requests.
    pace: Option<(tokio::time::Instant, Duration)>,
}

async fn client(
    http: reqwest::Client,
    url: Arc<str>,
    auth: Arc<str>,
    body: Arc<str>,
    plan: Arc<Plan>,
) -> Seen {
    let mut seen = Seen::default();
    loop {
        let i = plan.next.fetch_add(1, Ordering::Relaxed);
        if i >= plan.count {
            break;
        }
        if let Some((start, gap)) = plan.pace {
            tokio::time::sleep_until(start + gap * u32::try_from(i).unwrap_or(u32::MAX)).await;
        }
        let started = Instant::now();
        let sent = http
            .post(&*url)
            .header("Authorization", &*auth)
            .header("Content-Type", "application/json")
            .body(body.to_string())
            .send()
            .await;
        match sent {
            Ok(response) => {
                let status = response.status().as_u16();
                let _ = response.bytes().await;
                seen.latencies.push(started.elapsed());
                seen.done.push(micros(SystemTime::now()));
                *seen.statuses.entry(status).or_default() += 1;
            }
            Err(_) => seen.errors += 1,
        }
    }
    seen
}

async fn load(args: &[String]) -> Result<(), Failure> {
    let (url, token, body_file, count, concurrency, paced) = match args {
        [url, token, body_file, count, concurrency] => {
            (url, token, body_file, count, concurrency, None)
        }
        [url, token, body_file, count, concurrency, rate, done_log] => (
            url,
            token,
            body_file,
            count,
            concurrency,
            Some((rate.parse::<f64>()?, done_log)),
        ),
        _ => return Err("load URL TOKEN BODY_FILE COUNT CONCURRENCY [RATE DONE_LOG]".into()),
    };
    let (count, concurrency): (usize, usize) = (count.parse()?, concurrency.parse()?);
    let body: Arc<str> = std::fs::read_to_string(body_file)?.trim().into();
    let (url, auth): (Arc<str>, Arc<str>) = (url.as_str().into(), format!("Bearer {token}").into());
    let http = reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .build()?;
    let plan = Arc::new(Plan {
        next: AtomicUsize::new(0),
        count,
        pace: paced
            .as_ref()
            .map(|(rate, _)| (tokio::time::Instant::now(), Duration::from_secs_f64(1.0 / rate))),
    });
    let began = SystemTime::now();
    let started = Instant::now();
    let mut tasks = Vec::with_capacity(concurrency);
    for _ in 0..concurrency {
        let (http, url, auth, body, plan) = (
            http.clone(),
            url.clone(),
            auth.clone(),
            body.clone(),
            plan.clone(),
        );
        tasks.push(tokio::spawn(client(http, url, auth, body, plan)));
    }
    let mut all = Seen::default();
    for task in tasks {
        let seen = task.await?;
        all.latencies.extend(seen.latencies);
        all.errors += seen.errors;
        all.done.extend(seen.done);
        for (status, n) in seen.statuses {
            *all.statuses.entry(status).or_default() += n;
        }
    }
    let secs = started.elapsed().as_secs_f64();
    let ended = SystemTime::now();
    if let Some((_, done_log)) = &paced {
        all.done.sort_unstable();
        let lines: Vec<String> = all.done.iter().map(u128::to_string).collect();
        std::fs::write(done_log, lines.join("\n") + "\n")?;
    }
    all.latencies.sort();
    let percentile = |p: f64| {
        let n = all.latencies.len();
        if n == 0 {
            return 0.0;
        }
        let i = ((n as f64 * p).ceil() as usize).clamp(1, n) - 1;
        all.latencies[i].as_secs_f64() * 1000.0
    };
    let statuses: Vec<String> = all
        .statuses
        .iter()
        .map(|(s, n)| format!("\"{s}\": {n}"))
        .collect();
    println!(
        "{{\"count\": {count}, \"concurrency\": {concurrency}, \"secs\": {secs:.3}, \
         \"rps\": {:.1}, \"p50_ms\": {:.2}, \"p99_ms\": {:.2}, \"statuses\": {{{}}}, \
         \"errors\": {}, \"began_us\": {}, \"ended_us\": {}}}",
        count as f64 / secs,
        percentile(0.50),
        percentile(0.99),
        statuses.join(", "),
        all.errors,
        micros(began),
        micros(ended),
    );
    Ok(())
}

#[tokio::main]
async fn main() -> Result<(), Failure> {
    let args: Vec<String> = std::env::args().collect();
    match args.get(1).map(String::as_str) {
        Some("sink") if args.len() == 4 => sink(args[2].parse()?, &args[3]),
        Some("load") => load(&args[2..]).await,
        _ => {
            eprintln!(
                "usage: notify-driver sink PORT LOG | load URL TOKEN BODY_FILE COUNT CONCURRENCY [RATE DONE_LOG]"
            );
            std::process::exit(2);
        }
    }
}
