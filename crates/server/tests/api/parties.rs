//! `/api/v1/parties`: creating, reading, listing, changing, archiving and
//! restoring parties, and the nesting rules that keep the tree meaningful.

use std::collections::BTreeSet;

use kept_domain::{PartyId, PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, ids, json, problem, spawn_app};

/// Creates a party through the API as `token`, expecting 201.
async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    json(
        app.post("/api/v1/parties", token, &body).await,
        StatusCode::CREATED,
    )
    .await
}

/// The id of a party as the API returned it.
fn id_of(party: &Value) -> String {
    party["id"].as_str().expect("a party id").to_owned()
}

/// The path of a party.
fn path_of(party: &Value) -> String {
    format!("/api/v1/parties/{}", id_of(party))
}

/// The ids of a page, as a set.
fn id_set(page: &Value) -> BTreeSet<String> {
    ids(page).into_iter().collect()
}

/// A set of party ids.
fn set_of(parties: &[&Value]) -> BTreeSet<String> {
    parties.iter().map(|p| id_of(p)).collect()
}

/// The field named by the first error of a validation problem.
fn field_of(problem: &Value) -> &str {
    problem["errors"][0]["field"]
        .as_str()
        .expect("a field error")
}

/// A small world to filter:
///
/// ```text
/// Acme (organisation, internal)      Beta Ltd (organisation)
/// ├── Acme North (site)              └── beta depot (site)
/// │   └── Loading Bay (department)   100% Beef (organisation)
/// ├── Acme South (site)
/// └── Ops (team)
/// ```
struct Tree {
    acme: Value,
    north: Value,
    bay: Value,
    south: Value,
    ops: Value,
    beta: Value,
    depot: Value,
    beef: Value,
}

async fn tree(app: &TestApp, token: &str) -> Tree {
    let acme = create(
        app,
        token,
        json!({ "kind": "organisation", "name": "Acme", "internal": true }),
    )
    .await;
    let north = create(
        app,
        token,
        json!({ "kind": "site", "name": "Acme North", "parent_id": acme["id"] }),
    )
    .await;
    let bay = create(
        app,
        token,
        json!({ "kind": "department", "name": "Loading Bay", "parent_id": north["id"] }),
    )
    .await;
    let south = create(
        app,
        token,
        json!({ "kind": "site", "name": "Acme South", "parent_id": acme["id"] }),
    )
    .await;
    let ops = create(
        app,
        token,
        json!({ "kind": "team", "name": "Ops", "parent_id": acme["id"] }),
    )
    .await;
    let beta = create(
        app,
        token,
        json!({ "kind": "organisation", "name": "Beta Ltd" }),
    )
    .await;
    let depot = create(
        app,
        token,
        json!({ "kind": "site", "name": "beta depot", "parent_id": beta["id"] }),
    )
    .await;
    let beef = create(
        app,
        token,
        json!({ "kind": "organisation", "name": "100% Beef" }),
    )
    .await;
    Tree {
        acme,
        north,
        bay,
        south,
        ops,
        beta,
        depot,
        beef,
    }
}

/// Lists parties with a query string, expecting 200.
async fn list(app: &TestApp, token: &str, query: &str) -> Value {
    json(
        app.get(&format!("/api/v1/parties{query}"), token).await,
        StatusCode::OK,
    )
    .await
}

#[tokio::test]
async fn an_admin_creates_a_party_and_is_told_where_it_lives() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    // Act
    let response = app
        .post(
            "/api/v1/parties",
            &admin.token,
            &json!({
                "kind": "organisation",
                "name": "  Harbour Retail  ",
                "reference": "HR-001",
            }),
        )
        .await;

    // Assert
    let location = response
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("a Location header")
        .to_owned();
    let created = json(response, StatusCode::CREATED).await;
    assert_eq!(location, path_of(&created));
    assert_eq!(created["kind"], "organisation");
    assert_eq!(created["name"], "Harbour Retail", "the name is trimmed");
    assert_eq!(created["reference"], "HR-001");
    assert_eq!(created["internal"], false);
    assert!(created["parent_id"].is_null());
    assert!(created["archived_at"].is_null());
    let fetched = json(app.get(&location, &admin.token).await, StatusCode::OK).await;
    assert_eq!(fetched, created, "reading it back gives the same party");
}

