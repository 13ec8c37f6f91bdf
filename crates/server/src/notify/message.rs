//! One delivery as an email: the template's words in a multipart
//! message, threaded per request, with a reply address that leads back to
//! the request and, for mail nobody asked for, a one-click unsubscribe.

use kept_app::notify::Notice;
use kept_domain::Timestamp;
use kept_store::notify::Delivery;
use lettre::Message;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};

use super::templates::{MailContext, Templates};

/// What every message needs from the configuration.
#[derive(Debug, Clone)]
pub struct Letterhead {
    /// The sender.
    pub from: Mailbox,
    /// The address replies go to, before its `+token`.
    pub reply_to: lettre::Address,
    /// Where Kept is reached, for links.
    pub public_url: String,
}

impl Letterhead {
    /// The domain of Message-IDs: the sender's.
    fn domain(&self) -> &str {
        self.from.email.domain()
    }
}

/// A custom header lettre has no type for.
#[derive(Debug, Clone)]
struct Raw {
    name: &'static str,
    value: String,
}

impl Raw {
    fn header(&self) -> HeaderValue {
        HeaderValue::new(
            HeaderName::new_from_ascii_str(self.name),
            self.value.clone(),
        )
    }
}

/// The message of `delivery`, or why it cannot be made.
pub fn build(
    templates: &Templates,
    letterhead: &Letterhead,
    delivery: &Delivery,
) -> Result<(Message, String), String> {
    let notice: Notice = serde_json::from_value(delivery.payload.clone())
        .map_err(|e| format!("the delivery's notice cannot be read: {e}"))?;
    let to = notice
        .to
        .as_ref()
        .ok_or("an email delivery without an addressee")?;
    let context = context(letterhead, &notice, &to.name);
    let rendered = templates
        .render(notice.topic, &context)
        .map_err(|e| e.to_string())?;
    let to = Mailbox::new(
        Some(to.name.clone()),
        to.email
            .parse()
            .map_err(|e| format!("not an address {:?}: {e}", to.email))?,
    );
    let domain = letterhead.domain();
    let mut builder = Message::builder()
        .from(letterhead.from.clone())
        .to(to)
        .subject(rendered.subject.clone())
        .date(system_time(notice.at));
    if let Some(token) = &notice.reply_token {
        let reply = format!(
            "{}+{token}@{}",
            letterhead.reply_to.user(),
            letterhead.reply_to.domain()
        );
        builder = builder.reply_to(Mailbox::new(
            None,
            reply
                .parse()
                .map_err(|e| format!("reply address {reply:?}: {e}"))?,
        ));
    }
    // Every message about one request (or change request) threads under
    // one root; an answer to a message mailed in, under that message.
    let answered = notice.answer.as_ref().and_then(|a| a.in_reply_to.as_ref());
    let root = match (&notice.request, &notice.change, answered) {
        (Some(request), _, _) => Some(format!("<request-{}@{domain}>", request.id)),
        (None, Some(change), _) => Some(format!("<change-{}@{domain}>", change.id)),
        (None, None, Some(id)) => Some(format!("<{id}>")),
        _ => None,
    };
    if let Some(root) = root {
        builder = builder.in_reply_to(root.clone()).references(root);
    }
    builder = builder.message_id(Some(format!("<{}@{domain}>", delivery.id)));
    let mut message = builder
        .multipart(MultiPart::alternative_plain_html(
            rendered.text,
            rendered.html,
        ))
        .map_err(|e| format!("the message cannot be built: {e}"))?;
    let headers = message.headers_mut();
    // RFC 3834: an automatic message (an answer to one mailed in is an
    // automatic reply); well-behaved systems, Kept among them, do not
    // answer it.
    let auto = if notice.answer.is_some() {
        "auto-replied"
    } else {
        "auto-generated"
    };
    headers.insert_raw(
        Raw {
            name: "Auto-Submitted",
            value: auto.into(),
        }
        .header(),
    );
    if let Some(url) = &context.unsubscribe_url {
        headers.insert_raw(
            Raw {
                name: "List-Unsubscribe",
                value: format!("<{url}>"),
            }
            .header(),
        );
        headers.insert_raw(
            Raw {
                name: "List-Unsubscribe-Post",
                value: "List-Unsubscribe=One-Click".into(),
            }
            .header(),
        );
    }
    Ok((message, rendered.subject))
}

