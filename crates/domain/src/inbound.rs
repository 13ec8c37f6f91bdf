//! Mail in: what became of a message, the rule that keeps two systems from
//! answering each other for ever, and the limits on what is taken in.
//!
//! A message that looks automatic (an out-of-office reply, a bounce, a
//! list's mail) never creates or answers anything: answering an
//! auto-reply with another is how two systems loop.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The largest message taken in, in bytes (20 MiB), headers and
/// attachments included.
pub const MAX_MESSAGE_BYTES: usize = 20 * 1024 * 1024;

named_enum!(
    /// What a received message did.
    InboundOutcome, "an inbound outcome" {
        /// It became a public reply on a request.
        Replied => "replied",
        /// It raised a request.
        Raised => "raised",
        /// It was refused, with a reason (answered when its sender is known).
        Refused => "refused",
        /// It looked automatic (an auto-reply, a bounce, a list's mail):
        /// nothing was done, nothing answered.
        Ignored => "ignored",
        /// Nobody with an active login has its From address: nothing was
        /// done and nothing answered (no backscatter to forged senders).
        UnknownSender => "unknown_sender",
    }
);

/// An attachment that was not kept: its file name and size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    /// Its file name (`attachment` when it has none).
    pub name: String,
    /// Its size in bytes, decoded.
    pub size: u64,
}

impl fmt::Display for Attachment {
    /// `a.pdf (12 kB)`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} ({})", self.name, size_in_words(self.size))
    }
}

/// A size as people read it: `512 bytes`, `12 kB`, `3.4 MB`.
pub fn size_in_words(bytes: u64) -> String {
    match bytes {
        0..1_000 => format!("{bytes} bytes"),
        1_000..1_000_000 => format!("{} kB", bytes.div_ceil(1_000)),
        _ => format!("{:.1} MB", bytes as f64 / 1_000_000.0),
    }
}

/// What a message's headers say about who sent it, for [`automatic`].
/// Each header is its raw value, unfolded, if present.
#[derive(Debug, Clone, Copy, Default)]
pub struct Signals<'a> {
    /// `Auto-Submitted` (RFC 3834).
    pub auto_submitted: Option<&'a str>,
    /// `Precedence`.
    pub precedence: Option<&'a str>,
    /// `Return-Path`.
    pub return_path: Option<&'a str>,
    /// `X-Autoreply` (any value).
    pub x_autoreply: Option<&'a str>,
    /// `X-Auto-Response-Suppress`.
    pub x_auto_response_suppress: Option<&'a str>,
    /// The top-level content type, `type/subtype`.
    pub content_type: Option<&'a str>,
    /// The From address.
    pub from: Option<&'a str>,
}

/// Why a message is automatic, or `None` when a person seems to have
/// written it.
pub fn automatic(s: &Signals<'_>) -> Option<String> {
    let clean = |v: Option<&str>| v.map(|v| v.trim().to_ascii_lowercase());
    if let Some(value) = clean(s.auto_submitted)
        // `no` may carry comments or parameters: `no (manual)`.
        && value.split([' ', ';', '(']).next().is_none_or(|v| v != "no")
    {
        return Some(format!("Auto-Submitted: {value}"));
    }
    if let Some(value) = clean(s.precedence)
        && ["bulk", "junk", "list", "auto_reply"].contains(&value.as_str())
    {
        return Some(format!("Precedence: {value}"));
    }
    if let Some(value) = clean(s.return_path)
        && value.replace(char::is_whitespace, "") == "<>"
    {
        return Some("a null return path (Return-Path: <>)".into());
    }
    if s.x_autoreply.is_some() {
        return Some("X-Autoreply".into());
    }
    if clean(s.x_auto_response_suppress)
        .is_some_and(|v| v.split(',').any(|item| item.trim() == "all"))
    {
        return Some("X-Auto-Response-Suppress: All".into());
    }
    if clean(s.content_type).is_some_and(|t| t == "multipart/report") {
        return Some("a delivery report (multipart/report)".into());
    }
    if let Some(from) = clean(s.from) {
        let local = from.split('@').next().unwrap_or_default();
        if ["mailer-daemon", "postmaster"].contains(&local) {
            return Some(format!("sent by {local}"));
        }
    }
    None
}

