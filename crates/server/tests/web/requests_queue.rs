//! The request queue: open requests most urgent first, filters by status,
//! SLA state and due date, the newest first when asked, problems with the
//! filters said on the page, and saved filters that only their owner
//! deletes.

use reqwest::StatusCode;

use crate::requests::{LEAK, World, id_of, subjects, world};
use crate::support::{Page, assert_see_other, location};

/// Three requests: a new one, one awaiting the customer (its clocks
/// paused) and a fulfilled one, raised in that order.
async fn three_requests(w: &World) -> [String; 3] {
    let fresh = id_of(&w.raise("Leaking tap by the tills").await);
    let waiting = id_of(&w.raise("Flickering light in aisle 4").await);
    let done = id_of(&w.raise("Blocked drain at the back door").await);
    w.act(&waiting, "acknowledge").await;
    w.act(&waiting, "await_customer").await;
    w.act(&done, "acknowledge").await;
    w.act(&done, "fulfil").await;
    [fresh, waiting, done]
}

/// `texts`, sorted.
fn sorted(mut texts: Vec<String>) -> Vec<String> {
    texts.sort();
    texts
}

#[tokio::test]
async fn the_queue_shows_open_requests_and_filters_by_status_and_sla_state() {
    let w = world().await;
    three_requests(&w).await;
    let agent = w.browser(&w.agent).await;

    let open = agent.page("/requests").await;
    let all = agent.page("/requests?status=all").await;
    let fulfilled = agent.page("/requests?status=fulfilled").await;
    let paused = agent.page("/requests?status=&sla=paused").await;
    let on_track = agent.page("/requests?sla=on_track").await;

    assert_eq!(
        sorted(subjects(&open)),
        ["Flickering light in aisle 4", "Leaking tap by the tills"]
    );
    assert_eq!(subjects(&all).len(), 3);
    assert_eq!(subjects(&fulfilled), ["Blocked drain at the back door"]);
    assert_eq!(fulfilled.text("#f-status option[selected]"), "Fulfilled");
    assert_eq!(subjects(&paused), ["Flickering light in aisle 4"]);
    assert_eq!(paused.text("#f-sla option[selected]"), "Paused");
    assert_eq!(subjects(&on_track), ["Leaking tap by the tills"]);
}

#[tokio::test]
async fn the_queue_puts_the_soonest_due_first_or_the_newest_when_asked() {
    let w = world().await;
    w.raise("First: leaking tap").await;
    w.raise("Second: broken hinge").await;
    let agent = w.browser(&w.agent).await;

    let urgent_first = agent.page("/requests").await;
    let newest_first = agent.page("/requests?order=newest").await;

    assert_eq!(
        subjects(&urgent_first),
        ["First: leaking tap", "Second: broken hinge"]
    );
    assert_eq!(
        subjects(&newest_first),
        ["Second: broken hinge", "First: leaking tap"]
    );
    assert_eq!(newest_first.text("#f-order option[selected]"), "Newest");
}

#[tokio::test]
async fn the_queue_reads_due_before_as_a_local_time_or_an_instant() {
    let w = world().await;
    w.raise(LEAK).await;
    let agent = w.browser(&w.agent).await;

    let past = agent.page("/requests?due_before=2001-01-01T00%3A00").await;
    let future_local = agent.page("/requests?due_before=2999-01-01T00%3A00").await;
    let future_instant = agent
        .page("/requests?due_before=2999-01-01T00%3A00%3A00Z")
        .await;

    assert_eq!(past.count("#no-requests"), 1);
    assert_eq!(past.flash(), None);
    assert_eq!(subjects(&future_local), [LEAK]);
    assert_eq!(subjects(&future_instant), [LEAK]);
}

#[tokio::test]
async fn a_bad_due_date_or_an_unknown_order_is_said_plainly_on_the_queue() {
    let w = world().await;
    w.raise(LEAK).await;
    let agent = w.browser(&w.agent).await;

    let bad_due = agent.page("/requests?due_before=next+Tuesday").await;
    let bad_order = agent.page("/requests?order=oldest").await;
    let bad_status = agent.page("/requests?status=lost").await;

    for (page, says) in [
        (
            &bad_due,
            "Due before: “next Tuesday” is not a date and time",
        ),
        (&bad_order, "Order: “oldest” is not an order"),
        (&bad_status, "Status: `lost` is not a request status"),
    ] {
        page.assert_status(StatusCode::OK);
        let flash = page.flash().expect("the problem, said on the page");
        assert!(flash.contains(says), "{flash}");
        assert!(!flash.contains("Not saved"), "{flash}");
        assert_eq!(page.count("form.filters"), 1);
        assert!(!page.body.contains(LEAK));
    }
}

