use std::sync::Arc;

use kept_domain::calendar::CalendarSpec;
use kept_domain::{AuditAction, CalendarId, CalendarPatch, NewCalendar, PartyId, PartyScope};
use kept_store::{ArchivedFilter, AuditQuery, CalendarQuery, Store, StoreError};

use crate::support::{actor, name, org};

fn spec(toml: &str) -> CalendarSpec {
    CalendarSpec::from_toml(toml).expect("test calendars parse")
}

const OFFICE: &str = "zone = \"Europe/London\"\n[week]\nmon = [\"09:00-17:30\"]\nfri = [\"09:00-17:30\", \"22:00-06:00\"]\n[[holidays]]\ndate = \"2026-12-25\"\nname = \"Christmas Day\"\n";

pub async fn a_calendar_reads_back_with_its_rules(store: Arc<dyn Store>) {
    let owner = org(&store, "Brightwell Facilities").await;
    let made = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("UK office hours"),
                owner_id: owner.id,
                spec: spec(OFFICE),
            },
        )
        .await
        .expect("stored");

    let read = store.calendar(made.id).await.expect("read");

    assert_eq!(read, made);
    assert_eq!(read.spec.holidays[0].name, "Christmas Day");
    assert!(read.spec.week.fri[1].crosses_midnight());
    assert!(matches!(
        store.calendar(CalendarId::new()).await,
        Err(StoreError::NotFound)
    ));
}

pub async fn an_invalid_calendar_or_unknown_owner_is_refused(store: Arc<dyn Store>) {
    let owner = org(&store, "Owner").await;
    let bad = spec("zone = \"Mars/Olympus\"\n[week]\nmon = [\"09:00-13:00\", \"12:00-17:00\"]\n");
    let refused = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Bad"),
                owner_id: owner.id,
                spec: bad.clone(),
            },
        )
        .await;
    match refused {
        Err(StoreError::Invalid(errors)) => {
            let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
            assert_eq!(fields, ["spec.zone", "spec.week.mon[1]"]);
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
    let orphan = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Orphan"),
                owner_id: PartyId::new(),
                spec: spec(OFFICE),
            },
        )
        .await;
    assert!(matches!(orphan, Err(StoreError::Invalid(_))), "{orphan:?}");
    let good = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Good"),
                owner_id: owner.id,
                spec: spec(OFFICE),
            },
        )
        .await
        .expect("stored");
    let update = store
        .update_calendar(
            &actor(),
            good.id,
            CalendarPatch {
                name: None,
                spec: Some(bad),
            },
        )
        .await;
    assert!(matches!(update, Err(StoreError::Invalid(_))), "{update:?}");
    assert_eq!(
        store.calendar(good.id).await.expect("read").spec,
        spec(OFFICE)
    );
}

pub async fn calendars_list_by_name_within_the_owners_scope(store: Arc<dyn Store>) {
    let mine = org(&store, "Mine").await;
    let theirs = org(&store, "Theirs").await;
    for (n, owner) in [("Zulu", mine.id), ("alpha", mine.id), ("Hidden", theirs.id)] {
        store
            .create_calendar(
                &actor(),
                NewCalendar {
                    name: name(n),
                    owner_id: owner,
                    spec: spec(OFFICE),
                },
            )
            .await
            .expect("stored");
    }
    let scope = PartyScope::Within {
        roots: vec![mine.id],
        context: vec![],
    };
    let page = store
        .list_calendars(&CalendarQuery::new(scope))
        .await
        .expect("list");
    let names: Vec<&str> = page.items.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["alpha", "Zulu"]);
    let all = store
        .list_calendars(&CalendarQuery::new(PartyScope::All))
        .await
        .expect("list");
    assert_eq!(all.items.len(), 3);
}

pub async fn changing_and_archiving_a_calendar_is_audited(store: Arc<dyn Store>) {
    let owner = org(&store, "Owner").await;
    let made = store
        .create_calendar(
            &actor(),
            NewCalendar {
                name: name("Hours"),
                owner_id: owner.id,
                spec: spec(OFFICE),
            },
        )
        .await
        .expect("stored");
    let longer = spec("zone = \"Europe/London\"\n[week]\nmon = [\"08:00-18:00\"]\n");

    let changed = store
        .update_calendar(
            &actor(),
            made.id,
            CalendarPatch {
                name: Some(name("Long hours")),
                spec: Some(longer.clone()),
            },
        )
        .await
        .expect("updated");
    let archived = store
        .set_calendar_archived(&actor(), made.id, true)
        .await
        .expect("archived");

    assert_eq!(changed.spec, longer);
    assert_eq!(changed.name.as_str(), "Long hours");
    assert!(archived.is_archived());
    let mut q = CalendarQuery::new(PartyScope::All);
    assert!(
        store
            .list_calendars(&q)
            .await
            .expect("list")
            .items
            .is_empty()
    );
    q.archived = ArchivedFilter::Archived;
    assert_eq!(store.list_calendars(&q).await.expect("list").items.len(), 1);
    let events = store
        .audit_events(&AuditQuery {
            subject_type: Some("calendar".into()),
            subject_id: Some(made.id.to_string()),
            ..AuditQuery::default()
        })
        .await
        .expect("audit");
    let actions: Vec<AuditAction> = events.items.iter().map(|e| e.action).collect();
    assert!(
        actions.contains(&AuditAction::CalendarCreated),
        "{actions:?}"
    );
    assert!(
        actions.contains(&AuditAction::CalendarUpdated),
        "{actions:?}"
    );
    assert!(
        actions.contains(&AuditAction::CalendarArchived),
        "{actions:?}"
    );
}
