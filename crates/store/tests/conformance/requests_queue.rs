//! Requests at work: escalations relayed downstream, changes and SLA alarms
//! under concurrency (each alarm raised once, however many servers sweep),
//! the queue's urgency order with its keyset pages, and its filters.

use std::collections::BTreeSet;
use std::sync::Arc;

use kept_domain::{
    EventKind, Limit, NewContract, NewService, PartyScope, Quorum, ReplySide, Request,
    RequestAction, RequestChange, RequestId, RequestKind, RequestStatus, ServiceDetails, SlaState,
    Targets,
};
use kept_store::{RequestOrder, RequestQuery, Store, StoreError};

use crate::requests::{
    after, as_user, first_response, kinds, raise, record, standard, step, world,
};
use crate::support::{actor, name, org, user};

pub async fn due_alarms_are_raised_once_and_a_breach_marks_the_request(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let r = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let in_time = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    step(&store, &w, &in_time, RequestAction::Acknowledge).await;
    let at_risk_now = after(r.created_at, 3 * 60 + 30);
    let breached_now = after(r.created_at, 4 * 60 + 1);

    let first = store
        .raise_due_alarms(at_risk_now, 100, 75)
        .await
        .expect("sweep");
    let again = store
        .raise_due_alarms(at_risk_now, 100, 75)
        .await
        .expect("sweep");
    let at_risk = store.request(r.id).await.expect("read");
    let second = store
        .raise_due_alarms(breached_now, 100, 75)
        .await
        .expect("sweep");
    let third = store
        .raise_due_alarms(breached_now, 100, 75)
        .await
        .expect("sweep");

    assert_eq!(first.len(), 1, "{first:?}");
    assert_eq!(first[0].0, r.id);
    assert_eq!(first[0].1.kind, EventKind::ClockAtRisk);
    assert_eq!(first[0].1.data["clock"], "first_response");
    assert!(again.is_empty(), "{again:?}");
    assert_eq!(at_risk.sla_state, SlaState::AtRisk);
    assert_eq!(second.len(), 1, "{second:?}");
    assert_eq!(second[0].0, r.id);
    assert_eq!(second[0].1.kind, EventKind::ClockBreached);
    assert!(third.is_empty(), "{third:?}");
    let breached = store.request(r.id).await.expect("read");
    assert_eq!(breached.sla_state, SlaState::Breached);
    let events = store.request_events(r.id, true).await.expect("events");
    assert_eq!(
        kinds(&events),
        [
            EventKind::Created,
            EventKind::ClockAtRisk,
            EventKind::ClockBreached
        ]
    );
    assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(!events[1].public && !events[2].public);
    assert_eq!(
        kinds(&store.request_events(r.id, false).await.expect("events")),
        [EventKind::Created]
    );
    let kept = store.request(in_time.id).await.expect("read");
    assert_eq!(kept.sla_state, SlaState::OnTrack);
    assert_eq!(
        kinds(
            &store
                .request_events(in_time.id, true)
                .await
                .expect("events")
        ),
        [EventKind::Created, EventKind::StatusChanged]
    );
}

pub async fn concurrent_sweeps_raise_each_alarm_exactly_once(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let mut requests = Vec::new();
    for _ in 0..30 {
        requests.push(raise(&store, &w, w.york, RequestKind::Incident, first_response(1)).await);
    }
    let last = requests.last().expect("requests").created_at;
    // Past due for all: each raises its at-risk and its breach alarm.
    let now = after(last, 2 * 60);

    let sweeps: Vec<_> = (0..4)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                let mut raised = Vec::new();
                loop {
                    let batch = store.raise_due_alarms(now, 4, 75).await.expect("sweep");
                    if batch.is_empty() {
                        return raised;
                    }
                    raised.extend(batch);
                }
            })
        })
        .collect();
    let mut raised = Vec::new();
    for sweep in sweeps {
        raised.extend(sweep.await.expect("sweep task"));
    }

    let count = |kind| raised.iter().filter(|(_, e)| e.kind == kind).count();
    assert_eq!(raised.len(), 60);
    assert_eq!(count(EventKind::ClockAtRisk), 30);
    assert_eq!(count(EventKind::ClockBreached), 30);
    let distinct: BTreeSet<_> = raised.iter().map(|(id, e)| (*id, e.seq)).collect();
    assert_eq!(distinct.len(), 60, "no event recorded twice");
    for r in &requests {
        let events = store.request_events(r.id, true).await.expect("events");
        assert_eq!(
            kinds(&events),
            [
                EventKind::Created,
                EventKind::ClockAtRisk,
                EventKind::ClockBreached
            ],
            "request {}",
            r.number
        );
        assert_eq!(events.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2, 3]);
    }
    assert!(
        store
            .raise_due_alarms(now, 100, 75)
            .await
            .expect("sweep")
            .is_empty()
    );
}

