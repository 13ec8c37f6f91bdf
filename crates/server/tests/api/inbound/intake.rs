//! New requests by mail: a message to a contract's intake address from one
//! of the people it serves raises a request through the API's intake; one
//! the contract does not cover is refused and answered with the reason.

use reqwest::StatusCode;
use serde_json::json;

use super::{INTAKE, mail_to, mail_world, message, received, subjects_to};
use crate::harbour::LEAK;
use crate::helpers::{json, problem};

#[tokio::test]
async fn a_new_message_to_an_intake_address_raises_a_request() {
    let world = mail_world().await;
    let tom = &world.leeds_customer;
    let raw = message(
        &format!("Tom Reed <{}>", tom.user.email),
        &format!("Harbour facilities <{INTAKE}>"),
        LEAK,
        "new-1@harbour.example",
        "Since Monday, in the staff kitchen.\r\n-- \r\nTom Reed\r\nLeeds store",
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "raised", "{answer}");
    assert_eq!(answer["answered"], false, "no attachments: nothing to say");
    let id = answer["request_id"].as_str().expect("a request");
    let request = json(
        world
            .app
            .get(&format!("/api/v1/requests/{id}"), &tom.token)
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(request["subject"], LEAK);
    assert_eq!(
        request["description"],
        "Since Monday, in the staff kitchen."
    );
    assert_eq!(request["customer_id"], world.leeds.id.to_string());
    assert_eq!(request["requester_id"], tom.user.id.to_string());
    assert_eq!(request["service_id"], world.repairs.as_str());
    assert_eq!(request["contract_id"], world.contract.as_str());
    let number = answer["request_number"].as_i64().expect("a number");
    let ack = mail_to(
        &world.app,
        tom.user.email.as_str(),
        &format!("[#{number}] Received"),
    )
    .await;
    assert!(ack.contains("Reply-To: kept+r"), "{ack}");
}

#[tokio::test]
async fn an_out_of_scope_message_is_answered_with_the_reason() {
    let world = mail_world().await;
    let tom = &world.leeds_customer;
    let raw = message(
        tom.user.email.as_str(),
        INTAKE,
        "Roof repairs over the loading bay",
        "roof@harbour.example",
        "Tiles are missing.",
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "refused", "{answer}");
    let reason = answer["reason"].as_str().expect("a reason");
    assert!(reason.to_lowercase().contains("roof repairs"), "{reason}");
    assert!(reason.contains("change request"), "{reason}");
    let told = mail_to(&world.app, tom.user.email.as_str(), "Not accepted").await;
    assert!(told.contains("Roof repairs over the loading bay"), "{told}");
    let requests = json(
        world.app.get("/api/v1/requests", &tom.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(requests["items"], json!([]), "nothing is raised");
}

#[tokio::test]
async fn someone_the_contract_does_not_serve_is_refused_and_an_unknown_sender_is_not_answered() {
    let world = mail_world().await;
    let sam = &world.stranger;
    let raw = message(
        sam.user.email.as_str(),
        INTAKE,
        LEAK,
        "sam@elsewhere.example",
        "Hi",
    );

    let answer = received(&world.app, &raw).await;

    assert_eq!(answer["outcome"], "refused", "{answer}");
    assert!(
        answer["reason"]
            .as_str()
            .is_some_and(|r| r.contains("may not raise")),
        "{answer}"
    );
    mail_to(&world.app, sam.user.email.as_str(), "Not accepted").await;

    let raw = message(
        "nobody@spam.example",
        INTAKE,
        LEAK,
        "spam-1@spam.example",
        "Buy now",
    );
    let answer = received(&world.app, &raw).await;
    assert_eq!(answer["outcome"], "unknown_sender", "{answer}");
    assert_eq!(answer["answered"], false);
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        subjects_to(&world.app, "nobody@spam.example")
            .await
            .is_empty(),
        "no backscatter"
    );
}

#[tokio::test]
async fn an_intake_address_is_set_by_the_contracts_managers_and_is_its_own() {
    let world = mail_world().await;
    let path = format!("/api/v1/contracts/{}", world.contract);
    let contract = json(
        world.app.get(&path, &world.manager.token).await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(contract["intake_address"], INTAKE);

    problem(
        world
            .app
            .patch(
                &path,
                &world.leeds_customer.token,
                &json!({ "intake_address": "x@y.example" }),
            )
            .await,
        StatusCode::FORBIDDEN,
        "forbidden",
    )
    .await;
    problem(
        world
            .app
            .patch(
                &path,
                &world.manager.token,
                &json!({ "intake_address": "not an address" }),
            )
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    problem(
        world
            .app
            .patch(&path, &world.manager.token, &json!({}))
            .await,
        StatusCode::UNPROCESSABLE_ENTITY,
        "validation-failed",
    )
    .await;
    let other = json(
        world
            .app
            .post(
                "/api/v1/contracts",
                &world.admin.token,
                &json!({
                    "name": "Harbour cleaning", "provider_id": world.provider.id,
                    "client_id": world.head_office.id, "customer_ids": [world.leeds.id],
                    "service_ids": [world.cleaning], "steering_group": [world.client.user.id],
                    "quorum": "all",
                }),
            )
            .await,
        StatusCode::CREATED,
    )
    .await;
    let other_path = format!("/api/v1/contracts/{}", other["id"].as_str().expect("an id"));
    problem(
        world
            .app
            .patch(
                &other_path,
                &world.manager.token,
                &json!({ "intake_address": INTAKE.to_uppercase() }),
            )
            .await,
        StatusCode::CONFLICT,
        "intake-address-taken",
    )
    .await;
    let cleared = json(
        world
            .app
            .patch(
                &path,
                &world.manager.token,
                &json!({ "intake_address": null }),
            )
            .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(cleared["intake_address"], serde_json::Value::Null);
}
