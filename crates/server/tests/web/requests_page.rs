//! A request's page as each side sees it: the provider's steps and the
//! internal-note box, the customer's cancel and reply only; notes kept
//! from the customer; a reply that resumes a request awaiting the
//! customer; steps and notes refused with a flash.

use kept_domain::Timestamp;
use serde_json::json;

use crate::requests::{LEAK, created, id_of, page_of, world};
use crate::support::{Page, assert_see_other};

#[tokio::test]
async fn the_agent_sees_the_steps_and_the_note_box_and_the_customer_only_cancel_and_reply() {
    let w = world().await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let (agent, customer) = (
        w.browser(&w.agent).await,
        w.browser(&w.leeds_customer).await,
    );

    let as_agent = agent.page(&path).await;
    let as_customer = customer.page(&path).await;
    let acknowledged = agent
        .submit(
            &path,
            &format!("{path}/actions"),
            &[("action", "acknowledge")],
        )
        .await;

    assert_eq!(
        as_agent.texts(".actions button"),
        ["Acknowledge", "Start work"]
    );
    assert_eq!(as_agent.count("#reply-form input[name=internal]"), 1);
    assert_eq!(as_agent.count("#cancel-reason"), 1);
    assert_eq!(as_customer.count(".actions button"), 0);
    assert_eq!(as_customer.count("button.step-acknowledge"), 0);
    assert_eq!(as_customer.count("#reply-form input[name=internal]"), 0);
    assert_eq!(as_customer.count("#reply-form"), 1);
    assert_eq!(as_customer.count("#cancel-reason"), 1);
    assert_see_other(&acknowledged, &path);
    let after = agent.page(&path).await;
    assert_eq!(after.flash().as_deref(), Some("Done: acknowledge."));
    assert_eq!(after.text("#status"), "acknowledged");
    assert_eq!(after.count("button.step-acknowledge"), 0);
}

#[tokio::test]
async fn an_agents_note_is_marked_internal_for_the_agent_and_absent_for_the_customer() {
    let w = world().await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let (agent, customer) = (
        w.browser(&w.agent).await,
        w.browser(&w.leeds_customer).await,
    );

    let noted = agent
        .submit(
            &path,
            &format!("{path}/replies"),
            &[
                ("body", "Stopcock is behind the boiler"),
                ("internal", "note"),
            ],
        )
        .await;
    let noted_page = agent.page(&path).await;
    agent
        .submit(
            &path,
            &format!("{path}/replies"),
            &[("body", "A plumber is on the way")],
        )
        .await;
    let as_agent = agent.page(&path).await;
    let as_customer = customer.page(&path).await;

    assert_see_other(&noted, &path);
    assert_eq!(noted_page.flash().as_deref(), Some("Noted."));
    let internal = as_agent.texts("#timeline li.internal");
    assert_eq!(internal.len(), 1, "{internal:?}");
    assert!(internal[0].contains("Stopcock is behind the boiler"));
    assert!(as_agent.body.contains("A plumber is on the way"));
    assert_eq!(as_customer.count("#timeline li.internal"), 0);
    assert!(!as_customer.body.contains("Stopcock"));
    assert!(
        as_customer
            .text("#timeline")
            .contains("A plumber is on the way")
    );
}

#[tokio::test]
async fn the_customers_reply_to_a_request_awaiting_them_moves_it_back_to_in_progress() {
    let w = world().await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    w.act(&id, "acknowledge").await;
    w.act(&id, "await_customer").await;
    let customer = w.browser(&w.leeds_customer).await;
    let waiting = customer.page(&path).await;

    let replied = customer
        .submit(
            &path,
            &format!("{path}/replies"),
            &[("body", "The engineer can come after 2pm")],
        )
        .await;

    assert_eq!(waiting.text("#status"), "Waiting for you");
    assert_eq!(waiting.count("#sla-state"), 0, "nothing late, no clock");
    assert_eq!(
        waiting.text("#next"),
        "What happens next Waiting for you: please answer the question below."
    );
    assert_see_other(&replied, &path);
    let page = customer.page(&path).await;
    assert_eq!(page.flash().as_deref(), Some("Replied."));
    assert_eq!(page.text("#status"), "Being worked on");
    let timeline = page.text("#timeline");
    assert!(timeline.contains("tom: Being worked on"), "{timeline}");
    assert!(!timeline.contains("awaiting customer"), "{timeline}");
}

