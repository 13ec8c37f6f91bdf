//! Tenancy: who may see and change which parties and users, end to end.
//!
//! The world is the one of the example chains: a provider (internal) with a
//! team and an agent; a client head office, Harbour Retail, with Store A and
//! Store B and a person at each; and a publisher that supplies the provider.
//! Each persona holds one role, and the matrix below lists what every one of
//! them gets for every resource and action.

use std::collections::BTreeSet;

use kept_domain::{Actor, NewParty, Party, PartyId, PartyKind, PartyName, Role};
use reqwest::{Response, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{Persona, TestApp, ids, json, problem, spawn_app};

/// The example world, with a persona for every role.
pub(crate) struct World {
    pub app: TestApp,
    /// The provider's own organisation (internal).
    pub provider: Party,
    /// A team of the provider.
    pub team: Party,
    /// The client: Harbour Retail's head office.
    pub head_office: Party,
    /// A site of the client.
    pub store_a: Party,
    /// Another site of the client.
    pub store_b: Party,
    /// An upstream supplier of the provider.
    pub publisher: Party,
    /// Admin of the installation.
    pub admin: Persona,
    /// Manager on the provider organisation, a person in it.
    pub manager: Persona,
    /// Agent on the provider organisation, a person in its team.
    pub agent: Persona,
    /// Client on the head office, a person there.
    pub client: Persona,
    /// Customer on Store A, a person at Store A.
    pub customer: Persona,
    /// Customer on Store B, a person at Store B.
    pub customer_b: Persona,
    /// Supplier on the publisher, a person there.
    pub supplier: Persona,
    /// Approver on the head office (a steering-group member), a person there.
    pub approver: Persona,
}

/// Creates a party directly in the store, with an explicit internal flag.
pub(crate) async fn store_party(
    app: &TestApp,
    kind: PartyKind,
    name: &str,
    parent: Option<PartyId>,
    internal: bool,
) -> Party {
    app.store
        .create_party(
            &Actor::system("test"),
            NewParty {
                kind,
                name: PartyName::parse("name", name).expect("a valid name"),
                parent_id: parent,
                internal: Some(internal),
                reference: None,
            },
        )
        .await
        .expect("creating a test party")
}

/// Builds the example world on a fresh server.
pub(crate) async fn world() -> World {
    let app = spawn_app().await;
    let provider = store_party(&app, PartyKind::Organisation, "Kept FM", None, true).await;
    let team = app
        .party(PartyKind::Team, "Helpdesk", Some(provider.id))
        .await;
    let head_office = app
        .party(PartyKind::Organisation, "Harbour Retail", None)
        .await;
    let store_a = app
        .party(PartyKind::Site, "Store A", Some(head_office.id))
        .await;
    let store_b = app
        .party(PartyKind::Site, "Store B", Some(head_office.id))
        .await;
    let publisher = app
        .party(PartyKind::Organisation, "Pageturn Publishing", None)
        .await;

    let admin = app.admin().await;
    let manager = app
        .persona(
            "manager@kept.example",
            Some(provider.id),
            &[(Role::Manager, provider.id)],
        )
        .await;
    let agent = app
        .persona(
            "agent@kept.example",
            Some(team.id),
            &[(Role::Agent, provider.id)],
        )
        .await;
    let client = app
        .persona(
            "client@harbour.example",
            Some(head_office.id),
            &[(Role::Client, head_office.id)],
        )
        .await;
    let customer = app
        .persona(
            "customer-a@harbour.example",
            Some(store_a.id),
            &[(Role::Customer, store_a.id)],
        )
        .await;
    let customer_b = app
        .persona(
            "customer-b@harbour.example",
            Some(store_b.id),
            &[(Role::Customer, store_b.id)],
        )
        .await;
    let supplier = app
        .persona(
            "supplier@pageturn.example",
            Some(publisher.id),
            &[(Role::Supplier, publisher.id)],
        )
        .await;
    let approver = app
        .persona(
            "approver@harbour.example",
            Some(head_office.id),
            &[(Role::Approver, head_office.id)],
        )
        .await;

    World {
        app,
        provider,
        team,
        head_office,
        store_a,
        store_b,
        publisher,
        admin,
        manager,
        agent,
        client,
        customer,
        customer_b,
        supplier,
        approver,
    }
}

/// The persona acting, one per column of the matrix.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Who {
    Admin,
    Manager,
    Agent,
    Client,
    Customer,
    Supplier,
    Approver,
}

