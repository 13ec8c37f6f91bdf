//! The request pages: raising a request from the form (only for one's own
//! sites, refused with the reason when the contract does not cover it),
//! who sees a request's page and finds it in the queue and the portal, and
//! the new forms refused without a CSRF token.
//!
//! This file also holds the world the request page tests share: a
//! request's own page is tested in `requests_page`, the queue in
//! `requests_queue`, escalation in `requests_chain`.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, spawn_app};
use crate::support::{Browser, Page, assert_see_other, location};

pub use crate::harbour::{LEAK, PAST, World, id_of};

/// `POST path` as `token`, which must create; returns the object.
pub async fn created(app: &TestApp, token: &str, path: &str, body: Value) -> Value {
    json(app.post(path, token, &body).await, StatusCode::CREATED).await
}

/// The Harbour FM world with version 1 of the terms in force since
/// [`PAST`]: normal repairs answered within 2h and resolved within 16h.
pub async fn world() -> World {
    with_terms(crate::harbour::world_on(spawn_app().await).await).await
}

/// `w` with version 1 of the terms in force since [`PAST`].
pub async fn with_terms(w: World) -> World {
    created(
        &w.app,
        &w.manager.token,
        &format!("/api/v1/contracts/{}/terms/versions", w.contract),
        json!({
            "effective_from": PAST,
            "terms": {
                "sla": [{ "service_id": w.repairs, "priority": "normal",
                          "first_response": "2h", "resolution": "16h" }],
                "kpis": [], "in_scope": [], "out_of_scope": []
            }
        }),
    )
    .await;
    w
}

impl World {
    /// A browser signed in as `who`.
    pub async fn browser(&self, who: &Persona) -> Browser<'_> {
        Browser::signed_in(&self.app, &who.user.email.to_string()).await
    }

    /// Raises an incident about `subject` for Leeds through the API as the
    /// Leeds customer; returns the request.
    pub async fn raise(&self, subject: &str) -> Value {
        created(
            &self.app,
            &self.leeds_customer.token,
            "/api/v1/requests",
            json!({
                "contract_id": self.contract, "service_id": self.repairs,
                "kind": "incident", "subject": subject
            }),
        )
        .await
    }

    /// Takes `action` on request `id` through the API as the agent.
    pub async fn act(&self, id: &str, action: &str) {
        json(
            self.app
                .post(
                    &format!("/api/v1/requests/{id}/actions"),
                    &self.agent.token,
                    &json!({ "action": action }),
                )
                .await,
            StatusCode::OK,
        )
        .await;
    }

    /// Request `id` as the admin sees it through the API.
    pub async fn read(&self, id: &str) -> Value {
        json(
            self.app
                .get(&format!("/api/v1/requests/{id}"), &self.admin.token)
                .await,
            StatusCode::OK,
        )
        .await
    }

    /// How many requests there are, of any status.
    async fn count(&self) -> usize {
        json(
            self.app.get("/api/v1/requests", &self.admin.token).await,
            StatusCode::OK,
        )
        .await["items"]
            .as_array()
            .map_or(0, Vec::len)
    }

    /// The raise form's page for the contract.
    fn form(&self) -> String {
        format!("/requests/new?contract={}", self.contract)
    }
}

/// The path of a request's page.
pub fn page_of(id: &str) -> String {
    format!("/requests/{id}")
}

/// The subjects of the queue's rows, in order.
pub fn subjects(page: &Page) -> Vec<String> {
    page.texts("#queue tbody td:nth-child(2) a")
}

/// Submits the raise form as the Leeds customer would fill it in.
async fn raise_from_form(
    w: &World,
    browser: &Browser<'_>,
    service: &str,
    subject: &str,
) -> reqwest::Response {
    let leeds = w.leeds.id.to_string();
    browser
        .submit(
            &w.form(),
            "/requests",
            &[
                ("contract_id", &w.contract),
                ("customer_id", &leeds),
                ("service_id", service),
                ("kind", "incident"),
                ("priority", "normal"),
                ("quantity", ""),
                ("subject", subject),
                ("description", "Dripping since Monday."),
            ],
        )
        .await
}