#[tokio::test]
async fn a_step_or_note_not_allowed_posted_by_hand_is_refused_with_a_flash() {
    let w = world().await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    let (agent, customer) = (
        w.browser(&w.agent).await,
        w.browser(&w.leeds_customer).await,
    );

    let close = agent
        .submit(&path, &format!("{path}/actions"), &[("action", "close")])
        .await;
    let after_close = agent.page(&path).await;
    let acknowledge = customer
        .submit(
            &path,
            &format!("{path}/actions"),
            &[("action", "acknowledge")],
        )
        .await;
    let after_acknowledge = customer.page(&path).await;
    let note = customer
        .submit(
            &path,
            &format!("{path}/replies"),
            &[("body", "Sneaky"), ("internal", "note")],
        )
        .await;
    let after_note = customer.page(&path).await;

    assert_see_other(&close, &path);
    let flash = after_close.flash().expect("a flash message");
    assert!(
        flash.contains("cannot close a request that is new"),
        "{flash}"
    );
    assert_see_other(&acknowledge, &path);
    let flash = after_acknowledge.flash().expect("a flash message");
    assert!(flash.contains("only the provider's people"), "{flash}");
    assert_see_other(&note, &path);
    let flash = after_note.flash().expect("a flash message");
    assert!(flash.contains("internal notes"), "{flash}");
    assert_eq!(w.read(&id).await["status"], "new");
    assert!(!after_note.body.contains("Sneaky"));
}

#[tokio::test]
async fn cancelling_needs_a_reason_and_with_one_cancels_the_request() {
    let w = world().await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    let customer = w.browser(&w.leeds_customer).await;

    let without = customer
        .submit(
            &path,
            &format!("{path}/actions"),
            &[("action", "cancel"), ("reason", "  ")],
        )
        .await;
    let refused = customer.page(&path).await;
    let with = customer
        .submit(
            &path,
            &format!("{path}/actions"),
            &[("action", "cancel"), ("reason", "We fixed it ourselves")],
        )
        .await;
    let cancelled = customer.page(&path).await;

    assert_see_other(&without, &path);
    let flash = refused.flash().expect("a flash message");
    assert!(
        flash.contains("Why: say why the request is cancelled"),
        "{flash}"
    );
    assert_eq!(refused.text("#status"), "Received");
    assert_see_other(&with, &path);
    assert_eq!(cancelled.flash().as_deref(), Some("Done: cancel."));
    assert_eq!(cancelled.text("#status"), "Cancelled");
    assert_eq!(cancelled.fact("Cancelled because"), "We fixed it ourselves");
    assert_eq!(cancelled.count("#cancel-reason"), 0);
}

/// Whether `text` shows a duration to the second ("59s", "39h59m59s") or a
/// time with seconds ("11:00:00").
fn shows_seconds(text: &str) -> bool {
    let duration = |word: &str| {
        word.len() > 1
            && word.ends_with('s')
            && word.starts_with(|c: char| c.is_ascii_digit())
            && word
                .chars()
                .all(|c| c.is_ascii_digit() || "hms".contains(c))
    };
    let clock_time = |word: &str| {
        let parts: Vec<&str> = word.split(':').collect();
        parts.len() == 3 && parts.iter().all(|p| p.len() == 2)
    };
    text.split(|c: char| !(c.is_ascii_alphanumeric() || c == ':'))
        .any(|w| duration(w) || clock_time(w))
}

#[test]
fn the_seconds_check_finds_durations_and_times_to_the_second() {
    assert!(shows_seconds("Left 39h59m59s."));
    assert!(shows_seconds("used 59s"));
    assert!(shows_seconds("due 11:00:00 UTC"));
    assert!(!shows_seconds("Monday 7 Dec, 11:00 UTC; 2 boxes, 3 sites"));
}

/// The main content of a page as text, lower-cased.
fn main_text(page: &Page) -> String {
    page.text("main").to_lowercase()
}