#[tokio::test]
async fn a_new_party_inherits_its_parents_internal_flag_unless_told_otherwise() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let provider = create(
        &app,
        &admin.token,
        json!({ "kind": "organisation", "name": "Provider", "internal": true }),
    )
    .await;

    // Act
    let team = create(
        &app,
        &admin.token,
        json!({ "kind": "team", "name": "Helpdesk", "parent_id": provider["id"] }),
    )
    .await;
    let outsourced = create(
        &app,
        &admin.token,
        json!({ "kind": "team", "name": "Outsourced", "parent_id": provider["id"], "internal": false }),
    )
    .await;

    // Assert
    assert_eq!(team["internal"], true);
    assert_eq!(team["parent_id"], provider["id"]);
    assert_eq!(outsourced["internal"], false);
}

#[tokio::test]
async fn sites_departments_and_teams_need_a_parent() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    for kind in ["site", "department", "team"] {
        // Act
        let response = app
            .post(
                "/api/v1/parties",
                &admin.token,
                &json!({ "kind": kind, "name": "Orphan" }),
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "parent_id", "a {kind} without a parent");
    }
}

#[tokio::test]
async fn organisations_sit_only_under_organisations_and_nothing_under_a_person() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let site = app.party(PartyKind::Site, "Site", Some(org.id)).await;
    let person = app.party(PartyKind::Person, "Pat", Some(site.id)).await;
    let cases = [
        ("organisation", site.id),
        ("team", person.id),
        ("person", person.id),
    ];

    for (kind, parent) in cases {
        // Act
        let response = app
            .post(
                "/api/v1/parties",
                &admin.token,
                &json!({ "kind": kind, "name": "Misplaced", "parent_id": parent }),
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "parent_id", "a {kind} under {parent}");
    }
    let subsidiary = create(
        &app,
        &admin.token,
        json!({ "kind": "organisation", "name": "Subsidiary", "parent_id": org.id }),
    )
    .await;
    assert_eq!(subsidiary["parent_id"], org.id.to_string());
}

#[tokio::test]
async fn a_missing_or_archived_parent_is_refused_naming_parent_id() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let gone = create(
        &app,
        &admin.token,
        json!({ "kind": "organisation", "name": "Gone" }),
    )
    .await;
    json(
        app.post(
            &format!("{}/archive", path_of(&gone)),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    for parent in [json!(PartyId::new()), gone["id"].clone()] {
        // Act
        let response = app
            .post(
                "/api/v1/parties",
                &admin.token,
                &json!({ "kind": "site", "name": "Nowhere", "parent_id": parent }),
            )
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "parent_id", "parent {parent}");
    }
}

#[tokio::test]
async fn bad_fields_are_refused_naming_the_field() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let cases = [
        (json!({ "kind": "company", "name": "X" }), "kind"),
        (json!({ "kind": "organisation", "name": "   " }), "name"),
        (
            json!({ "kind": "organisation", "name": "x".repeat(201) }),
            "name",
        ),
        (json!({ "kind": "organisation" }), "name"),
        (json!({ "name": "No kind" }), "kind"),
        (
            json!({ "kind": "organisation", "name": "X", "reference": "two words" }),
            "reference",
        ),
        (
            json!({ "kind": "organisation", "name": "X", "colour": "red" }),
            "colour",
        ),
        (
            json!({ "kind": "organisation", "name": "X", "parent_id": "not-an-id" }),
            "parent_id",
        ),
        (
            json!({ "kind": "organisation", "name": "X", "internal": "yes" }),
            "internal",
        ),
    ];

    for (body, field) in cases {
        // Act
        let response = app.post("/api/v1/parties", &admin.token, &body).await;

        // Assert
        let problem = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&problem), field, "body {body}");
    }
}

