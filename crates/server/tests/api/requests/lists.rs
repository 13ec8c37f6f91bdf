//! The queue: most urgent or newest first, pages that visit each request
//! once, and filters by status, kind, SLA state, customer and more.

use serde_json::{Value, json};

use super::{World, clock, event_kinds, fast_world, id_of, pg_world, world};
use crate::helpers::Persona;

/// Raises a request as `who` and returns its id.
async fn raised(w: &World, who: &Persona, extra: Value) -> String {
    id_of(&w.raise(who, extra).await)
}

/// A Leeds incident taken to `awaiting_customer`: no clock counts.
async fn waiting(w: &World) -> String {
    let id = w.leak().await;
    w.act(&w.agent, &id, "acknowledge").await;
    w.act(&w.agent, &id, "await_customer").await;
    id
}

/// A Leeds incident taken to `closed`.
async fn closed(w: &World) -> String {
    let id = w.leak().await;
    w.act(&w.agent, &id, "acknowledge").await;
    w.act(&w.agent, &id, "fulfil").await;
    w.act(&w.leeds_customer, &id, "close").await;
    id
}

fn sorted(mut ids: Vec<String>) -> Vec<String> {
    ids.sort();
    ids
}

/// The ids of a page of `query` as `who`, sorted (to compare membership).
async fn sorted_list(w: &World, who: &Persona, query: String) -> Vec<String> {
    sorted(w.listed(who, &query).await)
}

/// Follows `next_cursor` from the first page of `query` (which takes
/// `&cursor=…` after it) to the last, collecting the ids and counting pages.
async fn every_page(w: &World, who: &Persona, query: &str) -> (Vec<String>, usize) {
    let mut ids = Vec::new();
    let mut pages = 0;
    let mut cursor: Option<String> = None;
    loop {
        let q = match &cursor {
            Some(c) => format!("{query}&cursor={c}"),
            None => query.to_owned(),
        };
        let page = w.list(who, &q).await;
        pages += 1;
        ids.extend(crate::helpers::ids(&page));
        match page["next_cursor"].as_str() {
            Some(next) => cursor = Some(next.to_owned()),
            None => {
                assert!(page["next_cursor"].is_null(), "{page}");
                break;
            }
        }
        assert!(pages < 20, "paging does not end");
    }
    (ids, pages)
}

#[tokio::test]
async fn urgency_puts_the_soonest_due_first_and_newest_the_latest_first() {
    let w = world().await;
    w.set_terms().await;
    let tom = &w.leeds_customer;
    let normal = raised(&w, tom, json!({})).await; // due in 2h
    let urgent = raised(&w, tom, json!({ "priority": "urgent" })).await; // 1h
    let low = raised(&w, tom, json!({ "priority": "low" })).await; // 8h
    let paused = waiting(&w).await; // nothing counting

    let by_default = w.listed(&w.agent, "").await;
    let by_urgency = w.listed(&w.agent, "?order=urgency").await;
    let by_newest = w.listed(&w.agent, "?order=newest").await;

    assert_eq!(
        by_urgency,
        [urgent.clone(), normal.clone(), low.clone(), paused.clone()]
    );
    assert_eq!(by_default, by_urgency);
    assert_eq!(by_newest, [paused, low, urgent, normal]);
}

#[tokio::test]
async fn paging_through_next_cursor_visits_each_request_once_in_either_order() {
    let w = world().await;
    w.set_terms().await;
    let tom = &w.leeds_customer;
    raised(&w, tom, json!({ "priority": "urgent" })).await;
    raised(&w, tom, json!({})).await;
    raised(&w, tom, json!({ "priority": "low" })).await;
    // Two without a running clock tie on "never due": the number decides.
    waiting(&w).await;
    closed(&w).await;

    for order in ["urgency", "newest"] {
        let all = w.listed(&w.agent, &format!("?order={order}")).await;
        let (paged, pages) = every_page(&w, &w.agent, &format!("?order={order}&limit=2")).await;

        assert_eq!(all.len(), 5, "{order}");
        assert_eq!(paged, all, "{order}");
        assert_eq!(pages, 3, "{order}");
    }
    let (for_tom, pages) = every_page(&w, tom, "?order=urgency&limit=1").await;
    let mut unique = sorted(for_tom.clone());
    unique.dedup();
    assert_eq!(for_tom.len(), 5);
    assert_eq!(unique.len(), 5);
    assert_eq!(pages, 5);
}