pub async fn concurrent_changes_to_one_request_append_events_in_order_without_gaps(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let r = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let agent = as_user(&w.agent);

    let writers: Vec<_> = (0..8)
        .map(|n| {
            let (store, agent) = (store.clone(), agent.clone());
            tokio::spawn(async move {
                let change = if n % 2 == 0 {
                    RequestChange::Note {
                        body: format!("note {n}"),
                    }
                } else {
                    RequestChange::Reply {
                        side: ReplySide::Provider,
                        body: format!("reply {n}"),
                    }
                };
                store
                    .act_on_request(&agent, r.id, change, 75)
                    .await
                    .expect("change")
            })
        })
        .collect();
    for writer in writers {
        writer.await.expect("writer task");
    }

    let events = store.request_events(r.id, true).await.expect("events");
    assert_eq!(
        events.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<i64>>()
    );
    assert!(events.windows(2).all(|p| p[0].at <= p[1].at), "in order");
    let read = store.request(r.id).await.expect("read");
    assert_eq!(read.updated_at, events[8].at);
    assert_eq!(
        store
            .request_events(r.id, false)
            .await
            .expect("events")
            .len(),
        5,
        "created and four replies"
    );
}

fn query(order: RequestOrder, limit: u32) -> RequestQuery {
    let mut q = RequestQuery::new(PartyScope::All, None);
    q.order = order;
    q.limit = Limit::parse("limit", limit).expect("limit");
    q
}

/// Every page of `q`, as request numbers per page.
async fn pages(store: &Arc<dyn Store>, mut q: RequestQuery) -> Vec<Vec<i64>> {
    let mut pages = Vec::new();
    loop {
        let page = store.list_requests(&q).await.expect("page");
        pages.push(page.items.iter().map(|r| r.number).collect());
        match page.next_cursor {
            Some(c) => q.cursor = Some(c.as_str().to_owned()),
            None => return pages,
        }
        assert!(pages.len() < 20, "paging does not end");
    }
}

pub async fn the_queue_puts_breaches_first_then_the_earliest_due_and_pages_through_every_request(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let none = Targets::default;
    let later = raise(
        &store,
        &w,
        w.leeds,
        RequestKind::Incident,
        first_response(10),
    )
    .await;
    let unclocked = raise(&store, &w, w.leeds, RequestKind::Question, none()).await;
    let breached_first = raise(&store, &w, w.york, RequestKind::Incident, first_response(1)).await;
    let sooner = raise(
        &store,
        &w,
        w.leeds,
        RequestKind::Incident,
        first_response(2),
    )
    .await;
    let paused = raise(&store, &w, w.york, RequestKind::Incident, standard()).await;
    step(&store, &w, &paused, RequestAction::Acknowledge).await;
    step(&store, &w, &paused, RequestAction::AwaitCustomer).await;
    let breached_second = raise(&store, &w, w.york, RequestKind::Incident, first_response(1)).await;
    let unclocked_too = raise(&store, &w, w.leeds, RequestKind::Question, none()).await;
    store
        .raise_due_alarms(after(unclocked_too.created_at, 90), 100, 75)
        .await
        .expect("sweep");
    let expected: Vec<i64> = [
        &breached_first,
        &breached_second,
        &sooner,
        &later,
        &unclocked,
        &paused,
        &unclocked_too,
    ]
    .iter()
    .map(|r| r.number)
    .collect();

    let whole = store
        .list_requests(&query(RequestOrder::Urgency, 50))
        .await
        .expect("list");
    let paged = pages(&store, query(RequestOrder::Urgency, 2)).await;
    let newest = pages(&store, query(RequestOrder::Newest, 2)).await;

    let states: Vec<SlaState> = whole.items.iter().map(|r| r.sla_state).collect();
    assert_eq!(
        whole.items.iter().map(|r| r.number).collect::<Vec<_>>(),
        expected,
        "{states:?}"
    );
    assert!(whole.next_cursor.is_none());
    assert_eq!(states[..2], [SlaState::Breached, SlaState::Breached]);
    assert_eq!(
        paged,
        expected.chunks(2).map(<[i64]>::to_vec).collect::<Vec<_>>()
    );
    let mut by_number = expected.clone();
    by_number.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(
        newest,
        by_number.chunks(2).map(<[i64]>::to_vec).collect::<Vec<_>>()
    );
}

async fn numbers(store: &Arc<dyn Store>, edit: impl FnOnce(&mut RequestQuery)) -> Vec<i64> {
    let mut q = query(RequestOrder::Newest, 50);
    edit(&mut q);
    let mut found: Vec<i64> = store
        .list_requests(&q)
        .await
        .expect("list")
        .items
        .iter()
        .map(|r| r.number)
        .collect();
    found.sort_unstable();
    found
}

