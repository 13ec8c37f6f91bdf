//! Mail-out tests' shared parts: `kept serve` pointed at an SMTP sink, and
//! the messages the sink received, read back with `mail-parser`. A test
//! includes it beside `mod common;` and `smtp_sink` (both by those names).

// Shared by several test binaries, each of which uses a subset.
#![allow(dead_code)]

use std::collections::HashMap;

use crate::common::{Sandbox, Server};
use crate::smtp_sink::Received;

/// The domain of the sender, hence of Message-IDs and thread roots.
pub const DOMAIN: &str = "kept.test";
/// The sender every server is configured with.
pub const FROM: &str = "Kept desk <desk@kept.test>";
/// The address replies go to, before the `+token`.
pub const REPLY_TO: &str = "reply@kept.test";

/// `kept serve` on `url`, sending mail to the sink on `sink_port` over
/// plain SMTP, its delivery job every 100 ms; `extra` sets more `KEPT_*`
/// variables. Its stderr goes to `serve-{label}.stderr` in the sandbox.
pub fn serve(
    sandbox: &Sandbox,
    url: &str,
    sink_port: u16,
    label: &str,
    extra: &[(&str, &str)],
) -> Server {
    let mut command = sandbox.process();
    command
        .arg("serve")
        .env("KEPT_ADDR", "127.0.0.1:0")
        .env("KEPT_DATABASE_URL", url)
        .env("KEPT_SMTP_HOST", "127.0.0.1")
        .env("KEPT_SMTP_PORT", sink_port.to_string())
        .env("KEPT_SMTP_TLS", "none")
        .env("KEPT_OUTBOX_INTERVAL_MS", "100")
        .env("KEPT_MAIL_FROM", FROM)
        .env("KEPT_MAIL_REPLY_TO", REPLY_TO);
    for (name, value) in extra {
        command.env(name, value);
    }
    Server::start(command, &sandbox.file(&format!("serve-{label}.stderr")))
}

/// A received message, read back.
#[derive(Debug, Clone)]
pub struct Mail {
    /// The envelope recipients.
    pub rcpt_to: Vec<String>,
    /// `To`'s address.
    pub to: String,
    /// `Message-ID`, with its angle brackets.
    pub message_id: String,
    /// `In-Reply-To`, as written.
    pub in_reply_to: Option<String>,
    /// `References`, as written.
    pub references: Option<String>,
    /// `Reply-To`'s address.
    pub reply_to: Option<String>,
    /// The subject.
    pub subject: String,
    /// `Auto-Submitted`.
    pub auto_submitted: Option<String>,
    /// `List-Unsubscribe`, unfolded.
    pub list_unsubscribe: Option<String>,
    /// `List-Unsubscribe-Post`.
    pub list_unsubscribe_post: Option<String>,
    /// The top-level `Content-Type`, unfolded.
    pub content_type: String,
    /// The plain-text part (the first, if several).
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// How many text/plain and text/html parts it has.
    pub parts: (usize, usize),
}

/// A header as written, unfolded and trimmed.
fn raw(message: &mail_parser::Message<'_>, name: &str) -> Option<String> {
    message
        .header_raw(name)
        .map(|v| v.replace("\r\n", "").replace('\n', "").trim().to_owned())
}

impl Mail {
    /// Reads `received` (panics on what `mail-parser` cannot read).
    pub fn parse(received: &Received) -> Self {
        let message = mail_parser::MessageParser::default()
            .parse(&received.data)
            .unwrap_or_else(|| {
                panic!(
                    "an unreadable message:\n{}",
                    String::from_utf8_lossy(&received.data)
                )
            });
        let address = |a: Option<&mail_parser::Address<'_>>| {
            a.and_then(|a| a.first())
                .and_then(|a| a.address())
                .map(str::to_owned)
        };
        let html_parts = message.html_body_count();
        let text_parts = message
            .text_bodies()
            .filter(|p| p.is_text() && !p.is_text_html())
            .count();
        Self {
            rcpt_to: received.rcpt_to.clone(),
            to: address(message.to()).unwrap_or_default(),
            message_id: raw(&message, "Message-ID").unwrap_or_default(),
            in_reply_to: raw(&message, "In-Reply-To"),
            references: raw(&message, "References"),
            reply_to: address(message.reply_to()),
            subject: message.subject().unwrap_or_default().to_owned(),
            auto_submitted: raw(&message, "Auto-Submitted"),
            list_unsubscribe: raw(&message, "List-Unsubscribe"),
            list_unsubscribe_post: raw(&message, "List-Unsubscribe-Post"),
            content_type: raw(&message, "Content-Type").unwrap_or_default(),
            text: message
                .body_text(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            html: message
                .body_html(0)
                .map(|t| t.into_owned())
                .unwrap_or_default(),
            parts: (text_parts, html_parts),
        }
    }

    /// The delivery id its Message-ID names (`<{id}@kept.test>`).
    pub fn delivery_id(&self) -> String {
        self.message_id
            .trim_start_matches('<')
            .trim_end_matches(&format!("@{DOMAIN}>"))
            .to_owned()
    }
}

/// All of `received`, read back.
pub fn parse_all(received: &[Received]) -> Vec<Mail> {
    received.iter().map(Mail::parse).collect()
}

/// How often each value of `key` occurs in `mails`, for those more than once.
pub fn repeated<K: std::hash::Hash + Eq + Clone>(
    mails: &[Mail],
    key: impl Fn(&Mail) -> K,
) -> HashMap<K, usize> {
    let mut counts: HashMap<K, usize> = HashMap::new();
    for mail in mails {
        *counts.entry(key(mail)).or_default() += 1;
    }
    counts.retain(|_, n| *n > 1);
    counts
}
