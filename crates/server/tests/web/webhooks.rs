//! The webhooks page: a manager adds a webhook for their party, sees its
//! signing secret once, reads refusals by the form's labels and deletes
//! it; people who may not subscribe find no such page.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;

use crate::helpers::spawn_app;
use crate::support::{Browser, Page, assert_see_other, location};

#[tokio::test]
async fn a_manager_adds_a_webhook_sees_its_secret_once_and_deletes_it() {
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    app.persona(
        "maya@brightwell.example",
        Some(provider.id),
        &[(Role::Manager, provider.id)],
    )
    .await;
    app.persona(
        "sam@brightwell.example",
        Some(provider.id),
        &[(Role::Agent, provider.id)],
    )
    .await;
    let browser = Browser::signed_in(&app, "maya@brightwell.example").await;

    let empty = browser.page("/webhooks").await;
    empty.assert_status(StatusCode::OK);
    assert_eq!(
        empty.texts("#w-scope option"),
        ["contracts of Brightwell"],
        "a manager's webhooks hear of their party"
    );
    assert_eq!(empty.count("fieldset.choices input[type=checkbox]"), 14);

    let party = provider.id.to_string();
    let created = Page::read(
        browser
            .submit(
                "/webhooks",
                "/webhooks",
                &[
                    ("url", "https://hooks.brightwell.example/kept"),
                    ("party_id", party.as_str()),
                    ("topic.change_applied", "on"),
                    ("topic.request_raised", "on"),
                ],
            )
            .await,
    )
    .await;
    created.assert_status(StatusCode::OK);
    assert_eq!(
        created
            .headers
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let secret = created.text("code#new-secret");
    assert!(secret.starts_with("whsec_"), "{secret}");
    assert_eq!(created.text("table.list caption"), "Webhooks");
    assert_eq!(
        created.texts("table.list tbody td[data-label=Events]"),
        ["request_raised, change_applied"]
    );
    assert_eq!(
        created.texts("table.list tbody td[data-label='Hears of']"),
        ["Brightwell"]
    );

    let listed = browser.page("/webhooks").await;
    assert_eq!(
        listed.count("#new-secret"),
        0,
        "the secret is not shown again"
    );
    assert!(!listed.body.contains(&secret));

    let refused = browser
        .submit("/webhooks", "/webhooks", &[("url", "http://plain.example")])
        .await;
    assert_see_other(&refused, "/webhooks");
    let message = browser
        .page(&location(&refused))
        .await
        .flash()
        .expect("a message");
    assert!(message.contains("Endpoint URL"), "{message}");
    assert!(message.contains("Events"), "{message}");

    let action = listed.attr("form[action$='/delete']", "action");
    let deleted = browser.submit("/webhooks", &action, &[]).await;
    assert_see_other(&deleted, "/webhooks");
    let after = browser.page("/webhooks").await;
    assert_eq!(after.count("table.list"), 0);
    assert!(
        after.flash().is_some_and(|f| f.contains("Deleted")),
        "{:?}",
        after.flash()
    );

    let agent = Browser::signed_in(&app, "sam@brightwell.example").await;
    agent
        .page("/webhooks")
        .await
        .assert_status(StatusCode::NOT_FOUND);
}