fn sorted(requests: &[&Request]) -> Vec<i64> {
    let mut n: Vec<i64> = requests.iter().map(|r| r.number).collect();
    n.sort_unstable();
    n
}

pub async fn the_queue_filters_by_status_kind_sla_customer_and_due(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let waiting = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    step(&store, &w, &waiting, RequestAction::Acknowledge).await;
    step(&store, &w, &waiting, RequestAction::AwaitCustomer).await;
    let order = raise(&store, &w, w.leeds_stores, RequestKind::Order, standard()).await;
    let late = raise(&store, &w, w.york, RequestKind::Question, first_response(1)).await;
    let unclocked = raise(
        &store,
        &w,
        w.york,
        RequestKind::Incident,
        Targets::default(),
    )
    .await;
    // Only `late` has an alarm due: at risk and breached.
    store
        .raise_due_alarms(after(late.created_at, 2 * 60), 100, 75)
        .await
        .expect("sweep");

    let awaiting = numbers(&store, |q| {
        q.statuses = vec![RequestStatus::AwaitingCustomer]
    })
    .await;
    let new = numbers(&store, |q| q.statuses = vec![RequestStatus::New]).await;
    let orders = numbers(&store, |q| q.kind = Some(RequestKind::Order)).await;
    let paused = numbers(&store, |q| q.sla = vec![SlaState::Paused]).await;
    let breached = numbers(&store, |q| q.sla = vec![SlaState::Breached]).await;
    let on_track = numbers(&store, |q| q.sla = vec![SlaState::OnTrack]).await;
    let no_clock = numbers(&store, |q| q.sla = vec![SlaState::None]).await;
    let either = numbers(&store, |q| {
        q.sla = vec![SlaState::Paused, SlaState::Breached];
    })
    .await;
    let at_leeds = numbers(&store, |q| q.customer_id = Some(w.leeds)).await;
    let at_stores = numbers(&store, |q| q.customer_id = Some(w.leeds_stores)).await;
    let at_york = numbers(&store, |q| q.customer_id = Some(w.york)).await;
    let due_soon = numbers(&store, |q| {
        q.due_before = Some(after(order.created_at, 2 * 60));
    })
    .await;
    let due_today = numbers(&store, |q| {
        q.due_before = Some(after(order.created_at, 3 * 60 + 1));
    })
    .await;
    let combined = numbers(&store, |q| {
        q.customer_id = Some(w.client);
        q.statuses = vec![RequestStatus::New];
        q.kind = Some(RequestKind::Incident);
    })
    .await;

    assert_eq!(awaiting, sorted(&[&waiting]));
    assert_eq!(new, sorted(&[&order, &late, &unclocked]));
    assert_eq!(orders, sorted(&[&order]));
    assert_eq!(paused, sorted(&[&waiting]));
    assert_eq!(breached, sorted(&[&late]));
    assert_eq!(on_track, sorted(&[&order]));
    assert_eq!(no_clock, sorted(&[&unclocked]));
    assert_eq!(either, sorted(&[&waiting, &late]));
    assert_eq!(at_leeds, sorted(&[&waiting, &order]), "includes Stores");
    assert_eq!(at_stores, sorted(&[&order]));
    assert_eq!(at_york, sorted(&[&late, &unclocked]));
    assert_eq!(due_soon, sorted(&[&late]));
    assert_eq!(due_today, sorted(&[&order, &late]));
    assert_eq!(combined, sorted(&[&unclocked]));
}