/// The columns of the matrix, in order.
const COLUMNS: [Who; 7] = [
    Who::Admin,
    Who::Manager,
    Who::Agent,
    Who::Client,
    Who::Customer,
    Who::Supplier,
    Who::Approver,
];

/// A party of the world.
#[derive(Debug, Clone, Copy)]
enum P {
    Provider,
    Team,
    HeadOffice,
    StoreA,
    StoreB,
    /// The person party of the customer at Store B.
    PersonAtB,
    Publisher,
}

/// A user of the world, seen from the acting persona.
#[derive(Debug, Clone, Copy)]
enum U {
    /// The acting persona themself.
    Caller,
    Admin,
    Manager,
    Agent,
    /// The customer at Store B.
    PersonAtB,
}

/// What the persona tries to do.
#[derive(Debug, Clone, Copy)]
enum Act {
    /// `GET /parties/{id}`
    ReadParty(P),
    /// `PATCH /parties/{id}` with a new name.
    RenameParty(P),
    /// `POST /parties`: a department under Store A.
    CreateUnderStoreA,
    /// `POST /parties`: an organisation at the top.
    CreateTopLevel,
    /// `GET /parties`
    ListParties,
    /// `GET /users/{id}`
    ReadUser(U),
    /// `GET /users`
    ListUsers,
    /// `POST /users`
    CreateUser,
    /// `POST /users/{id}/grants`: `admin` on Store B for the caller
    /// themself, `supplier` on the publisher for anyone else.
    GrantRole(U),
    /// `GET /audit-events`
    ReadAudit,
}

use Act::*;

/// The whole policy: for each action, the status every persona gets.
///
/// Hidden things answer 404 (their existence is not revealed); things the
/// persona sees but may not change answer 403; a parent the persona cannot
/// see is reported like a missing one, as an invalid `parent_id` (422).
/// Rows run top to bottom on one world; the writes that succeed (renames,
/// new parties, a new user, grants to people who do not act here or grants
/// that come last) do not change what later rows may see.
#[rustfmt::skip]
const MATRIX: &[(Act, [u16; 7])] = &[
    //                                admin  mgr agent client cust  supp  appr
    (ReadParty(P::Provider),          [200,  200, 200,   404,  404,  404,  404]),
    (ReadParty(P::Team),              [200,  200, 200,   404,  404,  404,  404]),
    (ReadParty(P::HeadOffice),        [200,  404, 404,   200,  200,  404,  200]),
    (ReadParty(P::StoreA),            [200,  404, 404,   200,  200,  404,  200]),
    (ReadParty(P::StoreB),            [200,  404, 404,   200,  404,  404,  200]),
    (ReadParty(P::PersonAtB),         [200,  404, 404,   200,  404,  404,  200]),
    (ReadParty(P::Publisher),         [200,  404, 404,   404,  404,  200,  404]),
    (ListParties,                     [200,  200, 200,   200,  200,  200,  200]),
    (RenameParty(P::Provider),        [200,  200, 403,   404,  404,  404,  404]),
    (RenameParty(P::Team),            [200,  200, 403,   404,  404,  404,  404]),
    (RenameParty(P::HeadOffice),      [200,  404, 404,   403,  403,  404,  403]),
    (RenameParty(P::StoreA),          [200,  404, 404,   403,  403,  404,  403]),
    (RenameParty(P::StoreB),          [200,  404, 404,   403,  404,  404,  403]),
    (RenameParty(P::PersonAtB),       [200,  404, 404,   403,  404,  404,  403]),
    (RenameParty(P::Publisher),       [200,  404, 404,   404,  404,  403,  404]),
    (CreateUnderStoreA,               [201,  422, 422,   403,  403,  422,  403]),
    (CreateTopLevel,                  [201,  403, 403,   403,  403,  403,  403]),
    (ReadUser(U::Caller),             [200,  200, 200,   200,  200,  200,  200]),
    (ReadUser(U::Admin),              [200,  404, 404,   404,  404,  404,  404]),
    (ReadUser(U::Manager),            [200,  200, 404,   404,  404,  404,  404]),
    (ReadUser(U::Agent),              [200,  200, 200,   404,  404,  404,  404]),
    (ReadUser(U::PersonAtB),          [200,  404, 404,   404,  404,  404,  404]),
    (ListUsers,                       [200,  200, 200,   200,  200,  200,  200]),
    (CreateUser,                      [201,  403, 403,   403,  403,  403,  403]),
    (ReadAudit,                       [200,  403, 403,   403,  403,  403,  403]),
    (GrantRole(U::PersonAtB),         [201,  404, 404,   404,  404,  404,  404]),
    (GrantRole(U::Agent),             [201,  403, 403,   404,  404,  404,  404]),
    (GrantRole(U::Caller),            [201,  403, 403,   403,  403,  403,  403]),
];