#[tokio::test]
async fn a_leeds_customer_raises_a_request_from_the_form_and_lands_on_its_page() {
    let w = world().await;
    let browser = w.browser(&w.leeds_customer).await;
    // Harbour FM is the only contract: no choice to make first.
    let form = browser.page("/requests/new").await;

    let response = raise_from_form(&w, &browser, &w.repairs, LEAK).await;

    form.assert_status(StatusCode::OK);
    assert_eq!(form.count("#contract-choice"), 0);
    assert_eq!(
        form.attr("#raise-form input[name=contract_id]", "value"),
        w.contract
    );
    assert_eq!(form.texts("#r-customer option"), ["Harbour Leeds"]);
    assert!(
        !form.body.contains("Harbour York"),
        "no other site is named"
    );
    assert_eq!(form.texts("#r-service option"), ["Reactive maintenance"]);
    assert_eq!(form.count("#r-override"), 0);
    assert!(
        !form
            .texts("#r-kind option")
            .contains(&"Internal task".to_owned())
    );
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let to = location(&response);
    let id = to.strip_prefix("/requests/").expect("a request's page");
    let request = w.read(id).await;
    assert_eq!(request["requester_id"], json!(w.leeds_customer.user.id));
    assert_eq!(request["customer_id"], json!(w.leeds.id));
    let page = browser.page(&to).await;
    page.assert_status(StatusCode::OK);
    assert_eq!(
        page.flash(),
        Some(format!("Raised request #{}.", request["number"]))
    );
    assert_eq!(page.text("h1"), format!("#{} {LEAK}", request["number"]));
    assert_eq!(page.fact("Customer"), "Harbour Leeds");
    assert!(page.fact("Contract").contains("terms version 1"));
    assert_eq!(page.text("#status"), "Received");
    assert_eq!(
        page.count("#clocks"),
        0,
        "the customer reads words, not clocks"
    );
    assert!(
        page.text("#next .next-step")
            .starts_with("We will reply by "),
        "{}",
        page.text("#next")
    );
}

#[tokio::test]
async fn the_providers_people_may_raise_for_every_site_and_only_a_manager_may_override() {
    let w = world().await;

    let as_agent = w.browser(&w.agent).await.page(&w.form()).await;
    let as_manager = w.browser(&w.manager).await.page(&w.form()).await;

    assert_eq!(
        as_agent.texts("#r-customer option"),
        ["Harbour Leeds", "Harbour York"]
    );
    assert!(
        as_agent
            .texts("#r-kind option")
            .contains(&"Internal task".to_owned())
    );
    assert_eq!(as_agent.count("#r-override"), 0);
    assert_eq!(as_manager.count("#r-override"), 1);
}

#[tokio::test]
async fn a_department_under_a_covered_site_is_offered_and_its_own_people_raise_for_it() {
    let w = world().await;
    let bakery = w
        .app
        .party(PartyKind::Department, "Bakery", Some(w.leeds.id))
        .await;
    let baker = w
        .app
        .persona(
            "bea@harbour.example",
            Some(bakery.id),
            &[(Role::Customer, bakery.id)],
        )
        .await;
    let browser = w.browser(&baker).await;

    let as_agent = w.browser(&w.agent).await.page(&w.form()).await;
    let as_leeds = w.browser(&w.leeds_customer).await.page(&w.form()).await;
    let as_baker = browser.page(&w.form()).await;
    let bakery_id = bakery.id.to_string();
    let raised = browser
        .submit(
            &w.form(),
            "/requests",
            &[
                ("contract_id", &w.contract),
                ("customer_id", &bakery_id),
                ("service_id", &w.repairs),
                ("kind", "incident"),
                ("subject", "Oven door hinge"),
            ],
        )
        .await;

    assert_eq!(
        as_agent.texts("#r-customer option"),
        ["Harbour Leeds", "Harbour Leeds › Bakery", "Harbour York"]
    );
    assert_eq!(
        as_leeds.texts("#r-customer option"),
        ["Harbour Leeds", "Harbour Leeds › Bakery"]
    );
    // The baker reaches the bakery, not the rest of the Leeds store.
    assert_eq!(
        as_baker.texts("#r-customer option"),
        ["Harbour Leeds › Bakery"]
    );
    assert_eq!(raised.status(), StatusCode::SEE_OTHER);
    let to = location(&raised);
    let request = w.read(to.trim_start_matches("/requests/")).await;
    assert_eq!(request["customer_id"], json!(bakery.id));
}