pub async fn an_escalation_is_noted_downstream_and_public_upstream_events_are_relayed(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let supplier = org(&store, "Northline Plumbing").await;
    let supplier_agent = user(&store, "desk@northline.example", Some(supplier.id)).await;
    let parts = store
        .create_service(
            &actor(),
            NewService {
                provider_id: supplier.id,
                name: name("Plumbing"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    let upstream_contract = store
        .create_contract(
            &actor(),
            NewContract {
                name: name("Northline plumbing"),
                provider_id: supplier.id,
                client_id: w.provider,
                customer_ids: vec![w.provider],
                service_ids: vec![parts.id],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![supplier_agent.id],
                quorum: Quorum::All,
            },
        )
        .await
        .expect("upstream contract");
    let down = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let mut escalation = record(&w, w.provider, RequestKind::Incident, standard());
    escalation.new.contract_id = upstream_contract.id;
    escalation.new.service_id = parts.id;
    escalation.new.requester_id = w.agent.id;
    escalation.new.escalated_from = Some(down.id);

    let mut from_nowhere = escalation.clone();
    from_nowhere.new.escalated_from = Some(RequestId::new());
    let refused = store.create_request(&as_user(&w.agent), from_nowhere).await;
    let up = store
        .create_request(&as_user(&w.agent), escalation)
        .await
        .expect("escalated");
    let noted = store.request_events(down.id, true).await.expect("events");
    store
        .act_on_request(
            &as_user(&supplier_agent),
            up.id,
            RequestChange::Reply {
                side: ReplySide::Provider,
                body: "Parts ship Tuesday".into(),
            },
            75,
        )
        .await
        .expect("reply upstream");
    let relayed = store.request_events(down.id, true).await.expect("events");
    store
        .act_on_request(
            &as_user(&supplier_agent),
            up.id,
            RequestChange::Note {
                body: "Check stock".into(),
            },
            75,
        )
        .await
        .expect("note upstream");
    let after_note = store.request_events(down.id, true).await.expect("events");

    match refused {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "escalated_from"),
        other => panic!("expected invalid input, got {other:?}"),
    }
    assert_eq!(up.escalated_from, Some(down.id));
    assert_eq!(kinds(&noted), [EventKind::Created, EventKind::Escalated]);
    assert_eq!(noted[1].seq, 2);
    assert!(!noted[1].public);
    assert_eq!(noted[1].data["request_id"], serde_json::json!(up.id));
    assert_eq!(noted[1].data["number"], serde_json::json!(up.number));
    assert_eq!(
        kinds(&relayed),
        [
            EventKind::Created,
            EventKind::Escalated,
            EventKind::Upstream
        ]
    );
    let upstream_event = &relayed[2];
    assert_eq!(upstream_event.seq, 3);
    assert!(!upstream_event.public, "the customer does not see it");
    assert_eq!(upstream_event.body.as_deref(), Some("Parts ship Tuesday"));
    assert_eq!(upstream_event.data["event"], "reply");
    assert_eq!(upstream_event.data["number"], serde_json::json!(up.number));
    assert_eq!(after_note.len(), 3, "an internal note relays nothing");
    assert_eq!(
        kinds(&store.request_events(down.id, false).await.expect("events")),
        [EventKind::Created]
    );
    let mut query = RequestQuery::new(PartyScope::All, None);
    query.escalated_from = Some(down.id);
    let upstream: Vec<_> = store
        .list_requests(&query)
        .await
        .expect("list")
        .items
        .into_iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(upstream, [up.id]);
}

/// Editing a calendar's hours re-plans the alarms of the open requests on
/// it: a request due next week on weekday hours is due in four hours once
/// the calendar is open around the clock, and its at-risk alarm comes then.
pub async fn editing_a_calendars_hours_re_plans_the_alarms_of_open_requests(store: Arc<dyn Store>) {
    let w = world(&store).await;
    // Open only on a single day long past: nothing falls due for years.
    let closed = kept_domain::calendar::CalendarSpec::from_toml(
        "zone = \"UTC\"\nvalid_from = \"2020-01-01\"\nvalid_until = \"2200-01-01\"\n[week]\n\
         [[exceptions]]\nkind = \"open\"\nfrom = \"2020-01-06T09:00\"\nto = \"2020-01-06T10:00\"\n",
    );
    let spec = closed.unwrap_or_else(|_| crate::requests::office());
    let calendar = store
        .create_calendar(
            &actor(),
            kept_domain::NewCalendar {
                name: name("Hours to change"),
                owner_id: w.provider,
                spec,
            },
        )
        .await
        .expect("calendar");
    let mut on_calendar = record(&w, w.leeds, RequestKind::Incident, first_response(4));
    on_calendar.calendar_id = Some(calendar.id);
    let r = store
        .create_request(&as_user(&w.requester), on_calendar)
        .await
        .expect("request");
    let four_hours_on = r.created_at + jiff::SignedDuration::from_hours(4);
    assert!(
        r.due_at.is_none_or(|due| due > four_hours_on),
        "not due within four hours before the edit: {:?}",
        r.due_at
    );

    store
        .update_calendar(
            &actor(),
            calendar.id,
            kept_domain::CalendarPatch {
                spec: Some(crate::requests::around_the_clock()),
                ..kept_domain::CalendarPatch::default()
            },
        )
        .await
        .expect("edited");
    let swept = store
        .raise_due_alarms(after(r.created_at, 1), 100, 75)
        .await
        .expect("sweep");
    let later = store
        .raise_due_alarms(after(r.created_at, 3 * 60 + 1), 100, 75)
        .await
        .expect("sweep");

    assert!(swept.is_empty(), "re-planned, nothing due yet: {swept:?}");
    assert_eq!(
        store.request(r.id).await.expect("read").due_at,
        Some(four_hours_on)
    );
    assert_eq!(
        later.iter().map(|(_, e)| e.kind).collect::<Vec<_>>(),
        [EventKind::ClockAtRisk]
    );
}