/// The reply token an address carries after a `+` in its local part
/// (`kept+r42-0a1b…@example.com` carries `r42-0a1b…`), if any.
pub fn reply_token(address: &str) -> Option<&str> {
    let (local, _) = address.rsplit_once('@')?;
    let (_, token) = local.split_once('+')?;
    (!token.is_empty()).then_some(token)
}

/// A subject as one line: every control character (line breaks among
/// them) and run of white space becomes one space; cut to `max` characters.
pub fn one_line(raw: &str, max: usize) -> String {
    let spaced: String = raw
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let cut: String = spaced
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .chars()
        .take(max)
        .collect();
    // A cut may end on the space between two words.
    cut.trim_end().to_owned()
}

/// Whether a decoded header value holds a line break: the mark of a header
/// injection (an encoded word hiding `\r\nBcc: …`), never of honest mail,
/// whose folded lines are unfolded before they are decoded.
pub fn breaks_lines(value: &str) -> bool {
    value.contains(['\r', '\n'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn from(address: &'static str) -> Signals<'static> {
        Signals {
            from: Some(address),
            ..Signals::default()
        }
    }

    #[test]
    fn mail_a_person_wrote_is_not_automatic() {
        assert_eq!(automatic(&from("tom.reed@harbour.example")), None);
        let manual = Signals {
            auto_submitted: Some(" No (manual)"),
            precedence: Some("first-class"),
            return_path: Some("<tom@harbour.example>"),
            x_auto_response_suppress: Some("OOF, AutoReply"),
            content_type: Some("multipart/alternative"),
            ..from("tom@harbour.example")
        };
        assert_eq!(automatic(&manual), None);
    }

    #[test]
    fn each_mark_of_a_machine_makes_a_message_automatic() {
        let cases = [
            Signals {
                auto_submitted: Some("auto-replied"),
                ..Signals::default()
            },
            Signals {
                precedence: Some("Bulk"),
                ..Signals::default()
            },
            Signals {
                precedence: Some("junk"),
                ..Signals::default()
            },
            Signals {
                precedence: Some("list"),
                ..Signals::default()
            },
            Signals {
                return_path: Some("< >"),
                ..Signals::default()
            },
            Signals {
                x_autoreply: Some("yes"),
                ..Signals::default()
            },
            Signals {
                x_auto_response_suppress: Some("All"),
                ..Signals::default()
            },
            Signals {
                content_type: Some("multipart/report"),
                ..Signals::default()
            },
            from("MAILER-DAEMON@mx.example"),
            from("postmaster@harbour.example"),
        ];
        for case in cases {
            assert!(automatic(&case).is_some(), "{case:?}");
        }
    }

    #[test]
    fn a_reply_token_is_read_from_the_local_part() {
        assert_eq!(reply_token("kept+r42-0a1b@kept.example"), Some("r42-0a1b"));
        assert_eq!(reply_token("kept@kept.example"), None);
        assert_eq!(reply_token("kept+@kept.example"), None);
        assert_eq!(reply_token("kept+r1"), None);
    }

    #[test]
    fn a_subject_is_one_line_whatever_it_held() {
        assert_eq!(
            one_line("Leak\r\nBcc: x@evil.example\t in\u{0}  aisle", 200),
            "Leak Bcc: x@evil.example in aisle"
        );
        assert_eq!(one_line("abcdef", 3), "abc");
        assert_eq!(one_line("ab cd", 3), "ab", "no space is left at the cut");
        assert!(breaks_lines("a\nb") && breaks_lines("a\rb") && !breaks_lines("a b"));
    }

    #[test]
    fn sizes_read_as_people_write_them() {
        assert_eq!(size_in_words(512), "512 bytes");
        assert_eq!(size_in_words(12_000), "12 kB");
        assert_eq!(size_in_words(12_001), "13 kB");
        assert_eq!(size_in_words(3_400_000), "3.4 MB");
        let a = Attachment {
            name: "a.pdf".into(),
            size: 12_000,
        };
        assert_eq!(a.to_string(), "a.pdf (12 kB)");
    }
}
