//! What a write transaction wrote, for the metrics and the rows kept in
//! memory: counted only once the transaction commits.

use std::sync::Arc;

/// What a write transaction (or a savepoint in one) wrote, counted into the
/// metrics only when the outermost transaction commits: a savepoint rolled
/// back, or a transaction, counts nothing.
#[derive(Debug, Default)]
pub struct Tally {
    commissions: std::sync::Mutex<Vec<(&'static str, u64)>>,
    /// Whether it changed a table whose rows are kept in memory
    /// ([`crate::db::kept`]): the outermost transaction's flag, set by any
    /// savepoint in it (one rolled back too: a needless refill at worst).
    changed_kept: std::sync::atomic::AtomicBool,
    parent: Option<Arc<Tally>>,
}

impl Tally {
    pub fn child(parent: &Arc<Tally>) -> Arc<Tally> {
        Arc::new(Tally {
            commissions: Default::default(),
            changed_kept: Default::default(),
            parent: Some(parent.clone()),
        })
    }

    /// Notes a change to a kept table, on the outermost transaction.
    pub fn change_kept(&self) {
        match &self.parent {
            Some(parent) => parent.change_kept(),
            None => self
                .changed_kept
                .store(true, std::sync::atomic::Ordering::Relaxed),
        }
    }

    /// Whether the transaction changed a kept table.
    pub fn changed_kept(&self) -> bool {
        self.changed_kept.load(std::sync::atomic::Ordering::Relaxed)
    }

    pub fn add(&self, kind: &'static str, rows: u64) {
        if let Ok(mut counts) = self.commissions.lock() {
            match counts.iter_mut().find(|(k, _)| *k == kind) {
                Some((_, n)) => *n += rows,
                None => counts.push((kind, rows)),
            }
        }
    }

    pub fn take(&self) -> Vec<(&'static str, u64)> {
        self.commissions
            .lock()
            .map(|mut c| std::mem::take(&mut *c))
            .unwrap_or_default()
    }

    /// A savepoint committed: its counts join its parent's.
    pub fn release(&self) {
        if let Some(parent) = &self.parent {
            for (kind, rows) in self.take() {
                parent.add(kind, rows);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_released_savepoint_joins_its_transaction_and_a_dropped_one_does_not() {
        let txn = Arc::new(Tally::default());
        txn.add("COMMISSION", 2);
        let kept = Tally::child(&txn);
        kept.add("COMMISSION", 1);
        kept.add("CLAWBACK", 1);
        kept.release();
        let dropped = Tally::child(&txn);
        dropped.add("COMMISSION", 5);
        drop(dropped);
        assert_eq!(txn.take(), vec![("COMMISSION", 3), ("CLAWBACK", 1)]);
        assert_eq!(txn.take(), vec![]);
    }
}