/// Five requests in different states, and what each filter leaves of them.
async fn filters(w: &World) {
    let leak = w.leak().await;
    let order = raised(
        w,
        &w.leeds_customer,
        json!({ "kind": "order", "quantity": 5, "subject": "Spare tap washers" }),
    )
    .await;
    let paused = waiting(w).await;
    let done = closed(w).await;
    let york = raised(
        w,
        &w.york_customer,
        json!({ "subject": "Flickering lights in aisle 3" }),
    )
    .await;
    let agent = &w.agent;
    let q = |query: &'static str| sorted_list(w, agent, query.to_owned());
    let ids = |list: &[&String]| sorted(list.iter().map(|s| (*s).clone()).collect());

    assert_eq!(
        q("?status=open").await,
        ids(&[&leak, &order, &paused, &york])
    );
    assert_eq!(q("?status=closed").await, ids(&[&done]));
    assert_eq!(q("?status=new").await, ids(&[&leak, &order, &york]));
    assert_eq!(
        q("?status=acknowledged,awaiting_customer").await,
        ids(&[&paused])
    );
    assert_eq!(q("?kind=order").await, ids(&[&order]));
    assert_eq!(q("?sla=paused").await, ids(&[&paused]));
    assert_eq!(q("?sla=none").await, ids(&[&done]));
    assert_eq!(q("?sla=on_track").await, ids(&[&leak, &order, &york]));
    assert_eq!(q("?sla=paused,none").await, ids(&[&paused, &done]));
    assert!(q("?sla=breached,at_risk").await.is_empty());
    assert_eq!(
        q("?due_before=2099-01-01T00:00:00Z").await,
        ids(&[&leak, &order, &york])
    );
    assert!(q("?due_before=2000-01-01T00:00:00Z").await.is_empty());
    assert!(
        q("?escalated_from=00000000-0000-0000-0000-000000000000")
            .await
            .is_empty()
    );

    let leeds = sorted(
        w.listed(agent, &format!("?customer_id={}", w.leeds.id))
            .await,
    );
    let head_office = sorted(
        w.listed(&w.client, &format!("?customer_id={}", w.head_office.id))
            .await,
    );
    let head_office_for_tom = sorted(
        w.listed(
            &w.leeds_customer,
            &format!("?customer_id={}", w.head_office.id),
        )
        .await,
    );
    let by_yara = w
        .listed(agent, &format!("?requester_id={}", w.york_customer.user.id))
        .await;
    let by_contract = w
        .listed(agent, &format!("?contract_id={}", w.contract))
        .await;
    let combined = sorted(
        w.listed(
            agent,
            &format!("?status=open&kind=incident&customer_id={}", w.leeds.id),
        )
        .await,
    );

    assert_eq!(leeds, ids(&[&leak, &order, &paused, &done]));
    assert_eq!(head_office, ids(&[&leak, &order, &paused, &done, &york]));
    assert_eq!(head_office_for_tom, ids(&[&leak, &order, &paused, &done]));
    assert_eq!(by_yara, [york]);
    assert_eq!(by_contract.len(), 5);
    assert_eq!(combined, ids(&[&leak, &paused]));
}

#[tokio::test]
async fn filters_narrow_the_queue_by_status_kind_sla_customer_and_requester() {
    let w = world().await;
    filters(&w).await;
}

#[tokio::test]
async fn filters_narrow_the_queue_by_status_kind_sla_customer_and_requester_on_postgres() {
    let Some(w) = pg_world().await else { return };
    filters(&w).await;
}

/// Waits (up to 10 s) until the SLA timers mark request `id` breached.
async fn until_breached(w: &World, id: &str) -> Value {
    for _ in 0..200 {
        let request = w.read(&w.agent, id).await;
        if request["sla_state"] == "breached" {
            return request;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    panic!("request {id} was never marked breached");
}

#[tokio::test]
async fn breached_requests_come_first_and_pages_cross_from_breached_to_the_rest() {
    let w = fast_world().await;
    w.set_terms().await;
    let tom = &w.leeds_customer;
    let normal = raised(&w, tom, json!({})).await; // due in 2h
    let late = raised(&w, tom, json!({ "priority": "high" })).await; // 1s
    let urgent = raised(&w, tom, json!({ "priority": "urgent" })).await; // 1h
    let paused = waiting(&w).await;

    let breached = until_breached(&w, &late).await;
    let queue = w.listed(&w.agent, "").await;
    let (paged, pages) = every_page(&w, &w.agent, "?order=urgency&limit=1").await;
    let only_breached = w.listed(&w.agent, "?sla=breached").await;
    let on_track = sorted(w.listed(&w.agent, "?sla=on_track").await);
    let for_provider = w.events(&w.agent, &late).await;
    let for_customer = w.events(tom, &late).await;
    let answered = w.act(&w.agent, &late, "acknowledge").await;

    assert_eq!(clock(&breached, "first_response")["breached"], true);
    assert_eq!(clock(&breached, "first_response")["remaining"], "0m");
    assert_eq!(
        queue,
        [late.clone(), urgent.clone(), normal.clone(), paused]
    );
    assert_eq!(paged, queue);
    assert_eq!(pages, 4);
    assert_eq!(only_breached, vec![late.clone()]);
    assert_eq!(on_track, sorted(vec![urgent, normal]));
    assert_eq!(
        event_kinds(&for_provider),
        ["created", "promise_made", "clock_at_risk", "clock_breached"]
    );
    assert_eq!(for_provider[3]["data"]["clock"], "first_response");
    assert_eq!(event_kinds(&for_customer), ["created", "promise_made"]);
    // Answered late: the clock stays breached, but nothing counting is.
    assert_eq!(clock(&answered, "first_response")["breached"], true);
    assert_eq!(answered["sla_state"], "on_track");
}
