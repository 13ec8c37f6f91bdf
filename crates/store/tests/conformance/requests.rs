//! Requests: recorded with their number, first event and SLA clocks;
//! moved through their lifecycle under the row lock; seen only by those
//! who reach their contract or customer. (Escalations, concurrency,
//! alarms, the queue and its filters are in `requests_queue.rs`.)

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::calendar::{BusinessDuration, CalendarSpec, ClockState};
use kept_domain::{
    Actor, CalendarPatch, ClockKind, Contract, EventKind, NewCalendar, NewContract, NewRequest,
    NewService, PartyId, PartyKind, PartyScope, Priority, Quorum, Refusal, ReplySide, Request,
    RequestAction, RequestChange, RequestEvent, RequestKind, RequestStatus, ServiceDetails,
    ServiceId, SlaState, Targets, User,
};
use kept_store::{RequestQuery, RequestRecord, Store, StoreError};

use crate::support::{actor, name, org, party, user};

pub struct World {
    pub contract: Contract,
    pub service: ServiceId,
    pub provider: PartyId,
    pub client: PartyId,
    /// Site A, with a department under it.
    pub leeds: PartyId,
    pub leeds_stores: PartyId,
    /// Site B of the same client.
    pub york: PartyId,
    /// One of the provider's people.
    pub agent: User,
    /// A person at Leeds.
    pub requester: User,
}

pub async fn world(store: &Arc<dyn Store>) -> World {
    let provider = org(store, "Brightwell").await;
    let client = org(store, "Harbour").await;
    let leeds = party(store, PartyKind::Site, "Leeds", Some(client.id)).await;
    let leeds_stores = party(store, PartyKind::Department, "Stores", Some(leeds.id)).await;
    let york = party(store, PartyKind::Site, "York", Some(client.id)).await;
    let service = store
        .create_service(
            &actor(),
            NewService {
                provider_id: provider.id,
                name: name("Reactive maintenance"),
                details: ServiceDetails::default(),
            },
        )
        .await
        .expect("service");
    let agent = user(store, "agent@brightwell.example", Some(provider.id)).await;
    let requester = user(store, "maya@harbour.example", Some(leeds.id)).await;
    let approver = user(store, "board@harbour.example", Some(client.id)).await;
    let contract = store
        .create_contract(
            &actor(),
            NewContract {
                name: name("Harbour FM"),
                provider_id: provider.id,
                client_id: client.id,
                customer_ids: vec![leeds.id, york.id],
                service_ids: vec![service.id],
                calendar_id: None,
                probation_ends_on: None,
                steering_group: vec![approver.id],
                quorum: Quorum::All,
            },
        )
        .await
        .expect("contract");
    World {
        contract,
        service: service.id,
        provider: provider.id,
        client: client.id,
        leeds: leeds.id,
        leeds_stores: leeds_stores.id,
        york: york.id,
        agent,
        requester,
    }
}

pub fn as_user(u: &User) -> Actor {
    Actor {
        user_id: Some(u.id),
        label: u.email.to_string(),
    }
}

pub fn hours(h: u64) -> BusinessDuration {
    BusinessDuration::from_hours(h)
}

pub fn after(t: Timestamp, minutes: i64) -> Timestamp {
    t + SignedDuration::from_mins(minutes)
}

/// First response 4 h, resolution 16 h, delivery (orders only) 3 h.
pub fn standard() -> Targets {
    Targets {
        first_response: Some(hours(4)),
        resolution: Some(hours(16)),
        delivery: Some(hours(3)),
    }
}

pub fn first_response(h: u64) -> Targets {
    Targets {
        first_response: Some(hours(h)),
        ..Targets::default()
    }
}

/// A request by `w.requester` on `w.contract`, around the clock (UTC).
pub fn record(w: &World, customer: PartyId, kind: RequestKind, targets: Targets) -> RequestRecord {
    RequestRecord {
        check: None,
        calendar: None,
        new: NewRequest {
            contract_id: w.contract.id,
            customer_id: customer,
            requester_id: w.requester.id,
            service_id: w.service,
            kind,
            priority: Priority::Normal,
            quantity: None,
            effort: None,
            subject: "Leak in the loading bay".into(),
            description: "Water under the door.".into(),
            override_reason: None,
            escalated_from: None,
            raised_by_party: None,
        },
        terms_version: None,
        calendar_id: None,
        team_id: None,
        targets,
        at_risk_percent: 75,
        raised_at: None,
        promise: None,
        lines: Vec::new(),
    }
}