/// What the templates are given for `notice`.
fn context(letterhead: &Letterhead, notice: &Notice, name: &str) -> MailContext {
    let request = notice.request.as_ref();
    let zone = request
        .and_then(|r| jiff::tz::TimeZone::get(&r.zone).ok())
        .unwrap_or(jiff::tz::TimeZone::UTC);
    let change = notice.change.as_ref();
    let promise = notice.promise.as_ref();
    let base = &letterhead.public_url;
    let url = match (request, change) {
        (Some(r), _) => format!("{base}/requests/{}", r.id),
        (None, Some(c)) => format!(
            "{base}/contracts/{}/change-requests/{}",
            c.contract_id, c.id
        ),
        _ => base.clone(),
    };
    MailContext {
        name: name.to_owned(),
        reference: request
            .map(|r| format!("#{}", r.number))
            .unwrap_or_default(),
        subject: request
            .map(|r| r.subject.clone())
            .or_else(|| change.map(|c| c.title.clone()))
            .unwrap_or_default(),
        customer: request.map(|r| r.customer.clone()).unwrap_or_default(),
        contract: request
            .map(|r| r.contract.clone())
            .or_else(|| change.map(|c| c.contract.clone()))
            .unwrap_or_default(),
        url,
        due: request.and_then(|r| r.due_at).map(|at| in_words(at, &zone)),
        said_by: notice
            .said
            .as_ref()
            .map(|s| s.by.clone())
            .unwrap_or_default(),
        said: notice
            .said
            .as_ref()
            .map(|s| s.body.clone())
            .unwrap_or_default(),
        clock: notice
            .clock
            .as_deref()
            .unwrap_or("service")
            .replace('_', " "),
        waiting: notice.waiting.clone(),
        unsubscribe_url: notice
            .unsubscribe_token
            .as_ref()
            .map(|t| format!("{}/unsubscribe/{t}", letterhead.public_url)),
        title: notice.topic.describe().to_owned(),
        mail_subject: notice
            .answer
            .as_ref()
            .map(|a| a.subject.clone())
            .filter(|s| !s.is_empty())
            .unwrap_or_else(|| "(no subject)".into()),
        reason: notice
            .answer
            .as_ref()
            .and_then(|a| a.reason.clone())
            .unwrap_or_default(),
        not_kept: notice
            .answer
            .as_ref()
            .map(|a| a.not_kept.clone())
            .unwrap_or_default(),
        promise_date: promise.map(|p| in_words(p.date, &zone)).unwrap_or_default(),
        previous_date: promise
            .and_then(|p| p.previous_date)
            .map(|at| in_words(at, &zone))
            .unwrap_or_default(),
        proposal_reason: promise.and_then(|p| p.reason.clone()).unwrap_or_default(),
        answer_url: promise
            .and_then(|p| p.answer_token.as_ref())
            .map(|t| format!("{base}/promise-answer/{t}")),
        accepted: promise.and_then(|p| p.accepted).unwrap_or(false),
        in_time: promise.and_then(|p| p.in_time).unwrap_or(false),
        answered_by: promise.and_then(|p| p.by.clone()).unwrap_or_default(),
    }
}

/// An instant as people read it: "Monday 7 Dec 2026, 11:00 GMT".
fn in_words(at: Timestamp, zone: &jiff::tz::TimeZone) -> String {
    at.to_zoned_datetime(zone.clone())
        .strftime("%A %-d %b %Y, %H:%M %Z")
        .to_string()
}

/// An instant as the standard library keeps it (the epoch for one before it).
fn system_time(at: Timestamp) -> std::time::SystemTime {
    let micros = u64::try_from(at.as_microsecond()).unwrap_or(0);
    std::time::SystemTime::UNIX_EPOCH + std::time::Duration::from_micros(micros)
}
