//! Change requests drafted against an older version: the preview shows
//! what each changes against its base and against the latest version;
//! applying keeps what was approved since; a change touching what changed
//! since answers `change-conflict` naming the field, and goes ahead once
//! redrafted and approved again.

use reqwest::StatusCode;
use serde_json::{Value, json};

use super::{PAST, World, cr_path, descriptions, id_of, terms, world};
use crate::helpers::{json, problem};

impl World {
    /// Raises, submits and has the client and alex approve a change of the
    /// main contract's terms (whole, as written against version 1).
    async fn approved(&self, proposed: Value) -> String {
        let cr = id_of(
            &self
                .raise(&self.manager, &self.contract, json!({ "terms": proposed }))
                .await,
        );
        self.ok(&self.manager, &cr, "submit").await;
        self.ok(&self.client, &cr, "approve").await;
        let done = self.ok(&self.alex, &cr, "approve").await;
        assert_eq!(done["status"], "approved");
        cr
    }

    async fn preview(&self, cr: &str) -> Value {
        json(
            self.app
                .get(&format!("{}/preview", cr_path(cr)), &self.client.token)
                .await,
            StatusCode::OK,
        )
        .await
    }
}

fn lines<'a>(preview: &'a Value, key: &str) -> Vec<&'a str> {
    preview[key]
        .as_array()
        .expect("a list")
        .iter()
        .map(|c| c["description"].as_str().expect("a description"))
        .collect()
}

#[tokio::test]
async fn a_change_drafted_before_another_was_applied_keeps_it_and_previews_against_both() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let faster = w.approved(terms(&w.repairs, "2h")).await;
    let mut windows = terms(&w.repairs, "4h");
    windows["out_of_scope"] = json!(["Roof repairs", "Window cleaning"]);
    let windows = w.approved(windows).await;
    w.ok(&w.manager, &faster, "apply").await;

    let preview = w.preview(&windows).await;

    assert_eq!(preview["base_version"], 1);
    assert_eq!(preview["latest_version"], 2);
    assert_eq!(
        descriptions(&preview),
        ["Added to out of scope: Window cleaning"]
    );
    assert_eq!(
        lines(&preview, "against_latest"),
        ["Added to out of scope: Window cleaning"],
        "applied now, it changes nothing version 2 changed"
    );
    assert_eq!(preview["conflicts"], json!([]));
    let applied = w.ok(&w.manager, &windows, "apply").await;
    let sla = &applied["version"]["terms"]["sla"][0];
    assert_eq!(applied["version"]["version"], 3);
    assert_eq!(sla["first_response"], "2h", "version 2's change is kept");
    assert_eq!(
        applied["version"]["terms"]["out_of_scope"],
        json!(["Roof repairs", "Window cleaning"])
    );
}

#[tokio::test]
async fn a_change_touching_what_changed_since_is_refused_naming_it_until_redrafted() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;
    let two = w.approved(terms(&w.repairs, "2h")).await;
    let one = w.approved(terms(&w.repairs, "1h")).await;
    w.ok(&w.manager, &two, "apply").await;

    let refused = w.step(&w.manager, &one, "apply", json!({})).await;

    let body = problem(refused, StatusCode::CONFLICT, "change-conflict").await;
    let conflict = &body["conflicts"][0];
    assert_eq!(
        conflict["field"],
        format!("terms.sla.{}.urgent.first_response", w.repairs)
    );
    assert_eq!(
        conflict["description"],
        "Reactive maintenance (urgent), first response: this change makes it 1h (from 4h), \
         but it has since become 2h"
    );
    assert_eq!(conflict["since"]["to"], "2h");
    let preview = w.preview(&one).await;
    assert_eq!(preview["against_latest"], json!([]));
    assert_eq!(lines(&preview, "conflicts").len(), 1);

    // Only the raiser's side redrafts; the steering group's decisions are
    // set aside and it cannot go back unchanged.
    let by_approver = w.step(&w.alex, &one, "redraft", json!({})).await;
    problem(by_approver, StatusCode::FORBIDDEN, "forbidden").await;
    let back = w.ok(&w.manager, &one, "redraft").await;
    assert_eq!(back["status"], "draft");
    assert_eq!(back["decisions"], json!([]));
    let unchanged = w.step(&w.manager, &one, "submit", json!({})).await;
    problem(unchanged, StatusCode::CONFLICT, "change-conflict").await;
    let rewritten = json(
        w.put(
            &cr_path(&one),
            &w.manager.token,
            &json!({
                "title": "Urgent repairs answered in 1h",
                "rationale": "Stores lose trade while leaks wait.",
                "changes": { "terms": terms(&w.repairs, "1h") },
                "base_version": 2
            }),
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(rewritten["base_version"], 2);
    assert_eq!(
        descriptions(&w.preview(&one).await),
        ["Reactive maintenance (urgent): first response 2h → 1h"]
    );
    w.ok(&w.manager, &one, "submit").await;
    w.ok(&w.client, &one, "approve").await;
    w.ok(&w.bea, &one, "approve").await;
    let applied = w.ok(&w.manager, &one, "apply").await;
    assert_eq!(
        applied["version"]["terms"]["sla"][0]["first_response"],
        "1h"
    );
    assert!(
        w.audited(&one)
            .await
            .contains(&"change_request.redrafted".to_owned())
    );
}

#[tokio::test]
async fn a_draft_naming_a_version_the_contract_lacks_is_refused() {
    let w = world().await;
    w.set_terms(&w.contract, PAST, "4h").await;

    let refused = w
        .app
        .post(
            &format!("/api/v1/contracts/{}/change-requests", w.contract),
            &w.manager.token,
            &json!({
                "title": "Faster", "rationale": "Because.",
                "changes": { "terms": terms(&w.repairs, "2h") },
                "base_version": 9
            }),
        )
        .await;

    let body = problem(
        refused,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    assert_eq!(body["errors"][0]["field"], "base_version");
}
