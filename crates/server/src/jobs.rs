//! Background jobs run by `kept serve`.
//!
//! Each job works from durable rows, so any number of servers may run it
//! (deleting expired rows twice is harmless).

use std::time::Duration;

use kept_domain::Timestamp;
use kept_store::StoreError;
use tokio::sync::watch;

use kept_app::Context;

use crate::ops;
use crate::state::AppState;

/// How often expired sessions, invitations and keys are purged.
const PURGE_EVERY: Duration = Duration::from_secs(3600);
/// How long after start-up the first purge runs: out of the way of the
/// start itself (and of short-lived servers such as tests').
const FIRST_PURGE_AFTER: Duration = Duration::from_secs(60);

/// Purges expired rows every hour until `shutdown` changes.
pub async fn purge_expired(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let start = tokio::time::Instant::now() + FIRST_PURGE_AFTER;
    let mut ticker = tokio::time::interval_at(start, PURGE_EVERY);
    loop {
        tokio::select! {
            _ = ticker.tick() => match state.store.purge_expired(Timestamp::now()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(rows = n, "purged expired sessions, invitations and keys"),
                Err(e) => tracing::warn!(error = %e, "purging expired rows failed"),
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Requests whose alarms one sweep raises at most, per transaction.
const ALARM_BATCH: u32 = 200;

/// Raises due SLA alarms (at risk, breached) every configured interval
/// until `shutdown` changes. Due work comes from the alarm index; with
/// PostgreSQL several servers share it and each alarm is raised once.
pub async fn sla_timers(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(state.config.sla_timer_interval_ms);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => sweep(&state).await,
            _ = shutdown.changed() => return,
        }
    }
}

/// One sweep of the timers, with errors logged.
async fn sweep(state: &AppState) {
    if let Err(e) = raise_due_alarms(&state.app, Timestamp::now()).await {
        tracing::warn!(error = %e, "raising SLA alarms failed");
    }
}

/// Raises every SLA alarm due by `now`, a batch per transaction until none
/// is left; logs each and counts it in `kept_sla_alarms_total`. Returns how
/// many were raised. Everything that raises alarms (the timers, the demo
/// catching up on its backdated requests) comes through here, so the
/// metric counts every alarm this process raised.
pub async fn raise_due_alarms(app: &Context, now: Timestamp) -> Result<usize, StoreError> {
    let percent = app.settings.sla_at_risk_percent;
    let mut total = 0;
    loop {
        let raised = app
            .store
            .raise_due_alarms(now, ALARM_BATCH, percent)
            .await?;
        for (request, event) in &raised {
            tracing::info!(%request, kind = %event.kind, data = %event.data, "SLA alarm");
        }
        ops::count_sla_alarms(raised.len());
        total += raised.len();
        if raised.len() < ALARM_BATCH as usize {
            return Ok(total);
        }
    }
}

/// Watches the promises every configured interval until `shutdown`
/// changes: re-plans each team and flags promises at risk (see
/// [`kept_app::promises::watch`]). Any number of servers may run it: each
/// promise's event is raised once per date.
pub async fn promise_watch(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(state.config.promise_watch_interval_ms);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => watch_promises(&state.app).await,
            _ = shutdown.changed() => return,
        }
    }
}

/// One sweep of the promise watch, with what it raised logged.
pub async fn watch_promises(app: &Context) {
    match kept_app::promises::watch::sweep(app).await {
        Ok(raised) => {
            for event in &raised {
                tracing::info!(seq = event.seq, data = %event.data, "promise at risk");
            }
        }
        Err(e) => tracing::warn!(error = %e, "watching promises failed"),
    }
}

/// Reads the database's generation every `reference_cache_ms` until
/// `shutdown` changes, so this server's cache notices changes made
/// through other servers (see [`kept_app::cache`]). Does nothing when the
/// interval is 0: then every request reads the generation itself.
pub async fn watch_generation(state: AppState, mut shutdown: watch::Receiver<bool>) {
    if state.config.reference_cache_ms == 0 {
        return;
    }
    let every = Duration::from_millis(state.config.reference_cache_ms);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            _ = ticker.tick() => match state.store.generation().await {
                Ok(generation) => state
                    .app
                    .refs
                    .observe(Some(generation), state.store.local_writes()),
                Err(e) => tracing::warn!(error = %e, "reading the generation failed"),
            },
            _ = shutdown.changed() => return,
        }
    }
}

/// Fans out the outbox and delivers what is due, every
/// `outbox_interval_ms`, until `shutdown` changes. Work comes from durable
/// rows claimed with leases, so any number of servers may run it.
pub async fn notifications(state: AppState, mut shutdown: watch::Receiver<bool>) {
    let every = Duration::from_millis(state.config.outbox_interval_ms);
    let mut ticker = tokio::time::interval(every);
    ticker.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let policy = state.config.retry_policy();
    loop {
        tokio::select! {
            _ = ticker.tick() => {
                let stopping = shutdown.clone();
                let keep_going = move || !*stopping.borrow();
                if let Err(e) = notify_once(&state, &policy, keep_going).await {
                    tracing::warn!(error = %e, "delivering notifications failed");
                }
            }
            _ = shutdown.changed() => return,
        }
    }
}

/// One pass of the delivery job: batches of fan-out and of delivery (by
/// email and by webhook at once), in turn, until nothing is due or
/// `keep_going` says stop (a server shutting down finishes the batch in
/// hand, not the backlog). Returns the events fanned out and the messages
/// delivered.
pub async fn notify_once(
    state: &AppState,
    policy: &kept_domain::RetryPolicy,
    keep_going: impl Fn() -> bool,
) -> Result<(usize, usize), kept_app::Error> {
    let (mut fanned, mut delivered) = (0, 0);
    loop {
        // Each batch claims with a lease from its own start, so a long
        // pass never holds claims that have already run out.
        let now = Timestamp::now();
        let (events, dispatched) = kept_app::notify::dispatch_batch(&state.app, now).await?;
        // Side by side, so a slow endpoint does not hold up the mail.
        let (mail, hooks) = tokio::join!(
            kept_app::notify::deliver_batch(&state.app, state.outgoing.as_ref(), policy, now),
            kept_app::notify::deliver_batch(&state.app, state.webhooks.as_ref(), policy, now),
        );
        let ((mail_claimed, mail_sent), (hooks_claimed, hooks_sent)) = (mail?, hooks?);
        fanned += dispatched;
        delivered += mail_sent + hooks_sent;
        if events + mail_claimed + hooks_claimed == 0 || !keep_going() {
            return Ok((fanned, delivered));
        }
        give_way(state).await;
    }
}

/// How long the delivery job waits, at most, between two rounds while
/// the server is saturated with requests: under an endless burst mail
/// still goes, a round (up to a hundred events and messages) a second.
const MAX_GIVE_WAY: Duration = Duration::from_secs(1);
/// How often it looks whether the burst has passed.
const GIVE_WAY_STEP: Duration = Duration::from_millis(20);

/// Waits after a round of the delivery job while the server has a burst
/// of requests in hand: delivery is background work, and on SQLite each
/// of its transactions holds the one writer that intake needs. A steady
/// trickle of requests, however many a second, does not slow it.
async fn give_way(state: &AppState) {
    let until = tokio::time::Instant::now() + MAX_GIVE_WAY;
    while state.busy.saturated() && tokio::time::Instant::now() < until {
        tokio::time::sleep(GIVE_WAY_STEP).await;
    }
}
