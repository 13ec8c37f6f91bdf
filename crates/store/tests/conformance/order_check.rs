//! The quantity check in the transaction that records an order: the
//! customer's history is read there, an order it questions is refused with
//! its questions and nothing recorded, and the orders beside it in the same
//! group are recorded all the same.

use std::sync::Arc;

use kept_domain::order::{
    LineAnswer, LineToSettle, NewOrderLine, OrderToSettle, Ordering, Quantity, Words,
};
use kept_domain::{PartyId, RequestKind};
use kept_store::{RequestRecord, Store, StoreError};

use crate::requests::{World, as_user, record, standard, world};

fn boxes(n: u64) -> Quantity {
    Quantity::of_units(n * 1_000)
}

/// An order of `quantity` boxes by `customer`, for the check to settle.
fn order(w: &World, customer: PartyId, quantity: u64, confirm: bool) -> RequestRecord {
    let mut order = record(w, customer, RequestKind::Order, standard());
    order.check = Some(OrderToSettle {
        lines: vec![LineToSettle {
            service_id: w.service,
            pack_size: Some(100),
            ordering: Ordering::default(),
            words: Words {
                one: "box".into(),
                many: "boxes".into(),
            },
            quantity: boxes(quantity),
            questioned: None,
        }],
        confirm,
    });
    order
}

pub async fn an_unusual_order_is_questioned_as_it_would_be_recorded(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let requester = as_user(&w.requester);
    // Leeds's usual: 8 to 12 boxes.
    for quantity in [8, 12, 10, 9, 11] {
        let mut past = record(&w, w.leeds, RequestKind::Order, standard());
        past.lines = vec![NewOrderLine {
            service_id: w.service,
            quantity: boxes(quantity),
            question: None,
            answer: None,
            asked_milli: None,
        }];
        store
            .create_request(&requester, past)
            .await
            .expect("past order");
    }

    // Sent at once, so the writer may take them as one group: the usual
    // order and the confirmed one are recorded, the questioned one is not.
    let (usual, asked, confirmed) = tokio::join!(
        store.create_request(&requester, order(&w, w.leeds, 10, false)),
        store.create_request(&requester, order(&w, w.leeds, 1_000, false)),
        store.create_request(&requester, order(&w, w.leeds, 1_000, true)),
    );
    let usual = usual.expect("a usual order is recorded");
    let lines = store.order_lines(usual.id).await.expect("lines");
    assert_eq!((lines.len(), lines[0].answer), (1, None));
    match asked {
        Err(StoreError::Questioned(questions)) => {
            assert_eq!(questions.len(), 1, "{questions:?}");
            assert_eq!(questions[0].line, 0);
            assert!(
                questions[0].question.question.contains("1000 boxes"),
                "{questions:?}"
            );
            assert!(questions[0].question.usual.own);
        }
        other => panic!("1000 boxes should be questioned, got {other:?}"),
    }
    let confirmed = confirmed.expect("a confirmed order is recorded");
    let lines = store.order_lines(confirmed.id).await.expect("lines");
    assert_eq!(lines[0].answer, Some(LineAnswer::Confirmed));
    assert!(lines[0].question.is_some());

    // The questioned order left nothing: the history holds the five past
    // orders, the usual one and the confirmed one.
    let history = store
        .order_history(w.leeds, w.service, 20)
        .await
        .expect("history");
    assert_eq!(history.len(), 7, "{history:?}");
    assert_eq!(history.iter().filter(|q| **q == 1_000_000).count(), 1);

    // York has no history of its own: the item's, across customers, is
    // its usual, and 1000 boxes is questioned there too.
    match store
        .create_request(&requester, order(&w, w.york, 1_000, false))
        .await
    {
        Err(StoreError::Questioned(questions)) => assert!(!questions[0].question.usual.own),
        other => panic!("York's 1000 boxes should be questioned, got {other:?}"),
    }
    // With the check off for the service, nothing is questioned.
    let mut unchecked = order(&w, w.york, 1_000, false);
    if let Some(check) = unchecked.check.as_mut() {
        check.lines[0].ordering.check.enabled = false;
    }
    let recorded = store
        .create_request(&requester, unchecked)
        .await
        .expect("unchecked");
    let lines = store.order_lines(recorded.id).await.expect("lines");
    assert_eq!(
        (lines[0].question.as_deref(), lines[0].answer),
        (None, None)
    );
}
