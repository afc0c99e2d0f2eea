//! Waiting on a condition, never on the clock alone: a look is repeated
//! every [`POLL`] until it holds, within a bound that names what never
//! came to pass.

use std::time::Duration;

/// How often a condition is looked at again.
pub const POLL: Duration = Duration::from_millis(50);

/// Looks with `look` until it answers `Some`, within `within`; panics
/// naming `what` (and the last answer's absence) otherwise.
pub async fn until_some<T>(
    what: &str,
    within: Duration,
    mut look: impl AsyncFnMut() -> Option<T>,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        if let Some(found) = look().await {
            return found;
        }
        if tokio::time::Instant::now() >= deadline {
            panic!("never came to pass within {within:?}: {what}");
        }
        tokio::time::sleep(POLL).await;
    }
}

/// Waits until `done` holds, within `within`; panics naming `what`.
pub async fn until(what: &str, within: Duration, mut done: impl AsyncFnMut() -> bool) {
    until_some(what, within, async || done().await.then_some(())).await
}

/// [`until_some`] that answers the last look instead of panicking: for a
/// test that asserts on what it found (its failure then shows the value).
pub async fn last_of<T>(
    within: Duration,
    mut look: impl AsyncFnMut() -> T,
    mut done: impl FnMut(&T) -> bool,
) -> T {
    let deadline = tokio::time::Instant::now() + within;
    loop {
        let now = look().await;
        if done(&now) || tokio::time::Instant::now() >= deadline {
            return now;
        }
        tokio::time::sleep(POLL).await;
    }
}

/// `RUST_LOG` for a `revshare serve` whose log shows each step a job
/// ends (`a job's step ended`, at debug).
pub const JOB_STEPS_LOGGED: &str = "revshare=info,revshare_core::jobs::worker=debug";

/// The steps of `job` that a server's `log` says ended (logged under
/// [`JOB_STEPS_LOGGED`]).
pub fn job_steps(log: &str, job: &str) -> usize {
    let named = format!("job=\"{job}\"");
    log.lines()
        .filter(|line| line.contains("a job's step ended") && line.contains(&named))
        .count()
}

/// Waits (within 30 s) until `log` shows a whole step of `job` that began
/// after `seen` steps had ended: two more ended (the first may have begun
/// before).
pub async fn until_a_step_after(job: &str, seen: usize, log: impl Fn() -> String) {
    let what = format!("a whole step of {job} after the {seen} seen");
    until(&what, Duration::from_secs(30), async || {
        job_steps(&log(), job) >= seen + 2
    })
    .await
}
