//! The queue, the portal's list and a request's timeline: what each
//! caller is shown.

use kept_app::requests::act;
use kept_app::requests::detail::timeline;
use kept_app::requests::list::{Filter, portal};
use kept_app::requests::queue::queue;
use kept_app::requests::saved;
use kept_domain::{PartyId, RequestChange, RequestEvent};

use crate::world::{World, each_backend};

#[tokio::test]
async fn a_sites_person_may_filter_by_the_customers_they_may_read_and_sees_their_sites_requests() {
    each_backend(async |w: World| {
        let at_leeds = w.raise(&w.lee, w.leeds, "Leeds floor").await;
        w.raise(&w.ada, w.york, "York floor").await;
        saved::save(&w.ctx, &w.lee, "Mine", "status=open&order=newest")
            .await
            .expect("saved");

        let lee = queue(&w.ctx, &w.lee, Some(Filter::default()))
            .await
            .expect("the queue");
        let cy = queue(&w.ctx, &w.cy, Some(Filter::default()))
            .await
            .expect("the queue");

        let customers: Vec<PartyId> = lee.customers.iter().map(|(id, _)| *id).collect();
        assert_eq!(
            customers,
            [w.leeds],
            "York is on the contract but not Lee's"
        );
        assert_eq!(lee.contracts, [(w.contract.id, "Harbour FM".to_owned())]);
        let rows: Vec<_> = lee.rows.iter().map(|r| r.request.id).collect();
        assert_eq!(rows, [at_leeds.id]);
        assert_eq!(lee.rows[0].customer, "Leeds");
        assert_eq!(lee.rows[0].contract, "Harbour FM");
        assert_eq!(lee.saved.len(), 1);
        assert_eq!(lee.saved[0].name, "Mine");
        let customers: Vec<&str> = cy.customers.iter().map(|(_, n)| n.as_str()).collect();
        assert_eq!(
            customers,
            ["Leeds", "York"],
            "the client reads every customer"
        );
        assert_eq!(cy.rows.len(), 2);
        assert!(cy.saved.is_empty(), "saved filters are one's own");
    })
    .await;
}

#[tokio::test]
async fn filters_that_cannot_be_used_show_no_requests_but_still_the_choices() {
    each_backend(async |w: World| {
        w.raise(&w.lee, w.leeds, "Leeds floor").await;

        let shown = queue(&w.ctx, &w.lee, None).await.expect("the queue");

        assert!(shown.rows.is_empty() && shown.next_cursor.is_none());
        assert_eq!(shown.customers.len(), 1);
        assert_eq!(shown.contracts.len(), 1);
    })
    .await;
}

#[tokio::test]
async fn the_portal_lists_what_the_caller_raised_or_everything_they_follow() {
    each_backend(async |w: World| {
        let mine = w.raise(&w.lee, w.leeds, "Mine").await;
        w.raise(&w.lou, w.bakery, "Lou's").await;
        w.raise(&w.ada, w.york, "York's").await;

        let raised = portal(&w.ctx, &w.lee, false, None).await.expect("the list");
        let followed = portal(&w.ctx, &w.lee, true, None).await.expect("the list");

        let ids: Vec<_> = raised.items.iter().map(|r| r.request.id).collect();
        assert_eq!(ids, [mine.id]);
        let subjects: Vec<&str> = followed
            .items
            .iter()
            .map(|r| r.request.subject.as_str())
            .collect();
        assert_eq!(subjects, ["Lou's", "Mine"], "newest first, Leeds only");
    })
    .await;
}

#[tokio::test]
async fn the_customers_side_sees_the_timeline_without_internal_notes() {
    each_backend(async |w: World| {
        let request = w.raise(&w.lee, w.leeds, "Leeds floor").await;
        let note = RequestChange::Note {
            body: "Send the night team".to_owned(),
        };
        act(&w.ctx, &w.ada, request.id, note).await.expect("noted");

        let lee = timeline(&w.ctx, &w.lee, request.id)
            .await
            .expect("the timeline");
        let ada = timeline(&w.ctx, &w.ada, request.id)
            .await
            .expect("the timeline");
        let client = timeline(&w.ctx, &w.cy, request.id)
            .await
            .expect("the timeline");

        let noted = |events: &[RequestEvent]| {
            events
                .iter()
                .any(|e| e.body.as_deref() == Some("Send the night team"))
        };
        assert!(noted(&ada), "the provider's side sees its notes");
        assert!(
            !noted(&lee) && !noted(&client),
            "the customer's side does not"
        );
        assert_eq!(ada.len(), lee.len() + 1);
    })
    .await;
}