#[tokio::test]
async fn an_ended_contract_is_neither_offered_nor_given_a_form() {
    let w = world().await;
    w.end_contract().await;
    let browser = w.browser(&w.leeds_customer).await;

    let choice = browser.page("/requests/new").await;
    let form = browser.page(&w.form()).await;

    assert_eq!(choice.count("#contract-choice a"), 0);
    form.assert_status(StatusCode::OK);
    assert_eq!(form.count("#raise-form"), 0);
}

#[tokio::test]
async fn an_out_of_scope_subject_comes_back_to_the_form_with_the_reason_and_what_was_typed() {
    let w = world().await;
    let browser = w.browser(&w.leeds_customer).await;

    let response = raise_from_form(&w, &browser, &w.repairs, "Roof repairs above the bay").await;

    let page = Page::read(response).await;
    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let flash = page.flash().expect("the reason, on the form");
    assert!(
        flash.contains("Reactive maintenance does not cover: Roof repairs"),
        "{flash}"
    );
    assert_eq!(page.count("#raise-form"), 1);
    assert_eq!(
        page.attr("#r-subject", "value"),
        "Roof repairs above the bay"
    );
    assert_eq!(page.text("#r-description"), "Dripping since Monday.");
    assert_eq!(page.text("#r-kind option[selected]"), "Incident");
    assert_eq!(page.text("#r-customer option[selected]"), "Harbour Leeds");
    assert_eq!(w.count().await, 0);
    // The message was shown once, on the form: it does not come back.
    assert_eq!(browser.page(&w.form()).await.flash(), None);
}

#[tokio::test]
async fn a_service_not_on_the_contract_or_another_site_comes_back_to_the_form_with_the_reason() {
    let w = world().await;
    let browser = w.browser(&w.leeds_customer).await;
    let york = w.york.id.to_string();

    let cleaning = Page::read(raise_from_form(&w, &browser, &w.cleaning, LEAK).await).await;
    let for_york = browser
        .submit(
            &w.form(),
            "/requests",
            &[
                ("contract_id", &w.contract),
                ("customer_id", &york),
                ("service_id", &w.repairs),
                ("kind", "incident"),
                ("subject", LEAK),
            ],
        )
        .await;
    let for_york = Page::read(for_york).await;

    cleaning.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let flash = cleaning.flash().expect("a flash message");
    assert!(
        flash.contains("Cleaning is not a service of Harbour FM"),
        "{flash}"
    );
    assert_eq!(cleaning.attr("#r-subject", "value"), LEAK);
    for_york.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let flash = for_york.flash().expect("a flash message");
    assert!(flash.contains("For: no such party"), "{flash}");
    assert_eq!(for_york.attr("#r-subject", "value"), LEAK);
    assert_eq!(w.count().await, 0);
}

#[tokio::test]
async fn another_sites_customer_and_a_stranger_find_nothing_while_the_provider_sees_it_queued() {
    let w = world().await;
    let request = w.raise(LEAK).await;
    let path = page_of(&id_of(&request));
    let (york, stranger, agent, leeds) = (
        w.browser(&w.york_customer).await,
        w.browser(&w.stranger).await,
        w.browser(&w.agent).await,
        w.browser(&w.leeds_customer).await,
    );

    for outsider in [&york, &stranger] {
        let page = outsider.page(&path).await;
        let queue = outsider.page("/requests").await;
        let portal = outsider.page("/portal").await;
        let reply = outsider
            .submit(
                "/requests",
                &format!("{path}/replies"),
                &[("body", "Is this ours?")],
            )
            .await;

        page.assert_status(StatusCode::NOT_FOUND);
        Page::read(reply).await.assert_status(StatusCode::NOT_FOUND);
        assert!(!page.body.contains(LEAK));
        queue.assert_status(StatusCode::OK);
        assert_eq!(queue.count("#no-requests"), 1);
        assert!(!queue.body.contains(LEAK));
        assert_eq!(portal.count("#no-requests"), 1);
        assert!(!portal.body.contains(LEAK));
    }
    let queue = agent.page("/requests").await;
    assert_eq!(subjects(&queue), [LEAK]);
    assert!(queue.text("#queue tbody tr").contains("Harbour Leeds"));
    let portal = leeds.page("/portal").await;
    assert_eq!(portal.texts("#my-requests tbody td:nth-child(2) a"), [LEAK]);
    let york_all = york.page("/portal?show=all").await;
    assert_eq!(york_all.count("#no-requests"), 1);
    assert!(!york_all.body.contains(LEAK));
    assert!(!agent.page(&path).await.body.contains("Is this ours?"));
    let york_filters = york.page("/requests").await;
    assert_eq!(
        york_filters.texts("#f-customer option"),
        ["Any", "Harbour York"]
    );
}

