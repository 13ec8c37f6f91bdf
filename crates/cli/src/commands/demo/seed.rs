//! The demo's parties and people: the four example chains of DESIGN.md.

use std::collections::HashMap;

use anyhow::Context;
use kept_app::accounts::{self, NewLogin};
use kept_domain::{
    Actor, Email, NewParty, PartyId, PartyKind, PartyName, PartyReference, Password, Role,
};
use kept_store::StoreError;

/// The password of every demo login.
pub const PASSWORD: &str = "kept-demo-2026";

use PartyKind::{Department, Organisation, Person, Site, Team};

/// A party of the demo: key, parent's key, kind, name, internal, reference.
type PartyRow = (
    &'static str,
    Option<&'static str>,
    PartyKind,
    &'static str,
    bool,
    Option<&'static str>,
);

const PARTIES: &[PartyRow] = &[
    // 1. Central FM contract: a facilities firm serves a retailer's 12 stores.
    (
        "brightwell",
        None,
        Organisation,
        "Brightwell Facilities",
        true,
        Some("BRIGHTWELL"),
    ),
    (
        "helpdesk",
        Some("brightwell"),
        Team,
        "Brightwell Helpdesk",
        true,
        None,
    ),
    (
        "engineers",
        Some("brightwell"),
        Team,
        "Brightwell Mobile Engineers",
        true,
        None,
    ),
    (
        "harbour",
        None,
        Organisation,
        "Harbour Retail plc",
        false,
        Some("HARBOUR"),
    ),
    (
        "harbour-ho",
        Some("harbour"),
        Department,
        "Harbour Retail Head Office",
        false,
        None,
    ),
    (
        "leeds",
        Some("harbour"),
        Site,
        "Harbour Retail Leeds",
        false,
        Some("HR-STORE-01"),
    ),
    (
        "bristol",
        Some("harbour"),
        Site,
        "Harbour Retail Bristol",
        false,
        Some("HR-STORE-02"),
    ),
    (
        "manchester",
        Some("harbour"),
        Site,
        "Harbour Retail Manchester",
        false,
        Some("HR-STORE-03"),
    ),
    (
        "glasgow",
        Some("harbour"),
        Site,
        "Harbour Retail Glasgow",
        false,
        Some("HR-STORE-04"),
    ),
    (
        "cardiff",
        Some("harbour"),
        Site,
        "Harbour Retail Cardiff",
        false,
        Some("HR-STORE-05"),
    ),
    (
        "norwich",
        Some("harbour"),
        Site,
        "Harbour Retail Norwich",
        false,
        Some("HR-STORE-06"),
    ),
    (
        "york",
        Some("harbour"),
        Site,
        "Harbour Retail York",
        false,
        Some("HR-STORE-07"),
    ),
    (
        "brighton",
        Some("harbour"),
        Site,
        "Harbour Retail Brighton",
        false,
        Some("HR-STORE-08"),
    ),
    (
        "exeter",
        Some("harbour"),
        Site,
        "Harbour Retail Exeter",
        false,
        Some("HR-STORE-09"),
    ),
    (
        "leicester",
        Some("harbour"),
        Site,
        "Harbour Retail Leicester",
        false,
        Some("HR-STORE-10"),
    ),
    (
        "newcastle",
        Some("harbour"),
        Site,
        "Harbour Retail Newcastle",
        false,
        Some("HR-STORE-11"),
    ),
    (
        "oxford",
        Some("harbour"),
        Site,
        "Harbour Retail Oxford",
        false,
        Some("HR-STORE-12"),
    ),
    // 2. Training chain: publisher → training company → freelance trainer → participants.
    (
        "folio",
        None,
        Organisation,
        "Folio Learning Press",
        false,
        Some("FOLIO"),
    ),
    (
        "skillbridge",
        None,
        Organisation,
        "Skillbridge Training",
        true,
        Some("SKILLBRIDGE"),
    ),
    (
        "centre",
        Some("skillbridge"),
        Site,
        "Skillbridge Training Centre Manchester",
        true,
        None,
    ),
    (
        "rossi",
        None,
        Organisation,
        "Elena Rossi Training",
        false,
        Some("ROSSI"),
    ),
    (
        "participants",
        None,
        Organisation,
        "Leadership Essentials participants",
        false,
        None,
    ),
    (
        "cohort",
        Some("participants"),
        Team,
        "Leadership Essentials, November 2026 cohort",
        false,
        Some("LE-2026-11"),
    ),
    ("lina", Some("cohort"), Person, "Lina Park", false, None),
    ("ravi", Some("cohort"), Person, "Ravi Mehta", false, None),
    // 3. Direct orders: a distributor of boxed goods and its café customers.
    (
        "crateco",
        None,
        Organisation,
        "Crate & Co Distribution",
        true,
        Some("CRATECO"),
    ),
    (
        "orderdesk",
        Some("crateco"),
        Team,
        "Crate & Co Order Desk",
        true,
        None,
    ),
    (
        "cornercafe",
        None,
        Organisation,
        "Corner Café Group",
        false,
        Some("CORNERCAFE"),
    ),
    (
        "riverside",
        Some("cornercafe"),
        Site,
        "Corner Café Riverside",
        false,
        Some("CC-01"),
    ),
    (
        "market",
        Some("cornercafe"),
        Site,
        "Corner Café Market Street",
        false,
        Some("CC-02"),
    ),
    // 4. Internal client: marketing asks operations for a business plan.
    (
        "northwind",
        None,
        Organisation,
        "Northwind Group",
        true,
        Some("NORTHWIND"),
    ),
    (
        "marketing",
        Some("northwind"),
        Department,
        "Northwind Marketing",
        true,
        None,
    ),
    (
        "operations",
        Some("northwind"),
        Department,
        "Northwind Operations",
        true,
        None,
    ),
    (
        "ops-team",
        Some("operations"),
        Team,
        "Operations",
        true,
        None,
    ),
    // Operations' paying client, whose work crowds out Marketing's.
    (
        "larkfield",
        None,
        Organisation,
        "Larkfield Hotels",
        false,
        Some("LARKFIELD"),
    ),
];

