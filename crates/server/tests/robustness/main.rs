//! Black-box robustness tests of the HTTP API: bad input of every kind,
//! random input to every route, the OpenAPI document checked against the
//! router, idempotent retries, the operations endpoints, and the same API on
//! PostgreSQL. Each test runs a real server on a random port over a fresh
//! database.

#[path = "../api/helpers.rs"]
mod helpers;

mod bad_input;
mod fuzz;
mod idempotency;
mod openapi;
mod openapi_snapshot;
mod ops;
mod postgres;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

/// A response read off the wire, whatever it holds.
#[derive(Debug)]
pub struct Raw {
    /// The status code.
    pub status: u16,
    /// The headers, names lower-cased.
    pub headers: Vec<(String, String)>,
    /// The body as text (lossily, if it is not UTF-8).
    pub body: String,
}

impl Raw {
    /// The first header named `name` (lower case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Checks that a response of `status` is well-formed: an error is a problem
/// document whose `status` matches, anything else with a body is JSON.
/// Returns why not, to be reported with the request that caused it.
pub fn check_well_formed(status: u16, content_type: &str, body: &str) -> Result<(), String> {
    if status >= 500 {
        return Err(format!("server error {status}: {body}"));
    }
    if status >= 400 {
        if content_type != "application/problem+json" {
            return Err(format!(
                "error {status} is `{content_type}`, not application/problem+json: {body}"
            ));
        }
        let problem: Value = serde_json::from_str(body)
            .map_err(|e| format!("error {status} is not JSON ({e}): {body}"))?;
        let type_ok = problem["type"]
            .as_str()
            .is_some_and(|t| t.starts_with("/problems/"));
        if !type_ok || !problem["title"].is_string() || problem["status"] != status {
            return Err(format!("error {status} is not a problem document: {body}"));
        }
    } else if !body.is_empty() && serde_json::from_str::<Value>(body).is_err() {
        return Err(format!("success {status} is not JSON: {body}"));
    }
    Ok(())
}

/// Sends `head` (a request line and headers, without the blank line) and
/// then `body` in `chunks`, each as an HTTP/1.1 chunk when `chunked`, over a
/// plain TCP connection; reads the response while still writing, as a
/// server may answer (413) before the body is complete.
pub async fn raw_request(address: &str, head: String, body: Vec<u8>, chunked: bool) -> Raw {
    let host = address
        .strip_prefix("http://")
        .expect("the test server speaks plain HTTP")
        .to_owned();
    tokio::task::spawn_blocking(move || {
        let stream = TcpStream::connect(&host).expect("connecting to the test server");
        stream
            .set_read_timeout(Some(Duration::from_secs(10)))
            .expect("setting a read timeout");
        stream
            .set_write_timeout(Some(Duration::from_secs(5)))
            .expect("setting a write timeout");
        let mut writer = stream.try_clone().expect("cloning the stream");
        let sender = std::thread::spawn(move || -> std::io::Result<()> {
            writer.write_all(head.as_bytes())?;
            writer.write_all(b"\r\n")?;
            for chunk in body.chunks(64 * 1024) {
                if chunked {
                    writer.write_all(format!("{:x}\r\n", chunk.len()).as_bytes())?;
                    writer.write_all(chunk)?;
                    writer.write_all(b"\r\n")?;
                } else {
                    writer.write_all(chunk)?;
                }
            }
            if chunked {
                writer.write_all(b"0\r\n\r\n")?;
            }
            writer.flush()
        });
        let raw = read_response(stream);
        // The server may stop reading once it has answered: a failed write is expected.
        let _ = sender.join();
        raw
    })
    .await
    .expect("the raw request thread")
}

fn read_response(mut stream: TcpStream) -> Raw {
    let mut buffer = Vec::new();
    let mut chunk = [0_u8; 16 * 1024];
    loop {
        if let Some(raw) = parse_response(&buffer) {
            return raw;
        }
        match stream.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    }
    parse_response(&buffer).unwrap_or_else(|| {
        panic!(
            "no complete HTTP response; got: {}",
            String::from_utf8_lossy(&buffer)
        )
    })
}

/// A response, once `bytes` hold its head and its whole (content-length) body.
fn parse_response(bytes: &[u8]) -> Option<Raw> {
    let end = bytes.windows(4).position(|w| w == b"\r\n\r\n")?;
    let head = String::from_utf8_lossy(&bytes[..end]);
    let mut lines = head.split("\r\n");
    let status_line = lines.next()?;
    let status: u16 = status_line.split(' ').nth(1)?.parse().ok()?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    if status == 100 {
        // An interim response: the real one follows it.
        return parse_response(&bytes[end + 4..]);
    }
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())?;
    let body = bytes.get(end + 4..end + 4 + length)?;
    Some(Raw {
        status,
        headers,
        body: String::from_utf8_lossy(body).into_owned(),
    })
}
