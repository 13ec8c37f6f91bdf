//! The demo's requests, raised through the same intake as the API by the
//! demo's people: store incidents and cleaning on the FM contract, an order
//! at the distributor, internal work, and the trainer's question about the
//! materials, routed up the chain to the publisher, who answers it. Three
//! FM requests were raised hours before, so the queue opens with a breach
//! (cleaning nobody has answered), a request at risk (a leak acknowledged
//! late, nearing its resolution target) and one paused on the customer.
//! Then paying work crowds out the internal business plan (`crowding.rs`).

use std::collections::HashMap;

use anyhow::Context;
use kept_domain::calendar::BusinessDuration;
use kept_domain::{
    Contract, Principal, Priority, ReplySide, Request, RequestAction, RequestChange, RequestKind,
    Timestamp,
};

use kept_app::requests::act;
use kept_app::requests::intake::{Intake, raise, raise_as_of};

/// A request of the demo: who raises it, under which contract, for which
/// service, and what the provider does with it.
struct DemoRequest {
    by: &'static str,
    /// The customer's name, when the raiser serves several.
    customer: Option<&'static str>,
    contract: &'static str,
    service: &'static str,
    kind: RequestKind,
    priority: Priority,
    quantity: Option<u32>,
    subject: &'static str,
    description: &'static str,
    /// How long ago it was raised, in business minutes on the contract's
    /// calendar (0: now), so that the queue opens with clocks in every
    /// state whatever the day the demo is made.
    business_minutes_ago: u64,
    /// Steps and replies afterwards, now: (who, what).
    then: &'static [(&'static str, Then)],
}

