//! Notification pages: the admin's mail view shows what each person was
//! told (headers, text and sandboxed HTML); the outbox lists what waits,
//! failed or died, with a retry; the account page chooses what comes by
//! email; an unsubscribe link stops one topic on a POST, never on a GET.

use std::time::Duration;

use kept_domain::{Channel, DeliveryState, Topic};
use kept_store::notify::{DeliveryQuery, MailQuery, Outcome};
use kept_store::testing::TestDatabase;
use reqwest::StatusCode;

use crate::harbour::{LEAK, World, world_on};
use crate::helpers::spawn_app_with;
use crate::support::{Browser, assert_see_other};

/// The Harbour world on a server that keeps its mail and runs its
/// delivery job every 50 ms.
pub async fn keeping_mail() -> World {
    keeping_mail_on(TestDatabase::sqlite()).await
}

/// [`keeping_mail`] on `db`.
pub async fn keeping_mail_on(db: TestDatabase) -> World {
    let app = spawn_app_with(db, |c| {
        c.mail_keep = true;
        c.outbox_interval_ms = 50;
        c.mail_from = "Brightwell desk <desk@brightwell.example>".into();
    })
    .await;
    crate::requests::with_terms(world_on(app).await).await
}

/// Waits until mail to `to` has been kept; returns the newest.
async fn mail_to(w: &World, to: &str) -> kept_store::notify::KeptMail {
    for _ in 0..200 {
        let page = w
            .app
            .store
            .kept_mail(&MailQuery {
                recipient: Some(to.to_owned()),
                ..MailQuery::default()
            })
            .await
            .expect("kept mail");
        if let Some(mail) = page.items.into_iter().next() {
            return mail;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("no mail to {to}");
}

#[tokio::test]
async fn the_mail_view_shows_the_acknowledgement_a_store_manager_got() {
    let w = keeping_mail().await;
    let request = w.raise(LEAK).await;
    let number = request["number"].as_i64().expect("a number");
    let to = w.leeds_customer.user.email.to_string();
    let mail = mail_to(&w, &to).await;
    assert_eq!(mail.subject, format!("[#{number}] Received: {LEAK}"));

    let admin = Browser::signed_in(&w.app, &w.admin.user.email.to_string()).await;
    let list = admin
        .page(&format!("/admin/mail?to={}", to.replace('@', "%40")))
        .await;
    list.assert_status(StatusCode::OK);
    assert_eq!(
        list.texts("#mail td[data-label=Subject] a"),
        vec![mail.subject.clone()]
    );

    let message = admin
        .page(&format!("/admin/mail/{}", mail.delivery_id))
        .await;
    message.assert_status(StatusCode::OK);
    assert!(message.text("#mail-text").contains(LEAK));
    let headers = message.text("#mail-headers");
    assert!(headers.contains("Reply-To"), "{headers}");
    assert!(headers.contains(&format!("desk+r{number}-")), "{headers}");
    assert!(headers.contains("In-Reply-To"), "{headers}");
    assert_eq!(message.count("iframe.mail-frame[sandbox]"), 1);

    let html = admin
        .get(&format!("/admin/mail/{}/html", mail.delivery_id))
        .await;
    assert_eq!(html.status(), StatusCode::OK);
    let csp = html.headers()["content-security-policy"]
        .to_str()
        .expect("ascii")
        .to_owned();
    assert!(
        csp.contains("sandbox") && csp.contains("default-src 'none'"),
        "{csp}"
    );
    assert!(html.text().await.expect("body").contains(LEAK));

    for who in [&w.manager, &w.leeds_customer] {
        let other = Browser::signed_in(&w.app, &who.user.email.to_string()).await;
        let refused = other.get("/admin/mail").await;
        assert_eq!(
            refused.status(),
            StatusCode::FORBIDDEN,
            "only admins read others' mail"
        );
        let refused = other
            .get(&format!("/admin/mail/{}", mail.delivery_id))
            .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    }
}

#[tokio::test]
async fn the_outbox_lists_dead_letters_and_a_retry_sends_them_again() {
    // Without SMTP and without keeping mail, email waits in the outbox.
    let w = crate::requests::world().await;
    w.raise(LEAK).await;
    let store = &w.app.store;
    let mut waiting = Vec::new();
    for _ in 0..200 {
        waiting = store
            .list_deliveries(&DeliveryQuery::default())
            .await
            .expect("deliveries")
            .items;
        if !waiting.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let delivery = waiting.first().expect("the acknowledgement waits");
    assert_eq!(delivery.state, DeliveryState::Pending);
    // Make it dead: one claim, one final failure.
    let far = kept_domain::Timestamp::now() + jiff::SignedDuration::from_hours(48);
    let claimed = store
        .claim_deliveries(far, 100, Duration::from_secs(60), &[Channel::Email])
        .await
        .expect("claim");
    assert!(claimed.iter().any(|d| d.id == delivery.id));
    store
        .record_attempt(
            delivery.id,
            Outcome::Failed {
                error: "550 mailbox unavailable".into(),
                retry_at: None,
            },
        )
        .await
        .expect("dead");

    let admin = Browser::signed_in(&w.app, &w.admin.user.email.to_string()).await;
    let page = admin.page("/admin/outbox?state=dead").await;
    page.assert_status(StatusCode::OK);
    let row = format!("#delivery-{}", delivery.id);
    assert_eq!(page.count(&row), 1);
    assert!(page.text(&row).contains("550 mailbox unavailable"));
    assert!(page.text("#outbox-stats").contains("1 dead"));

    let done = admin
        .submit(
            "/admin/outbox?state=dead",
            &format!("/admin/outbox/{}/retry", delivery.id),
            &[],
        )
        .await;
    assert_see_other(&done, "/admin/outbox");
    let back = store.delivery(delivery.id).await.expect("delivery");
    assert_eq!(back.state, DeliveryState::Failed, "due again, to be tried");

    let agent = Browser::signed_in(&w.app, &w.agent.user.email.to_string()).await;
    assert_eq!(
        agent.get("/admin/outbox").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[tokio::test]
async fn people_choose_what_comes_by_email_and_a_link_stops_one_topic() {
    let w = crate::requests::world().await;
    let agent = Browser::signed_in(&w.app, &w.agent.user.email.to_string()).await;
    let page = agent.page("/account").await;
    let boxes = page.attrs("#email-preferences input[type=checkbox]", "name");
    assert!(
        boxes.contains(&"topic_request_at_risk".to_owned()),
        "{boxes:?}"
    );
    assert!(
        !boxes.contains(&"topic_request_raised".to_owned()),
        "mail about one's own requests always comes"
    );
    let saved = agent
        .submit(
            "/account",
            "/account/email",
            &[("topic_request_breached", "on")],
        )
        .await;
    assert_see_other(&saved, "/account#email");
    let off = w
        .app
        .store
        .opted_out(w.agent.user.id)
        .await
        .expect("preferences");
    assert!(off.contains(&Topic::RequestAtRisk));
    assert!(!off.contains(&Topic::RequestBreached));

    let key = w
        .app
        .store
        .server_key("mail-tokens", "test-key")
        .await
        .expect("key");
    let signer = kept_app::notify::tokens::Signer::new(key.as_bytes());
    let token = signer.unsubscribe_token(w.manager.user.id, Topic::ChangeApplied);
    let anonymous = Browser::new(&w.app);
    let shown = anonymous.page(&format!("/unsubscribe/{token}")).await;
    shown.assert_status(StatusCode::OK);
    assert!(shown.text("main").contains("a contract change was applied"));
    assert!(
        w.app
            .store
            .opted_out(w.manager.user.id)
            .await
            .expect("read")
            .is_empty(),
        "opening the link changes nothing"
    );
    let one_click = anonymous
        .post(
            &format!("/unsubscribe/{token}"),
            &[("List-Unsubscribe", "One-Click")],
        )
        .await;
    assert_eq!(one_click.status(), StatusCode::OK);
    assert_eq!(
        w.app
            .store
            .opted_out(w.manager.user.id)
            .await
            .expect("read"),
        [Topic::ChangeApplied]
    );
    let forged = token.replace("change_applied", "change_rejected");
    assert_eq!(
        anonymous
            .post(&format!("/unsubscribe/{forged}"), &[])
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}
