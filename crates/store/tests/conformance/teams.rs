//! Teams: members with their calendars and shares, absences, requests
//! assigned to a team and a member, and a team's open work for the planner.

use std::sync::Arc;

use jiff::civil::date;
use kept_domain::calendar::{BusinessDuration, CalendarSpec};
use kept_domain::{
    EventKind, MemberPlace, NewAbsence, NewCalendar, NewService, PartyKind, RequestAction,
    RequestChange, RequestKind, ServiceDetails, Targets,
};
use kept_store::{Store, StoreError};

use crate::requests::{record, world};
use crate::support::{actor, name, org, party, user};

fn place(share: u8) -> MemberPlace {
    MemberPlace {
        calendar_id: None,
        share_percent: share,
    }
}

fn field(e: StoreError) -> String {
    match e {
        StoreError::Invalid(v) => v.0[0].field.clone(),
        other => format!("{other:?}"),
    }
}

pub async fn members_and_absences_read_back_and_leaving_takes_the_absences(store: Arc<dyn Store>) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let spec =
        CalendarSpec::from_toml("zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:00\"]\n")
            .expect("spec");
    let hours = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Office"),
                owner_id: w.provider,
                spec,
            },
        )
        .await
        .expect("calendar");
    let priya = user(&store, "priya@brightwell.example", Some(w.provider)).await;
    let set = store
        .set_team_member(
            &actor(),
            ops.id,
            w.agent.id,
            MemberPlace {
                calendar_id: Some(hours.id),
                share_percent: 60,
            },
        )
        .await
        .expect("member");
    assert_eq!((set.calendar_id, set.share_percent), (Some(hours.id), 60));
    store
        .set_team_member(&actor(), ops.id, priya.id, place(100))
        .await
        .expect("second member");
    // Setting again changes the place, not the membership.
    store
        .set_team_member(&actor(), ops.id, priya.id, place(80))
        .await
        .expect("changed");
    let away = NewAbsence {
        team_id: ops.id,
        user_id: priya.id,
        starts_on: date(2026, 6, 4),
        ends_on: date(2026, 6, 5),
        reason: "Leave".into(),
    };
    let absence = store
        .add_absence(&actor(), away.clone())
        .await
        .expect("absence");
    let members = store.team_members(ops.id).await.expect("members");
    assert_eq!(members.len(), 2);
    assert_eq!(members[1].share_percent, 80);
    assert_eq!(members[1].absences, vec![absence.clone()]);
    assert!(members[0].absences.is_empty());
    assert_eq!(
        store
            .team_sizes(&[ops.id, w.provider])
            .await
            .expect("sizes"),
        vec![(ops.id, 2)]
    );
    // Refusals: a party that is no team, a share out of range, a stranger's absence.
    let not_team = store
        .set_team_member(&actor(), w.leeds, priya.id, place(50))
        .await;
    assert_eq!(field(not_team.expect_err("not a team")), "team_id");
    let zero = store
        .set_team_member(&actor(), ops.id, priya.id, place(0))
        .await;
    assert_eq!(field(zero.expect_err("no share")), "share_percent");
    let stranger = NewAbsence {
        user_id: w.requester.id,
        ..away.clone()
    };
    let refused = store.add_absence(&actor(), stranger).await;
    assert_eq!(field(refused.expect_err("not a member")), "user_id");
    let backwards = NewAbsence {
        ends_on: date(2026, 6, 1),
        ..away.clone()
    };
    let refused = store.add_absence(&actor(), backwards).await;
    assert_eq!(field(refused.expect_err("backwards")), "ends_on");
    // Leaving takes the absences with it.
    store
        .add_absence(&actor(), away)
        .await
        .expect("another absence");
    store
        .remove_absence(&actor(), ops.id, absence.id)
        .await
        .expect("removed");
    assert!(matches!(
        store.remove_absence(&actor(), ops.id, absence.id).await,
        Err(StoreError::NotFound)
    ));
    store
        .remove_team_member(&actor(), ops.id, priya.id)
        .await
        .expect("left");
    assert!(matches!(
        store.remove_team_member(&actor(), ops.id, priya.id).await,
        Err(StoreError::NotFound)
    ));
    let members = store.team_members(ops.id).await.expect("members");
    assert_eq!(members.len(), 1);
    store
        .set_team_member(&actor(), ops.id, priya.id, place(50))
        .await
        .expect("back");
    let members = store.team_members(ops.id).await.expect("members");
    assert!(members.iter().all(|m| m.absences.is_empty()));
}

