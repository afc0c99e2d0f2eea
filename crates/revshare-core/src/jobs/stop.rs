//! The stop every task of a replica hears, and the tasks it waits for.
//!
//! Shaped as mini-redis's `shutdown.rs`: a stop is a future passed in,
//! never a flag polled by a sleep. [`Runner`] is the only way a replica
//! starts work off a request; it keeps two kinds:
//!
//! - **jobs** ([`Runner::start`]): each is given a [`Stop`], finishes the
//!   step it is in when the stop comes, releases what it holds and ends.
//!   The stop waits for them up to the grace period and aborts the rest —
//!   left exactly as a crash leaves them, which the leases recover from;
//! - **serving tasks** ([`Runner::serve`]): what requests stand on (the
//!   event log's wake-ups, the replicas' positions, the ingestion queues,
//!   the sockets' sessions). They run until the requests have ended and
//!   are dropped after the jobs.

use std::future::Future;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// Whether the replica is stopping: cheap to clone, one per task.
#[derive(Clone, Debug)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// A stop that never comes (a task run outside a server: a CLI
    /// command, a test calling a step directly).
    pub fn never() -> Stop {
        Stop(watch::channel(false).1)
    }

    /// Whether the stop has come.
    pub fn requested(&self) -> bool {
        *self.0.borrow()
    }

    /// Resolves when the stop comes.
    pub async fn wait(&self) {
        let mut receiver = self.0.clone();
        // The sender gone without a stop (a runner outside a server, its
        // owner dropped): no stop will come.
        if receiver.wait_for(|stopping| *stopping).await.is_err() {
            std::future::pending::<()>().await;
        }
    }

    /// Runs `work` unless the stop comes first: `None` then, `work`
    /// dropped where it was (it must be safe to drop: a read, a wait).
    pub async fn unless<T>(&self, work: impl Future<Output = T>) -> Option<T> {
        tokio::select! {
            biased;
            _ = self.wait() => None,
            done = work => Some(done),
        }
    }

    /// Sleeps `pause`; answers `false` when the stop cut it short.
    pub async fn sleep(&self, pause: Duration) -> bool {
        self.unless(tokio::time::sleep(pause)).await.is_some()
    }
}

#[derive(Default)]
struct Tasks {
    jobs: Vec<JoinHandle<()>>,
    serving: Vec<JoinHandle<()>>,
}

/// Starts this replica's tasks (a cheap handle, cloned where work is
/// started).
#[derive(Clone)]
pub struct Runner {
    stop: Stop,
    tasks: Arc<Mutex<Tasks>>,
}

/// The owner of a replica's stop: [`Shutdown::stop`] sends it and waits.
pub struct Shutdown {
    sender: watch::Sender<bool>,
    runner: Runner,
}

/// How a stop went.
#[derive(Debug, PartialEq, Eq)]
pub struct Stopped {
    /// Jobs that ended within the grace period.
    pub finished: usize,
    /// Jobs still in a step when it ran out, aborted where they were.
    pub aborted: usize,
}

impl Shutdown {
    pub fn new() -> Shutdown {
        let (sender, receiver) = watch::channel(false);
        Shutdown {
            sender,
            runner: Runner {
                stop: Stop(receiver),
                tasks: Arc::default(),
            },
        }
    }

    /// The handle tasks are started with.
    pub fn runner(&self) -> Runner {
        self.runner.clone()
    }

    /// Tells every task to stop taking work (answers at once).
    pub fn request(&self) {
        self.sender.send_replace(true);
    }

    /// Stops: tells every job, waits until `deadline` for each to end,
    /// aborts the rest, then drops the serving tasks.
    pub async fn stop(self, deadline: tokio::time::Instant) -> Stopped {
        self.request();
        let mut stopped = Stopped {
            finished: 0,
            aborted: 0,
        };
        // A job started just as the stop came is waited for too.
        loop {
            let jobs = std::mem::take(&mut self.runner.lock().jobs);
            if jobs.is_empty() {
                break;
            }
            for mut job in jobs {
                match tokio::time::timeout_at(deadline, &mut job).await {
                    Ok(_) => stopped.finished += 1,
                    Err(_) => {
                        job.abort();
                        let _ = job.await;
                        stopped.aborted += 1;
                    }
                }
            }
        }
        let serving = std::mem::take(&mut self.runner.lock().serving);
        for task in serving {
            task.abort();
            let _ = task.await;
        }
        stopped
    }
}

impl Default for Shutdown {
    fn default() -> Shutdown {
        Shutdown::new()
    }
}

impl Runner {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tasks> {
        self.tasks.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The stop this replica's tasks hear.
    pub fn stop(&self) -> Stop {
        self.stop.clone()
    }

    /// Runs a job: `work` is given the stop, must end soon after it comes
    /// (finishing its step and releasing what it holds), and is waited
    /// for within the grace period. Started after the stop, it does not
    /// run.
    pub fn start<F, W>(&self, work: W)
    where
        W: FnOnce(Stop) -> F,
        F: Future<Output = ()> + Send + 'static,
    {
        if self.stop.requested() {
            return;
        }
        let task = tokio::spawn(work(self.stop.clone()));
        let mut tasks = self.lock();
        // Ended jobs are let go of as new ones start.
        tasks.jobs.retain(|job| !job.is_finished());
        tasks.jobs.push(task);
    }

    /// Runs `worker`'s loop of `step` as a job.
    pub fn run<F>(&self, worker: super::Worker, step: impl FnMut(Stop) -> F + Send + 'static)
    where
        F: Future<Output = crate::error::ApiResult<super::Step>> + Send + 'static,
    {
        self.start(move |stop| worker.run(stop, step));
    }

    /// Runs a serving task until the replica's requests and jobs have
    /// ended: it is dropped wherever it is then.
    pub fn serve(&self, work: impl Future<Output = ()> + Send + 'static) {
        let task = tokio::spawn(work);
        let mut tasks = self.lock();
        tasks.serving.retain(|task| !task.is_finished());
        tasks.serving.push(task);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_job_finishes_its_step_and_a_stuck_one_is_aborted_at_the_deadline() {
        let shutdown = Shutdown::new();
        let runner = shutdown.runner();
        let (done, mut heard) = tokio::sync::mpsc::unbounded_channel();
        let polite = done.clone();
        runner.start(move |stop| async move {
            stop.wait().await;
            tokio::time::sleep(Duration::from_millis(20)).await;
            let _ = polite.send("finished its step");
        });
        runner.start(move |_| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            let _ = done.send("never");
        });
        runner.serve(std::future::pending());
        let deadline = tokio::time::Instant::now() + Duration::from_millis(300);
        let stopped = shutdown.stop(deadline).await;
        assert_eq!(
            stopped,
            Stopped {
                finished: 1,
                aborted: 1
            }
        );
        assert_eq!(heard.recv().await, Some("finished its step"));
        assert_eq!(heard.recv().await, None);
        // Nothing starts once stopped.
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = ran.clone();
        runner.start(move |_| async move { flag.store(true, std::sync::atomic::Ordering::SeqCst) });
        tokio::task::yield_now().await;
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }

    #[tokio::test]
    async fn unless_drops_the_work_when_the_stop_comes() {
        let shutdown = Shutdown::new();
        let stop = shutdown.runner().stop();
        shutdown.request();
        assert_eq!(stop.unless(std::future::pending::<()>()).await, None);
        assert!(!stop.sleep(Duration::from_secs(60)).await);
        assert_eq!(Stop::never().unless(async { 7 }).await, Some(7));
    }
}