impl World {
    fn persona(&self, who: Who) -> &Persona {
        match who {
            Who::Admin => &self.admin,
            Who::Manager => &self.manager,
            Who::Agent => &self.agent,
            Who::Client => &self.client,
            Who::Customer => &self.customer,
            Who::Supplier => &self.supplier,
            Who::Approver => &self.approver,
        }
    }

    fn party_id(&self, p: P) -> PartyId {
        match p {
            P::Provider => self.provider.id,
            P::Team => self.team.id,
            P::HeadOffice => self.head_office.id,
            P::StoreA => self.store_a.id,
            P::StoreB => self.store_b.id,
            P::PersonAtB => self.customer_b.user.party_id,
            P::Publisher => self.publisher.id,
        }
    }

    fn user_id(&self, u: U, caller: &Persona) -> String {
        let user = match u {
            U::Caller => &caller.user,
            U::Admin => &self.admin.user,
            U::Manager => &self.manager.user,
            U::Agent => &self.agent.user,
            U::PersonAtB => &self.customer_b.user,
        };
        user.id.to_string()
    }

    /// Performs `act` as `who`; returns a description of the request and the response.
    async fn perform(&self, who: Who, act: Act) -> (String, Response) {
        let app = &self.app;
        let persona = self.persona(who);
        let token = persona.token.as_str();
        match act {
            ReadParty(p) => {
                let path = format!("/api/v1/parties/{}", self.party_id(p));
                (format!("GET {p:?}"), app.get(&path, token).await)
            }
            RenameParty(p) => {
                let path = format!("/api/v1/parties/{}", self.party_id(p));
                let body = json!({ "name": format!("{p:?} renamed by {who:?}") });
                (format!("PATCH {p:?}"), app.patch(&path, token, &body).await)
            }
            CreateUnderStoreA => {
                let body = json!({
                    "kind": "department",
                    "name": format!("Bakery of {who:?}"),
                    "parent_id": self.store_a.id,
                });
                (
                    "POST /parties under Store A".to_owned(),
                    app.post("/api/v1/parties", token, &body).await,
                )
            }
            CreateTopLevel => {
                let body = json!({ "kind": "organisation", "name": format!("Org of {who:?}") });
                (
                    "POST /parties at the top".to_owned(),
                    app.post("/api/v1/parties", token, &body).await,
                )
            }
            ListParties => (
                "GET /parties".to_owned(),
                app.get("/api/v1/parties", token).await,
            ),
            ReadUser(u) => {
                let path = format!("/api/v1/users/{}", self.user_id(u, persona));
                (format!("GET user {u:?}"), app.get(&path, token).await)
            }
            ListUsers => (
                "GET /users".to_owned(),
                app.get("/api/v1/users", token).await,
            ),
            CreateUser => {
                let body = json!({
                    "email": "new.person@harbour.example",
                    "name": "New Person",
                    "parent_id": self.store_a.id,
                    "password": "a long enough password",
                });
                (
                    "POST /users".to_owned(),
                    app.post("/api/v1/users", token, &body).await,
                )
            }
            GrantRole(u) => {
                let path = format!("/api/v1/users/{}/grants", self.user_id(u, persona));
                let body = match u {
                    U::Caller => json!({ "role": "admin", "party_id": self.store_b.id }),
                    _ => json!({ "role": "supplier", "party_id": self.publisher.id }),
                };
                (
                    format!("POST grant to user {u:?}"),
                    app.post(&path, token, &body).await,
                )
            }
            ReadAudit => (
                "GET /audit-events".to_owned(),
                app.get("/api/v1/audit-events", token).await,
            ),
        }
    }
}

/// The problem type an error status of this API carries in the matrix.
fn slug_of(status: u16) -> Option<&'static str> {
    match status {
        403 => Some("forbidden"),
        404 => Some("not-found"),
        422 => Some("validation-failed"),
        _ => None,
    }
}