#[tokio::test]
async fn the_portal_lists_what_i_raised_and_on_its_other_tab_my_colleagues_requests_too() {
    let w = world().await;
    let colleague = w
        .app
        .persona(
            "lena@harbour.example",
            Some(w.leeds.id),
            &[(Role::Customer, w.leeds.id)],
        )
        .await;
    w.raise(LEAK).await;
    created(
        &w.app,
        &colleague.token,
        "/api/v1/requests",
        json!({
            "contract_id": w.contract, "service_id": w.repairs,
            "kind": "incident", "subject": "Door closer loose"
        }),
    )
    .await;
    let browser = w.browser(&colleague).await;
    let agent = w.browser(&w.agent).await;

    let mine = browser.page("/portal").await;
    let all = browser.page("/portal?show=all").await;
    let agents_own = agent.page("/portal").await;

    let subjects_of = |p: &Page| p.texts("#my-requests tbody td:nth-child(2) a");
    assert_eq!(subjects_of(&mine), ["Door closer loose"]);
    assert_eq!(mine.text("#portal-tabs [aria-current]"), "Raised by me");
    assert_eq!(subjects_of(&all), ["Door closer loose", LEAK]);
    assert_eq!(all.text("#portal-tabs [aria-current]"), "All I can follow");
    // The agent raised nothing: their own list is empty, not the whole queue.
    assert_eq!(agents_own.count("#no-requests"), 1);
}

#[tokio::test]
async fn the_home_page_sends_a_signed_in_user_to_the_queue() {
    let w = world().await;
    let browser = w.browser(&w.agent).await;

    let response = browser.get("/").await;

    assert_see_other(&response, "/requests");
}

#[tokio::test]
async fn the_request_forms_without_a_csrf_token_are_refused() {
    let w = world().await;
    let id = id_of(&w.raise(LEAK).await);
    let path = page_of(&id);
    let agent = w.browser(&w.agent).await;
    agent
        .submit(
            "/requests",
            "/requests/filters",
            &[("name", "Mine"), ("query", "status=all")],
        )
        .await;
    let delete = agent
        .page("/requests")
        .await
        .attr(".saved-filters form", "action");
    let leeds = w.leeds.id.to_string();
    let posts: [(String, Vec<(&str, &str)>); 6] = [
        (
            "/requests".to_owned(),
            vec![
                ("contract_id", &w.contract),
                ("customer_id", &leeds),
                ("service_id", &w.repairs),
                ("kind", "incident"),
                ("subject", "Forged"),
            ],
        ),
        (
            "/requests/filters".to_owned(),
            vec![("name", "Forged"), ("query", "")],
        ),
        (delete, vec![]),
        (format!("{path}/actions"), vec![("action", "acknowledge")]),
        (format!("{path}/replies"), vec![("body", "Forged")]),
        (
            format!("{path}/escalations"),
            vec![("contract_id", &w.contract)],
        ),
    ];

    for (action, fields) in &posts {
        let page = Page::read(agent.post(action, fields).await).await;

        page.assert_status(StatusCode::FORBIDDEN);
        assert_eq!(page.text("h1"), "The form has expired", "{action}");
    }
    assert_eq!(w.count().await, 1);
    assert_eq!(w.read(&id).await["status"], "new");
    let queue = agent.page("/requests").await;
    assert_eq!(queue.texts(".saved-filters a"), ["Mine"]);
    assert!(!agent.page(&path).await.body.contains("Forged"));
}