pub async fn assigning_a_request_records_it_and_refuses_strangers_and_other_teams(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let elsewhere = org(&store, "Elsewhere").await;
    let their_team = party(&store, PartyKind::Team, "Theirs", Some(elsewhere.id)).await;
    store
        .set_team_member(&actor(), ops.id, w.agent.id, place(100))
        .await
        .expect("member");
    let request = store
        .create_request(
            &actor(),
            record(&w, w.leeds, RequestKind::Incident, Targets::default()),
        )
        .await
        .expect("request");
    assert_eq!((request.team_id, request.assignee_id), (None, None));
    let (assigned, event) = store
        .assign_request(&actor(), request.id, ops.id, Some(w.agent.id))
        .await
        .expect("assigned");
    assert_eq!(assigned.team_id, Some(ops.id));
    assert_eq!(assigned.assignee_id, Some(w.agent.id));
    assert_eq!(
        (event.kind, event.public, event.seq),
        (EventKind::Assigned, false, 2)
    );
    assert_eq!(event.data["team_id"], ops.id.to_string());
    let read = store.request(request.id).await.expect("read");
    assert_eq!(read.team_id, Some(ops.id));
    let history = store
        .request_events(request.id, false)
        .await
        .expect("events");
    assert!(
        history.iter().all(|e| e.kind != EventKind::Assigned),
        "internal"
    );
    let refused = store
        .assign_request(&actor(), request.id, ops.id, Some(w.requester.id))
        .await;
    assert_eq!(field(refused.expect_err("not a member")), "assignee_id");
    let refused = store
        .assign_request(&actor(), request.id, their_team.id, None)
        .await;
    assert_eq!(
        field(refused.expect_err("another provider's team")),
        "team_id"
    );
    let refused = store
        .assign_request(&actor(), request.id, w.leeds, None)
        .await;
    assert_eq!(field(refused.expect_err("not a team")), "team_id");
    // Back to the whole team: still one more event, in order.
    let (_, event) = store
        .assign_request(&actor(), request.id, ops.id, None)
        .await
        .expect("reassigned");
    assert_eq!(event.seq, 3);
    assert_eq!(event.data["from_assignee_id"], w.agent.id.to_string());
}

pub async fn a_teams_open_work_carries_effort_due_and_assignee_and_intake_uses_the_default_team(
    store: Arc<dyn Store>,
) {
    let w = world(&store).await;
    let ops = party(&store, PartyKind::Team, "Operations", Some(w.provider)).await;
    let details = ServiceDetails {
        default_effort: Some(BusinessDuration::from_hours(3)),
        default_team_id: Some(ops.id),
        ..ServiceDetails::default()
    };
    let planned = store
        .create_service(
            &actor(),
            NewService {
                provider_id: w.provider,
                name: name("Planned work"),
                details: details.clone(),
            },
        )
        .await
        .expect("service with a default team");
    assert_eq!(planned.default_team_id, Some(ops.id));
    let elsewhere = org(&store, "Elsewhere").await;
    let refused = store
        .create_service(
            &actor(),
            NewService {
                provider_id: elsewhere.id,
                name: name("Theirs"),
                details,
            },
        )
        .await;
    assert_eq!(field(refused.expect_err("not its team")), "default_team_id");
    // The contract's service has no effort: the planner sees none unless
    // the request says; a request raised with the default team lands in it.
    let mut first = record(&w, w.leeds, RequestKind::Incident, Targets::default());
    first.team_id = Some(ops.id);
    let first = store.create_request(&actor(), first).await.expect("first");
    assert_eq!(first.team_id, Some(ops.id));
    let mut second = record(&w, w.york, RequestKind::Order, Targets::default());
    second.new.effort = Some(BusinessDuration::from_hours(5));
    let second = store
        .create_request(&actor(), second)
        .await
        .expect("second");
    store
        .assign_request(&actor(), second.id, ops.id, None)
        .await
        .expect("assigned");
    let mut done = record(&w, w.leeds, RequestKind::Incident, Targets::default());
    done.team_id = Some(ops.id);
    let done = store.create_request(&actor(), done).await.expect("third");
    store
        .act_on_request(
            &actor(),
            done.id,
            RequestChange::Act {
                action: RequestAction::Cancel,
                reason: Some("Duplicate".into()),
            },
            75,
        )
        .await
        .expect("cancelled");
    let work = store.team_work(ops.id).await.expect("work");
    let numbers: Vec<i64> = work.iter().map(|o| o.number).collect();
    assert_eq!(numbers, vec![first.number, second.number]);
    assert_eq!(work[0].effort, None);
    assert_eq!(work[1].effort, Some(BusinessDuration::from_hours(5)));
    assert_eq!(work[0].customer_id, w.leeds);
    assert_eq!(work[1].contract_id, w.contract.id);
    // The service's typical effort stands in for a request without one.
    store
        .update_service(
            &actor(),
            w.service,
            kept_domain::ServicePatch {
                name: None,
                details: Some(ServiceDetails {
                    default_effort: Some(BusinessDuration::from_hours(2)),
                    ..ServiceDetails::default()
                }),
            },
        )
        .await
        .expect("effort");
    let work = store.team_work(ops.id).await.expect("work");
    assert_eq!(work[0].effort, Some(BusinessDuration::from_hours(2)));
}