pub async fn raise(
    store: &Arc<dyn Store>,
    w: &World,
    customer: PartyId,
    kind: RequestKind,
    targets: Targets,
) -> Request {
    store
        .create_request(&as_user(&w.requester), record(w, customer, kind, targets))
        .await
        .expect("request recorded")
}

pub fn act(action: RequestAction) -> RequestChange {
    RequestChange::Act {
        action,
        reason: None,
    }
}

pub async fn step(
    store: &Arc<dyn Store>,
    w: &World,
    r: &Request,
    action: RequestAction,
) -> Request {
    store
        .act_on_request(&as_user(&w.agent), r.id, act(action), 75)
        .await
        .unwrap_or_else(|e| panic!("{action} refused: {e}"))
        .0
}

pub fn kinds(events: &[RequestEvent]) -> Vec<EventKind> {
    events.iter().map(|e| e.kind).collect()
}

fn clock_kinds(r: &Request) -> Vec<ClockKind> {
    r.clocks.iter().map(|c| c.kind).collect()
}

fn state_of(r: &Request, kind: ClockKind) -> ClockState {
    let clock = r.clocks.iter().find(|c| c.kind == kind).expect("clock");
    clock.clock.state()
}

pub async fn a_request_is_recorded_with_its_number_first_event_and_clocks(store: Arc<dyn Store>) {
    let w = world(&store).await;

    let incident = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let order = raise(&store, &w, w.york, RequestKind::Order, standard()).await;
    let read = store.request(incident.id).await.expect("read");
    let events = store
        .request_events(incident.id, true)
        .await
        .expect("events");

    assert_eq!(read, incident, "reads back as it was returned");
    assert!(order.number > incident.number, "numbers increase");
    assert_eq!(incident.status, RequestStatus::New);
    assert_eq!(incident.sla_state, SlaState::OnTrack);
    assert_eq!(
        clock_kinds(&incident),
        [ClockKind::FirstResponse, ClockKind::Resolution]
    );
    assert_eq!(
        clock_kinds(&order),
        [
            ClockKind::FirstResponse,
            ClockKind::Resolution,
            ClockKind::Delivery
        ]
    );
    assert_eq!(incident.due_at, Some(after(incident.created_at, 4 * 60)));
    assert_eq!(
        order.due_at,
        Some(after(order.created_at, 3 * 60)),
        "the earliest running due: delivery"
    );
    assert_eq!(kinds(&events), [EventKind::Created]);
    assert_eq!(events[0].seq, 1);
    assert!(events[0].public);
    assert_eq!(events[0].actor_id, Some(w.requester.id));
    assert_eq!(events[0].at, incident.created_at);
    let order_events = store.request_events(order.id, true).await.expect("events");
    assert_eq!(order_events[0].seq, 1);
}

