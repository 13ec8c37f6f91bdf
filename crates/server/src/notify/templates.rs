//! Mail templates: built into the binary, each overridable by a file of
//! the same name in `mail_templates_dir`. Every template is compiled and
//! rendered against a sample at start-up, so a mistake in an override
//! stops the server with the file and line, not a message at send time.

use std::path::Path;

use kept_domain::Topic;
use minijinja::{Environment, UndefinedBehavior};
use serde::Serialize;

/// The built-in templates: a plain-text and an HTML one per topic (the
/// text one also holds the subject), and the HTML layout.
const BUILT_IN: &[(&str, &str)] = &[
    ("layout.html", include_str!("../../mail/layout.html")),
    (
        "request_raised.txt",
        include_str!("../../mail/request_raised.txt"),
    ),
    (
        "request_raised.html",
        include_str!("../../mail/request_raised.html"),
    ),
    (
        "provider_replied.txt",
        include_str!("../../mail/provider_replied.txt"),
    ),
    (
        "provider_replied.html",
        include_str!("../../mail/provider_replied.html"),
    ),
    (
        "customer_replied.txt",
        include_str!("../../mail/customer_replied.txt"),
    ),
    (
        "customer_replied.html",
        include_str!("../../mail/customer_replied.html"),
    ),
    (
        "request_at_risk.txt",
        include_str!("../../mail/request_at_risk.txt"),
    ),
    (
        "request_at_risk.html",
        include_str!("../../mail/request_at_risk.html"),
    ),
    (
        "request_breached.txt",
        include_str!("../../mail/request_breached.txt"),
    ),
    (
        "request_breached.html",
        include_str!("../../mail/request_breached.html"),
    ),
    (
        "escalation_raised.txt",
        include_str!("../../mail/escalation_raised.txt"),
    ),
    (
        "escalation_raised.html",
        include_str!("../../mail/escalation_raised.html"),
    ),
    (
        "question_routed.txt",
        include_str!("../../mail/question_routed.txt"),
    ),
    (
        "question_routed.html",
        include_str!("../../mail/question_routed.html"),
    ),
    (
        "change_submitted.txt",
        include_str!("../../mail/change_submitted.txt"),
    ),
    (
        "change_submitted.html",
        include_str!("../../mail/change_submitted.html"),
    ),
    (
        "change_approved.txt",
        include_str!("../../mail/change_approved.txt"),
    ),
    (
        "change_approved.html",
        include_str!("../../mail/change_approved.html"),
    ),
    (
        "change_rejected.txt",
        include_str!("../../mail/change_rejected.txt"),
    ),
    (
        "change_rejected.html",
        include_str!("../../mail/change_rejected.html"),
    ),
    (
        "change_applied.txt",
        include_str!("../../mail/change_applied.txt"),
    ),
    (
        "change_applied.html",
        include_str!("../../mail/change_applied.html"),
    ),
    (
        "mail_refused.txt",
        include_str!("../../mail/mail_refused.txt"),
    ),
    (
        "mail_refused.html",
        include_str!("../../mail/mail_refused.html"),
    ),
    (
        "mail_attachments_dropped.txt",
        include_str!("../../mail/mail_attachments_dropped.txt"),
    ),
    (
        "mail_attachments_dropped.html",
        include_str!("../../mail/mail_attachments_dropped.html"),
    ),
    (
        "request_promised.txt",
        include_str!("../../mail/request_promised.txt"),
    ),
    (
        "request_promised.html",
        include_str!("../../mail/request_promised.html"),
    ),
    (
        "date_proposed.txt",
        include_str!("../../mail/date_proposed.txt"),
    ),
    (
        "date_proposed.html",
        include_str!("../../mail/date_proposed.html"),
    ),
    (
        "date_answered.txt",
        include_str!("../../mail/date_answered.txt"),
    ),
    (
        "date_answered.html",
        include_str!("../../mail/date_answered.html"),
    ),
];