/// A demo login.
pub struct DemoUser {
    /// The login.
    pub email: &'static str,
    /// The person's name.
    name: &'static str,
    /// Key of the party the person belongs to.
    parent: Option<&'static str>,
    /// Roles, each on the party with this key (`None`: the person's own party).
    grants: &'static [(Role, Option<&'static str>)],
    /// What this login shows, for the printed list.
    pub summary: &'static str,
}

/// Every demo login.
pub const USERS: &[DemoUser] = &[
    DemoUser {
        email: "admin@kept.demo",
        name: "Kept Admin",
        parent: None,
        grants: &[(Role::Admin, None)],
        summary: "admin: everything, users and roles",
    },
    DemoUser {
        email: "maya.patel@brightwell.example",
        name: "Maya Patel",
        parent: Some("brightwell"),
        grants: &[
            (Role::Manager, Some("brightwell")),
            (Role::Approver, Some("harbour")),
        ],
        summary: "manager at Brightwell Facilities (FM provider); approver for Harbour Retail",
    },
    DemoUser {
        email: "sam.okafor@brightwell.example",
        name: "Sam Okafor",
        parent: Some("helpdesk"),
        grants: &[(Role::Agent, Some("brightwell"))],
        summary: "agent at the Brightwell Helpdesk",
    },
    DemoUser {
        email: "claire.dubois@harbour-retail.example",
        name: "Claire Dubois",
        parent: Some("harbour-ho"),
        grants: &[
            (Role::Client, Some("harbour")),
            (Role::Approver, Some("harbour")),
        ],
        summary: "client: Harbour Retail head office, sees all 12 stores",
    },
    DemoUser {
        email: "tom.reed@harbour-retail.example",
        name: "Tom Reed",
        parent: Some("leeds"),
        grants: &[(Role::Customer, Some("leeds"))],
        summary: "customer: store manager, Leeds only",
    },
    DemoUser {
        email: "aisha.khan@harbour-retail.example",
        name: "Aisha Khan",
        parent: Some("bristol"),
        grants: &[(Role::Customer, Some("bristol"))],
        summary: "customer: store manager, Bristol only",
    },
    DemoUser {
        email: "jonas.berg@skillbridge.example",
        name: "Jonas Berg",
        parent: Some("skillbridge"),
        grants: &[(Role::Manager, Some("skillbridge"))],
        summary: "manager at Skillbridge Training (training company)",
    },
    DemoUser {
        email: "priya.nair@foliopress.example",
        name: "Priya Nair",
        parent: Some("folio"),
        grants: &[(Role::Supplier, Some("folio"))],
        summary: "supplier: Folio Learning Press (materials publisher)",
    },
    DemoUser {
        email: "elena.rossi@trainer.example",
        name: "Elena Rossi",
        parent: Some("rossi"),
        grants: &[(Role::Supplier, Some("rossi"))],
        summary: "customer: freelance trainer on Skillbridge's trainer engagement (materials from Folio)",
    },
    DemoUser {
        email: "ben.carter@participant.example",
        name: "Ben Carter",
        parent: Some("cohort"),
        grants: &[(Role::Customer, Some("cohort"))],
        summary: "customer: course participant, November cohort",
    },
    DemoUser {
        email: "olivia.grant@crateco.example",
        name: "Olivia Grant",
        parent: Some("orderdesk"),
        grants: &[(Role::Agent, Some("crateco"))],
        summary: "agent at the Crate & Co order desk (distributor)",
    },
    DemoUser {
        email: "dan.wu@cornercafe.example",
        name: "Dan Wu",
        parent: Some("riverside"),
        grants: &[(Role::Customer, Some("riverside"))],
        summary: "customer: Corner Café Riverside",
    },
    DemoUser {
        email: "hannah.lee@northwind.example",
        name: "Hannah Lee",
        parent: Some("marketing"),
        grants: &[(Role::Client, Some("marketing"))],
        summary: "internal client: Northwind Marketing",
    },
    DemoUser {
        email: "omar.haddad@northwind.example",
        name: "Omar Haddad",
        parent: Some("operations"),
        grants: &[(Role::Manager, Some("operations"))],
        summary: "manager: Northwind Operations (internal provider, also serving a paying client); a promise at risk",
    },
];

