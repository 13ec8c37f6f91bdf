//! A request's page as each side sees it: the provider's steps and the
//! internal-note box, the customer's cancel and reply only; notes kept
//! from the customer; a reply that resumes a request awaiting the
//! customer; steps and notes refused with a flash.

use crate::requests::{LEAK, id_of, page_of, world};
use crate::support::assert_see_other;

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

    assert_eq!(waiting.text("#status"), "awaiting customer");
    assert_eq!(waiting.text("#sla-state"), "paused");
    assert_see_other(&replied, &path);
    let page = customer.page(&path).await;
    assert_eq!(page.flash().as_deref(), Some("Replied."));
    assert_eq!(page.text("#status"), "in progress");
    assert!(
        page.text("#timeline")
            .contains("moved it from awaiting customer to in progress")
    );
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
    assert_eq!(refused.text("#status"), "new");
    assert_see_other(&with, &path);
    assert_eq!(cancelled.flash().as_deref(), Some("Done: cancel."));
    assert_eq!(cancelled.text("#status"), "cancelled");
    assert_eq!(cancelled.fact("Cancelled because"), "We fixed it ourselves");
    assert_eq!(cancelled.count("#cancel-reason"), 0);
}