#[tokio::test]
async fn an_unknown_or_malformed_party_id_answers_not_found() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;

    for path in [
        format!("/api/v1/parties/{}", PartyId::new()),
        "/api/v1/parties/not-an-id".to_owned(),
    ] {
        // Act
        let read = app.get(&path, &admin.token).await;
        let changed = app
            .patch(&path, &admin.token, &json!({ "name": "X" }))
            .await;
        let archived = app
            .post(&format!("{path}/archive"), &admin.token, &json!({}))
            .await;

        // Assert
        problem(read, StatusCode::NOT_FOUND, "not-found").await;
        problem(changed, StatusCode::NOT_FOUND, "not-found").await;
        problem(archived, StatusCode::NOT_FOUND, "not-found").await;
    }
}

#[tokio::test]
async fn a_reference_in_use_is_refused_on_create_and_on_update() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let first = create(
        &app,
        &admin.token,
        json!({ "kind": "organisation", "name": "First", "reference": "ACCT-1" }),
    )
    .await;
    let second = create(
        &app,
        &admin.token,
        json!({ "kind": "organisation", "name": "Second" }),
    )
    .await;

    // Act
    let duplicate = app
        .post(
            "/api/v1/parties",
            &admin.token,
            &json!({ "kind": "organisation", "name": "Third", "reference": "ACCT-1" }),
        )
        .await;
    let taken = app
        .patch(
            &path_of(&second),
            &admin.token,
            &json!({ "reference": "ACCT-1" }),
        )
        .await;
    let released = app
        .patch(
            &path_of(&first),
            &admin.token,
            &json!({ "reference": null }),
        )
        .await;
    let reused = app
        .patch(
            &path_of(&second),
            &admin.token,
            &json!({ "reference": "ACCT-1" }),
        )
        .await;

    // Assert
    problem(duplicate, StatusCode::CONFLICT, "reference-taken").await;
    problem(taken, StatusCode::CONFLICT, "reference-taken").await;
    assert!(json(released, StatusCode::OK).await["reference"].is_null());
    assert_eq!(json(reused, StatusCode::OK).await["reference"], "ACCT-1");
}

#[tokio::test]
async fn listing_by_kind_returns_only_that_kind() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let sites = list(&app, &admin.token, "?kind=site").await;
    let teams = list(&app, &admin.token, "?kind=team").await;

    // Assert
    assert_eq!(id_set(&sites), set_of(&[&t.north, &t.south, &t.depot]));
    assert_eq!(id_set(&teams), set_of(&[&t.ops]));
}

#[tokio::test]
async fn listing_by_parent_returns_only_direct_children() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let children = list(
        &app,
        &admin.token,
        &format!("?parent_id={}", id_of(&t.acme)),
    )
    .await;

    // Assert
    assert_eq!(id_set(&children), set_of(&[&t.north, &t.south, &t.ops]));
}

#[tokio::test]
async fn listing_under_a_party_returns_its_descendants_at_any_depth_but_not_itself() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let under = list(&app, &admin.token, &format!("?under={}", id_of(&t.acme))).await;
    let sites_under = list(
        &app,
        &admin.token,
        &format!("?under={}&kind=site", id_of(&t.acme)),
    )
    .await;

    // Assert
    assert_eq!(
        id_set(&under),
        set_of(&[&t.north, &t.bay, &t.south, &t.ops])
    );
    assert_eq!(id_set(&sites_under), set_of(&[&t.north, &t.south]));
}

#[tokio::test]
async fn listing_by_internal_flag_separates_the_provider_from_everyone_else() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let internal = list(&app, &admin.token, "?internal=true").await;
    let external = list(&app, &admin.token, "?internal=false").await;

    // Assert
    assert_eq!(
        id_set(&internal),
        set_of(&[&t.acme, &t.north, &t.bay, &t.south, &t.ops])
    );
    let mut expected = set_of(&[&t.beta, &t.depot, &t.beef]);
    expected.insert(admin.user.party_id.to_string());
    assert_eq!(id_set(&external), expected);
}

