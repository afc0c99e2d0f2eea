//! Every job a replica can run, in one list, and the setting that turns
//! each on: `REVSHARE_JOBS` — `all` (the default), `none`, or names
//! separated by commas (`webhooks,mail,payouts`). A job that is off on a
//! replica is run by the replicas where it is on; one that is on
//! everywhere is shared by its leases and claims.
//!
//! Some jobs also need their own setting to do anything: `mail` an SMTP
//! server, `maturity` an interval above 0, `rates` a file's URL.
//!
//! Not in the list: the writer of the short links' clicks
//! ([`crate::links::record`]). Its queue is the replica's memory, so it
//! runs wherever redirects are served; `app::build` starts it with the
//! others, as a job of the same stop.

use std::collections::BTreeSet;

/// A kind of background work.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Job {
    /// Deliver the tenants' webhooks (`webhooks/dispatch.rs`).
    Webhooks,
    /// Send the e-mail outbox over SMTP (`mail/send.rs`).
    Mail,
    /// Write the e-mails of commissions earned (`mail/earned.rs`).
    CommissionMail,
    /// Pay the performance bounties and run the workflows that sales reach,
    /// after each sale commits (`ledger/reactions.rs`).
    Reactions,
    /// Write the e-mails of portal sign-in requests (`portal.rs`).
    SignInMail,
    /// Daily digests, unconfirmed applications and old sign-in addresses
    /// and requests forgotten.
    Housekeeping,
    /// Send payouts on a rail and read them back (`rails/`).
    Payouts,
    /// Run imports from another platform (`imports/`).
    Imports,
    /// Run backtests (`backtests/`).
    Backtests,
    /// Approve commissions past their holding period (`ledger/maturity.rs`).
    Maturity,
    /// Fetch the reference exchange rates daily (`ledger/exchange.rs`).
    Rates,
    /// Prune the domain-event log past its days (`events/retention.rs`).
    Retention,
    /// Start scheduled broadcasts when due and finish every broadcast
    /// sending (`messages/broadcasts/sending.rs`).
    Broadcasts,
    /// Write the retainers' periods as they fall due (`retainers/due.rs`).
    Retainers,
    /// Make the clicks' months ahead and remove those past their retention
    /// (`attribution/retention.rs`).
    ClickRetention,
}

impl Job {
    /// Every job, in the order they are started.
    pub const ALL: [Job; 15] = [
        Job::Webhooks,
        Job::Mail,
        Job::CommissionMail,
        Job::Reactions,
        Job::SignInMail,
        Job::Housekeeping,
        Job::Payouts,
        Job::Imports,
        Job::Backtests,
        Job::Maturity,
        Job::Rates,
        Job::Retention,
        Job::Broadcasts,
        Job::Retainers,
        Job::ClickRetention,
    ];

    /// Its name in `REVSHARE_JOBS` and the logs.
    pub fn name(self) -> &'static str {
        match self {
            Job::Webhooks => "webhooks",
            Job::Mail => "mail",
            Job::CommissionMail => "commission-mail",
            Job::Reactions => "reactions",
            Job::SignInMail => "sign-in-mail",
            Job::Housekeeping => "housekeeping",
            Job::Payouts => "payouts",
            Job::Imports => "imports",
            Job::Backtests => "backtests",
            Job::Maturity => "maturity",
            Job::Rates => "rates",
            Job::Retention => "retention",
            Job::Broadcasts => "broadcasts",
            Job::Retainers => "retainers",
            Job::ClickRetention => "click-retention",
        }
    }
}

/// The jobs on for a replica.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Jobs(BTreeSet<Job>);

impl Jobs {
    pub fn all() -> Jobs {
        Jobs(Job::ALL.into_iter().collect())
    }

    pub fn none() -> Jobs {
        Jobs(BTreeSet::new())
    }

    /// These jobs alone.
    pub fn only(jobs: &[Job]) -> Jobs {
        Jobs(jobs.iter().copied().collect())
    }

    /// All but `off`.
    pub fn without(mut self, off: &[Job]) -> Jobs {
        self.0.retain(|job| !off.contains(job));
        self
    }

    pub fn on(&self, job: Job) -> bool {
        self.0.contains(&job)
    }

    /// Reads `REVSHARE_JOBS`: `all`, `none`, or names separated by commas;
    /// an unknown name is an error that lists the known ones.
    pub fn parse(text: &str) -> Result<Jobs, String> {
        match text.trim() {
            "" | "all" => return Ok(Jobs::all()),
            "none" => return Ok(Jobs::none()),
            _ => {}
        }
        let mut on = BTreeSet::new();
        for name in text.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let job = Job::ALL
                .into_iter()
                .find(|job| job.name() == name)
                .ok_or_else(|| {
                    let known: Vec<&str> = Job::ALL.iter().map(|j| j.name()).collect();
                    format!(
                        "REVSHARE_JOBS names no job \"{name}\": use all, none, or some of {}",
                        known.join(", ")
                    )
                })?;
            on.insert(job);
        }
        Ok(Jobs(on))
    }

    /// The names on, for the start-up line.
    pub fn names(&self) -> Vec<&'static str> {
        self.0.iter().map(|job| job.name()).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn revshare_jobs_reads_all_none_and_names_and_refuses_an_unknown_one() {
        assert_eq!(Jobs::parse("all"), Ok(Jobs::all()));
        assert_eq!(Jobs::parse(""), Ok(Jobs::all()));
        assert_eq!(Jobs::parse("none"), Ok(Jobs::none()));
        assert_eq!(
            Jobs::parse("webhooks, mail,payouts"),
            Ok(Jobs::only(&[Job::Webhooks, Job::Mail, Job::Payouts]))
        );
        assert_eq!(
            Jobs::parse("webhooks,mails"),
            Err(
                "REVSHARE_JOBS names no job \"mails\": use all, none, or some of webhooks, \
                 mail, commission-mail, reactions, sign-in-mail, housekeeping, payouts, imports, \
                 backtests, maturity, rates, retention, broadcasts, retainers, click-retention"
                    .to_owned()
            )
        );
        assert!(!Jobs::all().without(&[Job::Imports]).on(Job::Imports));
        assert!(Jobs::all().without(&[Job::Imports]).on(Job::Rates));
    }

    #[test]
    fn every_job_has_its_own_name() {
        let names: BTreeSet<&str> = Job::ALL.iter().map(|j| j.name()).collect();
        assert_eq!(names.len(), Job::ALL.len());
    }
}
