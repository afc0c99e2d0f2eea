//! Per-request DataLoaders (SPEC §4): every relation field resolves through
//! one batched statement per kind of relation, whatever the number of parent
//! rows. A loader is created for each request ([`new_loader`]), bound to the
//! caller's tenant, so a batch can never read across tenants; the `load_*`
//! helpers are the relations object fields share.

use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    broadcast, campaign, category, commission, commission_plan, contact, custom_field,
    custom_field_option, customer, deal, deal_stage, event, partner, partner_commission,
    partner_group, payout, payout_run, tiered_commission, workflow,
};
use revshare_core::db::Db;
use revshare_core::db::kept::Kept;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::reads::{self, pages};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

pub use pages::{
    DealCommissions, DealEvents, GroupPartners, PageQuery, PartnerCommissions, PartnerPayouts,
    PayoutCommissions, partner_commissions_page,
};

/// The loader of each [`pages::PageKey`]: every page of one shape in one
/// statement.
macro_rules! page_loader {
    ($($key:ty),*) => {$(
        impl Loader<$key> for DirectoryLoader {
            type Value = pages::Rows<$key>;
            type Error = ApiError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ApiError> {
                pages::load_pages(&self.conn, &self.tenant_id, keys).await
            }
        }
    )*};
}

page_loader!(
    GroupPartners,
    PartnerCommissions,
    PartnerPayouts,
    DealCommissions,
    DealEvents,
    PayoutCommissions
);

pub struct DirectoryLoader {
    pub conn: revshare_core::db::Pool,
    pub tenant_id: String,
    /// The groups and campaigns the process keeps, and whether this
    /// request's reads may add to them ([`revshare_core::db::kept`]).
    pub kept: Option<(Arc<Kept>, bool)>,
    /// What lists loaded for their items ([`prime`]).
    pub primed: std::sync::Mutex<Primed>,
}

/// The partners, groups and campaigns lists loaded for their items before
/// those resolve ([`prime`]), by id: what an item's relation answers in
/// place, with no loader future ([`crate::graphql::ready`]). The same rows
/// the loaders' cache holds for the request, and replaced with it after a
/// mutation.
#[derive(Default)]
pub struct Primed {
    partners: HashMap<String, Arc<partner::Model>>,
    groups: HashMap<String, Arc<partner_group::Model>>,
    campaigns: HashMap<String, Arc<campaign::Model>>,
}

/// A key [`prime`] loads, whose rows [`Primed`] holds.
pub trait PrimedKey: Send + Sync + std::hash::Hash + Eq + Clone + 'static {
    type Row: Send + Sync + 'static;
    fn id(&self) -> &str;
    fn rows(primed: &Primed) -> &HashMap<String, Arc<Self::Row>>;
    fn rows_mut(primed: &mut Primed) -> &mut HashMap<String, Arc<Self::Row>>;
}

macro_rules! primed_key {
    ($($key:ident => $entity:ident . $field:ident),* $(,)?) => {$(
        impl PrimedKey for $key {
            type Row = $entity::Model;
            fn id(&self) -> &str {
                &self.0
            }
            fn rows(primed: &Primed) -> &HashMap<String, Arc<$entity::Model>> {
                &primed.$field
            }
            fn rows_mut(primed: &mut Primed) -> &mut HashMap<String, Arc<$entity::Model>> {
                &mut primed.$field
            }
        }
    )*};
}

primed_key! {
    PartnerId => partner.partners,
    GroupId => partner_group.groups,
    CampaignId => campaign.campaigns,
}

/// The row of `id` a list loaded for its items ([`prime`]), if it did.
pub fn primed<K: PrimedKey>(loader: &RequestLoader, id: &str) -> Option<Arc<K::Row>> {
    let primed = loader.loader().primed.lock().ok()?;
    K::rows(&primed).get(id).cloned()
}

pub type RequestLoader = DataLoader<DirectoryLoader, HashMapCache>;

/// Fresh loaders for a request of `tenant_id`, caching within the request.
pub fn new_loader(db: &Db, tenant_id: &str, delay: Duration) -> RequestLoader {
    DataLoader::with_cache(
        DirectoryLoader {
            conn: db.conn().clone(),
            tenant_id: tenant_id.to_owned(),
            kept: db.kept().map(|(kept, fills)| (kept.clone(), fills)),
            primed: Default::default(),
        },
        tokio::spawn,
        HashMapCache::default(),
    )
    .delay(delay)
}

