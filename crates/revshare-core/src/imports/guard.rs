//! What keeps a run from reading forever or from losing its import while
//! it reads:
//!
//! - [`Paging`]: a phase's pages are followed only while the source's
//!   paging moves on. A cursor named twice, the same page answered twice,
//!   an empty page that names a next one, or more than [`MAX_PAGES`]
//!   pages fail the import, naming the source — so a source whose
//!   `next_page` never ends (or whose `has_more` keeps naming the same
//!   last key) cannot hold the tenant's one running import for ever.
//! - [`Hold`]: the lease is renewed every third of its length while a
//!   page is read, so a page slower to read than the lease is not taken
//!   over and started again by another replica; a lease found lost
//!   (cancelled, or taken over) stops the read, and so does the replica's
//!   stop, releasing the lease for another replica to take up at once.

use super::source::Page;
use crate::db::Db;
use crate::error::ApiResult;
use crate::jobs::{Lease, Stop};
use entity::import;
use std::collections::HashSet;
use std::hash::{Hash, Hasher};

/// The most pages one phase (or one partner's links) is read in: a
/// million rows and more at any source's page size.
pub const MAX_PAGES: u64 = 50_000;

/// A phase's paging, followed while it moves on.
pub struct Paging {
    platform: &'static str,
    what: String,
    cursors: HashSet<String>,
    pages: HashSet<u64>,
    count: u64,
    limit: u64,
}

impl Paging {
    /// The paging of `what` (`campaigns`, `partners`…) at `platform`.
    pub fn new(platform: &'static str, what: impl Into<String>) -> Paging {
        Paging::bounded(platform, what, MAX_PAGES)
    }

    pub fn bounded(platform: &'static str, what: impl Into<String>, limit: u64) -> Paging {
        Paging {
            platform,
            what: what.into(),
            cursors: HashSet::new(),
            pages: HashSet::new(),
            count: 0,
            limit,
        }
    }

    /// Takes the page read at `cursor` (`None`: the first); the reason the
    /// import fails, naming the source, when its paging does not move on.
    pub fn take(&mut self, cursor: Option<&str>, page: &Page) -> Result<(), String> {
        self.step(cursor, page.fingerprint, page.next.as_deref())
    }

    /// [`Paging::take`] for a page of `fingerprint` (`None`: empty) that
    /// names `next`.
    pub fn step(
        &mut self,
        cursor: Option<&str>,
        fingerprint: Option<u64>,
        next: Option<&str>,
    ) -> Result<(), String> {
        let (platform, what) = (self.platform, &self.what);
        self.count += 1;
        if let Some(cursor) = cursor {
            self.cursors.insert(cursor.to_owned());
        }
        if self.count > self.limit {
            return Err(format!(
                "{platform} answered more than {} pages of {what}: its paging does not end",
                self.limit
            ));
        }
        let Some(next) = next else {
            return Ok(());
        };
        let Some(fingerprint) = fingerprint else {
            return Err(format!(
                "{platform} answered an empty page of {what} that names a next one ({next}): \
                 its paging does not end"
            ));
        };
        if !self.pages.insert(fingerprint) {
            return Err(format!(
                "{platform} answered the same page of {what} twice (before {next}): its paging \
                 loops"
            ));
        }
        if !self.cursors.insert(next.to_owned()) {
            return Err(format!(
                "{platform} named the page {next} of {what} again: its paging loops"
            ));
        }
        Ok(())
    }
}

/// A page's fingerprint: its items as the source answered them (`None`
/// when it has none).
pub fn fingerprint(items: &[serde_json::Value]) -> Option<u64> {
    if items.is_empty() {
        return None;
    }
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    for item in items {
        item.to_string().hash(&mut hasher);
    }
    Some(hasher.finish())
}

/// A run's hold on its import: the lease, renewed while it reads.
pub struct Hold<'a> {
    pub db: &'a Db,
    pub lease: Lease<import::Entity>,
    /// The replica's stop: a read is dropped when it comes.
    pub stop: Stop,
}

impl Hold<'_> {
    /// Runs `read`, renewing the lease every third of its length while it
    /// runs: what it answered, or `None` when the lease was lost (the
    /// import cancelled, or taken over) or the replica is stopping, the
    /// read dropped unfinished.
    pub async fn reading<T>(&mut self, read: impl Future<Output = T>) -> ApiResult<Option<T>> {
        let every = (self.lease.length() / 3)
            .to_std()
            .unwrap_or(std::time::Duration::from_secs(40))
            .max(std::time::Duration::from_millis(100));
        tokio::pin!(read);
        loop {
            tokio::select! {
                done = &mut read => return Ok(Some(done)),
                _ = tokio::time::sleep(every) => {
                    if !self.lease.renew(self.db.conn()).await? {
                        return Ok(None);
                    }
                }
                _ = self.stop.wait() => return Ok(None),
            }
        }
    }

    /// Ends the run here because the replica is stopping (the place after
    /// the last page written is kept): the lease is released, so another
    /// replica takes the import up at once. Answers whether it stopped.
    pub async fn stopping(self) -> ApiResult<bool> {
        if !self.stop.requested() {
            return Ok(false);
        }
        self.lease.release(self.db.conn()).await?;
        Ok(true)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_that_does_not_move_on_is_named() {
        let mut paging = Paging::new("Rewardful", "referrals");
        assert_eq!(paging.step(None, Some(1), Some("2")), Ok(()));
        assert_eq!(paging.step(Some("2"), Some(2), Some("3")), Ok(()));
        assert_eq!(
            paging.step(Some("3"), Some(2), Some("4")),
            Err(
                "Rewardful answered the same page of referrals twice (before 4): its paging loops"
                    .into()
            )
        );
        let mut paging = Paging::new("PartnerStack", "rewards");
        assert_eq!(paging.step(None, Some(1), Some("k9")), Ok(()));
        assert_eq!(
            paging.step(Some("k9"), Some(2), Some("k9")),
            Err("PartnerStack named the page k9 of rewards again: its paging loops".into())
        );
        let mut paging = Paging::new("Tolt", "partners");
        assert_eq!(
            paging.step(None, None, Some("x")),
            Err("Tolt answered an empty page of partners that names a next one (x): its paging does not end".into())
        );
        let mut paging = Paging::bounded("FirstPromoter", "promoters", 3);
        for n in 1..=3u64 {
            let next = (n + 1).to_string();
            assert_eq!(paging.step(None, Some(n), Some(&next)), Ok(()));
        }
        assert_eq!(
            paging.step(Some("4"), Some(4), Some("5")),
            Err(
                "FirstPromoter answered more than 3 pages of promoters: its paging does not end"
                    .into()
            )
        );
        // The last page names none: done.
        let mut paging = Paging::new("Rewardful", "campaigns");
        assert_eq!(paging.step(None, None, None), Ok(()));
    }
}
