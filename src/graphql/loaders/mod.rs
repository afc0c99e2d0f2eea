//! Per-request DataLoaders (SPEC §4): every relation field resolves through
//! one batched statement per kind of relation, whatever the number of parent
//! rows. A loader is created for each request ([`new_loader`]), bound to the
//! caller's tenant, so a batch can never read across tenants; the `load_*`
//! helpers are the relations object fields share.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use async_graphql::dataloader::{DataLoader, HashMapCache, Loader};
use entity::{
    campaign, category, change, commission, commission_plan, commission_plan_category,
    commission_plan_group, commission_plan_partner, commission_transition, contact,
    contact_balance, custom_field, custom_field_option, customer, deal, deal_field_value,
    deal_stage, deal_term, deal_term_version, enrollment, event, partner, partner_balance,
    partner_category, partner_commission, partner_group, payout, payout_method, payout_run,
    payout_run_skip, referral_code, tax_profile, tenant, tier_progress, tiered_commission,
    tiered_commission_campaign, tiered_commission_partner,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, FromQueryResult, QueryFilter, QueryOrder, QuerySelect};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

mod pages;
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
    pub conn: crate::db::Pool,
    pub tenant_id: String,
}

pub type RequestLoader = DataLoader<DirectoryLoader, HashMapCache>;

/// Fresh loaders for a request of `tenant_id`, caching within the request.
pub fn new_loader(db: &Db, tenant_id: &str, delay: Duration) -> RequestLoader {
    DataLoader::with_cache(
        DirectoryLoader {
            conn: db.conn().clone(),
            tenant_id: tenant_id.to_owned(),
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
/// instead of waiting for a batch (used by lists that know what their items
/// will ask for). Returns what it found.
pub async fn prime<K>(
    loader: &RequestLoader,
    keys: impl IntoIterator<Item = K>,
) -> ApiResult<HashMap<K, <DirectoryLoader as Loader<K>>::Value>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DirectoryLoader: Loader<K, Error = ApiError>,
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
    Ok(found)
}

/// A loader of rows by id, one per entity: `GroupId(id)` loads a group.
/// `shared` rows are handed out behind an `Arc`: the rows many items of a
/// list point at (a page of commissions names a few partners, groups and
/// campaigns a hundred times), which the cache then need not copy for each.
macro_rules! by_id {
    ($($key:ident => $entity:ident $(($shared:ident))?),* $(,)?) => {
        $(
            #[derive(Debug, Clone, PartialEq, Eq, Hash)]
            pub struct $key(pub String);

            impl Loader<$key> for DirectoryLoader {
                type Value = by_id!(@value $entity $($shared)?);
                type Error = ApiError;

                async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, ApiError> {
                    let rows = $entity::Entity::find()
                        .filter($entity::Column::TenantId.eq(self.tenant_id.as_str()))
                        .filter($entity::Column::Id.is_in(keys.iter().map(|k| k.0.clone())))
                        .all(&self.conn)
                        .await?;
                    Ok(rows.into_iter().map(|row| ($key(row.id.clone()), row.into())).collect())
                }
            }
        )*

    };
    (@value $entity:ident) => { $entity::Model };
    (@value $entity:ident shared) => { std::sync::Arc<$entity::Model> };
}

by_id! {
    GroupId => partner_group (shared),
    PartnerId => partner (shared),
    CampaignId => campaign (shared),
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

/// A run's payouts, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayoutsOfRun(pub String);

impl Loader<PayoutsOfRun> for DirectoryLoader {
    type Value = Vec<payout::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PayoutsOfRun],
    ) -> Result<HashMap<PayoutsOfRun, Self::Value>, ApiError> {
        let rows = payout::Entity::find()
            .filter(payout::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(payout::Column::RunId.is_in(keys.iter().map(|k| k.0.clone())))
            .order_by_asc(payout::Column::Id)
            .all(&self.conn)
            .await?;
        Ok(group_by(keys, rows, |row| {
            PayoutsOfRun(row.run_id.clone().unwrap_or_default())
        }))
    }
}

/// The partners a run carried over, by partner and currency.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SkipsOfRun(pub String);

impl Loader<SkipsOfRun> for DirectoryLoader {
    type Value = Vec<payout_run_skip::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[SkipsOfRun],
    ) -> Result<HashMap<SkipsOfRun, Self::Value>, ApiError> {
        // The runs' own tenant was checked when they were loaded.
        let rows = payout_run_skip::Entity::find()
            .filter(payout_run_skip::Column::RunId.is_in(keys.iter().map(|k| k.0.clone())))
            .order_by_asc(payout_run_skip::Column::PartnerId)
            .order_by_asc(payout_run_skip::Column::Currency)
            .all(&self.conn)
            .await?;
        Ok(group_by(keys, rows, |row| SkipsOfRun(row.run_id.clone())))
    }
}

/// A partner's payout method.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PayoutMethodOf(pub String);

impl Loader<PayoutMethodOf> for DirectoryLoader {
    type Value = payout_method::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PayoutMethodOf],
    ) -> Result<HashMap<PayoutMethodOf, Self::Value>, ApiError> {
        let ids = keys.iter().map(|k| k.0.clone());
        let rows = crate::payouts::methods::of_partners(&self.conn, &self.tenant_id, ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| (PayoutMethodOf(row.partner_id.clone()), row))
            .collect())
    }
}

