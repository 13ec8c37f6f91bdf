//! The limits the server enforces on text, numbers, durations and instants,
//! written into the OpenAPI document as schema constraints, so a generated
//! client refuses what the server would refuse. Each limit is the domain's
//! own constant; `robustness::openapi` checks every entry here still names a
//! property of the document, so a rename cannot drop a constraint silently.

use kept_domain::{chain, change, request, service, team, webhook};
use serde_json::{Value, json};

/// What the server accepts for one property or parameter.
#[derive(Debug, Clone, Copy)]
pub enum Limit {
    /// One line of text with something visible in it, up to `max` characters.
    Name(usize),
    /// One line of text, possibly empty, up to `max` characters.
    Line(usize),
    /// Text with line breaks and tabs allowed; `required` means not blank.
    Text { max: usize, required: bool },
    /// A business duration such as `4h`, `90m` or `2h30m`.
    Duration,
    /// An instant in RFC 3339.
    Instant,
    /// A whole number from `min` to `max`.
    Count { min: u64, max: u64 },
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// An `http(s)://` URL in printable ASCII, up to `max` characters.
    Url(usize),
    /// An array of one to `max` of these words, each at most once.
    Set {
        max: usize,
        of: &'static [&'static str],
    },
}

// Control characters (Unicode Cc) the server refuses in single lines.
const CONTROL: &str = r"\u0000-\u001f\u007f-\u009f";
// Control characters refused in text, where tab, line feed and carriage
// return are allowed.
const TEXT_CONTROL: &str = r"\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f-\u009f";
// What does not make a name visible: white space and the characters
// `kept_domain::is_blank` counts as drawing nothing (Unicode's default
// ignorables and the Braille blank). The few outside the Basic Multilingual
// Plane are left out, since a pattern cannot name them in every regex
// dialect; the server still refuses them.
const INVISIBLE: &str = r"\s\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180b-\u180f\u200b-\u200f\u202a-\u202e\u2060-\u206f\u2800\u3164\ufe00-\ufe0f\ufeff\uffa0\ufff0-\ufff8";

impl Limit {
    /// The JSON Schema keywords for this limit.
    pub fn keywords(self) -> Value {
        match self {
            Limit::Name(max) => json!({
                "minLength": 1,
                "maxLength": max,
                "pattern": format!("^[^{CONTROL}]*[^{INVISIBLE}{CONTROL}][^{CONTROL}]*$"),
            }),
            Limit::Line(max) => json!({
                "maxLength": max,
                "pattern": format!("^[^{CONTROL}]*$"),
            }),
            Limit::Text { max, required } => {
                let mut keywords = json!({
                    "maxLength": max,
                    "pattern": format!("^[^{TEXT_CONTROL}]*$"),
                });
                if required {
                    keywords["minLength"] = json!(1);
                    keywords["pattern"] = json!(format!(
                        "^[^{TEXT_CONTROL}]*[^{INVISIBLE}{TEXT_CONTROL}][^{TEXT_CONTROL}]*$"
                    ));
                }
                keywords
            }
            Limit::Duration => json!({
                "pattern": r"^\s*(?=\d)(?:\d{1,6}h)?(?:\d{1,6}m)?(?:\d{1,6}s)?\s*$",
                "examples": ["4h", "90m", "2h30m"],
            }),
            Limit::Instant => json!({"format": "date-time"}),
            // utoipa writes `u32` as `int32`, which caps it at 2^31 - 1;
            // the format follows the real maximum instead.
            Limit::Count { min, max } => json!({
                "minimum": min,
                "maximum": max,
                "format": if max > i32::MAX as u64 { "int64" } else { "int32" },
            }),
            Limit::OneOf(words) => json!({"enum": words}),
            Limit::Set { max, of } => json!({
                "minItems": 1,
                "maxItems": max,
                "uniqueItems": true,
                "items": {"type": "string", "enum": of},
            }),
            Limit::Url(max) => json!({
                "maxLength": max,
                "pattern": "^https?://[!-~]+$",
            }),
        }
    }
}

const PARTY_NAME: Limit = Limit::Name(kept_domain::PartyName::MAX_CHARS);

