//! Webhook subscriptions: an HTTPS endpoint told of the events of chosen
//! topics, within one party's part of the service chain (or all of it, for
//! an admin's), each call signed with the subscription's secret the way
//! the Standard Webhooks specification describes.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde::Serialize;

use crate::{FieldError, PartyId, Timestamp, Topic, UserId, ValidationErrors, WebhookId};

/// The longest endpoint URL, in characters.
pub const MAX_URL: usize = 2000;
/// The most topics one subscription names (each at most once).
pub const MAX_TOPICS: usize = TOPICS.len();

/// The topics a webhook may hear of: everything that happens to a request
/// or a change request (not the answers to mail, which concern one sender).
pub const TOPICS: &[Topic] = &[
    Topic::RequestRaised,
    Topic::ProviderReplied,
    Topic::CustomerReplied,
    Topic::RequestAtRisk,
    Topic::RequestBreached,
    Topic::EscalationRaised,
    Topic::QuestionRouted,
    Topic::ChangeSubmitted,
    Topic::ChangeApproved,
    Topic::ChangeRejected,
    Topic::ChangeApplied,
    Topic::RequestPromised,
    Topic::DateProposed,
    Topic::DateAnswered,
];

/// The names of [`TOPICS`], for the API's document.
pub const TOPIC_NAMES: &[&str] = &[
    "request_raised",
    "provider_replied",
    "customer_replied",
    "request_at_risk",
    "request_breached",
    "escalation_raised",
    "question_routed",
    "change_submitted",
    "change_approved",
    "change_rejected",
    "change_applied",
    "request_promised",
    "date_proposed",
    "date_answered",
];
/// What every signing secret starts with (the specification's prefix).
pub const SECRET_PREFIX: &str = "whsec_";
/// The fewest and most random bytes a signing secret may hold.
pub const SECRET_BYTES: (usize, usize) = (24, 64);

/// A subscription as listed: never its secret, which is shown once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    /// Its identifier.
    pub id: WebhookId,
    /// Who made it.
    pub owner_id: UserId,
    /// The party whose part of the chain it hears of: the events of
    /// contracts whose provider or client is this party or under it.
    /// Null: every contract (an admin's subscription).
    pub party_id: Option<PartyId>,
    /// Where events are posted.
    pub url: String,
    /// The topics it hears of.
    pub topics: Vec<Topic>,
    /// When it was made.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When it was deleted (null while it is active).
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub archived_at: Option<Timestamp>,
}

/// A subscription to store, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewWebhook {
    /// Who makes it.
    pub owner_id: UserId,
    /// The party it is scoped to (none: every contract).
    pub party_id: Option<PartyId>,
    /// The endpoint, from [`parse_url`].
    pub url: String,
    /// The topics, from [`parse_topics`].
    pub topics: Vec<Topic>,
    /// The signing secret, from [`secret_from`].
    pub secret: String,
}

/// Checks an endpoint URL: `https://` (or `http://` when `allow_http`),
/// with a host, in printable ASCII without spaces, at most
/// [`MAX_URL`] characters. Returns it normalised. Nothing is trimmed: what
/// is stored is what was asked for. Where the host points is checked when
/// each call is made, not here (DNS answers change).
pub fn parse_url(field: &str, raw: &str, allow_http: bool) -> Result<String, FieldError> {
    let fail = |message: &str| Err(FieldError::new(field, message));
    if raw.is_empty() {
        return fail("must not be empty");
    }
    if raw.chars().count() > MAX_URL {
        return fail(&format!("must be at most {MAX_URL} characters"));
    }
    // Printable ASCII only, as the API document's pattern says: no space,
    // no control or invisible character (which URL parsers drop or
    // encode silently); an international host goes in its `xn--` form.
    if !raw.chars().all(|c| c.is_ascii_graphic()) {
        return fail(
            "must be printable ASCII without spaces (an international host in its xn-- form)",
        );
    }
    let plain = allow_http && raw.starts_with("http://");
    if !(raw.starts_with("https://") || plain) {
        return fail(if allow_http {
            "must start with https:// or http://"
        } else {
            "must start with https://"
        });
    }
    let url = match url::Url::parse(raw) {
        Ok(url) => url,
        Err(e) => return fail(&format!("is not a URL ({e})")),
    };
    if url.host_str().is_none_or(str::is_empty) {
        return fail("must name a host");
    }
    Ok(url.into())
}

