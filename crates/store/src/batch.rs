//! Work done in batches: callers hand a job to a task of the store's, which
//! takes every job waiting when it is free and does them together. New
//! requests are recorded this way (group commit, with the quantity check's
//! reads of the orders among them): under load one statement serves many
//! callers, and alone a caller waits for nobody.

use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;

use tokio::sync::{mpsc, oneshot};

use crate::db::Db;
use crate::error::{Result, StoreError};

/// One caller's job, with where to send its answer.
pub(crate) struct Job<I, O> {
    /// What the caller asked for.
    pub item: I,
    /// Where its answer goes.
    pub reply: oneshot::Sender<Result<O>>,
}

/// What a batch's work is: a future that answers each of its jobs.
pub(crate) type BatchFuture = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Does a batch of jobs and answers each of them.
pub(crate) type Run<I, O> = fn(Db, Vec<Job<I, O>>) -> BatchFuture;

/// Hands jobs to the batch task (started on first use, and again if the
/// runtime it ran on has gone).
pub(crate) struct Batcher<I, O> {
    sender: Mutex<Option<mpsc::Sender<Job<I, O>>>>,
    max: usize,
    run: Run<I, O>,
    /// The task, for errors: "the request writer".
    name: &'static str,
}

impl<I, O> std::fmt::Debug for Batcher<I, O> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Batcher")
            .field("name", &self.name)
            .field("max", &self.max)
            .finish_non_exhaustive()
    }
}

impl<I: Send + 'static, O: Send + 'static> Batcher<I, O> {
    /// A batcher whose task does batches of at most `max` jobs with `run`,
    /// one after the other.
    pub fn new(name: &'static str, max: usize, run: Run<I, O>) -> Self {
        Self {
            sender: Mutex::new(None),
            max,
            run,
            name,
        }
    }

    /// Does `item` in the next batch; returns its answer.
    pub async fn submit(&self, db: &Db, item: I) -> Result<O> {
        let (reply, answer) = oneshot::channel();
        let mut job = Job { item, reply };
        for _ in 0..2 {
            let sender = self.sender(db)?;
            match sender.send(job).await {
                Ok(()) => {
                    return answer
                        .await
                        .map_err(|_| StoreError::Config(format!("{} stopped", self.name)))?;
                }
                // The task's runtime has gone: start another here.
                Err(mpsc::error::SendError(returned)) => {
                    job = returned;
                    if let Ok(mut slot) = self.sender.lock() {
                        *slot = None;
                    }
                }
            }
        }
        Err(StoreError::Config(format!("cannot start {}", self.name)))
    }

    fn sender(&self, db: &Db) -> Result<mpsc::Sender<Job<I, O>>> {
        let mut slot = self
            .sender
            .lock()
            .map_err(|_| StoreError::Config(format!("the lock of {} is poisoned", self.name)))?;
        if let Some(sender) = slot.as_ref().filter(|s| !s.is_closed()) {
            return Ok(sender.clone());
        }
        let (sender, receiver) = mpsc::channel(self.max * 4);
        tokio::spawn(batches(db.clone(), receiver, self.max, self.run));
        *slot = Some(sender.clone());
        Ok(sender)
    }
}

/// The batch task: once the batch before is done, takes every job
/// waiting, at most `max`, and does them as one batch; until the store is
/// dropped. While a batch runs, jobs wait in the channel, so the next
/// batch is larger.
async fn batches<I: Send + 'static, O: Send + 'static>(
    db: Db,
    mut jobs: mpsc::Receiver<Job<I, O>>,
    max: usize,
    run: Run<I, O>,
) {
    while let Some(first) = jobs.recv().await {
        let mut batch = vec![first];
        while batch.len() < max {
            match jobs.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        run(db.clone(), batch).await;
    }
}