/// A partner's tax profile.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TaxProfileOf(pub String);

impl Loader<TaxProfileOf> for DirectoryLoader {
    type Value = tax_profile::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[TaxProfileOf],
    ) -> Result<HashMap<TaxProfileOf, Self::Value>, ApiError> {
        let rows = tax_profile::Entity::find()
            .filter(tax_profile::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(tax_profile::Column::PartnerId.is_in(keys.iter().map(|k| k.0.clone())))
            .all(&self.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (TaxProfileOf(row.partner_id.clone()), row))
            .collect())
    }
}

/// The caller's tenant as stored: its settings beyond what a token carries
/// (minimum payouts, the payout account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantRow;

impl Loader<TenantRow> for DirectoryLoader {
    type Value = Arc<tenant::Model>;
    type Error = ApiError;

    async fn load(&self, _: &[TenantRow]) -> Result<HashMap<TenantRow, Self::Value>, ApiError> {
        let row = tenant::Entity::find_by_id(self.tenant_id.clone())
            .one(&self.conn)
            .await?
            .ok_or_else(|| ApiError::internal("tenant", &self.tenant_id))?;
        Ok(HashMap::from([(TenantRow, Arc::new(row))]))
    }
}

/// A domain event by its place in the log (`seq`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct DomainEventSeq(pub i64);

impl Loader<DomainEventSeq> for DirectoryLoader {
    type Value = entity::domain_event::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[DomainEventSeq],
    ) -> Result<HashMap<DomainEventSeq, Self::Value>, ApiError> {
        use entity::domain_event;
        let rows = domain_event::Entity::find()
            .filter(domain_event::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(domain_event::Column::Seq.is_in(keys.iter().map(|k| k.0)))
            .all(&self.conn)
            .await?;
        Ok(rows
            .into_iter()
            .map(|row| (DomainEventSeq(row.seq), row))
            .collect())
    }
}

/// The tenant's active tiers, oldest first (one statement per request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActiveTiers;

impl Loader<ActiveTiers> for DirectoryLoader {
    type Value = Vec<tiered_commission::Model>;
    type Error = ApiError;

    async fn load(&self, _: &[ActiveTiers]) -> Result<HashMap<ActiveTiers, Self::Value>, ApiError> {
        let tiers = crate::tiers::list(&self.tenant_id, Some(entity::enums::TierStatus::Active))
            .order_by_asc(tiered_commission::Column::Id)
            .all(&self.conn)
            .await?;
        Ok(HashMap::from([(ActiveTiers, tiers)]))
    }
}

/// A partner's progress rows of periods not over yet.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CurrentProgressOf(pub String);

impl Loader<CurrentProgressOf> for DirectoryLoader {
    type Value = Vec<tier_progress::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CurrentProgressOf],
    ) -> Result<HashMap<CurrentProgressOf, Self::Value>, ApiError> {
        let rows = tier_progress::Entity::find()
            .filter(tier_progress::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(tier_progress::Column::PartnerId.is_in(keys.iter().map(|k| k.0.clone())))
            .filter(tier_progress::Column::PeriodEnd.gt(crate::db::now()))
            .all(&self.conn)
            .await?;
        let mut found: HashMap<CurrentProgressOf, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for row in rows {
            found
                .entry(CurrentProgressOf(row.partner_id.clone()))
                .or_default()
                .push(row);
        }
        Ok(found)
    }
}

/// The tenant's default campaign (one statement per request, however many
/// partners ask for their terms in it).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DefaultCampaign;

impl Loader<DefaultCampaign> for DirectoryLoader {
    type Value = campaign::Model;
    type Error = ApiError;

    async fn load(
        &self,
        _: &[DefaultCampaign],
    ) -> Result<HashMap<DefaultCampaign, Self::Value>, ApiError> {
        let campaign = crate::campaigns::default_campaign(&self.conn, &self.tenant_id).await?;
        Ok(HashMap::from([(DefaultCampaign, campaign)]))
    }
}

/// The number of partners in a group.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerCountOf(pub String);

/// The categories of a partner.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CategoriesOf(pub String);

/// A partner's enrollments, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct EnrollmentsOf(pub String);

