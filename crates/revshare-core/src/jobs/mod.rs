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
pub use list::{Job, Jobs};
pub use stop::{Runner, Shutdown, Stop, Stopped};
pub use worker::{Step, Wake, Worker};

/// Runs one row's work as a job's task — an import, a backtest, `what`
/// with `id`: a failure is logged, for the next look to take it up; a
/// panic, a defect the next look would meet again for ever, is logged and
/// the row failed through `fail` (naming no internals).
pub async fn run_row<R, F, D>(what: &'static str, id: &str, run: R, fail: F)
where
    R: std::future::Future<Output = crate::error::ApiResult<()>>,
    F: FnOnce() -> D,
    D: std::future::Future<Output = crate::error::ApiResult<()>>,
{
    use futures_util::FutureExt;
    match std::panic::AssertUnwindSafe(run).catch_unwind().await {
        Ok(Ok(())) => {}
        Ok(Err(err)) => {
            tracing::warn!(error = ?err, what, id, "a run stopped; another look will take it up");
        }
        Err(_) => {
            tracing::error!(what, id, "a run panicked: it is failed");
            if let Err(err) = fail().await {
                tracing::warn!(error = ?err, what, id, "failing a run that panicked failed");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ApiError;
    use std::sync::atomic::{AtomicUsize, Ordering};

    #[tokio::test]
    async fn a_run_that_panics_is_failed_and_one_that_fails_is_left_for_the_next_look() {
        let failed = AtomicUsize::new(0);
        let fail = || async {
            failed.fetch_add(1, Ordering::SeqCst);
            Ok(())
        };
        let defect = async {
            if failed.load(Ordering::SeqCst) == 0 {
                panic!("a defect in the run");
            }
            Ok(())
        };
        run_row("import", "imp_1", defect, fail).await;
        assert_eq!(failed.load(Ordering::SeqCst), 1);
        run_row(
            "import",
            "imp_2",
            async { Err(ApiError::Unavailable) },
            fail,
        )
        .await;
        assert_eq!(failed.load(Ordering::SeqCst), 1);
    }
}
