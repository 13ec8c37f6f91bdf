//! The queue's pages are read from an index in their order, never by
//! sorting every matching request: SQLite's plans for them name an index
//! and no temporary B-tree for the `ORDER BY`. (Timing would say the same
//! only on a large database; the plan says it on an empty one.)

use kept_domain::{Limit, PartyId, PartyScope, RequestStatus, SlaState, UserId};
use sqlx::Row;

use super::page_sql;
use crate::query::{RequestOrder, RequestQuery};
use crate::testing::TestDatabase;
use crate::{SqlStore, Store, StoreOptions};

async fn sqlite_store() -> (TestDatabase, SqlStore) {
    let db = TestDatabase::sqlite();
    let store = SqlStore::connect(db.url(), &StoreOptions::default())
        .await
        .expect("open");
    store.migrate().await.expect("migrate");
    (db, store)
}

/// One step of SQLite's plan: its id, its parent's, and what it does.
type Step = (i64, i64, String);

/// SQLite's plan for the page `q` asks for.
async fn plan(store: &SqlStore, q: &RequestQuery) -> Vec<Step> {
    let sql = page_sql(q).expect("sql");
    let rows = sqlx::query_with(
        sqlx::AssertSqlSafe(format!("EXPLAIN QUERY PLAN {}", sql.text)),
        sql.args,
    )
    .fetch_all(&store.db.read)
    .await
    .expect("explain");
    rows.iter()
        .map(|r| {
            (
                r.try_get("id").expect("id"),
                r.try_get("parent").expect("parent"),
                r.try_get("detail").expect("detail"),
            )
        })
        .collect()
}

/// The indexes the plan reads requests through; `None` if any step reads
/// the table whole or sorts requests (a temporary B-tree beside a step on
/// `requests`, rather than over the few rows of one page).
fn ordered_reads(plan: &[Step]) -> Option<Vec<String>> {
    let on_requests =
        |d: &str| d.starts_with("SCAN r ") || d.starts_with("SEARCH r ") || d == "SCAN r";
    let mut indexes = Vec::new();
    for (_, parent, detail) in plan {
        if detail.starts_with("USE TEMP B-TREE FOR ORDER BY")
            && plan.iter().any(|(_, p, d)| p == parent && on_requests(d))
        {
            return None;
        }
        if detail == "SCAN r" {
            // The table itself, in the order of its key, `number`.
            indexes.push("number".to_owned());
        } else if on_requests(detail) {
            let index = detail.split(" INDEX ").nth(1)?;
            indexes.push(index.split(' ').next().unwrap_or(index).to_owned());
        }
    }
    Some(indexes)
}

fn query(edit: impl FnOnce(&mut RequestQuery)) -> RequestQuery {
    let mut q = RequestQuery::new(PartyScope::All, None);
    q.limit = Limit::DEFAULT;
    edit(&mut q);
    q
}

#[tokio::test]
async fn queue_pages_are_read_in_index_order_without_sorting_every_request() {
    let (_db, store) = sqlite_store().await;
    let staff = PartyScope::Within {
        roots: vec![PartyId::new()],
        context: vec![PartyId::new()],
    };
    let open: Vec<RequestStatus> = RequestStatus::ALL
        .iter()
        .copied()
        .filter(|s| s.is_open())
        .collect();
    let next = kept_domain::Cursor::encode(&["5", "7"]).as_str().to_owned();
    let queue = "requests_queue";
    let by_status = "requests_status_queue";
    let cases: [(&str, RequestQuery, Vec<&str>); 12] = [
        ("the default order", query(|_| {}), vec![queue]),
        (
            "the next page",
            query(|q| q.cursor = Some(next.clone())),
            vec![queue],
        ),
        (
            "status new",
            query(|q| q.statuses = vec![RequestStatus::New]),
            vec![by_status],
        ),
        (
            "the open statuses",
            query(|q| q.statuses = open.clone()),
            vec![by_status; 4],
        ),
        (
            "breached",
            query(|q| q.sla = vec![SlaState::Breached]),
            vec![queue],
        ),
        (
            "at risk or on track",
            query(|q| q.sla = vec![SlaState::AtRisk, SlaState::OnTrack]),
            vec![queue],
        ),
        (
            "breached in the open statuses",
            query(|q| {
                q.statuses = open.clone();
                q.sla = vec![SlaState::Breached];
            }),
            vec![by_status; 4],
        ),
        (
            "due before",
            query(|q| q.due_before = Some(kept_domain::Timestamp::UNIX_EPOCH)),
            vec![queue],
        ),
        (
            "paused",
            query(|q| q.sla = vec![SlaState::Paused]),
            vec![by_status],
        ),
        (
            "a provider's staff",
            query(|q| {
                q.scope = staff.clone();
                q.user = Some(UserId::new());
            }),
            vec![queue],
        ),
        (
            "newest",
            query(|q| q.order = RequestOrder::Newest),
            vec!["number"],
        ),
        (
            "newest in status new",
            query(|q| {
                q.order = RequestOrder::Newest;
                q.statuses = vec![RequestStatus::New];
            }),
            vec!["requests_status_number"],
        ),
    ];

    let mut plans = Vec::new();
    for (name, q, _) in &cases {
        plans.push((*name, plan(&store, q).await));
    }

    for (name, q, _) in &cases {
        // SQLite ranges over one upper bound of a column: a second one (the
        // open requests, where the breached ones are asked for) could be the
        // one it takes, and the scan would run to the last open request.
        let text = page_sql(q).expect("sql").text;
        let branches = text.matches(" UNION ALL ").count() + 1;
        assert!(
            text.matches("r.queue_key <=").count() <= branches,
            "{name}: one upper bound on the key per scan: {text}"
        );
    }
    for ((name, plan), (_, _, expected)) in plans.iter().zip(&cases) {
        let reads = ordered_reads(plan);
        assert_eq!(
            reads.as_deref(),
            Some(&expected.iter().map(|i| (*i).to_owned()).collect::<Vec<_>>()[..]),
            "{name}: {plan:#?}"
        );
    }
}
