//! The queue's order as the pages describe it: breached first, then the
//! soonest due (when each request's next target falls due on its own
//! contract's calendar), then open requests with no clock running, closed
//! requests last; the oldest first among equals.

use std::sync::Arc;

use jiff::{SignedDuration, Timestamp};
use kept_domain::calendar::CalendarSpec;
use kept_domain::{NewCalendar, PartyScope, RequestAction, RequestChange, RequestKind, SlaState};
use kept_store::{RequestQuery, Store};

use crate::requests::{after, as_user, first_response, raise, record, world};
use crate::support::{actor, name};

/// Open around the clock (UTC) except for three days from `from`.
fn closed_for_three_days(from: Timestamp) -> CalendarSpec {
    let day = "[\"00:00-24:00\"]";
    let minute = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M").to_string();
    CalendarSpec::from_toml(&format!(
        "zone = \"UTC\"\n[week]\nmon = {day}\ntue = {day}\nwed = {day}\nthu = {day}\n\
         fri = {day}\nsat = {day}\nsun = {day}\n[[exceptions]]\nkind = \"closed\"\n\
         from = \"{}\"\nto = \"{}\"\n",
        minute(from),
        minute(from + SignedDuration::from_hours(72)),
    ))
    .expect("spec")
}

pub async fn the_queue_lists_the_soonest_due_first_whatever_business_time_each_has_left(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let now = Timestamp::now();
    let calendar = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Closed for the refit"),
                owner_id: w.provider,
                spec: closed_for_three_days(after(now, 90)),
            },
        )
        .await
        .expect("calendar");
    // Two of four hours used an hour and a half before a three-day closure:
    // at risk within the hour, due after the closure.
    let mut before_refit = record(&w, w.leeds, RequestKind::Incident, first_response(4));
    before_refit.calendar_id = Some(calendar.id);
    before_refit.raised_at = Some(now - SignedDuration::from_hours(2));
    let short = store
        .create_request(&as_user(&w.requester), before_refit)
        .await
        .expect("request");
    // Sixteen hours around the clock: due tomorrow.
    let long = raise(
        &store,
        &w,
        w.york,
        RequestKind::Incident,
        first_response(16),
    )
    .await;
    let cancelled = raise(&store, &w, w.york, RequestKind::Question, first_response(1)).await;
    store
        .act_on_request(
            &as_user(&w.requester),
            cancelled.id,
            RequestChange::Act {
                action: RequestAction::Cancel,
                reason: Some("Raised twice".into()),
            },
            75,
        )
        .await
        .expect("cancelled");
    let unclocked = raise(
        &store,
        &w,
        w.leeds,
        RequestKind::Question,
        Default::default(),
    )
    .await;
    let checked_at = after(now, 65);
    store
        .raise_due_alarms(checked_at, 100, 75)
        .await
        .expect("sweep");

    let listed = store
        .list_requests(&RequestQuery::new(PartyScope::All, None))
        .await
        .expect("list")
        .items;

    let numbers: Vec<i64> = listed.iter().map(|r| r.number).collect();
    assert_eq!(
        numbers,
        [
            long.number,
            short.number,
            unclocked.number,
            cancelled.number
        ],
        "the soonest due first, then the open request with no clock, closed last"
    );
    let (long, short) = (&listed[0], &listed[1]);
    assert_eq!(short.sla_state, SlaState::AtRisk);
    assert_eq!(long.sla_state, SlaState::OnTrack);
    let left = |r: &kept_domain::Request, spec: CalendarSpec| {
        let calendar = spec.compile().expect("compiles");
        r.clocks[0].view(&calendar, checked_at, 75).remaining
    };
    let around = crate::requests::around_the_clock();
    assert!(
        left(short, closed_for_three_days(after(now, 90))) < left(long, around),
        "the later one has less business time left"
    );
    assert!(long.due_at < short.due_at);
}
