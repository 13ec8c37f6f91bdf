//! An SMTP server for tests, in the test process: it accepts mail on a
//! loopback port, records each message (envelope and data) and can be told
//! to refuse the next deliveries or to answer slowly.
//!
//! It speaks just enough SMTP for a client such as lettre: EHLO and HELO,
//! MAIL FROM, RCPT TO, DATA (dot-unstuffed), RSET, NOOP, VRFY and QUIT, with
//! 250, 354 and 221 replies, and 451 for a delivery it was told to fail. It
//! runs on a thread of its own with its own runtime, so it answers whatever
//! the test's thread is doing (blocking on a child process, say), and stops
//! when dropped. `bench/notify-driver` builds it too, as the benchmark's sink.

// Shared by several test binaries and the benchmark, each using a subset.
#![allow(dead_code)]

use std::net::SocketAddr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};
use tokio::net::{TcpListener, TcpStream};

/// The reply that refuses a delivery the sink was told to fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FailAt {
    /// `451` to `RCPT TO`.
    Rcpt,
    /// `451` to `DATA`.
    Data,
}

/// A message the sink accepted.
#[derive(Debug, Clone)]
pub struct Received {
    /// The envelope sender (`MAIL FROM`), without angle brackets.
    pub mail_from: String,
    /// The envelope recipients (`RCPT TO`), without angle brackets.
    pub rcpt_to: Vec<String>,
    /// The message as sent, dot-unstuffed, without the final `.` line.
    pub data: Vec<u8>,
    /// When it was accepted.
    pub at: SystemTime,
}

/// A delivery the sink refused because it was told to.
#[derive(Debug, Clone)]
pub struct Refused {
    /// Where it was refused.
    pub at_step: FailAt,
    /// The recipients named so far (the one refused, for `RCPT TO`).
    pub rcpt_to: Vec<String>,
    /// When.
    pub at: SystemTime,
}

/// Called with each message as it is accepted (the benchmark logs them).
pub type Observer = Arc<dyn Fn(&Received) + Send + Sync>;

/// How to start a sink.
#[derive(Clone, Default)]
pub struct Options {
    /// The port on 127.0.0.1; 0 for any free one.
    pub port: u16,
    /// Do not keep the messages (only count them and tell the observer).
    pub forget: bool,
    /// Told of each message accepted.
    pub observer: Option<Observer>,
}

#[derive(Default)]
struct State {
    received: Vec<Received>,
    accepted: usize,
    refused: Vec<Refused>,
    fail_next: usize,
    fail_at: Option<FailAt>,
    delay: Duration,
    in_flight: usize,
}

struct Shared {
    state: Mutex<State>,
    forget: bool,
    observer: Option<Observer>,
}

impl Shared {
    fn state(&self) -> MutexGuard<'_, State> {
        // A panic in a session cannot leave the state half-written.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Whether to refuse this delivery at `step` (and count it refused).
    fn refuse(&self, step: FailAt, rcpt_to: &[String]) -> bool {
        let mut state = self.state();
        if state.fail_next == 0 || state.fail_at != Some(step) {
            return false;
        }
        state.fail_next -= 1;
        state.refused.push(Refused {
            at_step: step,
            rcpt_to: rcpt_to.to_vec(),
            at: SystemTime::now(),
        });
        true
    }

    fn accept(&self, message: Received) -> usize {
        if let Some(observer) = &self.observer {
            observer(&message);
        }
        let mut state = self.state();
        state.accepted += 1;
        if !self.forget {
            state.received.push(message);
        }
        state.accepted
    }
}

/// A running sink; stops when dropped.
pub struct SmtpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl SmtpSink {
    /// A sink on a free loopback port that keeps every message.
    pub fn start() -> Self {
        Self::with(Options::default())
    }

