//! A job's loop, said once: a step, then a wait for the interval, a
//! wake-up or the stop — the shape of zero2prod's delivery worker, with
//! the stop passed in.

use super::list::Job;
use super::stop::Stop;
use crate::error::ApiResult;
use futures_util::FutureExt;
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Notify, watch};

/// What a step found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Nothing more waiting: wait for the interval or a wake-up.
    Idle,
    /// More is waiting: the next step runs at once.
    More,
}

/// What wakes a job before its interval has passed.
pub enum Wake {
    /// Only the interval.
    Never,
    /// This replica's own poke (a mutation that queued work here).
    Poke(Arc<Notify>),
    /// The event log's wake-ups (a commit on any replica).
    Events(watch::Receiver<u64>),
}

impl Wake {
    async fn woken(&mut self) {
        match self {
            Wake::Never => std::future::pending().await,
            Wake::Poke(notify) => notify.notified().await,
            Wake::Events(events) => {
                if events.changed().await.is_err() {
                    // The log's wake-ups ended: only the interval is left.
                    std::future::pending::<()>().await;
                }
            }
        }
    }
}

/// How a job's steps are paced.
pub struct Worker {
    pub job: Job,
    /// Longest wait between steps with nothing waiting.
    pub every: Duration,
    /// What may cut the wait short.
    pub wake: Wake,
    /// The first step's wait after start-up.
    pub first_after: Duration,
    /// A pause after a wake-up before the step, so that one step takes
    /// what a burst of commits made.
    pub gather: Duration,
}

impl Worker {
    /// Steps every `every`, at once when a step says more is waiting.
    pub fn every(job: Job, every: Duration) -> Worker {
        Worker {
            job,
            every,
            wake: Wake::Never,
            first_after: Duration::ZERO,
            gather: Duration::ZERO,
        }
    }

    pub fn woken_by(self, wake: Wake) -> Worker {
        Worker { wake, ..self }
    }

    pub fn first_after(self, first_after: Duration) -> Worker {
        Worker {
            first_after,
            ..self
        }
    }

    pub fn gathering(self, gather: Duration) -> Worker {
        Worker { gather, ..self }
    }

    /// Runs `step` until the stop: a step begun is finished; a failed one
    /// is logged and tried again after the interval.
    pub async fn run<F>(mut self, stop: Stop, mut step: impl FnMut(Stop) -> F)
    where
        F: Future<Output = ApiResult<Step>>,
    {
        if !stop.sleep(self.first_after).await {
            return;
        }
        loop {
            if stop.requested() {
                return;
            }
            if let Wake::Events(events) = &mut self.wake {
                events.borrow_and_update();
            }
            // A step that panics is a defect, never a stop: logged, and
            // tried again after the interval like a failed one.
            let next = match AssertUnwindSafe(step(stop.clone())).catch_unwind().await {
                Ok(Ok(next)) => next,
                Ok(Err(err)) => {
                    tracing::warn!(job = self.job.name(), error = ?err, "a job's step failed; retrying");
                    Step::Idle
                }
                Err(_) => {
                    tracing::error!(job = self.job.name(), "a job's step panicked; retrying");
                    Step::Idle
                }
            };
            // Each step's end, at debug: a job seen going round (and, for a
            // test, a further round come and gone).
            tracing::debug!(job = self.job.name(), "a job's step ended");
            if next == Step::More {
                continue;
            }
            let woken = {
                let waiting = async {
                    tokio::select! {
                        _ = tokio::time::sleep(self.every) => false,
                        _ = self.wake.woken() => true,
                    }
                };
                match stop.unless(waiting).await {
                    Some(woken) => woken,
                    None => return,
                }
            };
            if woken && !stop.sleep(self.gather).await {
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jobs::stop::Shutdown;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_worker_steps_again_at_once_on_more_on_a_poke_and_stops_between_steps() {
        let shutdown = Shutdown::new();
        let poke = Arc::new(Notify::new());
        let steps = Arc::new(AtomicUsize::new(0));
        let counted = steps.clone();
        let worker = Worker::every(Job::Maturity, Duration::from_secs(3600))
            .woken_by(Wake::Poke(poke.clone()));
        let run = tokio::spawn(worker.run(shutdown.runner().stop(), move |_| {
            let counted = counted.clone();
            async move {
                // Three steps with more waiting, then idle.
                let n = counted.fetch_add(1, Ordering::SeqCst) + 1;
                Ok(if n < 3 { Step::More } else { Step::Idle })
            }
        }));
        while steps.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        poke.notify_one();
        while steps.load(Ordering::SeqCst) < 4 {
            tokio::task::yield_now().await;
        }
        shutdown.request();
        tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("stopped within the wait")
            .expect("ran");
        assert_eq!(steps.load(Ordering::SeqCst), 4);
    }

    #[tokio::test]
    async fn a_step_that_panics_is_tried_again_and_the_job_goes_on() {
        let shutdown = Shutdown::new();
        let steps = Arc::new(AtomicUsize::new(0));
        let counted = steps.clone();
        let worker = Worker::every(Job::Maturity, Duration::from_millis(1));
        let run = tokio::spawn(worker.run(shutdown.runner().stop(), move |_| {
            let counted = counted.clone();
            async move {
                if counted.fetch_add(1, Ordering::SeqCst) == 0 {
                    panic!("a defect in the first step");
                }
                Ok(Step::Idle)
            }
        }));
        while steps.load(Ordering::SeqCst) < 3 {
            tokio::task::yield_now().await;
        }
        shutdown.request();
        tokio::time::timeout(Duration::from_secs(5), run)
            .await
            .expect("stopped within the wait")
            .expect("the job's task itself never panicked");
    }
}