#[tokio::test]
async fn every_role_gets_exactly_what_the_policy_allows_on_every_resource() {
    // Arrange
    let world = world().await;
    let mut failures = Vec::new();

    // Act
    for &(act, expected) in MATRIX {
        for (who, want) in COLUMNS.into_iter().zip(expected) {
            let (what, response) = world.perform(who, act).await;
            let got = response.status().as_u16();
            let content_type = response
                .headers()
                .get("content-type")
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned();
            let body: Value = response.json().await.unwrap_or(Value::Null);
            if got != want {
                failures.push(format!(
                    "{who:?} {what}: expected {want}, got {got}: {body}"
                ));
            } else if let Some(slug) = slug_of(want) {
                let problem_type = format!("/problems/{slug}");
                if content_type != "application/problem+json" || body["type"] != problem_type {
                    failures.push(format!(
                        "{who:?} {what}: expected a {slug} problem, got {content_type}: {body}"
                    ));
                }
            }
        }
    }

    // Assert
    assert!(
        failures.is_empty(),
        "{} of {} cases differ from the policy:\n{}",
        failures.len(),
        MATRIX.len() * COLUMNS.len(),
        failures.join("\n")
    );
}

/// The ids of a list, as a set.
fn id_set(page: &Value) -> BTreeSet<String> {
    ids(page).into_iter().collect()
}

/// A set of ids from parties and person parties.
fn set_of(ids: &[PartyId]) -> BTreeSet<String> {
    ids.iter().map(ToString::to_string).collect()
}

#[tokio::test]
async fn each_persona_lists_exactly_the_parties_it_reaches_and_the_context_above_them() {
    // Arrange
    let w = world().await;
    let person = |p: &Persona| p.user.party_id;
    let provider_side = set_of(&[
        w.provider.id,
        w.team.id,
        person(&w.manager),
        person(&w.agent),
    ]);
    let harbour = set_of(&[
        w.head_office.id,
        w.store_a.id,
        w.store_b.id,
        person(&w.client),
        person(&w.customer),
        person(&w.customer_b),
        person(&w.approver),
    ]);
    let mut everything = set_of(&[w.publisher.id, person(&w.supplier), person(&w.admin)]);
    everything.extend(provider_side.clone());
    everything.extend(harbour.clone());
    let expectations = [
        ("admin", &w.admin, everything),
        ("manager", &w.manager, provider_side.clone()),
        ("agent", &w.agent, provider_side),
        ("client", &w.client, harbour.clone()),
        ("approver", &w.approver, harbour),
        (
            // The head office is context: visible by name, not what is under it.
            "customer",
            &w.customer,
            set_of(&[w.head_office.id, w.store_a.id, person(&w.customer)]),
        ),
        (
            "supplier",
            &w.supplier,
            set_of(&[w.publisher.id, person(&w.supplier)]),
        ),
    ];

    for (role, persona, expected) in expectations {
        // Act
        let page = json(
            w.app.get("/api/v1/parties?limit=200", &persona.token).await,
            StatusCode::OK,
        )
        .await;

        // Assert
        assert_eq!(id_set(&page), expected, "parties listed for the {role}");
        assert!(page["next_cursor"].is_null(), "one page for the {role}");
    }
}

#[tokio::test]
async fn admins_list_every_user_managers_their_people_and_everyone_else_themself() {
    // Arrange
    let w = world().await;
    let user_ids = |ps: &[&Persona]| -> BTreeSet<String> {
        ps.iter().map(|p| p.user.id.to_string()).collect()
    };
    let everyone = user_ids(&[
        &w.admin,
        &w.manager,
        &w.agent,
        &w.client,
        &w.customer,
        &w.customer_b,
        &w.supplier,
        &w.approver,
    ]);
    let expectations = [
        ("admin", &w.admin, everyone),
        ("manager", &w.manager, user_ids(&[&w.manager, &w.agent])),
        ("agent", &w.agent, user_ids(&[&w.agent])),
        ("client", &w.client, user_ids(&[&w.client])),
        ("customer", &w.customer, user_ids(&[&w.customer])),
        ("supplier", &w.supplier, user_ids(&[&w.supplier])),
        ("approver", &w.approver, user_ids(&[&w.approver])),
    ];

    for (role, persona, expected) in expectations {
        // Act
        let page = json(
            w.app.get("/api/v1/users?limit=200", &persona.token).await,
            StatusCode::OK,
        )
        .await;

        // Assert
        assert_eq!(id_set(&page), expected, "users listed for the {role}");
    }
}

