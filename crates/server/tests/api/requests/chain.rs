//! Requests along the service chain of DESIGN.md's training chain: a
//! publisher supplies a training company, which supplies a freelance
//! trainer, who serves course participants. The trainer's question about
//! the materials is routed to the publisher under the training company's
//! supplier contract; an agent escalates a request to the supplier.

use kept_domain::{PartyKind, Role};
use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{PAST, created, id_of};
use crate::helpers::{Persona, TestApp, json, problem, spawn_app};

/// The training chain with its two contracts.
struct Chain {
    app: TestApp,
    /// The trainer (a person of the trainer's business).
    trainer: Persona,
    /// The publisher's person.
    publisher: Persona,
    /// The training company's manager.
    manager: Persona,
    /// A participant.
    participant: Persona,
    /// The training company's contract with the trainer (course bookings,
    /// materials and facilities).
    engagement: String,
    /// The publisher's supplier contract with the training company.
    supply: String,
    /// The publisher's service.
    materials: String,
    /// The training company's service.
    course: String,
}

impl Chain {
    /// The trainer raises a request under their engagement.
    async fn trainer_raises(&self, service: &str, kind: &str, subject: &str) -> reqwest::Response {
        self.app
            .post(
                "/api/v1/requests",
                &self.trainer.token,
                &json!({ "contract_id": self.engagement, "service_id": service,
                         "kind": kind, "subject": subject }),
            )
            .await
    }
}

async fn link(app: &TestApp, token: &str, supplier: &str, customer: &str) {
    created(
        app,
        token,
        "/api/v1/links",
        json!({ "supplier_id": supplier, "customer_id": customer }),
    )
    .await;
}

