//! Reading a message mailed in (RFC 5322 and MIME, with `mail-parser`)
//! into the few things Kept acts on. A message that cannot be read safely
//! is refused whole: too large, not a message, MIME that does not hold
//! together, or a header that hides a line break.

use std::panic::AssertUnwindSafe;

use kept_domain::inbound::{self, MAX_MESSAGE_BYTES, Signals, breaks_lines, one_line};
use kept_domain::{Attachment, request};
use mail_parser::{Address, HeaderValue, Message, MessageParser, MimeHeaders, PartType};
use sha2::{Digest, Sha256};

use super::text::own_words;
use crate::error::{Error, Kind};

/// Longest Message-ID kept as sent; a longer one is replaced by a hash.
const MAX_MESSAGE_ID: usize = 250;
/// Longest attachment name kept.
const MAX_NAME: usize = 200;

/// A message mailed in, as Kept reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InboundMessage {
    /// The From address, lower-cased.
    pub from: String,
    /// The To, Cc and Delivered-To addresses, lower-cased, each once.
    pub recipients: Vec<String>,
    /// The subject, one line (empty when it has none).
    pub subject: String,
    /// The Message-ID without its angle brackets, or `sha256:` and the hash
    /// of the message's bytes when it has none (so a repeat is still known).
    pub message_id: String,
    /// The Message-IDs it answers (In-Reply-To, then References).
    pub in_reply_to: Vec<String>,
    /// Why it looks automatic (an auto-reply, a bounce), if it does.
    pub automatic: Option<String>,
    /// The sender's own text: the plain-text part (or the HTML one without
    /// its tags), without the quoted message and the signature.
    pub text: String,
    /// Its attachments, which are not kept.
    pub attachments: Vec<Attachment>,
}

/// Why a message was not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Unreadable {
    /// Over [`MAX_MESSAGE_BYTES`]; its size.
    TooLarge(usize),
    /// Not a message, or MIME that does not hold together; what is wrong.
    Malformed(String),
    /// A header hides a line break; which one.
    Unsafe(String),
}

impl From<Unreadable> for Error {
    fn from(why: Unreadable) -> Self {
        match why {
            Unreadable::TooLarge(size) => Error::new(Kind::MailTooLarge).detail(format!(
                "the message is {size} bytes; at most {MAX_MESSAGE_BYTES} bytes (20 MiB) are taken in"
            )),
            Unreadable::Malformed(why) => Error::new(Kind::MalformedMail).detail(why),
            Unreadable::Unsafe(header) => Error::new(Kind::UnsafeMail).detail(format!(
                "the {header} header hides a line break (a header injection); nothing in the message was acted on"
            )),
        }
    }
}

/// Reads `raw`, or says why it cannot be read.
pub fn parse(raw: &[u8]) -> Result<InboundMessage, Unreadable> {
    if raw.len() > MAX_MESSAGE_BYTES {
        return Err(Unreadable::TooLarge(raw.len()));
    }
    // mail-parser recovers from MIME it cannot follow, but a debug build of
    // it asserts on some of that first (`debug_assert!`); such a message is
    // refused here rather than taking a debug server's handler down.
    let parsed = std::panic::catch_unwind(AssertUnwindSafe(|| MessageParser::default().parse(raw)))
        .map_err(|_| {
            Unreadable::Malformed("the message's MIME structure cannot be followed".into())
        })?;
    let message = parsed.ok_or_else(|| {
        Unreadable::Malformed("the body is not an email message: it has no headers".into())
    })?;
    check_mime(&message)?;
    check_headers(&message)?;
    let from = message
        .from()
        .and_then(Address::first)
        .and_then(|a| a.address())
        .map(|a| a.trim().to_lowercase())
        .filter(|a| a.contains('@'))
        .ok_or_else(|| Unreadable::Malformed("the message has no From address".into()))?;
    Ok(InboundMessage {
        recipients: recipients(&message),
        subject: one_line(message.subject().unwrap_or_default(), request::MAX_SUBJECT),
        message_id: message_id(&message, raw),
        in_reply_to: answered(&message),
        automatic: inbound::automatic(&signals(&message, &from)),
        text: message
            .body_text(0)
            .map(|t| own_words(&t))
            .unwrap_or_default(),
        attachments: attachments(&message),
        from,
    })
}

/// Refuses MIME that does not hold together: a part that cannot be
/// decoded, or a multipart whose boundary is missing or never found.
fn check_mime(message: &Message<'_>) -> Result<(), Unreadable> {
    for part in &message.parts {
        if part.is_encoding_problem {
            return Err(Unreadable::Malformed(
                "a part of the message cannot be decoded (its encoding is broken or its MIME boundary never ends it)".into(),
            ));
        }
        let multipart = part
            .content_type()
            .is_some_and(|t| t.ctype().eq_ignore_ascii_case("multipart"));
        if multipart && !matches!(part.body, PartType::Multipart(_)) {
            return Err(Unreadable::Malformed(
                "a multipart part of the message has no boundary, or its boundary never appears"
                    .into(),
            ));
        }
    }
    Ok(())
}

