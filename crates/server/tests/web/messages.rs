//! Refusals told in the form's own words: a message names a field by the
//! label the person saw ("Details", "Your reply"), and a number too large
//! is told it is too large, not that it is no number.

use reqwest::StatusCode;

use crate::requests::{LEAK, World, id_of, page_of, world};
use crate::support::{Browser, Page, location};

/// Submits the raise form as the Leeds customer with `quantity` and
/// `description`; returns the form shown again.
async fn raise_with(w: &World, quantity: &str, description: &str) -> Page {
    let browser = w.browser(&w.leeds_customer).await;
    let leeds = w.leeds.id.to_string();
    let form = format!("/requests/new?contract={}", w.contract);
    let response = browser
        .submit(
            &form,
            "/requests",
            &[
                ("contract_id", &w.contract),
                ("customer_id", &leeds),
                ("service_id", &w.repairs),
                ("kind", "incident"),
                ("priority", "normal"),
                ("quantity", quantity),
                ("subject", LEAK),
                ("description", description),
            ],
        )
        .await;
    Page::read(response).await
}

/// Sends the reply form on the request at `path` as `browser`; returns the
/// message shown after it.
async fn reply(browser: &Browser<'_>, path: &str, body: &str) -> String {
    let response = browser
        .submit(path, &format!("{path}/replies"), &[("body", body)])
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    browser
        .page(&location(&response))
        .await
        .flash()
        .expect("a message")
}

#[tokio::test]
async fn too_long_details_on_the_raise_form_are_named_details_as_the_form_labels_them() {
    let w = world().await;

    let page = raise_with(&w, "", &"x".repeat(20_001)).await;

    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        page.flash().as_deref(),
        Some("Not saved. Details: must be at most 20000 characters.")
    );
    assert_eq!(page.text("label[for=r-description]"), "Details");
}

#[tokio::test]
async fn a_twenty_digit_quantity_is_told_it_is_too_large_not_that_it_is_no_whole_number() {
    let w = world().await;

    let huge = raise_with(&w, "99999999999999999999", "").await;
    let words = raise_with(&w, "a dozen", "").await;

    huge.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        huge.flash().as_deref(),
        Some("Not saved. Quantity: must be at most 1000000000.")
    );
    assert_eq!(
        huge.attr("#r-quantity", "value"),
        "99999999999999999999",
        "what was typed stays"
    );
    assert_eq!(
        words.flash().as_deref(),
        Some("Not saved. Quantity: must be a whole number.")
    );
}

#[tokio::test]
async fn a_reply_too_long_is_named_your_reply_for_the_customer_and_message_for_the_agent() {
    let w = world().await;
    let path = page_of(&id_of(&w.raise(LEAK).await));
    let long = "x".repeat(20_001);

    let customer = reply(&w.browser(&w.leeds_customer).await, &path, &long).await;
    let agent = reply(&w.browser(&w.agent).await, &path, &long).await;

    assert_eq!(
        customer,
        "Not saved. Your reply: must be at most 20000 characters."
    );
    assert_eq!(
        agent,
        "Not saved. Message: must be at most 20000 characters."
    );
}

#[tokio::test]
async fn a_pack_size_beyond_any_pack_is_told_it_is_too_large() {
    let w = world().await;
    let manager = w.browser(&w.manager).await;
    let provider = w.provider.id.to_string();

    let response = manager
        .submit(
            "/services",
            "/services",
            &[
                ("name", "Boxed goods"),
                ("provider_id", &provider),
                ("pack_size", "99999999999999999999"),
                ("default_effort", "soon"),
            ],
        )
        .await;

    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let flash = manager
        .page(&location(&response))
        .await
        .flash()
        .unwrap_or_default();
    assert!(
        flash.contains("Pack size: must be at most 4294967295"),
        "{flash}"
    );
    assert!(flash.contains("Typical effort: "), "{flash}");
}