/// What every template may name.
#[derive(Debug, Clone, Serialize)]
pub struct MailContext {
    /// The recipient's name.
    pub name: String,
    /// The request's reference (`#42`).
    pub reference: String,
    /// The request's (or change request's) subject.
    pub subject: String,
    /// The party the request serves.
    pub customer: String,
    /// The contract.
    pub contract: String,
    /// The link to the request's page.
    pub url: String,
    /// The due instant in words, in the request's time zone.
    pub due: Option<String>,
    /// Who said `said`.
    pub said_by: String,
    /// A reply's text.
    pub said: String,
    /// The clock an alarm is about, in words.
    pub clock: String,
    /// The customers waiting down the chain.
    pub waiting: Vec<String>,
    /// The one-click unsubscribe link, for mail that has one.
    pub unsubscribe_url: Option<String>,
    /// The page title of the HTML part.
    pub title: String,
    /// The subject of a message mailed in that this answers.
    pub mail_subject: String,
    /// Why that message was refused.
    pub reason: String,
    /// Its attachments that were not kept, each as `a.pdf (12 kB)`.
    pub not_kept: Vec<String>,
    /// The date promised, proposed or answered, in words (empty when none).
    pub promise_date: String,
    /// The date a proposal would replace, in words (empty when none).
    pub previous_date: String,
    /// Why a new date is proposed.
    pub proposal_reason: String,
    /// The single-use link that answers a proposal, for its recipient.
    pub answer_url: Option<String>,
    /// Whether the customer agreed to a proposed date.
    pub accepted: bool,
    /// Whether they answered before the date it would replace had passed.
    pub in_time: bool,
    /// Who answered it.
    pub answered_by: String,
}