#[tokio::test]
async fn a_saved_filter_is_listed_replays_its_query_and_can_be_deleted() {
    let w = world().await;
    three_requests(&w).await;
    let agent = w.browser(&w.agent).await;
    let filtered = agent.page("/requests?status=all&sla=paused").await;
    let query = filtered.attr("input[name=query]", "value");

    let saved = agent
        .submit(
            "/requests",
            "/requests/filters",
            &[("name", "Waiting on stores"), ("query", &query)],
        )
        .await;
    let listed = agent.page(&location(&saved)).await;
    let link = listed.attr(".saved-filters a", "href");
    let replayed = agent.page(&link).await;
    let deleted = agent
        .submit(
            "/requests",
            &listed.attr(".saved-filters form", "action"),
            &[],
        )
        .await;
    let after = agent.page("/requests").await;

    assert_eq!(query, "status=all&sla=paused");
    assert_see_other(&saved, "/requests?status=all&sla=paused");
    assert_eq!(
        listed.flash().as_deref(),
        Some("Saved the filter “Waiting on stores”.")
    );
    assert_eq!(listed.texts(".saved-filters a"), ["Waiting on stores"]);
    assert_eq!(link, "/requests?status=all&sla=paused");
    assert_eq!(subjects(&replayed), ["Flickering light in aisle 4"]);
    assert_see_other(&deleted, "/requests");
    assert_eq!(after.flash().as_deref(), Some("Deleted the saved filter."));
    assert_eq!(after.count(".saved-filters"), 0);
}

#[tokio::test]
async fn one_user_cannot_delete_anothers_saved_filter() {
    let w = world().await;
    let (manager, agent) = (w.browser(&w.manager).await, w.browser(&w.agent).await);
    manager
        .submit(
            "/requests",
            "/requests/filters",
            &[("name", "Mine"), ("query", "status=all")],
        )
        .await;
    let delete = manager
        .page("/requests")
        .await
        .attr(".saved-filters form", "action");

    let response = agent.submit("/requests", &delete, &[]).await;

    Page::read(response)
        .await
        .assert_status(StatusCode::NOT_FOUND);
    assert_eq!(
        manager.page("/requests").await.texts(".saved-filters a"),
        ["Mine"]
    );
}

#[tokio::test]
async fn a_repeated_filter_answers_with_a_page_naming_it() {
    let w = world().await;
    let agent = w.browser(&w.agent).await;

    let page = agent.page("/requests?status=new&status=closed").await;

    page.assert_status(StatusCode::UNPROCESSABLE_ENTITY);
    let content_type = page
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert!(page.text("main").contains("status"), "{}", page.body);
}

#[tokio::test]
async fn the_next_page_of_the_queue_keeps_its_filters() {
    let w = world().await;
    for n in 1..=51 {
        w.raise(&format!("Leak number {n}")).await;
    }
    let agent = w.browser(&w.agent).await;

    let first = agent.page("/requests?order=newest").await;
    let next = first.attr("a[rel=next]", "href");
    let second = agent.page(&next).await;

    assert_eq!(subjects(&first).len(), 50);
    assert_eq!(subjects(&first)[0], "Leak number 51");
    assert!(next.starts_with("/requests?order=newest&cursor="), "{next}");
    assert_eq!(subjects(&second), ["Leak number 1"]);
    assert_eq!(second.count("a[rel=next]"), 0);
}

#[tokio::test]
async fn the_queue_says_it_lists_the_soonest_due_first_not_the_least_time_left() {
    let w = world().await;
    let agent = w.browser(&w.agent).await;

    let queue = agent.page("/requests").await;

    let said = queue.text("#queue-order");
    assert!(
        said.starts_with(
            "Most urgent first: breached, then the soonest due (when each request’s next \
             target falls due on its contract’s calendar), then the oldest."
        ),
        "{said}"
    );
    assert!(!said.contains("time left"), "{said}");
}
