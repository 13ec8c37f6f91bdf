//! `/api/v1/links` and the chain walks: making, reading, listing, ending and
//! restoring supplier → customer links; the refusals that keep the chain a
//! DAG; walks upstream and downstream along the training chain; and who may
//! see and change which links.

use kept_domain::{Party, PartyId, PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, ids, json, problem, spawn_app};

/// Links `supplier` → `customer` as `token`, expecting 201.
async fn link(app: &TestApp, token: &str, supplier: PartyId, customer: PartyId) -> Value {
    labelled(app, token, supplier, customer, None).await
}

/// Links `supplier` → `customer` with a label as `token`, expecting 201.
async fn labelled(
    app: &TestApp,
    token: &str,
    supplier: PartyId,
    customer: PartyId,
    label: Option<&str>,
) -> Value {
    json(
        app.post(
            "/api/v1/links",
            token,
            &json!({ "supplier_id": supplier, "customer_id": customer, "label": label }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await
}

/// The id of a link as the API returned it.
fn id_of(link: &Value) -> String {
    link["id"].as_str().expect("a link id").to_owned()
}

/// The path of a link.
fn path_of(link: &Value) -> String {
    format!("/api/v1/links/{}", id_of(link))
}

/// Walks the chain from `party` as `token`, expecting 200.
async fn walk(app: &TestApp, token: &str, party: PartyId, query: &str) -> Value {
    json(
        app.get(&format!("/api/v1/parties/{party}/chain?{query}"), token)
            .await,
        StatusCode::OK,
    )
    .await
}

/// The (name, depth) of every party a walk reached, in order.
fn reached(walk: &Value) -> Vec<(String, u64)> {
    walk["items"]
        .as_array()
        .expect("the parties reached")
        .iter()
        .map(|step| {
            (
                step["party"]["name"].as_str().expect("a name").to_owned(),
                step["depth"].as_u64().expect("a depth"),
            )
        })
        .collect()
}

/// The names of the parties a walk reached, in order.
fn reached_names(walk: &Value) -> Vec<String> {
    reached(walk).into_iter().map(|(name, _)| name).collect()
}

/// The names along a `/chain/path` answer.
fn path_names(body: &Value) -> Vec<String> {
    body["path"]
        .as_array()
        .expect("a path")
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect()
}

/// The ids of every active link the admin sees (one page of up to 200).
async fn all_link_ids(app: &TestApp, admin: &Persona) -> Vec<String> {
    ids(&json(
        app.get("/api/v1/links?archived=all&limit=200", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await)
}

/// The field named by the first error of a validation problem.
fn field_of(problem: &Value) -> &str {
    problem["errors"][0]["field"]
        .as_str()
        .expect("a field error")
}

/// The message of the first error of a validation problem.
fn message_of(problem: &Value) -> &str {
    problem["errors"][0]["message"]
        .as_str()
        .expect("a field error")
}

/// The training chain of the example chains, linked by the admin:
///
/// ```text
/// Folio Learning Press → Skillbridge Training → Elena Rossi Training → Leadership Essentials participants
///                                                                      └── November 2026 cohort (team)
///                                                                          └── Lina Park (person)
/// ```
struct Training {
    app: TestApp,
    admin: Persona,
    publisher: Party,
    company: Party,
    trainer: Party,
    participants: Party,
    cohort: Party,
    lina: Party,
    /// publisher → company
    materials: Value,
    /// company → trainer
    engagement: Value,
    /// trainer → participants
    course: Value,
}

async fn training() -> Training {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let publisher = app
        .party(PartyKind::Organisation, "Folio Learning Press", None)
        .await;
    let company = app
        .party(PartyKind::Organisation, "Skillbridge Training", None)
        .await;
    let trainer = app
        .party(PartyKind::Organisation, "Elena Rossi Training", None)
        .await;
    let participants = app
        .party(
            PartyKind::Organisation,
            "Leadership Essentials participants",
            None,
        )
        .await;
    let cohort = app
        .party(
            PartyKind::Team,
            "November 2026 cohort",
            Some(participants.id),
        )
        .await;
    let lina = app
        .party(PartyKind::Person, "Lina Park", Some(cohort.id))
        .await;
    let materials = labelled(
        &app,
        &admin.token,
        publisher.id,
        company.id,
        Some("course materials"),
    )
    .await;
    let engagement = labelled(
        &app,
        &admin.token,
        company.id,
        trainer.id,
        Some("course bookings"),
    )
    .await;
    let course = labelled(
        &app,
        &admin.token,
        trainer.id,
        participants.id,
        Some("Leadership Essentials course"),
    )
    .await;
    Training {
        app,
        admin,
        publisher,
        company,
        trainer,
        participants,
        cohort,
        lina,
        materials,
        engagement,
        course,
    }
}

// ---------------------------------------------------------------------------
// Making, reading, listing, ending and restoring links
// ---------------------------------------------------------------------------

#[tokio::test]
async fn an_admin_links_two_parties_and_is_told_where_the_link_lives() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let publisher = app
        .party(PartyKind::Organisation, "Folio Learning Press", None)
        .await;
    let company = app
        .party(PartyKind::Organisation, "Skillbridge Training", None)
        .await;

    // Act
    let response = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({
                "supplier_id": publisher.id,
                "customer_id": company.id,
                "label": "  course materials  ",
            }),
        )
        .await;

    // Assert
    let location = response
        .headers()
        .get("location")
        .expect("a Location header")
        .to_str()
        .expect("ASCII")
        .to_owned();
    let created = json(response, StatusCode::CREATED).await;
    assert_eq!(location, path_of(&created));
    assert_eq!(created["supplier_id"], publisher.id.to_string());
    assert_eq!(created["customer_id"], company.id.to_string());
    assert_eq!(created["label"], "course materials", "the label is trimmed");
    assert!(created["archived_at"].is_null());
    assert!(created["created_at"].is_string());
    let read = json(app.get(&location, &admin.token).await, StatusCode::OK).await;
    assert_eq!(read, created);
}

#[tokio::test]
async fn a_link_without_a_label_or_with_a_blank_one_has_none() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;
    let b = app.party(PartyKind::Organisation, "Beta", None).await;
    let c = app.party(PartyKind::Organisation, "Gamma", None).await;

    // Act
    let without = json(
        app.post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id, "customer_id": b.id }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let blank = labelled(&app, &admin.token, a.id, c.id, Some("   ")).await;

    // Assert
    assert!(without["label"].is_null(), "{without}");
    assert!(blank["label"].is_null(), "{blank}");
}

#[tokio::test]
async fn links_are_listed_by_party_on_either_side() {
    // Arrange
    let t = training().await;
    let (app, admin) = (&t.app, &t.admin);

    // Act
    let all = json(app.get("/api/v1/links", &admin.token).await, StatusCode::OK).await;
    let of_company = json(
        app.get(
            &format!("/api/v1/links?party_id={}", t.company.id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let of_participants = json(
        app.get(
            &format!("/api/v1/links?party_id={}", t.participants.id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let of_lina = json(
        app.get(
            &format!("/api/v1/links?party_id={}", t.lina.id),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let mut expected_all = vec![id_of(&t.materials), id_of(&t.engagement), id_of(&t.course)];
    expected_all.sort();
    let mut listed = ids(&all);
    listed.sort();
    assert_eq!(listed, expected_all);
    let mut expected_company = vec![id_of(&t.materials), id_of(&t.engagement)];
    expected_company.sort();
    let mut company_listed = ids(&of_company);
    company_listed.sort();
    assert_eq!(company_listed, expected_company);
    assert_eq!(ids(&of_participants), [id_of(&t.course)]);
    assert!(
        ids(&of_lina).is_empty(),
        "the list names only links of the party itself, not of its ancestors"
    );
}

#[tokio::test]
async fn a_list_of_links_pages_with_a_cursor() {
    // Arrange
    let t = training().await;
    let (app, admin) = (&t.app, &t.admin);

    // Act
    let mut seen = Vec::new();
    let mut cursor = String::new();
    let mut pages = 0;
    loop {
        let page = json(
            app.get(&format!("/api/v1/links?limit=2{cursor}"), &admin.token)
                .await,
            StatusCode::OK,
        )
        .await;
        pages += 1;
        seen.extend(ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) if pages < 10 => cursor = format!("&cursor={next}"),
            _ => break,
        }
    }

    // Assert
    assert_eq!(pages, 2);
    let mut expected = vec![id_of(&t.materials), id_of(&t.engagement), id_of(&t.course)];
    expected.sort();
    seen.sort();
    assert_eq!(seen, expected, "every link once");
}

#[tokio::test]
async fn an_admin_ends_a_link_and_restores_it_and_the_history_records_both() {
    // Arrange
    let t = training().await;
    let (app, admin) = (&t.app, &t.admin);
    let path = path_of(&t.engagement);

    // Act
    let ended = json(
        app.post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let read_ended = json(app.get(&path, &admin.token).await, StatusCode::OK).await;
    let active = json(app.get("/api/v1/links", &admin.token).await, StatusCode::OK).await;
    let archived = json(
        app.get("/api/v1/links?archived=archived", &admin.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let walk_while_ended = walk(app, &admin.token, t.lina.id, "direction=upstream").await;
    let restored = json(
        app.post(&format!("{path}/restore"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let walk_after = walk(app, &admin.token, t.lina.id, "direction=upstream").await;
    let events = json(
        app.get(
            &format!(
                "/api/v1/audit-events?subject_type=link&subject_id={}",
                id_of(&t.engagement)
            ),
            &admin.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert!(ended["archived_at"].is_string(), "{ended}");
    assert_eq!(read_ended["archived_at"], ended["archived_at"]);
    assert!(!ids(&active).contains(&id_of(&t.engagement)));
    assert_eq!(ids(&archived), [id_of(&t.engagement)]);
    assert_eq!(
        reached_names(&walk_while_ended),
        ["Elena Rossi Training"],
        "an ended link no longer counts in the chain"
    );
    assert!(restored["archived_at"].is_null(), "{restored}");
    assert_eq!(restored["id"], t.engagement["id"]);
    assert_eq!(
        reached_names(&walk_after),
        [
            "Elena Rossi Training",
            "Skillbridge Training",
            "Folio Learning Press"
        ]
    );
    let actions: Vec<&str> = events["items"]
        .as_array()
        .expect("events")
        .iter()
        .map(|e| e["action"].as_str().expect("an action"))
        .collect();
    assert_eq!(actions, ["link.restored", "link.archived", "link.created"]);
}

#[tokio::test]
async fn ending_an_ended_link_again_changes_nothing() {
    // Arrange
    let t = training().await;
    let path = path_of(&t.course);
    let first = json(
        t.app
            .post(&format!("{path}/archive"), &t.admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let again = json(
        t.app
            .post(&format!("{path}/archive"), &t.admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(again["archived_at"], first["archived_at"]);
}

#[tokio::test]
async fn an_ended_link_may_be_made_again_as_a_new_link() {
    // Arrange
    let t = training().await;
    t.app
        .post(
            &format!("{}/archive", path_of(&t.course)),
            &t.admin.token,
            &json!({}),
        )
        .await;

    // Act
    let again = link(&t.app, &t.admin.token, t.trainer.id, t.participants.id).await;

    // Assert
    assert_ne!(again["id"], t.course["id"]);
    assert!(again["archived_at"].is_null());
}

// ---------------------------------------------------------------------------
// Refusals
// ---------------------------------------------------------------------------

#[tokio::test]
async fn a_party_cannot_be_linked_to_itself() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;

    // Act
    let response = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id, "customer_id": a.id }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "customer_id");
    assert_eq!(message_of(&body), "a party cannot be its own supplier");
    assert!(all_link_ids(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn a_link_to_an_unknown_party_is_refused_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;
    let nobody = PartyId::new();

    // Act
    let unknown_customer = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id, "customer_id": nobody }),
        )
        .await;
    let unknown_supplier = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": nobody, "customer_id": a.id }),
        )
        .await;
    let both_unknown = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": nobody, "customer_id": PartyId::new() }),
        )
        .await;

    // Assert
    let body = problem(
        unknown_customer,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "customer_id");
    assert_eq!(message_of(&body), "no such party");
    let body = problem(
        unknown_supplier,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "supplier_id");
    assert_eq!(message_of(&body), "no such party");
    let body = problem(
        both_unknown,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "supplier_id");
    assert!(all_link_ids(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn a_link_to_an_archived_party_is_refused() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;
    let b = app.party(PartyKind::Organisation, "Beta", None).await;
    json(
        app.post(
            &format!("/api/v1/parties/{}/archive", b.id),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let response = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id, "customer_id": b.id }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "customer_id");
    assert_eq!(message_of(&body), "is archived");
}

#[tokio::test]
async fn a_bad_label_is_refused_naming_the_label() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;
    let b = app.party(PartyKind::Organisation, "Beta", None).await;

    for label in ["x".repeat(201), "two\nlines".to_owned()] {
        // Act
        let response = app
            .post(
                "/api/v1/links",
                &admin.token,
                &json!({ "supplier_id": a.id, "customer_id": b.id, "label": label }),
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "label", "{label:?}");
    }
    assert!(all_link_ids(&app, &admin).await.is_empty());
}

#[tokio::test]
async fn linking_the_same_supplier_and_customer_twice_is_a_conflict() {
    // Arrange
    let t = training().await;

    // Act
    let response = t
        .app
        .post(
            "/api/v1/links",
            &t.admin.token,
            &json!({ "supplier_id": t.publisher.id, "customer_id": t.company.id, "label": "again" }),
        )
        .await;

    // Assert
    problem(response, StatusCode::CONFLICT, "already-linked").await;
    assert_eq!(all_link_ids(&t.app, &t.admin).await.len(), 3);
}

#[tokio::test]
async fn a_link_that_would_close_a_loop_is_refused_naming_the_loop() {
    // Arrange
    let t = training().await;

    // Act
    let response = t
        .app
        .post(
            "/api/v1/links",
            &t.admin.token,
            &json!({ "supplier_id": t.trainer.id, "customer_id": t.publisher.id }),
        )
        .await;

    // Assert
    let body = problem(response, StatusCode::CONFLICT, "chain-cycle").await;
    assert_eq!(
        body["detail"],
        "Folio Learning Press already supplies Elena Rossi Training through the chain, \
         so the link would close the loop \
         Elena Rossi Training → Folio Learning Press → Skillbridge Training → Elena Rossi Training"
    );
    assert_eq!(all_link_ids(&t.app, &t.admin).await.len(), 3);
}

#[tokio::test]
async fn a_link_straight_back_to_a_supplier_is_a_loop_of_two() {
    // Arrange
    let t = training().await;

    // Act
    let response = t
        .app
        .post(
            "/api/v1/links",
            &t.admin.token,
            &json!({ "supplier_id": t.company.id, "customer_id": t.publisher.id }),
        )
        .await;

    // Assert
    let body = problem(response, StatusCode::CONFLICT, "chain-cycle").await;
    let detail = body["detail"].as_str().expect("a detail");
    assert!(
        detail.ends_with("Skillbridge Training → Folio Learning Press → Skillbridge Training"),
        "{detail}"
    );
}

#[tokio::test]
async fn a_link_between_parties_of_one_chain_in_its_own_direction_is_no_loop() {
    // Arrange
    let t = training().await;

    // Act: a shortcut from the publisher straight to the trainer
    let shortcut = link(&t.app, &t.admin.token, t.publisher.id, t.trainer.id).await;

    // Assert
    assert!(shortcut["archived_at"].is_null());
    let up = walk(&t.app, &t.admin.token, t.trainer.id, "direction=upstream").await;
    let mut direct = reached(&up);
    direct.sort();
    assert_eq!(
        direct,
        [
            ("Folio Learning Press".to_owned(), 1),
            ("Skillbridge Training".to_owned(), 1)
        ],
        "each party once, at its nearest depth"
    );
}

#[tokio::test]
async fn restoring_an_ended_link_that_would_now_close_a_loop_is_refused() {
    // Arrange: end publisher → company, then link trainer → publisher, which
    // is no loop while the first link is ended.
    let t = training().await;
    let path = path_of(&t.materials);
    json(
        t.app
            .post(&format!("{path}/archive"), &t.admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    link(&t.app, &t.admin.token, t.trainer.id, t.publisher.id).await;

    // Act
    let response = t
        .app
        .post(&format!("{path}/restore"), &t.admin.token, &json!({}))
        .await;

    // Assert
    let body = problem(response, StatusCode::CONFLICT, "chain-cycle").await;
    let detail = body["detail"].as_str().expect("a detail");
    assert!(
        detail.ends_with(
            "Folio Learning Press → Skillbridge Training → Elena Rossi Training → Folio Learning Press"
        ),
        "{detail}"
    );
    let still = json(t.app.get(&path, &t.admin.token).await, StatusCode::OK).await;
    assert!(still["archived_at"].is_string(), "it stays ended: {still}");
}

#[tokio::test]
async fn restoring_an_ended_link_whose_parties_were_linked_again_is_a_conflict() {
    // Arrange
    let t = training().await;
    let path = path_of(&t.course);
    t.app
        .post(&format!("{path}/archive"), &t.admin.token, &json!({}))
        .await;
    link(&t.app, &t.admin.token, t.trainer.id, t.participants.id).await;

    // Act
    let response = t
        .app
        .post(&format!("{path}/restore"), &t.admin.token, &json!({}))
        .await;

    // Assert
    problem(response, StatusCode::CONFLICT, "already-linked").await;
    let still = json(t.app.get(&path, &t.admin.token).await, StatusCode::OK).await;
    assert!(still["archived_at"].is_string(), "it stays ended: {still}");
}

#[tokio::test]
async fn a_walk_with_a_depth_out_of_range_is_refused_naming_the_depth() {
    // Arrange
    let t = training().await;

    for depth in ["0", "33", "-1", "deep"] {
        // Act
        let response = t
            .app
            .get(
                &format!(
                    "/api/v1/parties/{}/chain?direction=upstream&depth={depth}",
                    t.lina.id
                ),
                &t.admin.token,
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "depth", "depth={depth}: {body}");
    }
}

#[tokio::test]
async fn a_walk_without_a_known_direction_is_refused_naming_the_direction() {
    // Arrange
    let t = training().await;

    for query in ["direction=sideways", "direction=Upstream", "", "depth=2"] {
        // Act
        let response = t
            .app
            .get(
                &format!("/api/v1/parties/{}/chain?{query}", t.lina.id),
                &t.admin.token,
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "direction", "?{query}: {body}");
    }
}

#[tokio::test]
async fn an_unknown_query_parameter_of_a_walk_is_refused() {
    // Arrange
    let t = training().await;

    // Act
    let response = t
        .app
        .get(
            &format!(
                "/api/v1/parties/{}/chain?direction=upstream&hops=2",
                t.lina.id
            ),
            &t.admin.token,
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "hops");
}

#[tokio::test]
async fn malformed_ids_in_a_path_answer_not_found() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    // Act
    let get = app.get("/api/v1/links/not-a-uuid", &admin.token).await;
    let archive = app
        .post("/api/v1/links/not-a-uuid/archive", &admin.token, &json!({}))
        .await;
    let restore = app
        .post("/api/v1/links/12345/restore", &admin.token, &json!({}))
        .await;
    let chain = app
        .get(
            "/api/v1/parties/not-a-uuid/chain?direction=upstream",
            &admin.token,
        )
        .await;

    // Assert
    problem(get, StatusCode::NOT_FOUND, "not-found").await;
    problem(archive, StatusCode::NOT_FOUND, "not-found").await;
    problem(restore, StatusCode::NOT_FOUND, "not-found").await;
    problem(chain, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn unknown_but_well_formed_ids_answer_not_found() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let link_id = PartyId::new(); // any well-formed UUID

    // Act
    let get = app
        .get(&format!("/api/v1/links/{link_id}"), &admin.token)
        .await;
    let archive = app
        .post(
            &format!("/api/v1/links/{link_id}/archive"),
            &admin.token,
            &json!({}),
        )
        .await;
    let chain = app
        .get(
            &format!(
                "/api/v1/parties/{}/chain?direction=downstream",
                PartyId::new()
            ),
            &admin.token,
        )
        .await;

    // Assert
    problem(get, StatusCode::NOT_FOUND, "not-found").await;
    problem(archive, StatusCode::NOT_FOUND, "not-found").await;
    problem(chain, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn malformed_ids_in_a_body_or_a_query_are_refused_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let a = app.party(PartyKind::Organisation, "Alpha", None).await;

    // Act
    let body_id = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": "not-a-uuid", "customer_id": a.id }),
        )
        .await;
    let missing = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id }),
        )
        .await;
    let unknown_field = app
        .post(
            "/api/v1/links",
            &admin.token,
            &json!({ "supplier_id": a.id, "customer_id": PartyId::new(), "kind": "x" }),
        )
        .await;
    let list_filter = app
        .get("/api/v1/links?party_id=not-a-uuid", &admin.token)
        .await;
    let path_from = app
        .get(
            &format!("/api/v1/chain/path?from=nope&to={}", a.id),
            &admin.token,
        )
        .await;
    let path_missing = app
        .get(&format!("/api/v1/chain/path?from={}", a.id), &admin.token)
        .await;

    // Assert
    for (response, field) in [
        (body_id, "supplier_id"),
        (missing, "customer_id"),
        (unknown_field, "kind"),
        (list_filter, "party_id"),
        (path_from, "from"),
        (path_missing, "to"),
    ] {
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), field, "{body}");
    }
    assert!(all_link_ids(&app, &admin).await.is_empty());
}

// ---------------------------------------------------------------------------
// The training chain walk (the issue's acceptance)
// ---------------------------------------------------------------------------

#[tokio::test]
async fn upstream_of_a_participant_reaches_the_trainer_the_company_and_the_publisher() {
    // Arrange
    let t = training().await;

    // Act
    let up = walk(&t.app, &t.admin.token, t.lina.id, "direction=upstream").await;

    // Assert
    assert_eq!(up["party"]["id"], t.lina.id.to_string());
    assert_eq!(up["party"]["name"], "Lina Park");
    assert_eq!(up["party"]["kind"], "person");
    assert_eq!(up["direction"], "upstream");
    assert_eq!(
        reached(&up),
        [
            ("Elena Rossi Training".to_owned(), 1),
            ("Skillbridge Training".to_owned(), 2),
            ("Folio Learning Press".to_owned(), 3),
        ]
    );
    let steps = up["items"].as_array().expect("items");
    // The trainer serves Lina through the group she belongs to.
    assert_eq!(steps[0]["party"]["id"], t.trainer.id.to_string());
    assert_eq!(steps[0]["party"]["kind"], "organisation");
    assert_eq!(steps[0]["link_id"], t.course["id"]);
    assert_eq!(steps[0]["from_id"], t.participants.id.to_string());
    assert_eq!(steps[1]["link_id"], t.engagement["id"]);
    assert_eq!(steps[1]["from_id"], t.trainer.id.to_string());
    assert_eq!(steps[2]["link_id"], t.materials["id"]);
    assert_eq!(steps[2]["from_id"], t.company.id.to_string());
}

#[tokio::test]
async fn upstream_of_the_cohort_team_is_the_same_chain() {
    // Arrange
    let t = training().await;

    // Act
    let up = walk(&t.app, &t.admin.token, t.cohort.id, "direction=upstream").await;

    // Assert
    assert_eq!(
        reached_names(&up),
        [
            "Elena Rossi Training",
            "Skillbridge Training",
            "Folio Learning Press"
        ]
    );
}

#[tokio::test]
async fn downstream_of_the_publisher_reaches_the_company_the_trainer_and_the_participants() {
    // Arrange
    let t = training().await;

    // Act
    let down = walk(
        &t.app,
        &t.admin.token,
        t.publisher.id,
        "direction=downstream",
    )
    .await;

    // Assert
    assert_eq!(down["party"]["name"], "Folio Learning Press");
    assert_eq!(down["direction"], "downstream");
    assert_eq!(
        reached(&down),
        [
            ("Skillbridge Training".to_owned(), 1),
            ("Elena Rossi Training".to_owned(), 2),
            ("Leadership Essentials participants".to_owned(), 3),
        ]
    );
    assert_eq!(
        down["items"][2]["party"]["id"],
        t.participants.id.to_string()
    );
}

#[tokio::test]
async fn a_depth_of_one_stops_at_direct_suppliers_and_customers() {
    // Arrange
    let t = training().await;

    // Act
    let up = walk(
        &t.app,
        &t.admin.token,
        t.lina.id,
        "direction=upstream&depth=1",
    )
    .await;
    let down = walk(
        &t.app,
        &t.admin.token,
        t.publisher.id,
        "direction=downstream&depth=1",
    )
    .await;
    let down_two = walk(
        &t.app,
        &t.admin.token,
        t.publisher.id,
        "direction=downstream&depth=2",
    )
    .await;

    // Assert
    assert_eq!(reached(&up), [("Elena Rossi Training".to_owned(), 1)]);
    assert_eq!(reached(&down), [("Skillbridge Training".to_owned(), 1)]);
    assert_eq!(
        reached_names(&down_two),
        ["Skillbridge Training", "Elena Rossi Training"]
    );
}

#[tokio::test]
async fn the_ends_of_the_chain_have_nothing_beyond_them() {
    // Arrange
    let t = training().await;

    // Act
    let above_publisher = walk(&t.app, &t.admin.token, t.publisher.id, "direction=upstream").await;
    let below_participants = walk(
        &t.app,
        &t.admin.token,
        t.participants.id,
        "direction=downstream",
    )
    .await;

    // Assert
    assert!(reached(&above_publisher).is_empty());
    assert!(reached(&below_participants).is_empty());
}

#[tokio::test]
async fn the_path_from_the_publisher_to_the_participants_runs_through_the_whole_chain() {
    // Arrange
    let t = training().await;
    let expected = [
        "Folio Learning Press",
        "Skillbridge Training",
        "Elena Rossi Training",
        "Leadership Essentials participants",
    ];

    // Act
    let forward = json(
        t.app
            .get(
                &format!(
                    "/api/v1/chain/path?from={}&to={}",
                    t.publisher.id, t.participants.id
                ),
                &t.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let backward = json(
        t.app
            .get(
                &format!(
                    "/api/v1/chain/path?from={}&to={}",
                    t.participants.id, t.publisher.id
                ),
                &t.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(path_names(&forward), expected);
    assert_eq!(
        path_names(&backward),
        expected,
        "the path runs upstream end first whichever way it is asked"
    );
    let ids: Vec<&str> = forward["path"]
        .as_array()
        .expect("a path")
        .iter()
        .map(|p| p["id"].as_str().expect("an id"))
        .collect();
    assert_eq!(
        ids,
        [
            t.publisher.id.to_string(),
            t.company.id.to_string(),
            t.trainer.id.to_string(),
            t.participants.id.to_string()
        ]
    );
    assert_eq!(forward["path"][0]["kind"], "organisation");
}

#[tokio::test]
async fn parties_no_chain_of_links_joins_have_no_path() {
    // Arrange: a second customer of the training company, a sibling of the trainer.
    let t = training().await;
    let venue = t
        .app
        .party(PartyKind::Organisation, "Harbour Venues", None)
        .await;
    link(&t.app, &t.admin.token, t.company.id, venue.id).await;
    let stranger = t
        .app
        .party(PartyKind::Organisation, "Northwind Logistics", None)
        .await;

    // Act
    let siblings = t
        .app
        .get(
            &format!("/api/v1/chain/path?from={}&to={}", t.trainer.id, venue.id),
            &t.admin.token,
        )
        .await;
    let unlinked = t
        .app
        .get(
            &format!(
                "/api/v1/chain/path?from={}&to={}",
                t.publisher.id, stranger.id
            ),
            &t.admin.token,
        )
        .await;
    let unknown = t
        .app
        .get(
            &format!(
                "/api/v1/chain/path?from={}&to={}",
                t.publisher.id,
                PartyId::new()
            ),
            &t.admin.token,
        )
        .await;

    // Assert
    let body = problem(siblings, StatusCode::NOT_FOUND, "not-found").await;
    assert_eq!(body["detail"], "no chain of links joins these parties");
    problem(unlinked, StatusCode::NOT_FOUND, "not-found").await;
    problem(unknown, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn an_ended_link_breaks_the_path() {
    // Arrange
    let t = training().await;
    t.app
        .post(
            &format!("{}/archive", path_of(&t.engagement)),
            &t.admin.token,
            &json!({}),
        )
        .await;

    // Act
    let response = t
        .app
        .get(
            &format!(
                "/api/v1/chain/path?from={}&to={}",
                t.publisher.id, t.participants.id
            ),
            &t.admin.token,
        )
        .await;

    // Assert
    problem(response, StatusCode::NOT_FOUND, "not-found").await;
}

// ---------------------------------------------------------------------------
// Tenancy
// ---------------------------------------------------------------------------

/// A provider serving a client with two sites, a supplier of the provider,
/// and an unrelated pair:
///
/// ```text
/// Sparkle Supplies → Brightwell FM → Harbour Retail (head office)
///                                  ↘ Harbour York (site of Harbour Retail)
/// Crate & Co → Corner Cafe
/// Harbour Retail ── Harbour Leeds (site), Harbour York (site)
/// ```
///
/// The customer at Leeds sees the head office as context, so the link to
/// the head office, but nothing of York, Sparkle or the unrelated pair.
struct Sites {
    app: TestApp,
    admin: Persona,
    provider: Party,
    sparkle: Party,
    head_office: Party,
    leeds: Party,
    york: Party,
    crate_co: Party,
    cafe: Party,
    /// Manager on Brightwell FM.
    manager: Persona,
    /// Agent on Brightwell FM.
    agent: Persona,
    /// Customer on Harbour Leeds.
    leeds_customer: Persona,
    /// Customer on Harbour York.
    york_customer: Persona,
    /// Sparkle → Brightwell
    supplies: Value,
    /// Brightwell → Harbour Retail
    facilities: Value,
    /// Brightwell → Harbour York
    windows: Value,
    /// Crate & Co → Corner Cafe
    boxes: Value,
}

async fn sites() -> Sites {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = app
        .party(PartyKind::Organisation, "Brightwell FM", None)
        .await;
    let sparkle = app
        .party(PartyKind::Organisation, "Sparkle Supplies", None)
        .await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let leeds = app
        .party(PartyKind::Site, "Harbour Leeds", Some(head_office.id))
        .await;
    let york = app
        .party(PartyKind::Site, "Harbour York", Some(head_office.id))
        .await;
    let crate_co = app.party(PartyKind::Organisation, "Crate & Co", None).await;
    let cafe = app
        .party(PartyKind::Organisation, "Corner Cafe", None)
        .await;
    let manager = app
        .persona(
            "maya@brightwell.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let agent = app
        .persona(
            "sam@brightwell.example",
            Some(provider.id),
            &[(Role::Agent, provider.id)],
        )
        .await;
    let leeds_customer = app
        .persona(
            "lee@harbour.example",
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
    let supplies = labelled(
        &app,
        &admin.token,
        sparkle.id,
        provider.id,
        Some("cleaning supplies"),
    )
    .await;
    let facilities = labelled(
        &app,
        &admin.token,
        provider.id,
        head_office.id,
        Some("facilities management"),
    )
    .await;
    let windows = labelled(
        &app,
        &admin.token,
        provider.id,
        york.id,
        Some("window cleaning at York"),
    )
    .await;
    let boxes = link(&app, &admin.token, crate_co.id, cafe.id).await;
    Sites {
        app,
        admin,
        provider,
        sparkle,
        head_office,
        leeds,
        york,
        crate_co,
        cafe,
        manager,
        agent,
        leeds_customer,
        york_customer,
        supplies,
        facilities,
        windows,
        boxes,
    }
}

#[tokio::test]
async fn a_customer_of_one_site_reads_the_link_to_their_head_office_only() {
    // Arrange
    let s = sites().await;
    let token = &s.leeds_customer.token;

    // Act
    let facilities = s.app.get(&path_of(&s.facilities), token).await;
    let windows = s.app.get(&path_of(&s.windows), token).await;
    let supplies = s.app.get(&path_of(&s.supplies), token).await;
    let boxes = s.app.get(&path_of(&s.boxes), token).await;

    // Assert
    let read = json(facilities, StatusCode::OK).await;
    assert_eq!(read["id"], s.facilities["id"]);
    problem(windows, StatusCode::NOT_FOUND, "not-found").await;
    problem(supplies, StatusCode::NOT_FOUND, "not-found").await;
    problem(boxes, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn a_customer_of_one_site_lists_only_the_links_they_may_see() {
    // Arrange
    let s = sites().await;
    let token = &s.leeds_customer.token;

    // Act
    let all = json(
        s.app.get("/api/v1/links?archived=all", token).await,
        StatusCode::OK,
    )
    .await;
    let of_york = json(
        s.app
            .get(&format!("/api/v1/links?party_id={}", s.york.id), token)
            .await,
        StatusCode::OK,
    )
    .await;
    let of_provider = json(
        s.app
            .get(&format!("/api/v1/links?party_id={}", s.provider.id), token)
            .await,
        StatusCode::OK,
    )
    .await;
    let york_all = json(
        s.app.get("/api/v1/links", &s.york_customer.token).await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(ids(&all), [id_of(&s.facilities)]);
    assert!(ids(&of_york).is_empty(), "{of_york}");
    assert_eq!(ids(&of_provider), [id_of(&s.facilities)]);
    let mut york_expected = vec![id_of(&s.facilities), id_of(&s.windows)];
    york_expected.sort();
    let mut york_listed = ids(&york_all);
    york_listed.sort();
    assert_eq!(york_listed, york_expected);
}

#[tokio::test]
async fn a_customer_walks_only_the_links_they_may_see() {
    // Arrange
    let s = sites().await;

    // Act
    let as_customer = walk(
        &s.app,
        &s.leeds_customer.token,
        s.leeds.id,
        "direction=upstream",
    )
    .await;
    let as_admin = walk(&s.app, &s.admin.token, s.leeds.id, "direction=upstream").await;
    let head_office_down = walk(
        &s.app,
        &s.leeds_customer.token,
        s.head_office.id,
        "direction=downstream",
    )
    .await;
    let york = s
        .app
        .get(
            &format!("/api/v1/parties/{}/chain?direction=upstream", s.york.id),
            &s.leeds_customer.token,
        )
        .await;
    let provider = s
        .app
        .get(
            &format!(
                "/api/v1/parties/{}/chain?direction=downstream",
                s.provider.id
            ),
            &s.leeds_customer.token,
        )
        .await;

    // Assert
    assert_eq!(
        reached(&as_customer),
        [("Brightwell FM".to_owned(), 1)],
        "the supplier's own supplier is behind a link the customer cannot see"
    );
    assert_eq!(
        reached(&as_admin),
        [
            ("Brightwell FM".to_owned(), 1),
            ("Sparkle Supplies".to_owned(), 2)
        ]
    );
    assert!(reached(&head_office_down).is_empty());
    problem(york, StatusCode::NOT_FOUND, "not-found").await;
    problem(provider, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn a_customer_finds_no_path_through_parties_they_may_not_see() {
    // Arrange
    let s = sites().await;

    // Act
    let to_york = s
        .app
        .get(
            &format!("/api/v1/chain/path?from={}&to={}", s.provider.id, s.york.id),
            &s.leeds_customer.token,
        )
        .await;
    let admin_to_york = s
        .app
        .get(
            &format!("/api/v1/chain/path?from={}&to={}", s.provider.id, s.york.id),
            &s.admin.token,
        )
        .await;

    // Assert
    problem(to_york, StatusCode::NOT_FOUND, "not-found").await;
    let path = json(admin_to_york, StatusCode::OK).await;
    assert_eq!(path_names(&path), ["Brightwell FM", "Harbour York"]);
}

#[tokio::test]
async fn a_customer_may_not_link_parties_and_nothing_is_made() {
    // Arrange
    let s = sites().await;
    let token = &s.leeds_customer.token;
    let before = all_link_ids(&s.app, &s.admin).await;

    // Act: parties the customer sees, then parties hidden from them.
    let visible = s
        .app
        .post(
            "/api/v1/links",
            token,
            &json!({ "supplier_id": s.leeds.id, "customer_id": s.york.id }),
        )
        .await;
    let context = s
        .app
        .post(
            "/api/v1/links",
            token,
            &json!({ "supplier_id": s.head_office.id, "customer_id": s.leeds.id }),
        )
        .await;
    let hidden = s
        .app
        .post(
            "/api/v1/links",
            token,
            &json!({ "supplier_id": s.crate_co.id, "customer_id": s.york.id }),
        )
        .await;

    // Assert
    problem(visible, StatusCode::FORBIDDEN, "forbidden").await;
    problem(context, StatusCode::FORBIDDEN, "forbidden").await;
    let body = problem(
        hidden,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "supplier_id");
    assert_eq!(
        message_of(&body),
        "no such party",
        "hidden parties are answered as unknown ones"
    );
    assert_eq!(all_link_ids(&s.app, &s.admin).await, before);
}

#[tokio::test]
async fn a_manager_of_the_supplier_links_it_to_a_new_customer() {
    // Arrange: the provider's manager also sits on the client's steering
    // group, so sees its sites.
    let s = sites().await;
    s.app
        .store
        .add_grant(
            &kept_domain::Actor::system("test"),
            s.manager.user.id,
            Role::Approver,
            s.head_office.id,
        )
        .await
        .expect("granting");

    // Act
    let response = s
        .app
        .post(
            "/api/v1/links",
            &s.manager.token,
            &json!({
                "supplier_id": s.provider.id,
                "customer_id": s.leeds.id,
                "label": "reactive maintenance at Leeds",
            }),
        )
        .await;

    // Assert
    let created = json(response, StatusCode::CREATED).await;
    assert_eq!(created["supplier_id"], s.provider.id.to_string());
    assert_eq!(created["customer_id"], s.leeds.id.to_string());
    let seen_by_leeds = json(
        s.app.get(&path_of(&created), &s.leeds_customer.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(seen_by_leeds["label"], "reactive maintenance at Leeds");
}

#[tokio::test]
async fn a_manager_may_not_link_their_party_to_one_they_cannot_see() {
    // Arrange
    let s = sites().await;
    let before = all_link_ids(&s.app, &s.admin).await;

    // Act
    let response = s
        .app
        .post(
            "/api/v1/links",
            &s.manager.token,
            &json!({ "supplier_id": s.provider.id, "customer_id": s.leeds.id }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "customer_id");
    assert_eq!(all_link_ids(&s.app, &s.admin).await, before);
}

#[tokio::test]
async fn a_manager_ends_and_restores_a_link_of_their_party() {
    // Arrange
    let s = sites().await;
    let path = path_of(&s.windows);

    // Act
    let ended = s
        .app
        .post(&format!("{path}/archive"), &s.manager.token, &json!({}))
        .await;
    let restored = s
        .app
        .post(&format!("{path}/restore"), &s.manager.token, &json!({}))
        .await;

    // Assert
    assert!(json(ended, StatusCode::OK).await["archived_at"].is_string());
    assert!(json(restored, StatusCode::OK).await["archived_at"].is_null());
}

#[tokio::test]
async fn a_manager_may_not_link_parties_they_do_not_manage() {
    // Arrange
    let s = sites().await;
    let before = all_link_ids(&s.app, &s.admin).await;

    // Act
    let response = s
        .app
        .post(
            "/api/v1/links",
            &s.manager.token,
            &json!({ "supplier_id": s.crate_co.id, "customer_id": s.cafe.id }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "supplier_id");
    assert_eq!(all_link_ids(&s.app, &s.admin).await, before);
}

#[tokio::test]
async fn an_agent_or_a_customer_who_sees_a_link_may_not_end_it() {
    // Arrange
    let s = sites().await;
    let path = path_of(&s.facilities);

    // Act
    let agent = s
        .app
        .post(&format!("{path}/archive"), &s.agent.token, &json!({}))
        .await;
    let customer = s
        .app
        .post(
            &format!("{path}/archive"),
            &s.leeds_customer.token,
            &json!({}),
        )
        .await;
    let hidden = s
        .app
        .post(
            &format!("{}/archive", path_of(&s.windows)),
            &s.leeds_customer.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(agent, StatusCode::FORBIDDEN, "forbidden").await;
    problem(customer, StatusCode::FORBIDDEN, "forbidden").await;
    problem(hidden, StatusCode::NOT_FOUND, "not-found").await;
    for link in [&s.facilities, &s.windows] {
        let still = json(
            s.app.get(&path_of(link), &s.admin.token).await,
            StatusCode::OK,
        )
        .await;
        assert!(still["archived_at"].is_null(), "still active: {still}");
    }
}

#[tokio::test]
async fn an_agent_may_not_restore_an_ended_link() {
    // Arrange
    let s = sites().await;
    let path = path_of(&s.supplies);
    json(
        s.app
            .post(&format!("{path}/archive"), &s.admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let response = s
        .app
        .post(&format!("{path}/restore"), &s.agent.token, &json!({}))
        .await;

    // Assert
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
    let still = json(s.app.get(&path, &s.admin.token).await, StatusCode::OK).await;
    assert!(still["archived_at"].is_string());
}

#[tokio::test]
async fn a_customer_sees_no_loop_detail_for_links_they_cannot_make() {
    // Arrange: the customer at York may not link anything, so a would-be
    // loop through links hidden from them is refused as forbidden before
    // the loop is looked for.
    let s = sites().await;

    // Act
    let response = s
        .app
        .post(
            "/api/v1/links",
            &s.york_customer.token,
            &json!({ "supplier_id": s.york.id, "customer_id": s.sparkle.id }),
        )
        .await;

    // Assert
    problem(response, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn requests_without_a_token_are_unauthorised() {
    // Arrange
    let s = sites().await;

    // Act
    let list = s
        .app
        .client
        .get(s.app.url("/api/v1/links"))
        .send()
        .await
        .expect("request sent");
    let walk = s
        .app
        .client
        .get(s.app.url(&format!(
            "/api/v1/parties/{}/chain?direction=upstream",
            s.leeds.id
        )))
        .send()
        .await
        .expect("request sent");

    // Assert
    assert_eq!(list.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(walk.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn a_customer_of_one_site_does_not_learn_of_another_site_through_their_head_office() {
    // Arrange: the head office, context for the customer at Leeds, supplies
    // its York site directly. York is beneath the context, so hidden from
    // Leeds: "the parties above what a user reaches are visible as context,
    // by name, but nothing beneath them is".
    let s = sites().await;
    let audit = labelled(
        &s.app,
        &s.admin.token,
        s.head_office.id,
        s.york.id,
        Some("store audit at York"),
    )
    .await;
    let token = &s.leeds_customer.token;

    // Act
    let read = s.app.get(&path_of(&audit), token).await;
    let listed = json(s.app.get("/api/v1/links", token).await, StatusCode::OK).await;
    let down = walk(&s.app, token, s.head_office.id, "direction=downstream").await;

    // Assert
    let leaks: Vec<&str> = [
        (
            read.status() != StatusCode::NOT_FOUND,
            "GET /links/{id} reads it",
        ),
        (
            ids(&listed) != [id_of(&s.facilities)],
            "GET /links lists it",
        ),
        (
            reached_names(&down).contains(&"Harbour York".to_owned()),
            "the walk downstream of the head office names Harbour York",
        ),
    ]
    .into_iter()
    .filter_map(|(leaked, how)| leaked.then_some(how))
    .collect();
    assert!(
        leaks.is_empty(),
        "the customer at Leeds sees the head office's link to York: {leaks:?}"
    );
}

#[tokio::test]
async fn a_loop_refusal_names_no_party_hidden_from_the_caller() {
    // Arrange: Brightwell → Harbour Retail → Secret Subcontractor → Sparkle,
    // and Sparkle serves a team of Brightwell, so the manager of Brightwell
    // knows Sparkle's id. The subcontractor's links are hidden from them:
    // neither of its parties is theirs to see.
    let s = sites().await;
    let secret = s
        .app
        .party(PartyKind::Organisation, "Secret Subcontractor Ltd", None)
        .await;
    let helpdesk = s
        .app
        .party(PartyKind::Team, "Helpdesk", Some(s.provider.id))
        .await;
    json(
        s.app
            .post(
                &format!("{}/archive", path_of(&s.supplies)),
                &s.admin.token,
                &json!({}),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    link(&s.app, &s.admin.token, s.head_office.id, secret.id).await;
    link(&s.app, &s.admin.token, secret.id, s.sparkle.id).await;
    link(&s.app, &s.admin.token, s.sparkle.id, helpdesk.id).await;
    let mine = json(
        s.app
            .get(
                &format!("/api/v1/links?party_id={}", helpdesk.id),
                &s.manager.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(mine["items"][0]["supplier_id"], s.sparkle.id.to_string());
    let walked = walk(
        &s.app,
        &s.manager.token,
        s.provider.id,
        "direction=downstream",
    )
    .await;
    assert!(
        !reached_names(&walked).contains(&"Secret Subcontractor Ltd".to_owned()),
        "the manager's walks do not reach the subcontractor: {walked}"
    );

    // Act: restoring Sparkle → Brightwell would close the loop.
    let response = s
        .app
        .post(
            &format!("{}/restore", path_of(&s.supplies)),
            &s.manager.token,
            &json!({}),
        )
        .await;

    // Assert
    let body = problem(response, StatusCode::CONFLICT, "chain-cycle").await;
    let detail = body["detail"].as_str().expect("a detail");
    assert!(
        !detail.contains("Secret Subcontractor Ltd"),
        "the refusal names a party the manager may not see: {detail}"
    );
}