    /// A sink as `options` say.
    pub fn with(options: Options) -> Self {
        let shared = Arc::new(Shared {
            state: Mutex::new(State::default()),
            forget: options.forget,
            observer: options.observer,
        });
        let listener = std::net::TcpListener::bind(("127.0.0.1", options.port))
            .unwrap_or_else(|e| panic!("the SMTP sink cannot listen on {}: {e}", options.port));
        listener
            .set_nonblocking(true)
            .expect("a non-blocking listener");
        let addr = listener.local_addr().expect("the sink's address");
        let (stop, stopped) = tokio::sync::oneshot::channel();
        let serving = shared.clone();
        let thread = std::thread::spawn(move || {
            let runtime = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("a runtime for the SMTP sink");
            runtime.block_on(async move {
                let listener = TcpListener::from_std(listener).expect("a tokio listener");
                tokio::select! {
                    _ = accept_loop(listener, serving) => {}
                    _ = stopped => {}
                }
            });
        });
        Self {
            addr,
            shared,
            stop: Some(stop),
            thread: Some(thread),
        }
    }

    /// The port it listens on (127.0.0.1).
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The messages accepted so far, in order.
    pub fn messages(&self) -> Vec<Received> {
        self.shared.state().received.clone()
    }

    /// How many messages were accepted so far.
    pub fn count(&self) -> usize {
        self.shared.state().accepted
    }

    /// The deliveries refused on purpose so far, in order.
    pub fn refused(&self) -> Vec<Refused> {
        self.shared.state().refused.clone()
    }

    /// Refuses the next `n` deliveries with `451` at `step`.
    pub fn fail_next(&self, n: usize, step: FailAt) {
        let mut state = self.shared.state();
        state.fail_next = n;
        state.fail_at = Some(step);
    }

    /// Waits `delay` between a message's data and the reply accepting it
    /// (a slow server); zero by default.
    pub fn set_delay(&self, delay: Duration) {
        self.shared.state().delay = delay;
    }

    /// Messages whose data has arrived and whose acceptance is not yet
    /// answered (only while a delay holds them).
    pub fn in_flight(&self) -> usize {
        self.shared.state().in_flight
    }

