//! Orders: lines recorded with their request (and the answer to a
//! question as an event), the history the quantity check reads (newest
//! first, the customer's own, not cancelled orders), and the check's
//! precision per service.

use std::sync::Arc;

use kept_domain::Timestamp;
use kept_domain::calendar::jiff::SignedDuration;
use kept_domain::order::{LineAnswer, LineUnit, NewOrderLine, Quantity};
use kept_domain::{EventKind, RequestAction, RequestChange, RequestKind};
use kept_store::{ImportedOrder, Store};

use crate::requests::{as_user, record, standard, world};

fn line(w: &crate::requests::World, boxes: u64) -> NewOrderLine {
    NewOrderLine {
        service_id: w.service,
        quantity: Quantity::of_units(boxes * 1_000),
        question: None,
        answer: None,
        asked_milli: None,
    }
}

pub async fn order_lines_are_history_newest_first(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let requester = as_user(&w.requester);
    let mut ids = Vec::new();
    for boxes in [8, 12, 10] {
        let mut order = record(&w, w.leeds, RequestKind::Order, standard());
        order.lines = vec![line(&w, boxes)];
        ids.push(
            store
                .create_request(&requester, order)
                .await
                .expect("order")
                .id,
        );
    }
    // A confirmed 1000 after a question, and a line in pieces changed from
    // 1000 to 10 after one.
    let mut order = record(&w, w.leeds, RequestKind::Order, standard());
    order.lines = vec![
        NewOrderLine {
            question: Some("1000 boxes, or 10 packs of 100?".into()),
            answer: Some(LineAnswer::Confirmed),
            ..line(&w, 1_000)
        },
        NewOrderLine {
            quantity: Quantity {
                typed_milli: 1_000_000,
                unit: LineUnit::Piece,
                milli: 10_000,
            },
            question: Some("1000 boxes, or 10 packs of 100?".into()),
            answer: Some(LineAnswer::Changed),
            asked_milli: Some(1_000_000),
            ..line(&w, 10)
        },
    ];
    let confirmed = store
        .create_request(&requester, order)
        .await
        .expect("order");

    let lines = store.order_lines(confirmed.id).await.expect("lines");
    assert_eq!(lines.len(), 2);
    assert_eq!((lines[0].line, lines[0].quantity.as_str()), (1, "1000"));
    assert_eq!(lines[0].answer, Some(LineAnswer::Confirmed));
    assert_eq!(lines[1].unit, LineUnit::Piece);
    assert_eq!(
        (lines[1].typed.as_str(), lines[1].asked.as_deref()),
        ("1000", Some("1000"))
    );
    let events = store
        .request_events(confirmed.id, true)
        .await
        .expect("events");
    let answered: Vec<_> = events
        .iter()
        .filter(|e| e.kind == EventKind::QuantityAnswered)
        .collect();
    assert_eq!(answered.len(), 2, "{events:?}");
    assert_eq!(answered[0].data["answer"], "confirmed");
    assert_eq!(answered[0].actor_id, Some(w.requester.id));
    assert_eq!(answered[1].data["answer"], "changed");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=i64::try_from(events.len()).expect("few")).collect::<Vec<_>>()
    );

    let history = store
        .order_history(w.leeds, w.service, 20)
        .await
        .expect("history");
    assert_eq!(history.len(), 5);
    assert_eq!(&history[2..], [10_000, 12_000, 8_000], "newest first");
    assert_eq!(
        store
            .order_history(w.leeds, w.service, 2)
            .await
            .expect("two")
            .len(),
        2
    );
    assert!(
        store
            .order_history(w.york, w.service, 20)
            .await
            .expect("york")
            .is_empty()
    );
    // Read at once, each gets its own.
    let (leeds, york, two, again) = tokio::join!(
        store.order_history(w.leeds, w.service, 20),
        store.order_history(w.york, w.service, 20),
        store.order_history(w.leeds, w.service, 2),
        store.order_history(w.leeds, w.service, 20),
    );
    assert_eq!(leeds.expect("leeds"), history);
    assert!(york.expect("york").is_empty());
    assert_eq!(two.expect("two"), history[..2]);
    assert_eq!(again.expect("again"), history);

    // A cancelled order is no history.
    store
        .act_on_request(
            &as_user(&w.agent),
            ids[2],
            RequestChange::Act {
                action: RequestAction::Cancel,
                reason: Some("Ordered twice".into()),
            },
            75,
        )
        .await
        .expect("cancelled");
    let history = store
        .order_history(w.leeds, w.service, 20)
        .await
        .expect("history");
    assert_eq!(history.len(), 4);
    assert_eq!(
        history.iter().filter(|h| **h == 10_000).count(),
        1,
        "{history:?}"
    );
    assert_eq!(
        store.item_history(w.service, 20).await.expect("item").len(),
        4
    );

    let stats = store.question_stats(w.service).await.expect("stats");
    assert_eq!(
        (
            stats.lines,
            stats.questioned,
            stats.confirmed,
            stats.changed
        ),
        (5, 2, 1, 1)
    );
}

pub async fn past_orders_are_imported_whole_or_not_at_all(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let actor = as_user(&w.agent);
    let past = |week: i64, boxes: u64, reference: &str| ImportedOrder {
        customer_id: w.leeds,
        service_id: w.service,
        quantity: Quantity::of_units(boxes * 1_000),
        ordered_at: Timestamp::now() - SignedDuration::from_hours(24 * 7 * week),
        reference: Some(reference.to_owned()),
    };
    let seen = std::sync::Mutex::new(0);
    let count = |n: usize| *seen.lock().expect("progress") = n;
    let imported = store
        .import_orders(
            &actor,
            vec![past(3, 8, "A-1"), past(2, 12, "A-2"), past(1, 10, "A-3")],
            &count,
        )
        .await
        .expect("imported");
    assert_eq!(imported, 3);
    assert_eq!(*seen.lock().expect("progress"), 3);
    assert_eq!(
        store
            .order_history(w.leeds, w.service, 20)
            .await
            .expect("history"),
        [10_000, 12_000, 8_000]
    );

    // A reference imported before refuses the whole file, naming its row.
    let again = store
        .import_orders(&actor, vec![past(1, 9, "B-1"), past(1, 9, "A-2")], &|_| {})
        .await
        .expect_err("refused");
    assert_eq!(again.row, Some(1), "{again}");
    assert!(
        again.to_string().contains("A-2 was imported before"),
        "{again}"
    );
    let future = store
        .import_orders(&actor, vec![past(-1, 9, "C-1")], &|_| {})
        .await
        .expect_err("refused");
    assert_eq!(future.row, Some(0));
    assert_eq!(
        store
            .order_history(w.leeds, w.service, 20)
            .await
            .expect("history")
            .len(),
        3
    );
}