pub async fn a_request_runs_its_lifecycle_and_illegal_steps_change_nothing(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let r = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let customer = as_user(&w.requester);

    let acknowledged = step(&store, &w, &r, RequestAction::Acknowledge).await;
    let awaiting = step(&store, &w, &r, RequestAction::AwaitCustomer).await;
    let (resumed, reply_events) = store
        .act_on_request(
            &customer,
            r.id,
            RequestChange::Reply {
                side: ReplySide::Customer,
                body: "Here is the photo".into(),
            },
            75,
        )
        .await
        .expect("reply");
    let (_, note) = store
        .act_on_request(
            &as_user(&w.agent),
            r.id,
            RequestChange::Note {
                body: "Plumber booked".into(),
            },
            75,
        )
        .await
        .expect("note");
    let fulfilled = step(&store, &w, &r, RequestAction::Fulfil).await;
    let closed = step(&store, &w, &r, RequestAction::Close).await;
    let reopened = step(&store, &w, &r, RequestAction::Reopen).await;

    assert_eq!(acknowledged.status, RequestStatus::Acknowledged);
    assert_eq!(
        state_of(&acknowledged, ClockKind::FirstResponse),
        ClockState::Stopped
    );
    assert_eq!(
        state_of(&acknowledged, ClockKind::Resolution),
        ClockState::Running
    );
    assert_eq!(acknowledged.due_at, Some(after(r.created_at, 16 * 60)));
    assert_eq!(awaiting.status, RequestStatus::AwaitingCustomer);
    assert_eq!(awaiting.sla_state, SlaState::Paused);
    assert_eq!(awaiting.due_at, None);
    assert_eq!(
        state_of(&awaiting, ClockKind::Resolution),
        ClockState::Paused
    );
    assert_eq!(
        kinds(&reply_events),
        [EventKind::Reply, EventKind::StatusChanged]
    );
    assert_eq!(resumed.status, RequestStatus::InProgress);
    assert_eq!(resumed.sla_state, SlaState::OnTrack);
    assert!(resumed.due_at.is_some());
    assert!(!note[0].public);
    assert_eq!(fulfilled.status, RequestStatus::Fulfilled);
    assert_eq!(fulfilled.sla_state, SlaState::None);
    assert_eq!(fulfilled.due_at, None);
    assert_eq!(closed.status, RequestStatus::Closed);
    assert_eq!(reopened.status, RequestStatus::InProgress);
    assert_eq!(reopened.sla_state, SlaState::OnTrack);
    assert_eq!(
        state_of(&reopened, ClockKind::Resolution),
        ClockState::Running
    );
    assert_eq!(
        state_of(&reopened, ClockKind::FirstResponse),
        ClockState::Stopped
    );
    let all = store.request_events(r.id, true).await.expect("events");
    let public = store.request_events(r.id, false).await.expect("events");
    assert_eq!(
        all.iter().map(|e| e.seq).collect::<Vec<_>>(),
        (1..=9).collect::<Vec<i64>>(),
        "{:?}",
        kinds(&all)
    );
    assert_eq!(public.len(), 8);
    assert!(public.iter().all(|e| e.kind != EventKind::Note));
    assert_eq!(all[3].body.as_deref(), Some("Here is the photo"));

    // An illegal step and a cancellation without reason change nothing.
    let fresh = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let close = store
        .act_on_request(&customer, fresh.id, act(RequestAction::Close), 75)
        .await;
    let cancel = store
        .act_on_request(&customer, fresh.id, act(RequestAction::Cancel), 75)
        .await;
    assert!(
        matches!(close, Err(StoreError::Refused(Refusal::Transition(_)))),
        "{close:?}"
    );
    assert!(
        matches!(cancel, Err(StoreError::Refused(Refusal::Invalid(_)))),
        "{cancel:?}"
    );
    assert_eq!(store.request(fresh.id).await.expect("read"), fresh);
    let missing = store
        .act_on_request(
            &customer,
            kept_domain::RequestId::new(),
            act(RequestAction::Close),
            75,
        )
        .await;
    assert!(matches!(missing, Err(StoreError::NotFound)), "{missing:?}");
    assert_eq!(
        store
            .request_events(fresh.id, true)
            .await
            .expect("events")
            .len(),
        1
    );
    let (cancelled, _) = store
        .act_on_request(
            &customer,
            fresh.id,
            RequestChange::Act {
                action: RequestAction::Cancel,
                reason: Some("  Raised twice ".into()),
            },
            75,
        )
        .await
        .expect("cancelled with a reason");
    assert_eq!(cancelled.status, RequestStatus::Cancelled);
    assert_eq!(cancelled.cancel_reason.as_deref(), Some("Raised twice"));
}