#[tokio::test]
async fn searching_by_name_ignores_case_and_treats_wildcards_literally() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let acme = list(&app, &admin.token, "?q=ACME").await;
    let beta = list(&app, &admin.token, "?q=Beta%20D").await;
    let percent = list(&app, &admin.token, "?q=%25").await;
    let underscore = list(&app, &admin.token, "?q=_").await;

    // Assert
    assert_eq!(id_set(&acme), set_of(&[&t.acme, &t.north, &t.south]));
    assert_eq!(id_set(&beta), set_of(&[&t.depot]));
    assert_eq!(id_set(&percent), set_of(&[&t.beef]));
    assert_eq!(id_set(&underscore), BTreeSet::new());
}

#[tokio::test]
async fn listing_shows_active_archived_or_all_parties_on_request() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    json(
        app.post(
            &format!("{}/archive", path_of(&t.beef)),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let beef = id_of(&t.beef);

    // Act
    let default = id_set(&list(&app, &admin.token, "").await);
    let active = id_set(&list(&app, &admin.token, "?archived=active").await);
    let archived = id_set(&list(&app, &admin.token, "?archived=archived").await);
    let all = id_set(&list(&app, &admin.token, "?archived=all").await);

    // Assert
    assert!(
        !default.contains(&beef),
        "archived parties are hidden by default"
    );
    assert_eq!(active, default);
    assert_eq!(archived, BTreeSet::from([beef.clone()]));
    let mut expected_all = active.clone();
    expected_all.insert(beef);
    assert_eq!(all, expected_all);
    assert_eq!(
        active.len(),
        8,
        "seven active parties and the admin's own person"
    );
}

#[tokio::test]
async fn listing_by_name_sorts_ignoring_case() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    tree(&app, &admin.token).await;

    // Act
    let page = list(&app, &admin.token, "?order=name").await;

    // Assert
    let names: Vec<String> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|p| p["name"].as_str().expect("a name").to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "100% Beef",
            "Acme",
            "Acme North",
            "Acme South",
            "admin",
            "beta depot",
            "Beta Ltd",
            "Loading Bay",
            "Ops",
        ]
    );
}

#[tokio::test]
async fn listing_oldest_first_is_the_default_order() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let page = list(&app, &admin.token, "?kind=site").await;

    // Assert
    assert_eq!(
        ids(&page),
        vec![id_of(&t.north), id_of(&t.south), id_of(&t.depot)]
    );
}

/// Walks every page of a list with `limit=3`, returning the ids in order and
/// the number of pages.
async fn walk(app: &TestApp, token: &str, query: &str) -> (Vec<String>, usize) {
    let mut seen = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let mut path = format!("/api/v1/parties?limit=3{query}");
        if let Some(c) = &cursor {
            path.push_str(&format!("&cursor={c}"));
        }
        let page = json(app.get(&path, token).await, StatusCode::OK).await;
        pages += 1;
        let items = ids(&page);
        assert!(items.len() <= 3, "a page holds at most the limit");
        seen.extend(items);
        match page["next_cursor"].as_str() {
            Some(next) => {
                assert!(pages < 100, "the cursor keeps coming back");
                cursor = Some(next.to_owned());
            }
            None => break,
        }
    }
    (seen, pages)
}

#[tokio::test]
async fn cursor_pagination_walks_every_page_once_in_either_order() {
    // Arrange: eleven parties, with the admin's own person.
    let app = spawn_app().await;
    let admin = app.admin().await;
    for name in [
        "kilo", "Alpha", "juliet", "Bravo", "india", "charlie", "Hotel", "delta", "golf", "Echo",
    ] {
        create(
            &app,
            &admin.token,
            json!({ "kind": "organisation", "name": name }),
        )
        .await;
    }

    for order in ["", "&order=created", "&order=name"] {
        // Act
        let (walked, pages) = walk(&app, &admin.token, order).await;
        let whole = ids(&list(&app, &admin.token, &format!("?limit=200{order}")).await);

        // Assert
        assert_eq!(
            walked, whole,
            "pages in order {order:?} make up the whole list"
        );
        assert_eq!(walked.len(), 11);
        assert_eq!(pages, 4, "11 items at 3 a page");
    }
}