/// Something done to a demo request after it was raised.
#[derive(Clone, Copy)]
enum Then {
    Step(RequestAction),
    Reply(&'static str),
    Note(&'static str),
}

const SAM: &str = "sam.okafor@brightwell.example";
const FM: &str = super::terms::FM;

const REQUESTS: &[DemoRequest] = &[
    DemoRequest {
        customer: None,
        by: "tom.reed@harbour-retail.example",
        contract: FM,
        service: "Reactive maintenance",
        kind: RequestKind::Incident,
        priority: Priority::High,
        quantity: None,
        subject: "Leaking tap in the staff toilet",
        description: "The cold tap in the staff toilet drips constantly; there is water on the floor by the afternoon.",
        business_minutes_ago: 780,
        then: &[
            (SAM, Then::Step(RequestAction::Acknowledge)),
            (
                SAM,
                Then::Reply("Thanks Tom, a plumber is booked for tomorrow morning."),
            ),
            (SAM, Then::Note("Plumber: Dave from Northside, 8am slot.")),
        ],
    },
    DemoRequest {
        customer: None,
        by: "aisha.khan@harbour-retail.example",
        contract: FM,
        service: "Cleaning",
        kind: RequestKind::ServiceRequest,
        priority: Priority::Normal,
        quantity: None,
        subject: "Floors sticky in the entrance every morning",
        description: "Customers have mentioned it twice this week.",
        business_minutes_ago: 300,
        then: &[],
    },
    DemoRequest {
        customer: Some("Harbour Retail York"),
        by: "claire.dubois@harbour-retail.example",
        contract: FM,
        service: "Reactive maintenance",
        kind: RequestKind::Incident,
        priority: Priority::Urgent,
        quantity: None,
        subject: "Loading bay shutter stuck half open at York",
        description: "Deliveries cannot come in and the stock room is not secure.",
        business_minutes_ago: 30,
        then: &[
            (SAM, Then::Step(RequestAction::Start)),
            (SAM, Then::Step(RequestAction::AwaitCustomer)),
            (
                SAM,
                Then::Reply(
                    "Can the store confirm whether the shutter's manual override chain is intact?",
                ),
            ),
        ],
    },
    DemoRequest {
        customer: None,
        by: "dan.wu@cornercafe.example",
        contract: "Corner Café direct orders",
        service: "Boxed goods",
        kind: RequestKind::Order,
        priority: Priority::Normal,
        quantity: Some(10),
        subject: "Weekly order: takeaway cups",
        description: "The usual ten boxes.",
        business_minutes_ago: 0,
        then: &[(
            "olivia.grant@crateco.example",
            Then::Step(RequestAction::Acknowledge),
        )],
    },
    DemoRequest {
        customer: None,
        by: "hannah.lee@northwind.example",
        contract: "Northwind business planning (internal)",
        service: "Business plan",
        kind: RequestKind::ServiceRequest,
        priority: Priority::Normal,
        quantity: Some(1),
        subject: "Business plan for the spring campaign",
        description: "Market sizing and a forecast for the three new regions, for the March board.",
        business_minutes_ago: 0,
        then: &[(
            "omar.haddad@northwind.example",
            Then::Step(RequestAction::Start),
        )],
    },
    DemoRequest {
        customer: None,
        by: "elena.rossi@trainer.example",
        contract: "Trainer engagement: Elena Rossi",
        service: "Course materials",
        kind: RequestKind::Question,
        priority: Priority::Normal,
        quantity: None,
        subject: "Where are the answers to the chapter 4 exercise?",
        description: "The workbook refers to model answers for the delegation exercise, but the trainer's edition does not include them.",
        business_minutes_ago: 0,
        then: &[],
    },
    DemoRequest {
        customer: None,
        by: "ben.carter@participant.example",
        contract: "Leadership Essentials, November 2026",
        service: "Leadership Essentials course",
        kind: RequestKind::Question,
        priority: Priority::Low,
        quantity: None,
        subject: "Is there parking at the training centre?",
        description: "",
        business_minutes_ago: 0,
        then: &[(
            "jonas.berg@skillbridge.example",
            Then::Reply("Yes: the visitor car park behind the building, free for course days."),
        )],
    },
];

async fn principal(
    state: &kept_app::Context,
    users: &HashMap<&str, kept_domain::UserId>,
    email: &str,
) -> anyhow::Result<Principal> {
    let id = users
        .get(email)
        .with_context(|| format!("no demo user {email}"))?;
    Ok(state.store.principal(*id).await?)
}

async fn service_named(
    state: &kept_app::Context,
    contract: &Contract,
    name: &str,
) -> anyhow::Result<kept_domain::ServiceId> {
    for id in &contract.service_ids {
        if state.store.service(*id).await?.name.as_str() == name {
            return Ok(*id);
        }
    }
    // A service of a supplier up the chain (the routed question).
    let all = state
        .store
        .list_services(&kept_store::ServiceQuery {
            limit: kept_domain::Limit::MAX_PAGE,
            ..kept_store::ServiceQuery::new(kept_domain::PartyScope::All)
        })
        .await?;
    all.items
        .into_iter()
        .find(|s| s.name.as_str() == name)
        .map(|s| s.id)
        .with_context(|| format!("no demo service {name}"))
}

async fn customer_named(
    state: &kept_app::Context,
    contract: &Contract,
    name: &str,
) -> anyhow::Result<kept_domain::PartyId> {
    state
        .store
        .party_names(&contract.customer_ids)
        .await?
        .into_iter()
        .find(|(_, n)| n.as_str() == name)
        .map(|(id, _)| id)
        .with_context(|| format!("no demo customer {name}"))
}

fn failed(e: kept_app::Error) -> anyhow::Error {
    anyhow::anyhow!("{e}")
}

/// Raises the demo's requests and works them a little.
pub async fn seed(
    state: &kept_app::Context,
    contracts: &HashMap<&'static str, Contract>,
    users: &HashMap<&str, kept_domain::UserId>,
) -> anyhow::Result<Vec<Request>> {
    let mut raised = Vec::new();
    for r in REQUESTS {
        let contract = &contracts[r.contract];
        let caller = principal(state, users, r.by).await?;
        let intake = Intake {
            lines: Vec::new(),
            confirm_quantity: false,
            contract_id: contract.id,
            customer_id: match r.customer {
                Some(name) => Some(customer_named(state, contract, name).await?),
                None => None,
            },
            service_id: service_named(state, contract, r.service).await?,
            kind: r.kind,
            priority: Some(r.priority),
            quantity: r.quantity,
            effort: None,
            subject: r.subject.to_owned(),
            description: r.description.to_owned(),
            requester_id: None,
            override_reason: None,
        };
        // One raised now is raised as the API raises it, so that its
        // promise weighs its team's plan too (a backdated one's weighs its
        // SLA alone). Zero back from a closed instant would be the
        // previous closing.
        let request = match r.business_minutes_ago {
            0 => raise(state, &caller, intake).await,
            minutes => {
                let at = state
                    .store
                    .compiled_calendar(contract.calendar_id)
                    .await?
                    .sub(Timestamp::now(), BusinessDuration::from_minutes(minutes))?;
                raise_as_of(state, &caller, intake, at).await
            }
        }
        .map_err(failed)
        .with_context(|| format!("raising “{}”", r.subject))?;
        for &(who, then) in r.then {
            let actor = principal(state, users, who).await?;
            let change = match then {
                Then::Step(action) => RequestChange::Act {
                    action,
                    reason: None,
                },
                Then::Reply(body) => RequestChange::Reply {
                    side: ReplySide::Provider,
                    body: body.to_owned(),
                },
                Then::Note(body) => RequestChange::Note {
                    body: body.to_owned(),
                },
            };
            act(state, &actor, request.id, change)
                .await
                .map_err(failed)
                .with_context(|| format!("working “{}”", r.subject))?;
        }
        raised.push(request);
    }
    answer_the_trainer(state, users).await?;
    // Paying work arrives after Marketing's business plan was promised.
    super::crowding::seed(state, contracts, users).await?;
    // The timers' first sweep, at once: the backdated requests' at-risk and
    // breach alarms, logged and counted as the timers do.
    kept_server::jobs::raise_due_alarms(state, Timestamp::now()).await?;
    Ok(raised)
}

/// The publisher answers the question routed up to it from the trainer.
async fn answer_the_trainer(
    state: &kept_app::Context,
    users: &HashMap<&str, kept_domain::UserId>,
) -> anyhow::Result<()> {
    let priya = principal(state, users, "priya.nair@foliopress.example").await?;
    let theirs = state
        .store
        .list_requests(&kept_store::RequestQuery::new(
            priya.party_scope(),
            Some(priya.user_id),
        ))
        .await?;
    let Some(question) = theirs.items.first() else {
        anyhow::bail!("the trainer's question did not reach the publisher");
    };
    for change in [
        RequestChange::Act {
            action: RequestAction::Acknowledge,
            reason: None,
        },
        RequestChange::Reply {
            side: ReplySide::Provider,
            body: "The model answers are in the trainer's annex, page 112; we will add a pointer to chapter 4 in the next print run.".to_owned(),
        },
    ] {
        act(state, &priya, question.id, change)
            .await
            .map_err(failed)?;
    }
    Ok(())
}