/// The headers Kept reads, each as decoded text.
const READ: &[&str] = &[
    "Subject",
    "From",
    "To",
    "Cc",
    "Reply-To",
    "Delivered-To",
    "Message-ID",
    "In-Reply-To",
    "References",
];

/// Refuses a message whose headers (those Kept reads) hide a line break
/// once decoded: `=?utf-8?q?Hi=0D=0ABcc:…?=` would split a header of any
/// message that quoted it.
fn check_headers(message: &Message<'_>) -> Result<(), Unreadable> {
    for header in message.headers() {
        let name = header.name();
        if !READ.iter().any(|r| r.eq_ignore_ascii_case(name)) {
            continue;
        }
        if texts(header.value()).iter().any(|t| breaks_lines(t)) {
            return Err(Unreadable::Unsafe(name.to_owned()));
        }
    }
    Ok(())
}

/// Every piece of text a header's value holds.
fn texts<'a>(value: &'a HeaderValue<'_>) -> Vec<&'a str> {
    match value {
        HeaderValue::Text(t) => vec![t.as_ref()],
        HeaderValue::TextList(list) => list.iter().map(AsRef::as_ref).collect(),
        HeaderValue::Address(address) => address
            .iter()
            .flat_map(|a| [a.name(), a.address()])
            .flatten()
            .chain(
                address
                    .as_group()
                    .into_iter()
                    .flatten()
                    .filter_map(|g| g.name.as_deref()),
            )
            .collect(),
        _ => Vec::new(),
    }
}

/// The To, Cc and Delivered-To addresses, lower-cased, each once.
fn recipients(message: &Message<'_>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let listed = message
        .all_to()
        .chain(message.all_cc())
        .flat_map(|a| a.iter().filter_map(|a| a.address()).collect::<Vec<_>>());
    let delivered = message.header_values("Delivered-To").flat_map(|v| {
        texts(v)
            .into_iter()
            .map(|t| t.trim().trim_matches(['<', '>']))
            .collect::<Vec<_>>()
    });
    for address in listed.chain(delivered) {
        let address = address.trim().to_lowercase();
        if address.contains('@') && !out.contains(&address) {
            out.push(address);
        }
    }
    out
}

/// The Message-ID, or a hash of the message when it has none fit to keep.
fn message_id(message: &Message<'_>, raw: &[u8]) -> String {
    let usable = |id: &&str| {
        !id.is_empty()
            && id.len() <= MAX_MESSAGE_ID
            && id
                .bytes()
                .all(|b| b.is_ascii_graphic() && b != b'<' && b != b'>')
    };
    match message.message_id().filter(usable) {
        Some(id) => id.to_owned(),
        None => {
            let hash = Sha256::digest(raw);
            let hex: String = hash.iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256:{hex}")
        }
    }
}

/// The Message-IDs a message answers.
fn answered(message: &Message<'_>) -> Vec<String> {
    let ids = |value: &HeaderValue<'_>| -> Vec<String> {
        texts(value).iter().map(|t| (*t).to_owned()).collect()
    };
    let mut out = ids(message.in_reply_to());
    for id in ids(message.references()) {
        if !out.contains(&id) {
            out.push(id);
        }
    }
    out
}

/// What the headers say about who sent the message.
fn signals<'a>(message: &'a Message<'_>, from: &'a str) -> Signals<'a> {
    let raw = |name: &'static str| message.header_raw(name).map(str::trim);
    Signals {
        auto_submitted: raw("Auto-Submitted"),
        precedence: raw("Precedence"),
        return_path: raw("Return-Path"),
        x_autoreply: raw("X-Autoreply"),
        x_auto_response_suppress: raw("X-Auto-Response-Suppress"),
        // Only whether it is a delivery report matters.
        content_type: message
            .root_part()
            .content_type()
            .is_some_and(|t| {
                t.ctype().eq_ignore_ascii_case("multipart")
                    && t.subtype()
                        .is_some_and(|s| s.eq_ignore_ascii_case("report"))
            })
            .then_some("multipart/report"),
        from: Some(from),
    }
}