/// Body properties: (schema, property, limit). A property that is an array
/// of strings gets the limit on its items.
pub const PROPERTIES: &[(&str, &str, Limit)] = &[
    ("CreateParty", "name", PARTY_NAME),
    ("UpdateParty", "name", PARTY_NAME),
    ("CreateCalendar", "name", PARTY_NAME),
    ("UpdateCalendar", "name", PARTY_NAME),
    ("CreateContract", "name", PARTY_NAME),
    ("UpdateContract", "name", PARTY_NAME),
    ("UpdateContract", "intake_address", Limit::Line(254)),
    ("CreateService", "name", PARTY_NAME),
    ("UpdateService", "name", PARTY_NAME),
    ("CreateUser", "name", PARTY_NAME),
    ("UpdateUser", "name", PARTY_NAME),
    ("CreateToken", "name", Limit::Name(100)),
    (
        "CreateToken",
        "expires_in_days",
        Limit::Count { min: 1, max: 3650 },
    ),
    ("CreateLink", "label", Limit::Line(chain::MAX_LABEL)),
    ("CreateWebhook", "url", Limit::Url(webhook::MAX_URL)),
    (
        "CreateWebhook",
        "topics",
        Limit::Set {
            max: webhook::MAX_TOPICS,
            of: webhook::TOPIC_NAMES,
        },
    ),
    (
        "CreateService",
        "description",
        Limit::Text {
            max: service::MAX_DESCRIPTION,
            required: false,
        },
    ),
    (
        "UpdateService",
        "description",
        Limit::Text {
            max: service::MAX_DESCRIPTION,
            required: false,
        },
    ),
    ("CreateService", "unit", Limit::Line(service::MAX_UNIT)),
    ("UpdateService", "unit", Limit::Line(service::MAX_UNIT)),
    (
        "CreateService",
        "in_scope",
        Limit::Line(service::MAX_SCOPE_ITEM),
    ),
    (
        "CreateService",
        "out_of_scope",
        Limit::Line(service::MAX_SCOPE_ITEM),
    ),
    (
        "UpdateService",
        "in_scope",
        Limit::Line(service::MAX_SCOPE_ITEM),
    ),
    (
        "UpdateService",
        "out_of_scope",
        Limit::Line(service::MAX_SCOPE_ITEM),
    ),
    (
        "CreateService",
        "pack_size",
        Limit::Count {
            min: 1,
            max: u32::MAX as u64,
        },
    ),
    (
        "UpdateService",
        "pack_size",
        Limit::Count {
            min: 1,
            max: u32::MAX as u64,
        },
    ),
    ("CreateService", "default_effort", Limit::Duration),
    ("UpdateService", "default_effort", Limit::Duration),
    ("Targets", "first_response", Limit::Duration),
    ("Targets", "resolution", Limit::Duration),
    ("Targets", "delivery", Limit::Duration),
    ("SlaTarget", "first_response", Limit::Duration),
    ("SlaTarget", "resolution", Limit::Duration),
    ("SlaTarget", "delivery", Limit::Duration),
    ("KpiTarget", "within", Limit::Duration),
    ("Terms", "in_scope", Limit::Line(service::MAX_SCOPE_ITEM)),
    (
        "Terms",
        "out_of_scope",
        Limit::Line(service::MAX_SCOPE_ITEM),
    ),
    ("Intake", "subject", Limit::Name(request::MAX_SUBJECT)),
    (
        "Intake",
        "description",
        Limit::Text {
            max: request::MAX_TEXT,
            required: false,
        },
    ),
    (
        "Intake",
        "quantity",
        Limit::Count {
            min: 1,
            max: request::MAX_QUANTITY as u64,
        },
    ),
    ("Intake", "effort", Limit::Duration),
    (
        "Intake",
        "override_reason",
        Limit::Name(request::MAX_REASON),
    ),
    ("Escalation", "subject", Limit::Name(request::MAX_SUBJECT)),
    (
        "Escalation",
        "description",
        Limit::Text {
            max: request::MAX_TEXT,
            required: false,
        },
    ),
    ("ScopeQuestion", "subject", Limit::Line(500)),
    (
        "TextBody",
        "body",
        Limit::Text {
            max: request::MAX_TEXT,
            required: true,
        },
    ),
    (
        "ActionBody",
        "action",
        Limit::OneOf(&[
            "acknowledge",
            "start",
            "await_customer",
            "resume",
            "fulfil",
            "close",
            "reopen",
            "cancel",
        ]),
    ),
    ("ActionBody", "reason", Limit::Line(request::MAX_REASON)),
    (
        "MemberBody",
        "share_percent",
        Limit::Count { min: 1, max: 100 },
    ),
    (
        "AbsenceBody",
        "reason",
        Limit::Line(team::MAX_ABSENCE_REASON),
    ),
    ("DraftBody", "title", Limit::Name(change::MAX_TITLE)),
    (
        "DraftBody",
        "rationale",
        Limit::Text {
            max: change::MAX_RATIONALE,
            required: true,
        },
    ),
    (
        "DecisionBody",
        "comment",
        Limit::Text {
            max: change::MAX_COMMENT,
            required: false,
        },
    ),
];

/// Request bodies that are not JSON: (path, media type, most bytes).
pub const RAW_BODIES: &[(&str, &str, usize)] = &[(
    "/inbound-email",
    "message/rfc822",
    kept_domain::inbound::MAX_MESSAGE_BYTES,
)];

/// Query parameters: (path, parameter, limit).
pub const QUERY: &[(&str, &str, Limit)] = &[
    ("/calendars/{id}/due", "start", Limit::Instant),
    ("/calendars/{id}/due", "duration", Limit::Duration),
    ("/calendars/{id}/elapsed", "from", Limit::Instant),
    ("/calendars/{id}/elapsed", "to", Limit::Instant),
    ("/contracts/{id}/terms", "at", Limit::Instant),
    ("/parties", "q", Limit::Line(200)),
    ("/users", "q", Limit::Line(200)),
    ("/audit-events", "subject_type", Limit::Line(64)),
    ("/audit-events", "subject_id", Limit::Line(200)),
    ("/reports/promises", "from", Limit::Instant),
    ("/reports/promises", "to", Limit::Instant),
    (
        "/reports/promises",
        "by",
        Limit::OneOf(kept_domain::promise::IntegrityBy::NAMES),
    ),
];