/// A partner a row refers to (it exists: the row's foreign key says so).
pub async fn load_partner(loader: &RequestLoader, id: &str) -> ApiResult<Arc<partner::Model>> {
    loader
        .load_one(PartnerId(id.to_owned()))
        .await?
        .ok_or_else(|| ApiError::internal("partner", id))
}

/// A campaign a row refers to.
pub async fn load_campaign(loader: &RequestLoader, id: &str) -> ApiResult<Arc<campaign::Model>> {
    loader
        .load_one(CampaignId(id.to_owned()))
        .await?
        .ok_or_else(|| ApiError::internal("campaign", id))
}

/// A snapshot a row may refer to.
pub async fn load_snapshot(
    loader: &RequestLoader,
    id: Option<&String>,
) -> ApiResult<Option<partner_commission::Model>> {
    match id {
        Some(id) => loader.load_one(SnapshotId(id.clone())).await,
        None => Ok(None),
    }
}

/// Loads `keys` now, in one statement, and puts what it found in the
/// request's cache, where a later `load_one` of any of them returns at once
/// instead of waiting for a batch, and in [`Primed`], where an item's
/// relation finds it without a future (used by lists that know what their
/// items will ask for). Returns what it found.
pub async fn prime<K>(
    loader: &RequestLoader,
    keys: impl IntoIterator<Item = K>,
) -> ApiResult<HashMap<K, Arc<K::Row>>>
where
    K: PrimedKey,
    DirectoryLoader: Loader<K, Value = Arc<K::Row>, Error = ApiError>,
{
    let mut keys: Vec<K> = keys.into_iter().collect();
    let mut seen = std::collections::HashSet::with_capacity(keys.len());
    keys.retain(|key| seen.insert(key.clone()));
    if keys.is_empty() {
        return Ok(HashMap::new());
    }
    let found = loader.loader().load(&keys).await?;
    loader
        .feed_many(found.iter().map(|(k, v)| (k.clone(), v.clone())))
        .await;
    if let Ok(mut primed) = loader.loader().primed.lock() {
        let rows = K::rows_mut(&mut primed);
        rows.extend(found.iter().map(|(k, v)| (k.id().to_owned(), v.clone())));
    }
    Ok(found)
}

/// A loader of rows by id, one per entity: `EventId(id)` loads an event.
macro_rules! by_id {
    ($($key:ident => $entity:ident),* $(,)?) => {
        $(
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub struct $key(pub String);

            impl Loader<$key> for DirectoryLoader {
                type Value = $entity::Model;
                type Error = ApiError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ApiError> {
                    let rows = reads::rows_in::<$entity::Entity, _>(
                        &self.conn,
                        ($entity::Column::TenantId, &self.tenant_id),
                        $entity::Column::Id,
                        keys.iter().map(|k| k.0.clone()),
                        &[],
                    )
                    .await?;
                    Ok(rows.into_iter().map(|row| ($key(row.id.clone()), row)).collect())
                }
            }
        )*
    };
}

/// A loader of rows by id from a table the process keeps in memory
/// ([`revshare_core::db::kept`]): the rows kept for the tenant answer at once, the
/// rest in one statement, kept for the next request unless a change came
/// while it ran.
macro_rules! kept_by_id {
    ($($key:ident => $entity:ident . $table:ident),* $(,)?) => {$(
        #[derive(Debug, Clone, PartialEq, Eq, Hash)]
        pub struct $key(pub String);

        impl Loader<$key> for DirectoryLoader {
            type Value = Arc<$entity::Model>;
            type Error = ApiError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ApiError> {
                let kept = self
                    .kept
                    .as_ref()
                    .and_then(|(kept, fills)| Some((kept, *fills, kept.mark()?)));
                let ids = keys.iter().map(|k| k.0.as_str());
                let (rows, missing) = match kept {
                    Some((kept, _, _)) => kept.$table.get(&self.tenant_id, ids),
                    None => (Vec::new(), ids.collect()),
                };
                let mut found: HashMap<$key, Self::Value> = HashMap::with_capacity(keys.len());
                found.extend(rows.into_iter().map(|row| ($key(row.id.clone()), row)));
                if missing.is_empty() {
                    return Ok(found);
                }
                let read: Vec<Arc<$entity::Model>> = reads::rows_in::<$entity::Entity, _>(
                    &self.conn,
                    ($entity::Column::TenantId, &self.tenant_id),
                    $entity::Column::Id,
                    missing,
                    &[],
                )
                .await?
                .into_iter()
                    .map(Arc::new)
                    .collect();
                if let Some((kept, true, mark)) = kept {
                    let rows = read.iter().map(|row| (row.id.as_str(), row));
                    kept.$table.put(kept, mark, &self.tenant_id, rows);
                }
                found.extend(read.into_iter().map(|row| ($key(row.id.clone()), row)));
                Ok(found)
            }
        }
    )*};
}

