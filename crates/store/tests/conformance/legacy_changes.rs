//! Change requests raised before migration 0016 recorded a base version
//! and a proposal: the migration's backfill finds their base, their
//! proposal is worked out when read, and applying one still keeps what
//! was applied since. Run on SQLite and PostgreSQL by hand (the raw SQL
//! needs the database's address, which the conformance list does not pass).

use std::sync::Arc;

use kept_domain::{Difference, Priority, SlaField};
use kept_store::Store;
use kept_store::testing::TestDatabase;
use sqlx::any::{AnyPoolOptions, install_default_drivers};

use crate::change_rebase::{approved, edited, h, urgent, with_v1};
use crate::support::actor;

/// The backfill statement of migration 0016, as shipped.
fn backfill() -> String {
    let migration = include_str!("../../migrations/sqlite/0016_change_request_base.sql");
    let start = migration.find("UPDATE").expect("the migration backfills");
    migration[start..].trim().trim_end_matches(';').to_owned()
}

async fn a_change_raised_before_proposals_were_kept_still_applies_as_its_diff(db: TestDatabase) {
    let store: Arc<dyn Store> = db.store().await;
    let w = with_v1(&store).await;
    let faster = approved(
        &store,
        &w,
        "Faster fixes",
        edited(&w, |t| t.sla[0].resolution = h(4)),
    )
    .await;
    let answers = approved(
        &store,
        &w,
        "Faster answers",
        edited(&w, |t| t.sla[0].first_response = h(2)),
    )
    .await;
    // As it was stored before 0016: neither base nor proposal.
    install_default_drivers();
    let raw = AnyPoolOptions::new()
        .max_connections(1)
        .connect(db.url())
        .await
        .expect("raw connection");
    sqlx::query("UPDATE change_requests SET base_version = NULL, proposal = NULL WHERE id = $1")
        .bind(answers.id.to_string())
        .execute(&raw)
        .await
        .expect("made legacy");
    store
        .apply_change_request(&actor(), faster.id, None)
        .await
        .expect("applied as version 2");

    sqlx::query(sqlx::AssertSqlSafe(backfill()))
        .execute(&raw)
        .await
        .expect("backfilled");
    raw.close().await;
    let read = store.change_request(answers.id).await.expect("read");

    assert_eq!(
        read.base_version,
        Some(1),
        "drafted when version 1 was the latest"
    );
    assert_eq!(
        read.proposal,
        [Difference::Sla {
            service_id: w.service,
            priority: Priority::Urgent,
            target: SlaField::FirstResponse,
            from: h(4),
            to: h(2),
        }]
    );
    let (_, v3) = store
        .apply_change_request(&actor(), answers.id, None)
        .await
        .expect("applied as version 3");
    let t = urgent(&v3.terms, w.service);
    assert_eq!((t.first_response, t.resolution), (h(2), h(4)));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_change_request_applies_as_its_diff_on_sqlite() {
    a_change_raised_before_proposals_were_kept_still_applies_as_its_diff(TestDatabase::sqlite())
        .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_legacy_change_request_applies_as_its_diff_on_postgres() {
    let Some(db) = TestDatabase::postgres().await else {
        return;
    };
    a_change_raised_before_proposals_were_kept_still_applies_as_its_diff(db).await;
}