async fn training_chain() -> Chain {
    let app = spawn_app().await;
    let admin = app.admin().await;
    let t = &admin.token;
    let folio = app
        .party(PartyKind::Organisation, "Folio Press", None)
        .await;
    let skillbridge = app
        .party(PartyKind::Organisation, "Skillbridge", None)
        .await;
    let rossi = app
        .party(PartyKind::Organisation, "Elena Rossi Training", None)
        .await;
    let participants = app
        .party(PartyKind::Organisation, "Course participants", None)
        .await;
    let (folio_id, skill_id, rossi_id, part_id) = (
        folio.id.to_string(),
        skillbridge.id.to_string(),
        rossi.id.to_string(),
        participants.id.to_string(),
    );
    link(&app, t, &folio_id, &skill_id).await;
    link(&app, t, &skill_id, &rossi_id).await;
    link(&app, t, &rossi_id, &part_id).await;
    let trainer = app
        .persona(
            "elena@rossi.example",
            Some(rossi.id),
            &[(Role::Supplier, rossi.id)],
        )
        .await;
    let publisher = app
        .persona(
            "priya@folio.example",
            Some(folio.id),
            &[(Role::Supplier, folio.id)],
        )
        .await;
    let manager = app
        .persona(
            "jonas@skillbridge.example",
            Some(skillbridge.id),
            &[(Role::Manager, skillbridge.id)],
        )
        .await;
    let participant = app
        .persona(
            "ben@participants.example",
            Some(participants.id),
            &[(Role::Customer, participants.id)],
        )
        .await;
    let materials = created(
        &app,
        t,
        "/api/v1/services",
        json!({ "provider_id": folio_id, "name": "Course materials",
                "in_scope": ["Answers to questions about the material"],
                "default_targets": { "first_response": "8h", "resolution": "40h" } }),
    )
    .await;
    let course = created(
        &app,
        t,
        "/api/v1/services",
        json!({ "provider_id": skill_id, "name": "Leadership Essentials course" }),
    )
    .await;
    let supply = created(
        &app,
        t,
        "/api/v1/contracts",
        json!({ "name": "Folio course materials supply", "provider_id": folio_id,
                "client_id": skill_id, "customer_ids": [skill_id], "service_ids": [materials],
                "steering_group": [manager.user.id], "quorum": "all" }),
    )
    .await;
    // The publisher answers questions within 2 hours under this contract.
    json(
        app.post(
            &format!("/api/v1/contracts/{supply}/terms/versions"),
            t,
            &json!({ "effective_from": PAST, "terms": { "sla": [
                { "service_id": materials, "priority": "normal", "first_response": "2h", "resolution": "16h" }
            ] } }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let engagement = created(
        &app,
        t,
        "/api/v1/contracts",
        json!({ "name": "Trainer engagement", "provider_id": skill_id, "client_id": rossi_id,
                "customer_ids": [rossi_id], "service_ids": [course],
                "steering_group": [manager.user.id], "quorum": "all" }),
    )
    .await;
    Chain {
        app,
        trainer,
        publisher,
        manager,
        participant,
        engagement,
        supply,
        materials,
        course,
    }
}

fn first_response_target(request: &Value) -> String {
    request["clocks"]
        .as_array()
        .and_then(|c| c.iter().find(|c| c["kind"] == "first_response"))
        .map(|c| c["target"].as_str().unwrap_or_default().to_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_trainers_question_reaches_the_publisher_whose_reply_comes_back_with_the_participants_in_view()
 {
    let c = training_chain().await;
    let app = &c.app;

    let asked = json(
        c.trainer_raises(
            &c.materials,
            "question",
            "Where are the model answers to the chapter 4 exercise?",
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let trainers = id_of(&asked);
    let theirs = json(
        app.get("/api/v1/requests", &c.publisher.token).await,
        StatusCode::OK,
    )
    .await;
    let items = theirs["items"].as_array().expect("items");
    assert_eq!(
        items.len(),
        1,
        "the publisher sees the routed question only"
    );
    let publishers = items[0].clone();
    let upstream = id_of(&publishers);
    assert_eq!(publishers["contract_id"], c.supply.as_str());
    assert_eq!(publishers["escalated_from"], trainers.as_str());
    assert_eq!(
        first_response_target(&publishers),
        "2h",
        "held to the supplier contract's response target"
    );
    assert_eq!(asked["contract_id"], c.engagement.as_str());

    json(
        app.post(
            &format!("/api/v1/requests/{upstream}/replies"),
            &c.publisher.token,
            &json!({ "body": "They are in the trainer's annex, page 112." }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;

    let events = json(
        app.get(
            &format!("/api/v1/requests/{trainers}/events"),
            &c.trainer.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let relayed: Vec<&str> = events
        .as_array()
        .expect("events")
        .iter()
        .filter(|e| e["kind"] == "upstream")
        .filter_map(|e| e["body"].as_str())
        .collect();
    assert_eq!(relayed, ["They are in the trainer's annex, page 112."]);
    let chain = json(
        app.get(
            &format!("/api/v1/requests/{upstream}/chain"),
            &c.publisher.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let affected: Vec<&str> = chain["affected"]
        .as_array()
        .expect("affected")
        .iter()
        .filter_map(Value::as_str)
        .collect();
    assert!(affected.contains(&"Elena Rossi Training"), "{affected:?}");
    assert!(affected.contains(&"Course participants"), "{affected:?}");
    assert_eq!(chain["downstream"]["id"], trainers.as_str());
    let trainer_chain = json(
        app.get(
            &format!("/api/v1/requests/{trainers}/chain"),
            &c.trainer.token,
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(trainer_chain["upstream"][0]["id"], upstream.as_str());
    assert_eq!(
        app.get(
            &format!("/api/v1/requests/{upstream}"),
            &c.participant.token
        )
        .await
        .status(),
        StatusCode::NOT_FOUND,
        "participants are in view, but the request is not theirs"
    );
}

#[tokio::test]
async fn a_question_no_supplier_contract_covers_is_refused_as_not_covered() {
    let c = training_chain().await;

    let refused = problem(
        c.trainer_raises(&c.materials, "incident", "The workbooks arrived torn")
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "request-not-covered",
    )
    .await;

    assert_eq!(refused["scope"]["outcome"], "not_covered");
}

#[tokio::test]
async fn the_training_company_escalates_a_request_to_the_publisher_and_sees_its_reply() {
    let c = training_chain().await;
    let app = &c.app;
    let asked = json(
        c.trainer_raises(
            &c.course,
            "incident",
            "Workbooks missing for Monday's course",
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let down = id_of(&asked);

    let up = json(
        app.post(
            &format!("/api/v1/requests/{down}/escalations"),
            &c.manager.token,
            &json!({ "contract_id": c.supply, "service_id": c.materials }),
        )
        .await,
        StatusCode::CREATED,
    )
    .await;
    let refused = app
        .post(
            &format!("/api/v1/requests/{down}/escalations"),
            &c.trainer.token,
            &json!({}),
        )
        .await;
    let upstream = id_of(&up);
    json(
        app.post(
            &format!("/api/v1/requests/{upstream}/actions"),
            &c.publisher.token,
            &json!({ "action": "acknowledge" }),
        )
        .await,
        StatusCode::OK,
    )
    .await;

    assert_eq!(up["contract_id"], c.supply.as_str());
    assert_eq!(first_response_target(&up), "2h");
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let manager_view = json(
        app.get(&format!("/api/v1/requests/{down}/events"), &c.manager.token)
            .await,
        StatusCode::OK,
    )
    .await;
    let kinds: Vec<&str> = manager_view
        .as_array()
        .expect("events")
        .iter()
        .filter_map(|e| e["kind"].as_str())
        .collect();
    assert!(kinds.contains(&"escalated"), "{kinds:?}");
    assert!(kinds.contains(&"upstream"), "{kinds:?}");
    let trainer_view = json(
        app.get(&format!("/api/v1/requests/{down}/events"), &c.trainer.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert!(
        trainer_view
            .as_array()
            .expect("events")
            .iter()
            .all(|e| e["kind"] != "upstream" && e["kind"] != "escalated"),
        "an escalation by the provider stays internal"
    );
    assert_eq!(
        app.get(&format!("/api/v1/requests/{down}"), &c.publisher.token)
            .await
            .status(),
        StatusCode::NOT_FOUND,
        "the supplier does not see the request downstream"
    );
}