/// Checks the topics of a subscription: one to [`MAX_TOPICS`], each a
/// topic's name, none twice; errors name each bad item (`topics[2]`).
pub fn parse_topics(field: &str, raw: &[String]) -> Result<Vec<Topic>, ValidationErrors> {
    let mut errors = ValidationErrors::new();
    if raw.is_empty() {
        errors.push(FieldError::new(field, "must name at least one topic"));
    }
    if raw.len() > MAX_TOPICS {
        errors.push(FieldError::new(
            field,
            format!("must name at most {MAX_TOPICS} topics"),
        ));
    }
    let mut topics: Vec<Topic> = Vec::new();
    for (i, name) in raw.iter().enumerate() {
        let item = format!("{field}[{i}]");
        match name.parse::<Topic>() {
            Ok(topic) if topics.contains(&topic) => {
                errors.push(FieldError::new(item, "is listed twice"));
            }
            Ok(topic) if !TOPICS.contains(&topic) => {
                errors.push(FieldError::new(
                    item,
                    format!(
                        "`{topic}` is not a webhook topic; use one of {}",
                        TOPIC_NAMES.join(", ")
                    ),
                ));
            }
            Ok(topic) => topics.push(topic),
            Err(message) => errors.push(FieldError::new(item, message)),
        }
    }
    errors.into_result(topics)
}

/// A signing secret made of `bytes` (24 to 64 random bytes).
pub fn secret_from(bytes: &[u8]) -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(bytes))
}

/// The HMAC key inside a signing secret, if it is one.
pub fn secret_key(secret: &str) -> Option<Vec<u8>> {
    let key = STANDARD.decode(secret.strip_prefix(SECRET_PREFIX)?).ok()?;
    (SECRET_BYTES.0..=SECRET_BYTES.1)
        .contains(&key.len())
        .then_some(key)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_are_https_with_a_host_unless_http_is_allowed() {
        assert_eq!(
            parse_url("url", "https://hooks.example.com/kept", false),
            Ok("https://hooks.example.com/kept".into())
        );
        assert_eq!(
            parse_url("url", "https://Hooks.Example.com", false),
            Ok("https://hooks.example.com/".into()),
            "normalised"
        );
        assert!(parse_url("url", "http://hooks.example.com", false).is_err());
        assert!(parse_url("url", "http://127.0.0.1:8080/in", true).is_ok());
        for bad in [
            "",
            "https://",
            "https://exa mple.com",
            "https://example.com/\n",
            " https://example.com",
            "HTTPS://example.com",
            "ftp://example.com",
            "mailto:someone@example.com",
            "https://[::1",
            "https://example.com/\u{feff}",
            "https://bücher.example",
        ] {
            assert!(parse_url("url", bad, true).is_err(), "{bad:?} refused");
        }
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL));
        assert!(parse_url("url", &long, false).is_err());
    }

    #[test]
    fn topics_are_known_listed_once_and_bounded() {
        let names = |n: &[&str]| n.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            parse_topics("topics", &names(&["request_raised", "change_applied"])),
            Ok(vec![Topic::RequestRaised, Topic::ChangeApplied])
        );
        let err = parse_topics(
            "topics",
            &names(&["request_raised", "nope", "request_raised"]),
        )
        .expect_err("refused");
        let fields: Vec<&str> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["topics[1]", "topics[2]"]);
        assert!(parse_topics("topics", &[]).is_err());
        let every: Vec<String> = TOPICS.iter().map(|t| t.as_str().to_owned()).collect();
        assert_eq!(
            TOPIC_NAMES,
            TOPICS.iter().map(|t| t.as_str()).collect::<Vec<_>>()
        );
        assert!(parse_topics("topics", &names(&["mail_refused"])).is_err());
        assert!(parse_topics("topics", &every).is_ok());
        let mut too_many = every.clone();
        too_many.push("request_raised".into());
        assert!(parse_topics("topics", &too_many).is_err());
    }

    #[test]
    fn secrets_carry_their_key() {
        let secret = secret_from(&[7u8; 32]);
        assert!(secret.starts_with("whsec_"));
        assert_eq!(secret_key(&secret), Some(vec![7u8; 32]));
        assert_eq!(secret_key("whsec_AAAA"), None, "too short");
        assert_eq!(secret_key("nope"), None);
    }
}