/// What a fresh demo holds, for the steps that build on it.
pub struct Seeded {
    /// The contracts by name.
    pub contracts: HashMap<&'static str, kept_domain::Contract>,
    /// The users by email.
    pub users: HashMap<&'static str, kept_domain::UserId>,
    /// The teams by key.
    pub teams: HashMap<&'static str, PartyId>,
}

/// Seeds the demo unless it is already there. Returns what it seeded.
pub async fn seed_if_empty(app: &kept_app::Context) -> anyhow::Result<Option<Seeded>> {
    let store = app.store.as_ref();
    match store.user_by_email(USERS[0].email).await {
        Ok(_) => return Ok(None),
        Err(StoreError::NotFound) => {}
        Err(e) => return Err(e.into()),
    }
    let actor = Actor::system("kept demo");
    let mut ids: HashMap<&str, PartyId> = HashMap::new();
    for &(key, parent, kind, name, internal, reference) in PARTIES {
        let party = store
            .create_party(
                &actor,
                NewParty {
                    kind,
                    name: PartyName::parse("name", name)?,
                    parent_id: parent.map(|p| ids[p]),
                    internal: Some(internal),
                    reference: reference
                        .map(|r| PartyReference::parse("reference", r))
                        .transpose()?,
                },
            )
            .await
            .with_context(|| format!("creating {name}"))?;
        ids.insert(key, party.id);
    }
    super::chains::seed(store, &actor, &ids).await?;
    super::orders::seed(store, &actor, &ids).await?;
    let password = Password::parse("password", PASSWORD)?;
    let mut users = HashMap::new();
    for user in USERS {
        let (created, _) = accounts::create_login(
            store,
            &actor,
            "",
            NewLogin {
                email: Email::parse("email", user.email)?,
                name: PartyName::parse("name", user.name)?,
                parent_id: user.parent.map(|p| ids[p]),
                party_id: None,
                password: Some(password.clone()),
            },
        )
        .await
        .map_err(super::super::user::describe)?;
        for &(role, on) in user.grants {
            let party = on.map_or(created.party_id, |key| ids[key]);
            store.add_grant(&actor, created.id, role, party).await?;
        }
        users.insert(user.email, created.id);
    }
    let contracts = super::contracts::seed(store, &actor, &ids, &users).await?;
    super::terms::seed(app, &actor, &contracts, &users).await?;
    let teams = super::teams::seed(store, &actor, &ids, &users).await?;
    Ok(Some(Seeded {
        contracts,
        users,
        teams,
    }))
}