#[tokio::test]
async fn cursor_pagination_keeps_the_filters() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Retailer", None).await;
    let mut sites = Vec::new();
    for n in 0..7 {
        sites.push(
            app.party(PartyKind::Site, &format!("Store {n}"), Some(org.id))
                .await
                .id
                .to_string(),
        );
        app.party(PartyKind::Organisation, &format!("Other {n}"), None)
            .await;
    }

    // Act
    let (walked, pages) = walk(&app, &admin.token, &format!("&parent_id={}", org.id)).await;

    // Assert
    assert_eq!(walked, sites);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn bad_list_parameters_are_refused_naming_the_parameter() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let name_cursor = {
        for n in 0..3 {
            app.party(PartyKind::Organisation, &format!("Org {n}"), None)
                .await;
        }
        let page = list(&app, &admin.token, "?order=name&limit=1").await;
        page["next_cursor"]
            .as_str()
            .expect("a next page")
            .to_owned()
    };
    let cases = [
        ("?kind=company", "kind"),
        ("?parent_id=nope", "parent_id"),
        ("?under=nope", "under"),
        ("?internal=maybe", "internal"),
        ("?archived=sometimes", "archived"),
        ("?order=random", "order"),
        ("?limit=0", "limit"),
        ("?limit=201", "limit"),
        ("?limit=-1", "limit"),
        ("?cursor=%25%25%25", "cursor"),
        ("?colour=red", "colour"),
    ];

    for (query, field) in cases {
        // Act
        let response = app
            .get(&format!("/api/v1/parties{query}"), &admin.token)
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), field, "query {query}");
    }
    let mismatched = app
        .get(
            &format!("/api/v1/parties?order=created&cursor={name_cursor}"),
            &admin.token,
        )
        .await;
    let body = problem(
        mismatched,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "cursor", "a cursor of another order");
}