impl MailContext {
    /// A context with every field filled, to try templates on.
    fn sample() -> Self {
        Self {
            name: "Tom Reed".into(),
            reference: "#42".into(),
            subject: "Leaking tap in the staff kitchen".into(),
            customer: "Harbour Retail Leeds".into(),
            contract: "Harbour Retail facilities 2026".into(),
            url: "https://kept.example/requests/42".into(),
            due: Some("Monday 7 Dec, 11:00 GMT".into()),
            said_by: "sam.okafor@brightwell.example".into(),
            said: "A plumber is on the way.".into(),
            clock: "first response".into(),
            waiting: vec!["Harbour Retail Leeds".into()],
            unsubscribe_url: Some("https://kept.example/unsubscribe/x".into()),
            title: "Received".into(),
            mail_subject: "Leaking tap".into(),
            reason: "say in the subject which service you need, one of: Cleaning, Repairs".into(),
            not_kept: vec!["photo.jpg (1.2 MB)".into()],
            promise_date: "Wednesday 9 Dec, 17:00 GMT".into(),
            previous_date: "Monday 7 Dec, 11:00 GMT".into(),
            proposal_reason: "The part is on back order until Tuesday.".into(),
            answer_url: Some("https://kept.example/promise-answer/x".into()),
            accepted: true,
            in_time: true,
            answered_by: "tom.reed@harbour-retail.example".into(),
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rendered {
    /// The subject line.
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
}

/// The compiled templates.
#[derive(Debug)]
pub struct Templates {
    env: Environment<'static>,
}

/// Why the templates could not be loaded.
#[derive(Debug, thiserror::Error)]
#[error("mail template {name}: {reason}")]
pub struct TemplateError {
    /// The template's file name.
    pub name: String,
    /// What is wrong, with the line.
    pub reason: String,
}

impl Templates {
    /// The built-in templates, each replaced by the file of its name in
    /// `dir` when there is one; every one is tried on a sample.
    pub fn load(dir: Option<&Path>) -> Result<Self, TemplateError> {
        let mut env = Environment::new();
        env.set_undefined_behavior(UndefinedBehavior::Strict);
        for (name, built_in) in BUILT_IN {
            let source = match dir.map(|d| d.join(name)).filter(|p| p.exists()) {
                Some(path) => std::fs::read_to_string(&path).map_err(|e| TemplateError {
                    name: path.display().to_string(),
                    reason: e.to_string(),
                })?,
                None => (*built_in).to_owned(),
            };
            env.add_template_owned(*name, source)
                .map_err(|e| error(name, &e))?;
        }
        if let Some(dir) = dir
            && !dir.is_dir()
        {
            return Err(TemplateError {
                name: dir.display().to_string(),
                reason: "mail_templates_dir is not a directory".into(),
            });
        }
        let templates = Self { env };
        for topic in Topic::ALL {
            templates.render(*topic, &MailContext::sample())?;
        }
        Ok(templates)
    }

    /// The message of `topic` for `context`.
    pub fn render(&self, topic: Topic, context: &MailContext) -> Result<Rendered, TemplateError> {
        let text_name = format!("{topic}.txt");
        let html_name = format!("{topic}.html");
        let text = self
            .env
            .get_template(&text_name)
            .map_err(|e| error(&text_name, &e))?;
        let mut captured = text
            .render_captured(context)
            .map_err(|e| error(&text_name, &e))?;
        let (subject, body) = captured
            .with_state_mut(|state| {
                Ok::<_, minijinja::Error>((
                    state.render_block("subject")?,
                    state.render_block("body")?,
                ))
            })
            .map_err(|e| error(&text_name, &e))?;
        let html = self
            .env
            .get_template(&html_name)
            .and_then(|t| t.render(context))
            .map_err(|e| error(&html_name, &e))?;
        Ok(Rendered {
            // One line, whatever a subject held: a header cannot be split.
            subject: subject.split_whitespace().collect::<Vec<_>>().join(" "),
            text: body.trim_start().to_owned(),
            html,
        })
    }
}

fn error(name: &str, e: &minijinja::Error) -> TemplateError {
    let mut reason = e.to_string();
    if let Some(line) = e.line() {
        reason = format!("line {line}: {reason}");
    }
    TemplateError {
        name: name.to_owned(),
        reason,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_templates_render_every_topic() {
        let templates = Templates::load(None).expect("built-in templates load");
        let mail = templates
            .render(Topic::RequestRaised, &MailContext::sample())
            .expect("renders");
        assert_eq!(
            mail.subject,
            "[#42] Received: Leaking tap in the staff kitchen"
        );
        assert!(mail.text.starts_with("Hello Tom Reed,"), "{}", mail.text);
        // minijinja escapes `/` too; mail clients read the entities back.
        assert!(
            mail.html.contains("kept.example&#x2f;requests&#x2f;42"),
            "{}",
            mail.html
        );
    }

    #[test]
    fn html_is_escaped_and_text_is_not() {
        let templates = Templates::load(None).expect("built-in templates load");
        let mut context = MailContext::sample();
        context.said = "<b>A & B</b>".into();
        let mail = templates
            .render(Topic::ProviderReplied, &context)
            .expect("renders");
        assert!(mail.text.contains("<b>A & B</b>"));
        assert!(
            mail.html.contains("&lt;b&gt;A &amp; B&lt;&#x2f;b&gt;"),
            "{}",
            mail.html
        );
    }

    #[test]
    fn a_broken_override_is_refused_at_load_with_its_name_and_line() {
        let dir = tempfile::tempdir().expect("dir");
        std::fs::write(
            dir.path().join("request_raised.txt"),
            "{% block subject %}Hi{% endblock %}\n{% block body %}\n{{ nonsense }}\n{% endblock %}",
        )
        .expect("write");
        let err = Templates::load(Some(dir.path())).expect_err("undefined variable refused");
        assert_eq!(err.name, "request_raised.txt");
        assert!(err.reason.contains("line 3"), "{}", err.reason);

        std::fs::write(
            dir.path().join("request_raised.txt"),
            "{% block subject %}Got it: {{ subject }}{% endblock %}{% block body %}Thanks {{ name }}{% endblock %}",
        )
        .expect("write");
        let templates = Templates::load(Some(dir.path())).expect("a good override loads");
        let mail = templates
            .render(Topic::RequestRaised, &MailContext::sample())
            .expect("renders");
        assert_eq!(mail.subject, "Got it: Leaking tap in the staff kitchen");
        assert_eq!(mail.text, "Thanks Tom Reed");
    }

    #[test]
    fn a_proposed_date_mail_has_both_dates_the_reason_and_the_answer_link() {
        let templates = Templates::load(None).expect("built-in templates load");
        let mut context = MailContext::sample();
        let mail = templates
            .render(Topic::DateProposed, &context)
            .expect("renders");
        for part in [&mail.text, &mail.html] {
            assert!(part.contains("Wednesday 9 Dec, 17:00 GMT"), "{part}");
            assert!(part.contains("Monday 7 Dec, 11:00 GMT"), "{part}");
            assert!(part.contains("back order until Tuesday"), "{part}");
        }
        assert!(mail.text.contains("https://kept.example/promise-answer/x"));
        context.answer_url = None;
        let mail = templates
            .render(Topic::DateProposed, &context)
            .expect("renders");
        assert!(!mail.text.contains("promise-answer"), "{}", mail.text);
        let promised = templates
            .render(Topic::RequestPromised, &context)
            .expect("renders");
        assert!(promised.subject.contains("Promised by Wednesday 9 Dec"));
    }
}