kept_by_id! {
    GroupId => partner_group.groups,
    CampaignId => campaign.campaigns,
}

/// Partners by id, behind an `Arc` (a page of commissions names a few
/// partners a hundred times, which the cache then need not copy for
/// each), read as [`reads::partners`] reads them.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerId(pub String);

impl Loader<PartnerId> for DirectoryLoader {
    type Value = Arc<partner::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[PartnerId]) -> Result<HashMap<PartnerId, Self::Value>, ApiError> {
        let ids = keys.iter().map(|k| k.0.as_str());
        let rows = reads::partners(&self.conn, &self.tenant_id, ids).await?;
        let mut found = HashMap::with_capacity(rows.len());
        for row in rows {
            found.insert(PartnerId(row.id.clone()), Arc::new(row));
        }
        Ok(found)
    }
}

by_id! {
    EventId => event,
    SnapshotId => partner_commission,
    CommissionId => commission,
    CustomerId => customer,
    CategoryId => category,
    DealStageId => deal_stage,
    ContactId => contact,
    PlanId => commission_plan,
    CustomFieldId => custom_field,
    OptionId => custom_field_option,
    DealId => deal,
    TierId => tiered_commission,
    PayoutId => payout,
    PayoutRunId => payout_run,
    BroadcastId => broadcast,
    WorkflowId => workflow,
}

/// Rows grouped under the key each belongs to, every key answered (with
/// no rows if none).
fn group_by<K: Clone + Eq + std::hash::Hash, R>(
    keys: &[K],
    rows: Vec<R>,
    key_of: impl Fn(&R) -> K,
) -> HashMap<K, Vec<R>> {
    let mut found: HashMap<K, Vec<R>> = keys.iter().map(|k| (k.clone(), Vec::new())).collect();
    for row in rows {
        found.entry(key_of(&row)).or_default().push(row);
    }
    found
}

/// The parent id a child row belongs to.
trait ParentOf {
    fn parent(&self) -> &str;
}

macro_rules! children_of {
    ($key:ident, $entity:ident, $column:ident, $field:ident) => {
        children_of!($key, $entity, $column, $field, Id);
    };
    ($key:ident, $entity:ident, $column:ident, $field:ident, $order:ident) => {
        impl ParentOf for $entity::Model {
            fn parent(&self) -> &str {
                &self.$field
            }
        }

        impl Loader<$key> for DirectoryLoader {
            type Value = Vec<$entity::Model>;
            type Error = ApiError;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ApiError> {
                let rows = reads::rows_in::<$entity::Entity, _>(
                    &self.conn,
                    ($entity::Column::TenantId, &self.tenant_id),
                    $entity::Column::$column,
                    keys.iter().map(|k| k.0.clone()),
                    &[$entity::Column::$order],
                )
                .await?;
                let mut found: HashMap<$key, Self::Value> =
                    keys.iter().map(|k| (k.clone(), Vec::new())).collect();
                for row in rows {
                    found
                        .entry($key(row.parent().to_owned()))
                        .or_default()
                        .push(row);
                }
                Ok(found)
            }
        }
    };
}

mod deals;
mod directory;
mod federation;
mod ledger;
mod messages;
mod payouts;
mod tiers;

pub use deals::*;
pub use directory::*;
pub use federation::*;
pub use ledger::*;
pub use messages::*;
pub use payouts::*;
pub use tiers::*;
