//! `/api/v1/contracts`: client apart from customers, and who sees what.

use kept_domain::{Party, PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, json, problem, spawn_app};

/// The central FM contract over two stores, a supplier contract upstream,
/// and the people of each party.
struct World {
    app: TestApp,
    admin: Persona,
    provider: Party,
    head_office: Party,
    leeds: Party,
    york: Party,
    supplier: Party,
    manager: Persona,
    client: Persona,
    leeds_customer: Persona,
    york_customer: Persona,
    supplier_person: Persona,
    approver: Persona,
    fm: Value,
    supply: Value,
}

async fn service(app: &TestApp, token: &str, provider: &Party, name: &str) -> String {
    let s = json(
        app.post("/api/v1/services", token, &json!({ "provider_id": provider.id, "name": name, "in_scope": ["Leaks"], "out_of_scope": ["Refrigeration"] })).await,
        StatusCode::CREATED,
    )
    .await;
    s["id"].as_str().expect("id").to_owned()
}

async fn world() -> World {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let outsider = app.party(PartyKind::Organisation, "Outside", None).await;
    let supplier = app
        .party(PartyKind::Organisation, "Sparkle Supplies", None)
        .await;
    let manager = app
        .persona(
            "maya@brightwell.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let client = app
        .persona(
            "claire@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    let leeds_customer = app
        .persona(
            "tom@harbour.example",
            Some(leeds.id),
            &[(Role::Customer, leeds.id)],
        )
        .await;
    let york_customer = app
        .persona(
            "yan@harbour.example",
            Some(york.id),
            &[(Role::Customer, york.id)],
        )
        .await;
    let supplier_person = app
        .persona(
            "sid@sparkle.example",
            Some(supplier.id),
            &[(Role::Supplier, supplier.id)],
        )
        .await;
    let approver = app
        .persona(
            "alex@outside.example",
            Some(outsider.id),
            &[(Role::Approver, outsider.id)],
        )
        .await;
    let repairs = service(&app, &admin.token, &provider, "Reactive maintenance").await;
    let supplies = service(&app, &admin.token, &supplier, "Cleaning supplies").await;
    let fm = json(
        app.post(
            "/api/v1/contracts",
            &admin.token,
            &json!({
                "name": "Harbour FM", "provider_id": provider.id, "client_id": head_office.id,
                "customer_ids": [leeds.id, york.id], "service_ids": [repairs],
                "steering_group": [client.user.id, approver.user.id], "quorum": "majority",
                "probation_ends_on": "2026-06-30"
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let supply = json(
        app.post(
            "/api/v1/contracts",
            &admin.token,
            &json!({
                "name": "Sparkle supply", "provider_id": supplier.id, "client_id": provider.id,
                "customer_ids": [provider.id], "service_ids": [supplies],
                "steering_group": [manager.user.id], "quorum": "all"
            }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    World {
        app,
        admin,
        provider,
        head_office,
        leeds,
        york,
        supplier,
        manager,
        client,
        leeds_customer,
        york_customer,
        supplier_person,
        approver,
        fm,
        supply,
    }
}

fn names(page: &Value) -> Vec<String> {
    page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|c| c["name"].as_str().expect("name").to_owned())
        .collect()
}

fn path(contract: &Value) -> String {
    format!("/api/v1/contracts/{}", contract["id"].as_str().expect("id"))
}

#[tokio::test]
async fn a_contract_keeps_its_client_apart_from_its_customers() {
    let w = world().await;
    let read = json(
        w.app.get(&path(&w.fm), &w.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["client_id"], w.head_office.id.to_string());
    assert_eq!(read["provider_id"], w.provider.id.to_string());
    assert_eq!(read["customer_ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(read["quorum"], "majority");
    assert_eq!(read["probation_ends_on"], "2026-06-30");
}

#[tokio::test]
async fn the_clients_people_see_the_contract_and_all_its_customers() {
    let w = world().await;
    let read = json(
        w.app.get(&path(&w.fm), &w.client.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["customer_ids"].as_array().map(Vec::len), Some(2));
    assert_eq!(
        names(
            &json(
                w.app.get("/api/v1/contracts", &w.client.token).await,
                StatusCode::OK
            )
            .await
        ),
        ["Harbour FM"]
    );
}

#[tokio::test]
async fn a_customers_people_see_the_contract_but_no_other_customer() {
    let w = world().await;
    let read = json(
        w.app.get(&path(&w.fm), &w.leeds_customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["customer_ids"], json!([w.leeds.id]));
    let york = json(
        w.app.get(&path(&w.fm), &w.york_customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(york["customer_ids"], json!([w.york.id]));
    let list = json(
        w.app
            .get("/api/v1/contracts", &w.leeds_customer.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&list), ["Harbour FM"]);
    assert_eq!(list["items"][0]["customer_ids"], json!([w.leeds.id]));
    problem(
        w.app.get(&path(&w.supply), &w.leeds_customer.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}

#[tokio::test]
async fn a_suppliers_people_see_only_their_own_supplier_contract() {
    let w = world().await;
    let list = json(
        w.app
            .get("/api/v1/contracts", &w.supplier_person.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&list), ["Sparkle supply"]);
    problem(
        w.app.get(&path(&w.fm), &w.supplier_person.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    // The provider's manager sees both: the contract they provide and the one they are client of.
    let mine = json(
        w.app.get("/api/v1/contracts", &w.manager.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&mine), ["Harbour FM", "Sparkle supply"]);
}

#[tokio::test]
async fn approvers_see_the_contracts_they_steer() {
    let w = world().await;
    let list = json(
        w.app.get("/api/v1/contracts", &w.approver.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&list), ["Harbour FM"]);
    let read = json(
        w.app.get(&path(&w.fm), &w.approver.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(read["customer_ids"].as_array().map(Vec::len), Some(2));
}

#[tokio::test]
async fn contracts_naming_unknown_or_unusable_things_are_refused() {
    let w = world().await;
    let base = json!({
        "name": "X", "provider_id": w.provider.id, "client_id": w.head_office.id,
        "customer_ids": [w.leeds.id], "steering_group": [w.client.user.id], "quorum": "all"
    });
    let with = |key: &str, value: Value| {
        let mut body = base.clone();
        body[key] = value;
        body
    };
    let foreign = service(&w.app, &w.admin.token, &w.supplier, "Not Brightwell's").await;
    let cases = [
        (
            with("customer_ids", json!([kept_domain::PartyId::new()])),
            "customer_ids[0]",
        ),
        (with("customer_ids", json!([])), "customer_ids"),
        (with("service_ids", json!([foreign])), "service_ids[0]"),
        (
            with("service_ids", json!([kept_domain::ServiceId::new()])),
            "service_ids[0]",
        ),
        (
            with("steering_group", json!([kept_domain::UserId::new()])),
            "steering_group[0]",
        ),
        (with("steering_group", json!([])), "steering_group"),
        (with("quorum", json!("3")), "quorum"),
        (with("client_id", json!(w.provider.id)), "client_id"),
        (
            with("calendar_id", json!(kept_domain::CalendarId::new())),
            "calendar_id",
        ),
    ];
    for (body, field) in cases {
        let problem = problem(
            w.app.post("/api/v1/contracts", &w.admin.token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
    }
    let bad_quorum = w
        .app
        .post(
            "/api/v1/contracts",
            &w.admin.token,
            &with("quorum", json!("most")),
        )
        .await;
    assert!(matches!(bad_quorum.status().as_u16(), 400 | 422));
    // Only the provider's managers (and admins) record contracts.
    problem(
        w.app
            .post("/api/v1/contracts", &w.client.token, &base)
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let by_manager = w
        .app
        .post("/api/v1/contracts", &w.manager.token, &base)
        .await;
    // The manager cannot see Harbour's sites, so they are "no such party".
    let body = problem(
        by_manager,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "client_id");
    let all = json(
        w.app.get("/api/v1/contracts", &w.admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(names(&all).len(), 2, "nothing more was recorded");
}

#[tokio::test]
async fn only_the_providers_managers_rename_or_end_a_contract() {
    let w = world().await;
    problem(
        w.app
            .patch(&path(&w.fm), &w.client.token, &json!({ "name": "Ours" }))
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app
            .post(
                &format!("{}/archive", path(&w.fm)),
                &w.leeds_customer.token,
                &json!({}),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        w.app
            .patch(
                &path(&w.fm),
                &w.supplier_person.token,
                &json!({ "name": "Ours" }),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let renamed = json(
        w.app
            .patch(
                &path(&w.fm),
                &w.manager.token,
                &json!({ "name": "Harbour FM 2027" }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(renamed["name"], "Harbour FM 2027");
    let ended = json(
        w.app
            .post(
                &format!("{}/archive", path(&w.fm)),
                &w.manager.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(ended["archived_at"].is_string());
    // Terms and scope do not change by PATCH: unknown fields are refused.
    let refused = w
        .app
        .patch(&path(&w.fm), &w.admin.token, &json!({ "customer_ids": [] }))
        .await;
    assert!(matches!(refused.status().as_u16(), 400 | 422));
}

#[tokio::test]
async fn the_scope_check_says_covered_not_covered_or_out_of_scope_with_the_reason() {
    let w = world().await;
    let check = |body: Value| {
        let app = &w.app;
        let path = format!("{}/scope-check", path(&w.fm));
        let token = w.client.token.clone();
        async move { json(app.post(&path, &token, &body).await, StatusCode::OK).await }
    };
    let service = w.fm["service_ids"][0].clone();
    let tom = w.leeds_customer.user.party_id;

    let covered =
        check(json!({ "customer_id": tom, "service_id": service, "subject": "Leaking tap" })).await;
    let out = check(json!({ "customer_id": w.leeds.id, "service_id": service, "subject": "Refrigeration cabinet broken" })).await;
    let other_site = check(json!({ "customer_id": w.head_office.id, "service_id": service })).await;

    assert_eq!(covered["outcome"], "covered", "{covered}");
    assert!(covered.get("offer").is_none());
    assert_eq!(out["outcome"], "out_of_scope", "{out}");
    assert_eq!(out["matched"], "Refrigeration");
    assert!(
        out["offer"]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("change request"),
        "{out}"
    );
    assert_eq!(
        out["offer"]["raise_change_request"],
        format!("{}/change-requests", path(&w.fm)),
        "the offer says where to raise it"
    );
    assert_eq!(
        out["offer"]["proposal"]["terms"]["in_scope"],
        json!(["Refrigeration"]),
        "and proposes bringing the item into scope"
    );
    assert_eq!(other_site["outcome"], "not_covered", "{other_site}");
    assert_eq!(
        other_site["offer"]["proposal"]["add_customers"],
        json!([w.head_office.id]),
        "{other_site}"
    );
    assert_eq!(
        other_site["reason"],
        "Harbour Retail is not a customer of Harbour FM"
    );
}

#[tokio::test]
async fn the_scope_check_refuses_unknown_or_hidden_parties_and_services() {
    let w = world().await;
    let path = format!("{}/scope-check", path(&w.fm));
    let service = w.fm["service_ids"][0].clone();
    for (token, body, field) in [
        (
            &w.client.token,
            json!({ "customer_id": kept_domain::PartyId::new(), "service_id": service }),
            "customer_id",
        ),
        (
            &w.client.token,
            json!({ "customer_id": w.leeds.id, "service_id": kept_domain::ServiceId::new() }),
            "service_id",
        ),
        (
            &w.leeds_customer.token,
            json!({ "customer_id": w.york.id, "service_id": service }),
            "customer_id",
        ),
    ] {
        let body = problem(
            w.app.post(&path, token, &body).await,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(body["errors"][0]["field"], field, "{body}");
    }
    problem(
        w.app
            .post(
                &path,
                &w.supplier_person.token,
                &json!({ "customer_id": w.supplier.id, "service_id": service }),
            )
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
