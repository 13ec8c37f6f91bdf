//! The teams pages: a manager sets a member and records an absence with
//! plain forms, an agent reads the team and assigns a request from its
//! page, and a customer is told the team does not exist.

use kept_domain::PartyKind;
use reqwest::StatusCode;
use serde_json::json;

use crate::harbour::{LEAK, id_of, world_on};
use crate::helpers::{json as json_of, spawn_app};
use crate::support::{Browser, location};

#[tokio::test]
async fn a_manager_sets_a_member_and_an_absence_and_an_agent_assigns_a_request_to_them() {
    let w = world_on(spawn_app().await).await;
    let team = w
        .app
        .party(PartyKind::Team, "Operations", Some(w.provider.id))
        .await;
    let page_path = format!("/teams/{}", team.id);
    let maya = Browser::signed_in(&w.app, "maya@brightwell.example").await;
    let agent_id = w.agent.user.id.to_string();

    let response = maya
        .submit(
            &page_path,
            &format!("{page_path}/members"),
            &[
                ("user_id", &agent_id),
                ("calendar_id", &w.calendar),
                ("share_percent", "60"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&response), page_path);
    let response = maya
        .submit(
            &page_path,
            &format!("{page_path}/absences"),
            &[
                ("user_id", &agent_id),
                ("starts_on", "2099-03-02"),
                ("ends_on", "2099-03-04"),
                ("reason", "Annual leave"),
            ],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let page = maya.page(&page_path).await;
    page.assert_status(StatusCode::OK);
    let row = page.text(&format!("#member-{agent_id}"));
    assert!(row.contains("60%"), "{row}");
    assert!(row.contains("2 Mar 2099 – 4 Mar 2099"), "{row}");
    assert!(row.contains("Annual leave"), "{row}");
    assert_eq!(page.count("#member-form"), 1);
    // A share out of range is refused with the form's words.
    let refused = maya
        .submit(
            &page_path,
            &format!("{page_path}/members"),
            &[("user_id", &agent_id), ("share_percent", "0")],
        )
        .await;
    assert!(maya.refusal(refused).await.contains("validation"));

    // The agent reads the team (no forms) and finds it in the menu.
    let arjun = Browser::signed_in(&w.app, "arjun@brightwell.example").await;
    let list = arjun.page("/teams").await;
    assert!(list.texts("#teams a").contains(&"Operations".to_owned()));
    let read = arjun.page(&page_path).await;
    read.assert_status(StatusCode::OK);
    assert_eq!(read.count("#member-form"), 0);
    assert_eq!(read.count("form[action$=\"/remove\"]"), 0);

    // A request raised by the Leeds customer, assigned from its page.
    let raised = json_of(
        w.app
            .post(
                "/api/v1/requests",
                &w.leeds_customer.token,
                &json!({"contract_id": w.contract, "service_id": w.repairs, "kind": "incident", "subject": LEAK}),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let request_path = format!("/requests/{}", id_of(&raised));
    let team_id = team.id.to_string();
    let response = arjun
        .submit(
            &request_path,
            &format!("{request_path}/assignment"),
            &[("team_id", &team_id), ("assignee_id", &agent_id)],
        )
        .await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let shown = arjun.page(&request_path).await;
    assert!(
        shown.text("#assignment").contains("Operations"),
        "{}",
        shown.body
    );
    assert!(
        shown.text("#timeline").contains("assigned it to"),
        "{}",
        shown.text("#timeline")
    );

    // The customer sees neither the team nor the assignment.
    let tom = Browser::signed_in(&w.app, "tom@harbour.example").await;
    let hidden = tom.page(&page_path).await;
    hidden.assert_status(StatusCode::NOT_FOUND);
    let theirs = tom.page(&request_path).await;
    assert_eq!(theirs.count("#assign-form"), 0);
    assert!(!theirs.body.contains("Operations"));
}