    /// Waits until at least `n` messages were accepted; returns them all.
    /// Panics, saying how many came, if they do not within `limit`.
    pub async fn wait_for(&self, n: usize, limit: Duration) -> Vec<Received> {
        let deadline = Instant::now() + limit;
        loop {
            let count = self.count();
            if count >= n {
                return self.messages();
            }
            assert!(
                Instant::now() < deadline,
                "the SMTP sink got {count} of {n} messages within {limit:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

async fn accept_loop(listener: TcpListener, shared: Arc<Shared>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let shared = shared.clone();
        tokio::spawn(async move {
            // A client that hangs up mid-session is none of the test's business.
            let _ = Session::new(stream, shared).run().await;
        });
    }
}

/// One SMTP connection.
struct Session {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    shared: Arc<Shared>,
    mail_from: Option<String>,
    rcpt_to: Vec<String>,
}

/// The address in `MAIL FROM:<a> PARAMS` or `RCPT TO:<a>`, after `prefix`.
fn address(command: &str, prefix: &str) -> Option<String> {
    let head = command.get(..prefix.len())?;
    if !head.eq_ignore_ascii_case(prefix) {
        return None;
    }
    let rest = command[prefix.len()..].trim_start();
    let inner = rest.strip_prefix('<')?;
    let end = inner.find('>')?;
    Some(inner[..end].to_owned())
}

impl Session {
    fn new(stream: TcpStream, shared: Arc<Shared>) -> Self {
        let _ = stream.set_nodelay(true);
        let (read, writer) = stream.into_split();
        Self {
            reader: BufReader::new(read),
            writer,
            shared,
            mail_from: None,
            rcpt_to: Vec::new(),
        }
    }

    async fn reply(&mut self, text: &str) -> std::io::Result<()> {
        // One write per reply: two small ones would meet Nagle's algorithm
        // and the client's delayed ACK, 40 ms a reply.
        self.writer
            .write_all(format!("{text}\r\n").as_bytes())
            .await
    }

    fn reset(&mut self) {
        self.mail_from = None;
        self.rcpt_to.clear();
    }

    async fn run(mut self) -> std::io::Result<()> {
        self.reply("220 kept-test-sink ESMTP").await?;
        let mut line = Vec::new();
        loop {
            line.clear();
            if self.reader.read_until(b'\n', &mut line).await? == 0 {
                return Ok(());
            }
            let command = String::from_utf8_lossy(&line).trim_end().to_owned();
            let verb = command
                .split_whitespace()
                .next()
                .unwrap_or_default()
                .to_ascii_uppercase();
            let answer = match verb.as_str() {
                "EHLO" => {
                    self.reset();
                    "250-kept-test-sink\r\n250-8BITMIME\r\n250 SMTPUTF8".to_owned()
                }
                "HELO" => {
                    self.reset();
                    "250 kept-test-sink".to_owned()
                }
                "MAIL" => match address(&command, "MAIL FROM:") {
                    Some(from) => {
                        self.reset();
                        self.mail_from = Some(from);
                        "250 2.1.0 OK".to_owned()
                    }
                    None => "501 5.5.4 MAIL FROM:<address>".to_owned(),
                },
                "RCPT" => self.rcpt(&command),
                "DATA" => match self.data().await? {
                    Some(answer) => answer,
                    None => return Ok(()),
                },
                "RSET" => {
                    self.reset();
                    "250 2.0.0 OK".to_owned()
                }
                "NOOP" => "250 2.0.0 OK".to_owned(),
                "VRFY" => "252 2.0.0 cannot verify".to_owned(),
                "QUIT" => {
                    self.reply("221 2.0.0 Bye").await?;
                    return Ok(());
                }
                _ => "500 5.5.2 command not recognised".to_owned(),
            };
            self.reply(&answer).await?;
        }
    }

    fn rcpt(&mut self, command: &str) -> String {
        if self.mail_from.is_none() {
            return "503 5.5.1 MAIL first".to_owned();
        }
        let Some(to) = address(command, "RCPT TO:") else {
            return "501 5.5.4 RCPT TO:<address>".to_owned();
        };
        if self.shared.refuse(FailAt::Rcpt, std::slice::from_ref(&to)) {
            return "451 4.3.0 try again later (the sink was told to fail)".to_owned();
        }
        self.rcpt_to.push(to);
        "250 2.1.5 OK".to_owned()
    }

    /// `DATA`: the reply, or `None` when the client hung up mid-message.
    async fn data(&mut self) -> std::io::Result<Option<String>> {
        if self.rcpt_to.is_empty() {
            return Ok(Some("503 5.5.1 RCPT first".to_owned()));
        }
        if self.shared.refuse(FailAt::Data, &self.rcpt_to) {
            self.reset();
            return Ok(Some(
                "451 4.3.0 try again later (the sink was told to fail)".to_owned(),
            ));
        }
        self.reply("354 End data with <CR><LF>.<CR><LF>").await?;
        let mut data = Vec::new();
        let mut line = Vec::new();
        loop {
            line.clear();
            if self.reader.read_until(b'\n', &mut line).await? == 0 {
                return Ok(None);
            }
            if line == b".\r\n" || line == b".\n" {
                break;
            }
            // Dot-unstuffing (RFC 5321 4.5.2): a leading dot was doubled.
            let start = usize::from(line.first() == Some(&b'.'));
            data.extend_from_slice(&line[start..]);
        }
        let delay = {
            let mut state = self.shared.state();
            state.in_flight += 1;
            state.delay
        };
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
        // Accepted once the data is in, as a real server takes
        // responsibility: a client killed before it reads the reply will
        // send the message again.
        let number = self.shared.accept(Received {
            mail_from: self.mail_from.clone().unwrap_or_default(),
            rcpt_to: self.rcpt_to.clone(),
            data,
            at: SystemTime::now(),
        });
        self.shared.state().in_flight -= 1;
        self.reset();
        Ok(Some(format!("250 2.0.0 OK queued as {number}")))
    }
}
