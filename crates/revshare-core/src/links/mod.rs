//! Partner links (SPEC §30): short links on the tenant's own domains, QR
//! codes, and what each click tells.
//!
//! - [`settings`]: a group's link settings (destination, allowed domains,
//!   most links a partner, the parameter, UTM values);
//! - [`keys`]: a link's key, given or the partner's name as a slug;
//! - [`manage`]: making, changing and archiving a partner's links — each
//!   is a referral code (§15) with its text as the key, so every code,
//!   imported ones too, is a short link;
//! - [`target`]: a live link by its key, and the URL a visit is sent to;
//! - [`visit`]: what a click tells — device, browser, OS, bot or not,
//!   referrer, country;
//! - [`record`]: clicks queued by the redirect and written in batches by
//!   the `clicks` job, counted once per link, visitor and hour, summed
//!   into daily rollups;
//! - [`journal`]: each click appended to a file of the process's own
//!   before the redirect answers, replayed by the next process after a
//!   kill, and by the job itself for clicks the full queue did not take;
//! - [`stats`]: clicks by day or dimension over a range, from the rollups;
//! - [`qr`]: a link's QR code as PNG or SVG;
//! - [`domains`]: the hosts a tenant names for its links, refused when
//!   revshare answers on them, answering once the tenant proved it owns
//!   each by DNS ([`dns`]: the TXT look-up).
//!
//! [`Links`] is what the redirect reads on its way: the hosts that are
//! link domains and the live links by key, each kept in memory for
//! [`KEPT`] (a change made on this replica is seen at once, one made on
//! another within [`KEPT`]), so that a redirect reads the database only
//! for a key it has not seen lately, and never writes to it.

pub mod dns;
pub mod domains;
pub mod journal;
pub mod keys;
pub mod manage;
pub mod qr;
pub mod record;
pub mod settings;
pub mod stats;
pub mod target;
pub mod visit;

use crate::db::Db;
use crate::error::ApiResult;
use entity::enums::LinkDomainStatus;
use entity::link_domain;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::HashMap;
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};
use target::Live;

/// How long what the redirect read is kept.
pub const KEPT: Duration = Duration::from_secs(10);
/// Keys kept at most; past it the memory starts over.
const MOST_KEPT: usize = 50_000;

/// The redirect's memory, the click queue and the country database: cheap
/// to clone, one per app.
#[derive(Clone)]
pub struct Links(Arc<Inner>);

struct Inner {
    db: Db,
    hosts: RwLock<Hosts>,
    reading_hosts: tokio::sync::Mutex<()>,
    live: RwLock<HashMap<(String, String), Kept>>,
    clicks: record::Clicks,
    geo: Option<Arc<visit::Geo>>,
    /// The host revshare is served on (never a link domain).
    platform_host: Option<String>,
    /// Where a link domain's proof is looked up.
    resolver: dns::Resolver,
}

/// A referral link's visit its program ignores, as [`Links::queue_ignored`]
/// counts it.
pub struct Ignored {
    pub reason: crate::directory::traffic::Reason,
    pub address: Option<std::net::IpAddr>,
    pub user_agent: Option<String>,
    pub referrer: Option<String>,
    pub landing_url: String,
}

/// A key's link (none: it leads nowhere) and when it was read.
type Kept = (Option<Arc<Live>>, Instant);

#[derive(Default)]
struct Hosts {
    /// Verified host → tenant.
    tenants: HashMap<String, String>,
    read_at: Option<Instant>,
}

impl Links {
    /// The redirect's side; the queue is the `clicks` job's.
    pub fn new(
        db: Db,
        geo: Option<Arc<visit::Geo>>,
        public_url: Option<&str>,
        resolver: dns::Resolver,
        journal: Option<journal::Journal>,
    ) -> (Links, record::Queue) {
        let (clicks, queue) = record::Clicks::new(journal);
        let inner = Inner {
            db,
            hosts: RwLock::default(),
            reading_hosts: tokio::sync::Mutex::new(()),
            live: RwLock::default(),
            clicks,
            geo,
            platform_host: domains::platform_host(public_url),
            resolver,
        };
        (Links(Arc::new(inner)), queue)
    }

    pub fn clicks(&self) -> &record::Clicks {
        &self.0.clicks
    }

    /// Queues a visit of a referral link (`/r/`, `recordClick`) its program
    /// ignores (SPEC §37), to be counted under its code's link as a short
    /// link's is; a code without a link is counted nowhere.
    pub async fn queue_ignored(
        &self,
        code: &entity::referral_code::Model,
        ignored: Ignored,
    ) -> ApiResult<()> {
        let Some(link) = entity::partner_link::Entity::find()
            .filter(entity::partner_link::Column::ReferralCodeId.eq(code.id.as_str()))
            .one(self.0.db.conn())
            .await?
        else {
            return Ok(());
        };
        let live = Live {
            tenant_id: code.tenant_id.clone(),
            link_id: link.id,
            referral_code_id: code.id.clone(),
            campaign_id: code.campaign_id.clone(),
            partner_id: code.partner_id.clone(),
            key: link.link_key,
            url: String::new(),
            param: String::new(),
            utm: Default::default(),
            sources: Default::default(),
        };
        self.0.clicks.queue(visit::Seen {
            link: Arc::new(live),
            click_id: crate::input::new_id(),
            at: crate::db::now(),
            address: ignored.address,
            user_agent: ignored.user_agent,
            referer: ignored.referrer,
            qr: false,
            landing_url: ignored.landing_url,
            ignored: Some(ignored.reason),
        });
        Ok(())
    }