/// A partner's snapshots, oldest first (the history; the newest is in force).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SnapshotsOf(pub String);

/// A partner's commission totals (sum and count) by currency and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BalanceOf(pub String);

/// A payee contact's spiff totals (sum and count) by currency and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactBalanceOf(pub String);

/// A commission's transitions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub String);

/// A deal's or partner's changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangesOf(pub String);

/// A custom field's options, in their order.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct OptionsOf(pub String);

/// A partner's referral codes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferralCodesOf(pub String);

/// The options a deal holds, by field.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealValuesOf(pub String);

/// Every version of a deal's terms, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealTermVersionsOf(pub String);

/// The plans of every version of a deal's terms.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DealTermsOf(pub String);

/// A plan's restrictions: its groups, categories, partners.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanGroupsOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanCategoriesOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PlanPartnersOf(pub String);

/// A tier's scope: its partners and its campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierPartnersOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierCampaignsOf(pub String);

#[derive(FromQueryResult)]
struct GroupCount {
    group_id: String,
    partners: i64,
}

impl Loader<PartnerCountOf> for DirectoryLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PartnerCountOf],
    ) -> Result<HashMap<PartnerCountOf, u64>, ApiError> {
        let counts = partner::Entity::find()
            .select_only()
            .column(partner::Column::GroupId)
            .column_as(
                Expr::from(Func::count(Expr::col(partner::Column::Id))),
                "partners",
            )
            .filter(partner::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(partner::Column::GroupId.is_in(keys.iter().map(|k| k.0.clone())))
            .group_by(partner::Column::GroupId)
            .into_model::<GroupCount>()
            .all(&self.conn)
            .await?;
        let mut found: HashMap<PartnerCountOf, u64> = keys.iter().map(|k| (k.clone(), 0)).collect();
        for count in counts {
            found.insert(PartnerCountOf(count.group_id), count.partners.max(0) as u64);
        }
        Ok(found)
    }
}

impl Loader<CategoriesOf> for DirectoryLoader {
    type Value = Vec<category::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CategoriesOf],
    ) -> Result<HashMap<CategoriesOf, Self::Value>, ApiError> {
        let links = partner_category::Entity::find()
            .filter(partner_category::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(partner_category::Column::PartnerId.is_in(keys.iter().map(|k| k.0.clone())))
            .find_also_related(category::Entity)
            .order_by_asc(category::Column::Name)
            .all(&self.conn)
            .await?;
        let mut found: HashMap<CategoriesOf, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (link, category) in links {
            if let Some(category) = category {
                found
                    .entry(CategoriesOf(link.partner_id))
                    .or_default()
                    .push(category);
            }
        }
        Ok(found)
    }
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
                let rows = $entity::Entity::find()
                    .filter($entity::Column::TenantId.eq(self.tenant_id.as_str()))
                    .filter($entity::Column::$column.is_in(keys.iter().map(|k| k.0.clone())))
                    .order_by_asc($entity::Column::$order)
                    .all(&self.conn)
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

children_of!(EnrollmentsOf, enrollment, PartnerId, partner_id);
children_of!(ChangesOf, change, SubjectId, subject_id, Id);
children_of!(ReferralCodesOf, referral_code, PartnerId, partner_id);
children_of!(SnapshotsOf, partner_commission, PartnerId, partner_id);
children_of!(
    HistoryOf,
    commission_transition,
    CommissionId,
    commission_id
);
children_of!(
    OptionsOf,
    custom_field_option,
    CustomFieldId,
    custom_field_id,
    Position
);
children_of!(
    DealValuesOf,
    deal_field_value,
    DealId,
    deal_id,
    CustomFieldId
);
children_of!(
    DealTermVersionsOf,
    deal_term_version,
    DealId,
    deal_id,
    Version
);
children_of!(DealTermsOf, deal_term, DealId, deal_id);
children_of!(
    PlanGroupsOf,
    commission_plan_group,
    PlanId,
    plan_id,
    GroupId
);
children_of!(
    PlanCategoriesOf,
    commission_plan_category,
    PlanId,
    plan_id,
    CategoryId
);
children_of!(
    PlanPartnersOf,
    commission_plan_partner,
    PlanId,
    plan_id,
    PartnerId
);
children_of!(
    TierPartnersOf,
    tiered_commission_partner,
    TierId,
    tier_id,
    PartnerId
);
children_of!(
    TierCampaignsOf,
    tiered_commission_campaign,
    TierId,
    tier_id,
    CampaignId
);

// Balances come from the totals the ledger keeps (one row per currency and
// status), not a sum over the history.
children_of!(BalanceOf, partner_balance, PartnerId, partner_id, Currency);
children_of!(
    ContactBalanceOf,
    contact_balance,
    ContactId,
    contact_id,
    Currency
);
