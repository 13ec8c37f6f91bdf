//! The structured change-request form: reviewed before anything is
//! stored, raised with exactly what was edited, refused as typed, with no
//! TOML and no ids on the page, and not offered to a customer.

use std::collections::HashSet;

use reqwest::StatusCode;
use scraper::ElementRef;
use serde_json::{Value, json};

use super::{Contract, Form, contract, terms};
use crate::helpers::json as body;
use crate::support::{Browser, Page, assert_see_other, location, selector};

/// Whether `text` holds something shaped like a UUID.
fn has_uuid(text: &str) -> bool {
    let shape = [8, 4, 4, 4, 12];
    text.char_indices().any(|(at, _)| {
        let mut rest = &text[at..];
        shape.iter().enumerate().all(|(n, len)| {
            let hex = rest
                .chars()
                .take(*len)
                .filter(char::is_ascii_hexdigit)
                .count();
            if hex != *len || rest.len() < *len {
                return false;
            }
            rest = &rest[*len..];
            if n < 4 {
                let dash = rest.starts_with('-');
                rest = rest.get(1..).unwrap_or_default();
                dash
            } else {
                true
            }
        })
    })
}

/// Opens the raise form as `who` and fills in its title and rationale.
async fn raise_form(who: &Browser<'_>, c: &Contract) -> Form {
    let page = who.page(&c.new_form()).await;
    page.assert_status(StatusCode::OK);
    let mut form = Form::of(&page);
    form.set("title", "Urgent repairs resolved in 8 hours").set(
        "rationale",
        "Leaks close the tills; stores asked at the review.",
    );
    form
}