#[tokio::test]
async fn renaming_a_party_changes_its_name_and_nothing_else() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let renamed = json(
        app.patch(
            &path_of(&t.north),
            &admin.token,
            &json!({ "name": " Acme Northern " }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(renamed["name"], "Acme Northern");
    for field in [
        "id",
        "kind",
        "parent_id",
        "internal",
        "reference",
        "created_at",
    ] {
        assert_eq!(renamed[field], t.north[field], "{field} is unchanged");
    }
    assert_ne!(renamed["updated_at"], t.north["updated_at"]);
    let fetched = json(
        app.get(&path_of(&t.north), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(fetched, renamed);
}

#[tokio::test]
async fn moving_a_party_carries_its_whole_subtree() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act: Acme North (with its loading bay) moves to Beta.
    let moved = json(
        app.patch(
            &path_of(&t.north),
            &admin.token,
            &json!({ "parent_id": t.beta["id"] }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert_eq!(moved["parent_id"], t.beta["id"]);
    let under_beta = list(&app, &admin.token, &format!("?under={}", id_of(&t.beta))).await;
    assert_eq!(id_set(&under_beta), set_of(&[&t.depot, &t.north, &t.bay]));
    let under_acme = list(&app, &admin.token, &format!("?under={}", id_of(&t.acme))).await;
    assert_eq!(id_set(&under_acme), set_of(&[&t.south, &t.ops]));
}

#[tokio::test]
async fn only_admins_move_a_party_to_the_top() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let group = app.party(PartyKind::Organisation, "Group", None).await;
    let subsidiary = app
        .party(PartyKind::Organisation, "Subsidiary", Some(group.id))
        .await;
    let manager = app
        .persona(
            "manager@example.com",
            Some(group.id),
            &[(Role::Manager, group.id)],
        )
        .await;
    let path = format!("/api/v1/parties/{}", subsidiary.id);

    // Act
    let by_manager = app
        .patch(&path, &manager.token, &json!({ "parent_id": null }))
        .await;
    let after_manager = json(app.get(&path, &admin.token).await, StatusCode::OK).await;
    let by_admin = app
        .patch(&path, &admin.token, &json!({ "parent_id": null }))
        .await;

    // Assert
    problem(by_manager, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(after_manager["parent_id"], group.id.to_string());
    let moved = json(by_admin, StatusCode::OK).await;
    assert!(moved["parent_id"].is_null());
    let under_group = list(&app, &admin.token, &format!("?under={}", group.id)).await;
    assert!(
        !id_set(&under_group).contains(&subsidiary.id.to_string()),
        "the subsidiary is no longer under the group"
    );
}

#[tokio::test]
async fn a_site_cannot_be_moved_to_the_top() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let site = app.party(PartyKind::Site, "Site", Some(org.id)).await;

    // Act
    let response = app
        .patch(
            &format!("/api/v1/parties/{}", site.id),
            &admin.token,
            &json!({ "parent_id": null }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "parent_id");
}

#[tokio::test]
async fn a_move_that_would_make_a_cycle_is_refused_naming_parent_id() {
    // Arrange: Group > Subsidiary > Branch, all organisations.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let group = app.party(PartyKind::Organisation, "Group", None).await;
    let subsidiary = app
        .party(PartyKind::Organisation, "Subsidiary", Some(group.id))
        .await;
    let branch = app
        .party(PartyKind::Organisation, "Branch", Some(subsidiary.id))
        .await;
    let group_path = format!("/api/v1/parties/{}", group.id);

    for parent in [branch.id, subsidiary.id, group.id] {
        // Act
        let response = app
            .patch(&group_path, &admin.token, &json!({ "parent_id": parent }))
            .await;

        // Assert
        let body = problem(
            response,
            StatusCode::UNPROCESSABLE_ENTITY,
            "validation-failed",
        )
        .await;
        assert_eq!(field_of(&body), "parent_id", "moving under {parent}");
    }
    let unchanged = json(app.get(&group_path, &admin.token).await, StatusCode::OK).await;
    assert!(unchanged["parent_id"].is_null());
}

#[tokio::test]
async fn a_manager_cannot_move_a_party_out_of_their_subtree() {
    // Arrange: a manager of Acme, who is also a client of Beta (visible to
    // them, not theirs to manage). 100% Beef is not theirs to see at all.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    let acme: PartyId = id_of(&t.acme).parse().expect("an id");
    let beta: PartyId = id_of(&t.beta).parse().expect("an id");
    let manager = app
        .persona(
            "manager@acme.example",
            Some(acme),
            &[(Role::Manager, acme), (Role::Client, beta)],
        )
        .await;
    let ops = path_of(&t.ops);

    // Act
    let to_visible = app
        .patch(&ops, &manager.token, &json!({ "parent_id": t.beta["id"] }))
        .await;
    let to_hidden = app
        .patch(&ops, &manager.token, &json!({ "parent_id": t.beef["id"] }))
        .await;
    let pulled_in = app
        .patch(
            &path_of(&t.depot),
            &manager.token,
            &json!({ "parent_id": t.acme["id"] }),
        )
        .await;
    let within = app
        .patch(&ops, &manager.token, &json!({ "parent_id": t.north["id"] }))
        .await;

    // Assert
    problem(to_visible, StatusCode::FORBIDDEN, "forbidden").await;
    let hidden = problem(
        to_hidden,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&hidden), "parent_id");
    problem(pulled_in, StatusCode::FORBIDDEN, "forbidden").await;
    assert_eq!(
        json(within, StatusCode::OK).await["parent_id"],
        t.north["id"]
    );
    let depot = json(
        app.get(&path_of(&t.depot), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(depot["parent_id"], t.beta["id"], "the depot stayed at Beta");
}

#[tokio::test]
async fn a_party_with_active_children_cannot_be_archived() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;

    // Act
    let response = app
        .post(
            &format!("{}/archive", path_of(&t.north)),
            &admin.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(response, StatusCode::CONFLICT, "party-has-active-children").await;
    let north = json(
        app.get(&path_of(&t.north), &admin.token).await,
        StatusCode::OK,
    )
    .await;
    assert!(north["archived_at"].is_null());
}

#[tokio::test]
async fn a_person_with_an_active_login_cannot_be_archived() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;
    let someone = app.persona("someone@example.com", Some(org.id), &[]).await;

    // Act
    let response = app
        .post(
            &format!("/api/v1/parties/{}/archive", someone.user.party_id),
            &admin.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(response, StatusCode::CONFLICT, "party-has-active-login").await;
}

#[tokio::test]
async fn archiving_and_restoring_a_leaf_party_round_trips() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    let bay = path_of(&t.bay);

    // Act
    let archived = json(
        app.post(&format!("{bay}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let again = json(
        app.post(&format!("{bay}/archive"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;
    let still_readable = json(app.get(&bay, &admin.token).await, StatusCode::OK).await;
    let restored = json(
        app.post(&format!("{bay}/restore"), &admin.token, &json!({}))
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    assert!(archived["archived_at"].is_string());
    assert_eq!(
        again["archived_at"], archived["archived_at"],
        "archiving twice is a no-op"
    );
    assert_eq!(still_readable["archived_at"], archived["archived_at"]);
    assert!(restored["archived_at"].is_null());
    let active = list(
        &app,
        &admin.token,
        &format!("?parent_id={}", id_of(&t.north)),
    )
    .await;
    assert_eq!(id_set(&active), set_of(&[&t.bay]));
}

#[tokio::test]
async fn a_party_under_an_archived_parent_cannot_be_restored() {
    // Arrange: archive the loading bay, then its site.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    for party in [&t.bay, &t.north] {
        json(
            app.post(
                &format!("{}/archive", path_of(party)),
                &admin.token,
                &json!({}),
            )
            .await,
            StatusCode::OK,
        )
        .await;
    }

    // Act
    let bay_first = app
        .post(
            &format!("{}/restore", path_of(&t.bay)),
            &admin.token,
            &json!({}),
        )
        .await;
    let north = app
        .post(
            &format!("{}/restore", path_of(&t.north)),
            &admin.token,
            &json!({}),
        )
        .await;
    let bay_then = app
        .post(
            &format!("{}/restore", path_of(&t.bay)),
            &admin.token,
            &json!({}),
        )
        .await;

    // Assert
    problem(bay_first, StatusCode::CONFLICT, "parent-archived").await;
    assert!(json(north, StatusCode::OK).await["archived_at"].is_null());
    assert!(json(bay_then, StatusCode::OK).await["archived_at"].is_null());
}

#[tokio::test]
async fn a_party_cannot_be_moved_under_an_archived_parent() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    json(
        app.post(
            &format!("{}/archive", path_of(&t.beef)),
            &admin.token,
            &json!({}),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    // Act
    let response = app
        .patch(
            &path_of(&t.beta),
            &admin.token,
            &json!({ "parent_id": t.beef["id"] }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "parent_id");
}

#[tokio::test]
async fn a_manager_archives_and_restores_under_their_party_only() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = tree(&app, &admin.token).await;
    let acme: PartyId = id_of(&t.acme).parse().expect("an id");
    let manager = app
        .persona("manager@acme.example", Some(acme), &[(Role::Manager, acme)])
        .await;

    // Act
    let archived = app
        .post(
            &format!("{}/archive", path_of(&t.bay)),
            &manager.token,
            &json!({}),
        )
        .await;
    let restored = app
        .post(
            &format!("{}/restore", path_of(&t.bay)),
            &manager.token,
            &json!({}),
        )
        .await;
    let elsewhere = app
        .post(
            &format!("{}/archive", path_of(&t.beef)),
            &manager.token,
            &json!({}),
        )
        .await;

    // Assert
    assert!(json(archived, StatusCode::OK).await["archived_at"].is_string());
    assert!(json(restored, StatusCode::OK).await["archived_at"].is_null());
    problem(elsewhere, StatusCode::NOT_FOUND, "not-found").await;
}

#[tokio::test]
async fn an_update_with_an_unknown_field_is_refused_naming_it() {
    // Arrange
    let app = spawn_app().await;
    let admin = app.admin().await;
    let org = app.party(PartyKind::Organisation, "Org", None).await;

    // Act
    let response = app
        .patch(
            &format!("/api/v1/parties/{}", org.id),
            &admin.token,
            &json!({ "kind": "site" }),
        )
        .await;

    // Assert
    let body = problem(
        response,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(field_of(&body), "kind");
}

#[tokio::test]
async fn sending_back_the_current_parent_is_not_a_move() {
    // Arrange: a manager of a team, who may not place parties elsewhere.
    let app = spawn_app().await;
    let provider = app.party(PartyKind::Organisation, "Brightwell", None).await;
    let team = app
        .party(PartyKind::Team, "Helpdesk", Some(provider.id))
        .await;
    let manager = app
        .persona(
            "lead@brightwell.example",
            Some(team.id),
            &[(Role::Manager, team.id)],
        )
        .await;
    let path = format!("/api/v1/parties/{}", team.id);

    // Act: the whole object sent back, parent unchanged.
    let renamed = app
        .patch(
            &path,
            &manager.token,
            &json!({ "name": "Service Desk", "parent_id": provider.id }),
        )
        .await;

    // Assert
    let body = json(renamed, StatusCode::OK).await;
    assert_eq!(body["name"], "Service Desk");
    assert_eq!(body["parent_id"], provider.id.to_string());
}

#[tokio::test]
async fn the_head_office_above_a_customer_s_store_is_read_and_listed_by_name_only() {
    // Arrange: a head office with details of its own, a store under it, and
    // a customer of that store, who sees the head office as context.
    let app = spawn_app().await;
    let admin = app.admin().await;
    let head_office = create(
        &app,
        &admin.token,
        json!({"kind": "organisation", "name": "Harbour Retail", "reference": "HR-001", "internal": false}),
    )
    .await;
    let store = create(
        &app,
        &admin.token,
        json!({"kind": "site", "name": "Leeds Store", "parent_id": head_office["id"], "reference": "HR-LEEDS"}),
    )
    .await;
    let store_id: PartyId = id_of(&store).parse().expect("an id");
    let customer = app
        .persona(
            "casey@harbour.example",
            Some(store_id),
            &[(Role::Customer, store_id)],
        )
        .await;

    // Act
    let read = json(
        app.get(&path_of(&head_office), &customer.token).await,
        StatusCode::OK,
    )
    .await;
    let own = json(
        app.get(&path_of(&store), &customer.token).await,
        StatusCode::OK,
    )
    .await;
    let listed = json(
        app.get("/api/v1/parties?limit=200", &customer.token).await,
        StatusCode::OK,
    )
    .await;
    let by_admin = json(
        app.get(&path_of(&head_office), &admin.token).await,
        StatusCode::OK,
    )
    .await;

    // Assert
    let name_only = json!({
        "id": head_office["id"],
        "kind": "organisation",
        "name": "Harbour Retail",
        "name_only": true
    });
    assert_eq!(read, name_only, "no reference, flags, dates or parent");
    let items = listed["items"].as_array().expect("items");
    let in_list = items.iter().find(|p| p["id"] == head_office["id"]);
    assert_eq!(in_list, Some(&name_only), "the list shows it the same way");
    assert_eq!(own["reference"], "HR-LEEDS", "her own store in full");
    assert!(own.get("name_only").is_none(), "{own}");
    assert!(
        !listed.to_string().contains("HR-001"),
        "the head office's reference appears nowhere: {listed}"
    );
    assert_eq!(by_admin["reference"], "HR-001", "an admin sees it in full");
}