/// The attachments, by name and decoded size.
fn attachments(message: &Message<'_>) -> Vec<Attachment> {
    message
        .attachments()
        .map(|part| Attachment {
            name: Some(one_line(
                part.attachment_name().unwrap_or_default(),
                MAX_NAME,
            ))
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| "attachment".into()),
            size: part.len() as u64,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "From: Tom Reed <Tom.Reed@Harbour.example>\r\n\
        To: Kept <kept+r42-0123456789abcdef0123@kept.example>\r\n\
        Cc: claire@harbour.example\r\n\
        Delivered-To: <facilities@harbour.kept.demo>\r\n\
        Subject: Re: [#42] Received:\r\n the leaking tap\r\n\
        Message-ID: <reply-1@harbour.example>\r\n\
        In-Reply-To: <request-1@kept.example>\r\n\
        Content-Type: text/plain; charset=utf-8\r\n\
        \r\n\
        It still drips.\r\n\r\nOn Mon, 7 Dec 2026, Kept wrote:\r\n> We received it.\r\n";

    fn read(raw: &str) -> Result<InboundMessage, Unreadable> {
        parse(raw.as_bytes())
    }

    #[test]
    fn a_plain_reply_is_read_into_what_kept_acts_on() {
        let m = read(PLAIN).expect("read");
        assert_eq!(m.from, "tom.reed@harbour.example");
        assert_eq!(
            m.recipients,
            [
                "kept+r42-0123456789abcdef0123@kept.example",
                "claire@harbour.example",
                "facilities@harbour.kept.demo"
            ]
        );
        assert_eq!(m.subject, "Re: [#42] Received: the leaking tap");
        assert_eq!(m.message_id, "reply-1@harbour.example");
        assert_eq!(m.in_reply_to, ["request-1@kept.example"]);
        assert_eq!(m.text, "It still drips.");
        assert_eq!(m.automatic, None);
        assert!(m.attachments.is_empty());
    }

    #[test]
    fn an_html_only_message_is_read_without_its_tags() {
        let raw = "From: a@b.example\r\nSubject: Hi\r\nContent-Type: text/html\r\n\r\n<p>The <b>tap</b> drips.</p>";
        let m = read(raw).expect("read");
        assert!(m.text.contains("The tap drips."), "{:?}", m.text);
        assert!(!m.text.contains('<'));
    }

    #[test]
    fn attachments_are_listed_by_name_and_size() {
        let raw = "From: a@b.example\r\nSubject: Photo\r\nContent-Type: multipart/mixed; boundary=XX\r\n\r\n\
            --XX\r\nContent-Type: text/plain\r\n\r\nSee the photo.\r\n\
            --XX\r\nContent-Type: application/pdf; name=\"quote.pdf\"\r\nContent-Disposition: attachment; filename=\"quote.pdf\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n\
            --XX--\r\n";
        let m = read(raw).expect("read");
        assert_eq!(m.text, "See the photo.");
        assert_eq!(
            m.attachments,
            [Attachment {
                name: "quote.pdf".into(),
                size: 11
            }]
        );
    }

    #[test]
    fn a_message_without_an_id_is_known_by_its_hash() {
        let raw = "From: a@b.example\r\nSubject: Hi\r\n\r\nHello";
        let one = read(raw).expect("read").message_id;
        assert!(one.starts_with("sha256:") && one.len() == 7 + 64, "{one}");
        assert_eq!(read(raw).expect("read").message_id, one);
    }

    #[test]
    fn automatic_mail_is_recognised() {
        let raw = "From: a@b.example\r\nAuto-Submitted: auto-replied\r\nSubject: Out of office\r\n\r\nAway";
        assert!(read(raw).expect("read").automatic.is_some());
        let bounce = "From: MAILER-DAEMON@mx.example\r\nSubject: Undelivered\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=B\r\n\r\n--B\r\nContent-Type: text/plain\r\n\r\nFailed\r\n--B--\r\n";
        let why = read(bounce).expect("read").automatic.expect("automatic");
        assert!(why.contains("report"), "{why}");
    }

    #[test]
    fn what_cannot_be_read_is_refused_saying_why() {
        assert!(matches!(read(""), Err(Unreadable::Malformed(_))));
        assert!(matches!(
            read("Subject: no sender\r\n\r\nHi"),
            Err(Unreadable::Malformed(why)) if why.contains("From")
        ));
        let no_boundary = "From: a@b.example\r\nContent-Type: multipart/mixed\r\n\r\nbody";
        assert!(matches!(read(no_boundary), Err(Unreadable::Malformed(_))));
        let lost_boundary =
            "From: a@b.example\r\nContent-Type: multipart/mixed; boundary=QQ\r\n\r\nno parts here";
        assert!(matches!(read(lost_boundary), Err(Unreadable::Malformed(_))));
        let big = vec![b'a'; MAX_MESSAGE_BYTES + 1];
        assert_eq!(
            parse(&big),
            Err(Unreadable::TooLarge(MAX_MESSAGE_BYTES + 1))
        );
    }

    #[test]
    fn a_report_whose_parts_do_not_hold_together_never_panics() {
        // Found by the `inbound_mail` fuzz target: mail-parser's debug build
        // asserts on it.
        let raw = include_bytes!("broken_report.eml");
        if let Err(why) = parse(raw) {
            assert!(matches!(why, Unreadable::Malformed(_)), "{why:?}");
        }
    }

    #[test]
    fn a_header_hiding_a_line_break_is_refused() {
        for raw in [
            "From: a@b.example\r\nSubject: =?utf-8?q?Hi=0D=0ABcc=3A_x=40evil=2Eexample?=\r\n\r\nHi",
            "From: =?utf-8?q?Eve=0ABcc=3A_x=40evil=2Eexample?= <a@b.example>\r\nSubject: Hi\r\n\r\nHi",
            "From: a@b.example\r\nTo: =?utf-8?b?RXZlDQpCY2M6IHhAZXZpbA==?= <f@h.example>\r\n\r\nHi",
        ] {
            assert!(matches!(read(raw), Err(Unreadable::Unsafe(_))), "{raw}");
        }
    }
}
