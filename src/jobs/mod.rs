//! Background work in one place: what every loop off a request stands
//! on, so that each new capability adds a step, not a loop of its own.
//!
//! - [`list`]: every job and `REVSHARE_JOBS`, the setting that turns each
//!   on; `app::build` starts them, and nothing else does.
//! - [`stop`]: the replica's stop, passed into every task as a future,
//!   and the [`Runner`] that starts tasks and waits for them at shutdown
//!   (`REVSHARE_SHUTDOWN_GRACE`): a job finishes its step, releases its
//!   leases and ends; one still busy when the grace runs out is left as a
//!   crash leaves it.
//! - [`worker`]: a job's loop — a step, then the interval, a wake-up or
//!   the stop.
//! - [`lease`]: a hold on rows of work (imports, backtests, payouts on a
//!   rail) with a fencing token, renewed and released.
//! - [`queue`]: a queue's due rows claimed by their next attempt (the
//!   webhook deliveries, the mail outbox), and handed back untried.
//!
//! Nothing outside this module spawns a loop or declares a lease
//! (`architecture::background_work_runs_through_jobs`).

pub mod lease;
pub mod list;
pub mod queue;
pub mod stop;
pub mod worker;

pub use lease::{Lease, Leased};

/// Runs `work`: what it answered, or `None` when it panicked — a defect a
/// job logs and records (an import or a backtest failed, naming no
/// internals), never one that takes the job down or, under a lease, is
/// taken up and met again for ever.
pub async fn unless_it_panics<T>(work: impl std::future::Future<Output = T>) -> Option<T> {
    use futures_util::FutureExt;
    std::panic::AssertUnwindSafe(work).catch_unwind().await.ok()
}
pub use list::{Job, Jobs};
pub use stop::{Runner, Shutdown, Stop, Stopped};
pub use worker::{Step, Wake, Worker};