    pub fn geo(&self) -> Option<Arc<visit::Geo>> {
        self.0.geo.clone()
    }

    /// Whether a country database is configured.
    pub fn has_geo(&self) -> bool {
        self.0.geo.is_some()
    }

    /// The host revshare is served on, lower case.
    pub fn platform_host(&self) -> Option<&str> {
        self.0.platform_host.as_deref()
    }

    /// Where link domains' proofs are looked up.
    pub fn resolver(&self) -> &dns::Resolver {
        &self.0.resolver
    }

    /// The tenant whose verified link domain `host` is (lower case, no
    /// port); never revshare's own host, whatever a row says.
    pub async fn tenant_of_host(&self, host: &str) -> ApiResult<Option<String>> {
        if self.platform_host() == Some(host) {
            return Ok(None);
        }
        self.read_hosts().await;
        let hosts = self.0.hosts.read().unwrap_or_else(|e| e.into_inner());
        Ok(hosts.tenants.get(host).cloned())
    }

    /// The tenant's link domain its links are shared on (the first
    /// verified one in order), from memory: a page of
    /// links reads no statement for it.
    pub async fn first_domain(&self, tenant_id: &str) -> Option<String> {
        self.read_hosts().await;
        let hosts = self.0.hosts.read().unwrap_or_else(|e| e.into_inner());
        hosts
            .tenants
            .iter()
            .filter(|(_, tenant)| *tenant == tenant_id)
            .map(|(host, _)| host)
            .min()
            .cloned()
    }

    /// Reads the link domains again when what is kept is older than
    /// [`KEPT`].
    async fn read_hosts(&self) {
        let fresh = |hosts: &Hosts| hosts.read_at.is_some_and(|at| at.elapsed() < KEPT);
        {
            let hosts = self.0.hosts.read().unwrap_or_else(|e| e.into_inner());
            if fresh(&hosts) {
                return;
            }
        }
        // One request reads them again; the others answer from what was
        // read before (the first ones wait for it).
        let never_read = {
            let hosts = self.0.hosts.read().unwrap_or_else(|e| e.into_inner());
            hosts.read_at.is_none()
        };
        let guard = match never_read {
            true => Some(self.0.reading_hosts.lock().await),
            false => self.0.reading_hosts.try_lock().ok(),
        };
        if guard.is_some() {
            let stale = {
                let hosts = self.0.hosts.read().unwrap_or_else(|e| e.into_inner());
                !fresh(&hosts)
            };
            if stale {
                let read = link_domain::Entity::find()
                    .filter(link_domain::Column::Status.eq(LinkDomainStatus::Verified))
                    .all(self.0.db.conn())
                    .await;
                let mut hosts = self.0.hosts.write().unwrap_or_else(|e| e.into_inner());
                // A failed read keeps what was known, until the next look.
                hosts.read_at = Some(Instant::now());
                match read {
                    Ok(rows) => {
                        hosts.tenants = rows.into_iter().map(|r| (r.host, r.tenant_id)).collect();
                    }
                    Err(err) => {
                        tracing::warn!(error = ?err, "reading the link domains failed");
                    }
                }
            }
        }
    }

    /// The tenant's live link by its key (lower case). While the database
    /// is away, a link read before answers as it was last read, however
    /// long ago: a redirect keeps working through an outage.
    pub async fn live(&self, tenant_id: &str, key: &str) -> ApiResult<Option<Arc<Live>>> {
        let at = (tenant_id.to_owned(), key.to_owned());
        let known = {
            let live = self.0.live.read().unwrap_or_else(|e| e.into_inner());
            match live.get(&at) {
                Some((link, read_at)) if read_at.elapsed() < KEPT => return Ok(link.clone()),
                Some((link, _)) => Some(link.clone()),
                None => None,
            }
        };
        let link = match target::live(self.0.db.conn(), tenant_id, key).await {
            Ok(link) => link.map(Arc::new),
            Err(err) => match known {
                Some(link) => {
                    tracing::warn!(error = ?err, "reading a link failed; answering as last read");
                    return Ok(link);
                }
                None => return Err(err),
            },
        };
        let mut live = self.0.live.write().unwrap_or_else(|e| e.into_inner());
        if live.len() >= MOST_KEPT {
            live.clear();
        }
        live.insert(at, (link.clone(), Instant::now()));
        Ok(link)
    }

    /// Forgets what was read: a link, a group's settings or the link
    /// domains changed on this replica. (What an outage should answer
    /// from is forgotten too: a change is rare, an outage rarer.)
    pub fn changed(&self) {
        self.0
            .live
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .clear();
        self.0
            .hosts
            .write()
            .unwrap_or_else(|e| e.into_inner())
            .read_at = None;
    }
}