#[tokio::test]
async fn customer_of_one_site_cannot_read_another_site_of_the_same_client() {
    // Arrange
    let w = world().await;
    let token = w.customer.token.as_str();
    let store_b = format!("/api/v1/parties/{}", w.store_b.id);
    let person_at_b = format!("/api/v1/parties/{}", w.customer_b.user.party_id);
    let missing = format!("/api/v1/parties/{}", PartyId::new());

    // Act and assert: Store B and what is under it answer exactly like a
    // party that does not exist.
    let hidden = problem(
        w.app.get(&store_b, token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let absent = problem(
        w.app.get(&missing, token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    assert_eq!(hidden, absent, "a hidden party looks like a missing one");
    problem(
        w.app.get(&person_at_b, token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    problem(
        w.app
            .get(&format!("/api/v1/users/{}", w.customer_b.user.id), token)
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    problem(
        w.app
            .patch(&store_b, token, &json!({ "name": "Mine now" }))
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    problem(
        w.app
            .post(&format!("{store_b}/archive"), token, &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    problem(
        w.app
            .post(&format!("{store_b}/restore"), token, &json!({}))
            .await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
    let create_under_b = problem(
        w.app
            .post(
                "/api/v1/parties",
                token,
                &json!({ "kind": "department", "name": "Sneaky", "parent_id": w.store_b.id }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(create_under_b["errors"][0]["field"], "parent_id");

    // Lists and their filters never show Store B or anything under it.
    let list = |query: &str| {
        let path = format!("/api/v1/parties{query}");
        let app = &w.app;
        async move { id_set(&json(app.get(&path, token).await, StatusCode::OK).await) }
    };
    let store_b_subtree = set_of(&[w.store_b.id, w.customer_b.user.party_id]);
    let everything = list("?archived=all&limit=200").await;
    assert!(
        everything.is_disjoint(&store_b_subtree),
        "the full list shows Store B: {everything:?}"
    );
    assert_eq!(
        list(&format!("?parent_id={}", w.head_office.id)).await,
        set_of(&[w.store_a.id]),
        "the head office's children, as the Store A customer sees them"
    );
    assert_eq!(
        list(&format!("?under={}", w.head_office.id)).await,
        set_of(&[w.store_a.id, w.customer.user.party_id]),
        "everything under the head office, as the Store A customer sees it"
    );
    assert_eq!(
        list(&format!("?parent_id={}", w.store_b.id)).await,
        BTreeSet::new()
    );
    assert_eq!(
        list(&format!("?under={}", w.store_b.id)).await,
        BTreeSet::new()
    );
    assert_eq!(
        list("?kind=site").await,
        set_of(&[w.store_a.id]),
        "sites visible to the Store A customer"
    );
    assert_eq!(list("?q=store%20b").await, BTreeSet::new());

    // Nothing was changed on the customer's behalf.
    let seen_by_admin = json(w.app.get(&store_b, &w.admin.token).await, StatusCode::OK).await;
    assert_eq!(seen_by_admin["name"], "Store B");
    assert!(seen_by_admin["archived_at"].is_null());
}

#[tokio::test]
async fn a_customer_sees_their_head_office_by_name_but_may_not_change_it() {
    // Arrange
    let w = world().await;
    let head_office = format!("/api/v1/parties/{}", w.head_office.id);

    // Act
    let seen = json(
        w.app.get(&head_office, &w.customer.token).await,
        StatusCode::OK,
    )
    .await;
    let renamed = w
        .app
        .patch(&head_office, &w.customer.token, &json!({ "name": "Ours" }))
        .await;
    let archived = w
        .app
        .post(
            &format!("{head_office}/archive"),
            &w.customer.token,
            &json!({}),
        )
        .await;

    // Assert
    assert_eq!(seen["name"], "Harbour Retail");
    problem(renamed, StatusCode::FORBIDDEN, "forbidden").await;
    problem(archived, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_manager_manages_under_their_party_but_not_above_or_beside_it() {
    // Arrange: a manager of the team only.
    let w = world().await;
    let team_lead = w
        .app
        .persona(
            "lead@kept.example",
            Some(w.team.id),
            &[(Role::Manager, w.team.id)],
        )
        .await;
    let crew = w
        .app
        .party(PartyKind::Team, "Night crew", Some(w.team.id))
        .await;

    // Act
    let renamed_crew = w
        .app
        .patch(
            &format!("/api/v1/parties/{}", crew.id),
            &team_lead.token,
            &json!({ "name": "Late crew" }),
        )
        .await;
    let created = w
        .app
        .post(
            "/api/v1/parties",
            &team_lead.token,
            &json!({ "kind": "team", "name": "Day crew", "parent_id": w.team.id }),
        )
        .await;
    let renamed_provider = w
        .app
        .patch(
            &format!("/api/v1/parties/{}", w.provider.id),
            &team_lead.token,
            &json!({ "name": "Taken over" }),
        )
        .await;
    let created_beside = w
        .app
        .post(
            "/api/v1/parties",
            &team_lead.token,
            &json!({ "kind": "team", "name": "Rival", "parent_id": w.provider.id }),
        )
        .await;

    // Assert
    assert_eq!(
        json(renamed_crew, StatusCode::OK).await["name"],
        "Late crew"
    );
    let created = json(created, StatusCode::CREATED).await;
    assert_eq!(created["internal"], true, "inherits the provider's flag");
    problem(renamed_provider, StatusCode::FORBIDDEN, "forbidden").await;
    problem(created_beside, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_manager_reads_the_users_under_their_party_but_may_not_administer_them() {
    // Arrange
    let w = world().await;
    let agent = format!("/api/v1/users/{}", w.agent.user.id);

    // Act
    let read = w.app.get(&agent, &w.manager.token).await;
    let grants = w
        .app
        .get(&format!("{agent}/grants"), &w.manager.token)
        .await;
    let renamed = w
        .app
        .patch(&agent, &w.manager.token, &json!({ "name": "Renamed" }))
        .await;
    let archived = w
        .app
        .post(&format!("{agent}/archive"), &w.manager.token, &json!({}))
        .await;
    let invited = w
        .app
        .post(&format!("{agent}/invitation"), &w.manager.token, &json!({}))
        .await;

    // Assert
    assert_eq!(
        json(read, StatusCode::OK).await["email"],
        "agent@kept.example"
    );
    // Grants name parties the manager may not see, so only admins and the
    // user themself list them.
    problem(grants, StatusCode::FORBIDDEN, "forbidden").await;
    let own = w.app.get(&format!("{agent}/grants"), &w.agent.token).await;
    assert_eq!(json(own, StatusCode::OK).await[0]["role"], "agent");
    problem(renamed, StatusCode::FORBIDDEN, "forbidden").await;
    problem(archived, StatusCode::FORBIDDEN, "forbidden").await;
    problem(invited, StatusCode::FORBIDDEN, "forbidden").await;
}

#[tokio::test]
async fn a_grant_reaches_the_whole_subtree_of_its_party() {
    // Arrange: a department under Store A with a team and a person in it.
    let w = world().await;
    let bakery = w
        .app
        .party(PartyKind::Department, "Bakery", Some(w.store_a.id))
        .await;
    let ovens = w.app.party(PartyKind::Team, "Ovens", Some(bakery.id)).await;
    let baker = w
        .app
        .party(PartyKind::Person, "Baker", Some(ovens.id))
        .await;

    // Act
    let page = json(
        w.app
            .get(
                &format!("/api/v1/parties?under={}", w.store_a.id),
                &w.customer.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;
    let baker_read = w
        .app
        .get(&format!("/api/v1/parties/{}", baker.id), &w.customer.token)
        .await;

    // Assert
    assert_eq!(
        id_set(&page),
        set_of(&[bakery.id, ovens.id, baker.id, w.customer.user.party_id])
    );
    assert_eq!(json(baker_read, StatusCode::OK).await["name"], "Baker");
}

#[tokio::test]
async fn revoking_a_grant_takes_the_reach_away_at_once() {
    // Arrange: the supplier is also given the client's head office.
    let w = world().await;
    let grant = json(
        w.app
            .post(
                &format!("/api/v1/users/{}/grants", w.supplier.user.id),
                &w.admin.token,
                &json!({ "role": "client", "party_id": w.head_office.id }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let store_b = format!("/api/v1/parties/{}", w.store_b.id);
    json(w.app.get(&store_b, &w.supplier.token).await, StatusCode::OK).await;

    // Act
    json(
        w.app
            .delete(
                &format!(
                    "/api/v1/users/{}/grants/{}",
                    w.supplier.user.id,
                    grant["id"].as_str().expect("a grant id")
                ),
                &w.admin.token,
            )
            .await,
        StatusCode::OK,
    )
    .await;

    // Assert
    problem(
        w.app.get(&store_b, &w.supplier.token).await,
        StatusCode::NOT_FOUND,
        "not-found",
    )
    .await;
}