pub async fn requests_are_seen_by_the_provider_the_client_the_customer_site_and_the_requester(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let at_leeds = raise(&store, &w, w.leeds, RequestKind::Incident, standard()).await;
    let at_york = raise(&store, &w, w.york, RequestKind::Incident, standard()).await;
    let outsider = org(&store, "Unrelated Ltd").await;
    let temp_agency = org(&store, "Temp agency").await;
    let temp = user(&store, "temp@agency.example", Some(temp_agency.id)).await;
    let mut by_temp = record(&w, w.york, RequestKind::Question, Targets::default());
    by_temp.new.requester_id = temp.id;
    let asked_by_temp = store
        .create_request(&as_user(&temp), by_temp)
        .await
        .expect("request");
    let within = |roots: Vec<PartyId>, context: Vec<PartyId>| PartyScope::Within { roots, context };
    let provider = within(vec![w.provider], Vec::new());
    let client = within(vec![w.client], Vec::new());
    let leeds_person = within(vec![w.leeds], vec![w.client]);
    let unrelated = within(vec![outsider.id], Vec::new());
    let temp_scope = within(vec![temp.party_id], vec![temp_agency.id]);
    let everything = [at_leeds.id, at_york.id, asked_by_temp.id];

    for (who, scope, user, expected) in [
        ("provider", &provider, None, everything.to_vec()),
        ("client", &client, None, everything.to_vec()),
        ("Leeds person", &leeds_person, None, vec![at_leeds.id]),
        (
            "requester",
            &temp_scope,
            Some(temp.id),
            vec![asked_by_temp.id],
        ),
        ("unrelated", &unrelated, None, Vec::new()),
    ] {
        let mut listed: Vec<_> = store
            .list_requests(&RequestQuery::new(scope.clone(), user))
            .await
            .expect("list")
            .items
            .into_iter()
            .map(|r| r.id)
            .collect();
        listed.sort();
        let mut expected = expected;
        expected.sort();
        assert_eq!(listed, expected, "{who} lists");
        for id in everything {
            let seen = store.visible_request(id, scope, user).await;
            if expected.contains(&id) {
                assert_eq!(seen.expect("visible").id, id, "{who}");
            } else {
                assert!(matches!(seen, Err(StoreError::NotFound)), "{who}: {seen:?}");
            }
        }
    }
    assert!(matches!(
        store
            .visible_request(asked_by_temp.id, &temp_scope, None)
            .await,
        Err(StoreError::NotFound)
    ));
}

/// Mon–Fri 09:00–17:00 UTC.
pub fn office() -> CalendarSpec {
    let day = "[\"09:00-17:00\"]";
    CalendarSpec::from_toml(&format!(
        "zone = \"UTC\"\n[week]\nmon = {day}\ntue = {day}\nwed = {day}\nthu = {day}\nfri = {day}\n"
    ))
    .expect("spec")
}

pub fn around_the_clock() -> CalendarSpec {
    let day = "[\"00:00-24:00\"]";
    CalendarSpec::from_toml(&format!(
        "zone = \"UTC\"\n[week]\nmon = {day}\ntue = {day}\nwed = {day}\nthu = {day}\nfri = {day}\nsat = {day}\nsun = {day}\n"
    ))
    .expect("spec")
}

pub async fn clocks_on_a_stored_calendar_fall_due_in_its_business_hours(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let calendar = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Office hours"),
                owner_id: w.provider,
                spec: office(),
            },
        )
        .await
        .expect("calendar");
    let mut on_calendar = record(&w, w.leeds, RequestKind::Incident, first_response(4));
    let mut on_no_calendar = on_calendar.clone();
    on_calendar.calendar_id = Some(calendar.id);
    on_no_calendar.calendar_id = Some(kept_domain::CalendarId::new());

    let r = store
        .create_request(&as_user(&w.requester), on_calendar)
        .await
        .expect("request");

    let unknown = store
        .create_request(&as_user(&w.requester), on_no_calendar)
        .await;
    match unknown {
        Err(StoreError::Invalid(e)) => assert_eq!(e.0[0].field, "calendar_id"),
        other => panic!("expected invalid input, got {other:?}"),
    }
    let expected = office()
        .compile()
        .expect("compiles")
        .add(r.created_at, hours(4))
        .expect("open time ahead");
    assert_eq!(r.calendar_id, Some(calendar.id));
    assert_eq!(r.due_at, Some(expected));
    assert_eq!(
        store.request(r.id).await.expect("read").due_at,
        Some(expected)
    );
    let compiled = store
        .compiled_calendar(Some(calendar.id))
        .await
        .expect("compiled");
    assert_eq!(compiled.add(r.created_at, hours(4)).ok(), Some(expected));

    // An edit of the calendar is seen by the next write.
    store
        .update_calendar(
            &actor(),
            calendar.id,
            CalendarPatch {
                spec: Some(around_the_clock()),
                ..CalendarPatch::default()
            },
        )
        .await
        .expect("edited");
    let (noted, _) = store
        .act_on_request(
            &as_user(&w.agent),
            r.id,
            RequestChange::Note {
                body: "Calendar changed".into(),
            },
            75,
        )
        .await
        .expect("note");
    assert_eq!(noted.due_at, Some(after(r.created_at, 4 * 60)));
}