#[tokio::test]
async fn the_customer_reads_what_happens_next_in_words_without_clocks_seconds_or_effort() {
    // Arrange: a request with an effort and running clocks (2h to reply).
    let w = world().await;
    let raised = created(
        &w.app,
        &w.leeds_customer.token,
        "/api/v1/requests",
        json!({
            "contract_id": w.contract, "service_id": w.repairs,
            "kind": "incident", "subject": LEAK, "effort": "1h30m"
        }),
    )
    .await;
    let id = id_of(&raised);
    let due: Timestamp = w.read(&id).await["due_at"]
        .as_str()
        .expect("a due instant")
        .parse()
        .expect("an instant");

    // Act
    let page = w.browser(&w.leeds_customer).await.page(&page_of(&id)).await;

    // Assert
    page.assert_status(reqwest::StatusCode::OK);
    let text = main_text(&page);
    for clock_word in [
        "first response",
        "resolution",
        "clock",
        "stopped",
        "running",
    ] {
        assert!(!text.contains(clock_word), "{clock_word:?} in {text}");
    }
    assert!(!text.contains("effort"), "{text}");
    assert!(!text.contains("1h30m"), "{text}");
    assert!(!shows_seconds(&text), "{text}");
    assert_eq!(page.count("#clocks"), 0);
    assert_eq!(page.text("#status"), "Received");
    assert_eq!(page.text("#next-h"), "What happens next");
    let said = page.texts("#next .next-step");
    // The world's calendar runs on UTC; the year shows only when not this one.
    let year = |t: Timestamp| t.strftime("%Y").to_string();
    let pattern = if year(due) == year(Timestamp::now()) {
        "%A %-d %b, %H:%M UTC"
    } else {
        "%A %-d %b %Y, %H:%M UTC"
    };
    assert_eq!(
        said[0],
        format!("We will reply by {}.", due.strftime(pattern))
    );
    assert_eq!(
        said[1..]
            .iter()
            .filter(|s| s.starts_with("We are on it and aim to have it done by "))
            .count(),
        1,
        "and when it will be done: {said:?}"
    );
    let instant: Timestamp = page
        .attr("#next time[data-words]", "datetime")
        .parse()
        .expect("an instant");
    assert_eq!(instant, due, "marked up for the reader's own zone");
}

#[tokio::test]
async fn the_customer_is_told_plainly_when_it_is_done_and_confirms_it() {
    // Arrange
    let w = world().await;
    let done = id_of(&w.raise(LEAK).await);
    for step in ["acknowledge", "start", "fulfil"] {
        w.act(&done, step).await;
    }

    // Act
    let page = w
        .browser(&w.leeds_customer)
        .await
        .page(&page_of(&done))
        .await;

    // Assert
    assert_eq!(page.text("#status"), "Done: please confirm");
    assert_eq!(
        page.texts("#next .next-step"),
        ["Done: please confirm it is finished, or reopen it if it is not."]
    );
    assert_eq!(
        page.texts(".actions button"),
        ["Confirm it is finished", "Reopen"]
    );
}

#[tokio::test]
async fn the_agent_still_reads_the_clocks_the_effort_and_the_workflows_status() {
    // Arrange
    let w = world().await;
    let raised = created(
        &w.app,
        &w.leeds_customer.token,
        "/api/v1/requests",
        json!({
            "contract_id": w.contract, "service_id": w.repairs,
            "kind": "incident", "subject": LEAK, "effort": "1h30m"
        }),
    )
    .await;

    // Act
    let page = w
        .browser(&w.agent)
        .await
        .page(&page_of(&id_of(&raised)))
        .await;

    // Assert
    assert_eq!(
        page.texts("#clocks tbody th"),
        ["First response", "Resolution"]
    );
    assert_eq!(page.count("#next"), 0);
    assert_eq!(page.text("#status"), "new");
    assert_eq!(page.text("#sla-state"), "on track");
    assert_eq!(page.fact("Effort"), "1h30m");
    assert!(
        page.texts("#clocks td[data-label=Left]")
            .iter()
            .all(|t| t.contains('h')),
        "durations as before"
    );
}