#[tokio::test]
async fn the_review_shows_what_changes_in_words_and_stores_nothing() {
    let c = contract().await;
    let claire = Browser::signed_in(&c.app, "claire@harbour.example").await;
    let mut form = raise_form(&claire, &c).await;
    assert_eq!(form.get(&c.urgent("resolution")), "24h", "prefilled");
    form.set(&c.urgent("resolution"), "8h");

    let page = Page::read(claire.post(&c.review(), &form.pairs()).await).await;

    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.texts("#review li"),
        ["Reactive maintenance (urgent): resolution 24h → 8h"]
    );
    assert_eq!(
        Form::of(&page).filled(),
        form.filled(),
        "the form holds everything typed"
    );
    assert_eq!(
        page.raw_text("#cr-rationale"),
        "Leaks close the tills; stores asked at the review."
    );
    assert_eq!(page.text("#cr-submit"), "Raise and submit");
    assert_eq!(
        page.attr("#cr-submit", "formaction"),
        c.raise(),
        "the save button raises"
    );
    assert!(c.changes().await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn raising_through_the_form_changes_exactly_the_target_edited() {
    let c = contract().await;
    let claire = Browser::signed_in(&c.app, "claire@harbour.example").await;
    let mut form = raise_form(&claire, &c).await;
    form.set(&c.urgent("resolution"), "8h")
        .set("in_scope", "Out-of-hours call-outs for leaks");

    let response = claire.post(&c.raise(), &form.pairs()).await;

    let changes = c.changes().await;
    assert_eq!(changes.len(), 1);
    let cr = &changes[0];
    let id = cr["id"].as_str().expect("id");
    assert_see_other(&response, &format!("/contracts/{}#cr-{id}", c.id));
    assert_eq!(cr["status"], "submitted");
    assert_eq!(cr["title"], "Urgent repairs resolved in 8 hours");
    assert_eq!(
        cr["proposal"],
        json!([
            { "change": "sla", "service_id": c.repairs, "priority": "urgent", "target": "resolution", "from": "24h", "to": "8h" },
            { "change": "scope", "list": "in_scope", "item": "Out-of-hours call-outs for leaks", "added": true },
        ])
    );
    assert_eq!(
        cr["changes"]["terms"]["sla"],
        json!([{ "service_id": c.repairs, "priority": "urgent", "first_response": "4h", "resolution": "8h" }]),
        "the untouched target is kept as it was"
    );
    let contract = claire.page(&location(&response)).await;
    assert_eq!(
        contract.texts(&format!("#cr-{id} .proposed li")),
        [
            "Reactive maintenance (urgent): resolution 24h → 8h",
            "Added to in scope: Out-of-hours call-outs for leaks"
        ]
    );
}

#[tokio::test]
async fn an_untouched_form_proposes_no_change_to_the_terms() {
    let c = contract().await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;
    let mut form = raise_form(&maya, &c).await;

    let nothing = Page::read(maya.post(&c.review(), &form.pairs()).await).await;

    nothing.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(nothing.problem().as_deref(), Some("validation-failed"));
    assert!(
        nothing
            .flash()
            .unwrap_or_default()
            .contains("Proposed changes: propose at least one change"),
        "{:?}",
        nothing.flash()
    );

    form.set("add_service", &c.cleaning);
    let reviewed = Page::read(maya.post(&c.review(), &form.pairs()).await).await;
    reviewed.assert_status(StatusCode::OK);
    assert_eq!(reviewed.texts("#review li"), ["Added service: Cleaning"]);
    assert_eq!(
        reviewed.count(&format!("#cr-sla input[name^='sla.{}.']", c.cleaning)),
        12,
        "the service to add has its rows to fill in"
    );
    let raised = maya.post(&c.raise(), &Form::of(&reviewed).pairs()).await;
    assert_eq!(raised.status(), StatusCode::SEE_OTHER);
    let changes = c.changes().await;
    assert_eq!(
        changes[0]["changes"],
        json!({ "add_services": [c.cleaning] }),
        "no terms proposed"
    );
}

#[tokio::test]
async fn a_bad_duration_comes_back_422_with_what_was_typed_and_its_row_named() {
    let c = contract().await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;
    let mut form = raise_form(&maya, &c).await;
    form.set(&c.urgent("resolution"), "soon")
        .set(&c.urgent("first_response"), "2h")
        .set("out_of_scope", "Roof repairs");

    for action in [c.review(), c.raise()] {
        let page = Page::read(maya.post(&action, &form.pairs()).await).await;

        page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
        assert_eq!(page.problem().as_deref(), Some("validation-failed"));
        let said = page.flash().unwrap_or_default();
        assert!(
            said.contains("Reactive maintenance, urgent, resolution: `soon` is not a duration"),
            "{said}"
        );
        assert_eq!(
            Form::of(&page).filled(),
            form.filled(),
            "what was typed is kept"
        );
        assert_eq!(
            page.attr(
                &format!("input[name='{}']", c.urgent("resolution")),
                "aria-invalid"
            ),
            "true"
        );
        assert_eq!(page.count("#review"), 0);
    }
    assert!(c.changes().await.is_empty(), "nothing stored");
}

#[tokio::test]
async fn the_form_pages_ask_for_no_toml_and_show_no_ids() {
    let c = contract().await;
    let draft = body(
        c.app
            .post(
                &format!("/api/v1/contracts/{}/change-requests", c.id),
                &c.manager.token,
                &json!({ "title": "First response 2h", "rationale": "Stores asked.", "changes": { "terms": terms(&c.repairs, "2h") } }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;
    let contract = maya.page(&c.page()).await;
    assert_eq!(contract.attr("#propose", "href"), c.new_form());
    let edit = contract.attr(".edit-draft a", "href");
    assert!(edit.contains(draft["id"].as_str().expect("id")), "{edit}");

    assert!(
        has_uuid(&format!("id {}.", c.repairs)),
        "the check finds ids"
    );
    for path in [c.page(), c.new_form(), edit] {
        let page = maya.page(&path).await;
        page.assert_status(StatusCode::OK);
        assert_eq!(page.count("textarea.code"), 0, "{path}");
        let shown = page.text("body");
        assert!(!shown.contains("TOML"), "{path}: {shown}");
        assert!(!has_uuid(&shown), "{path} shows an id: {shown}");
        if path == c.page() {
            continue;
        }
        assert!(
            page.texts("#cr-sla tbody tr td:first-child")
                .iter()
                .all(|s| s == "Reactive maintenance"),
            "rows named by service"
        );
        let html = page.html();
        let labelled: HashSet<&str> = html
            .select(&selector("label[for]"))
            .filter_map(|l| l.value().attr("for"))
            .collect();
        for field in html.select(&selector(
            "#cr-form input:not([type=hidden]), #cr-form select, #cr-form textarea",
        )) {
            let wrapped = field
                .ancestors()
                .filter_map(ElementRef::wrap)
                .any(|a| a.value().name() == "label");
            let by_id = field.value().id().is_some_and(|id| labelled.contains(id));
            assert!(wrapped || by_id, "{path}: no label for {}", field.html());
        }
        let mut ids = HashSet::new();
        for element in html.select(&selector("[id]")) {
            let id = element.value().id().unwrap_or_default();
            assert!(ids.insert(id), "{path}: duplicate id {id}");
        }
    }
}

#[tokio::test]
async fn a_customer_who_may_not_raise_is_refused_the_form() {
    let c = contract().await;
    let maya = Browser::signed_in(&c.app, "maya@brightwell.example").await;
    let form = raise_form(&maya, &c).await;
    let tom = Browser::signed_in(&c.app, "tom@harbour.example").await;
    let contract = tom.page(&c.page()).await;
    assert_eq!(contract.count("#propose"), 0, "no link to the form");
    let token = tom.page("/account").await.csrf();
    let mut fields = form.pairs();
    fields[0] = ("csrf_token", &token);

    let page = tom.get(&c.new_form()).await.status();
    let review = tom.post(&c.review(), &fields).await;
    let raise = tom.post(&c.raise(), &fields).await;
    let api = c
        .app
        .post(
            &format!("/api/v1/contracts/{}/change-requests", c.id),
            &c.customer.token,
            &json!({ "title": "T", "rationale": "R", "changes": { "add_services": [c.cleaning] } }),
        )
        .await;

    let api_status = api.status();
    let api_problem: Value = api.json().await.expect("a problem");
    for (status, response) in [(review.status(), review), (raise.status(), raise)] {
        assert_eq!(status, api_status, "the page refuses as the API does");
        let page = Page::read(response).await;
        assert_eq!(
            format!("/problems/{}", page.problem().unwrap_or_default()),
            api_problem["type"].as_str().unwrap_or_default()
        );
    }
    assert!(
        [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&page),
        "{page}"
    );
    assert!(c.changes().await.is_empty());
}