/// A request raised in the past (seeded or imported with its history)
/// starts its clocks then, on its calendar, and its overdue alarms are
/// raised at once; a raise time in the future is taken as now.
pub async fn a_request_raised_in_the_past_is_measured_from_then(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let calendar = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Office hours"),
                owner_id: w.provider,
                spec: office(),
            },
        )
        .await
        .expect("calendar");
    let office_hours = office().compile().expect("compiles");
    let now = Timestamp::now();
    // Six business hours ago: a four-hour first response is two hours late.
    let raised = office_hours.sub(now, hours(6)).expect("open time before");
    let mut past = record(&w, w.leeds, RequestKind::Incident, first_response(4));
    past.calendar_id = Some(calendar.id);
    past.raised_at = Some(raised);
    let mut future = record(&w, w.leeds, RequestKind::Incident, first_response(4));
    future.raised_at = Some(after(now, 60 * 24));

    let r = store
        .create_request(&as_user(&w.requester), past)
        .await
        .expect("request");
    let later = store
        .create_request(&as_user(&w.requester), future)
        .await
        .expect("request");
    let alarms = store
        .raise_due_alarms(Timestamp::now(), 100, 75)
        .await
        .expect("alarms");

    assert_eq!(r.created_at, raised);
    let due = office_hours.add(raised, hours(4)).expect("open time ahead");
    assert_eq!(r.due_at, Some(due));
    assert!(due < now, "due {due} is past");
    let events = store.request_events(r.id, true).await.expect("events");
    assert_eq!(events[0].at, raised, "the created event is dated then");
    let mine: Vec<&str> = alarms
        .iter()
        .filter(|(id, _)| *id == r.id)
        .map(|(_, e)| e.kind.as_str())
        .collect();
    assert_eq!(mine.last(), Some(&"clock_breached"), "{alarms:?}");
    assert!(later.created_at <= Timestamp::now() && later.created_at >= now);
}

/// A paused and resumed resolution clock on office hours falls due where
/// the calendar crate's own clock says, from the instants the store kept.
pub async fn a_paused_clock_on_office_hours_falls_due_where_the_calendar_crate_says(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let calendar = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Office hours"),
                owner_id: w.provider,
                spec: office(),
            },
        )
        .await
        .expect("calendar");
    let mut on_calendar = record(&w, w.leeds, RequestKind::Incident, standard());
    on_calendar.calendar_id = Some(calendar.id);
    let r = store
        .create_request(&as_user(&w.requester), on_calendar)
        .await
        .expect("request");

    step(&store, &w, &r, RequestAction::Acknowledge).await;
    let paused = step(&store, &w, &r, RequestAction::AwaitCustomer).await;
    tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    let (resumed, _) = store
        .act_on_request(
            &as_user(&w.requester),
            r.id,
            RequestChange::Reply {
                side: kept_domain::ReplySide::Customer,
                body: "Here is the photo".into(),
            },
            75,
        )
        .await
        .expect("reply");

    let events = store.request_events(r.id, true).await.expect("events");
    let at = |to: &str| {
        events
            .iter()
            .find(|e| e.data["to"] == to)
            .map(|e| e.at)
            .expect("the step's event")
    };
    let cal = office().compile().expect("compiles");
    let mut clock = kept_domain::calendar::SlaClock::start(r.created_at);
    clock.pause(at("awaiting_customer")).expect("pause");
    clock.resume(at("in_progress")).expect("resume");
    let expected = clock.due(&cal, hours(16)).expect("open time ahead");
    let resolution = |req: &Request| {
        req.clocks
            .iter()
            .find(|c| c.kind == kept_domain::ClockKind::Resolution)
            .expect("a resolution clock")
            .clone()
    };
    assert_eq!(resolution(&paused).clock.state(), ClockState::Paused);
    assert_eq!(paused.due_at, None, "no clock counting while paused");
    assert_eq!(resolution(&resumed).clock, clock);
    assert_eq!(resumed.due_at, expected);
    assert_eq!(store.request(r.id).await.expect("read").due_at, expected);
}
