//! Everything a batch of deal events refers to, read once per table after
//! the batch's partners and deals are locked.

use super::{DealItem, What};
use crate::deals::accrue::FrozenPlan;
use crate::deals::accrue::frozen_plans;
use crate::deals::pipeline;
use crate::engine::plans::DealOptions;
use crate::error::{ApiError, ApiResult};
use crate::ledger::path::recorded;
use entity::{
    campaign, deal, deal_field_value, deal_stage, deal_stage_reached, deal_term, partner,
    partner_commission,
};
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect, QueryTrait,
};
use std::collections::{BTreeSet, HashMap, HashSet};

/// The rows a batch of deal events is decided from.
#[derive(Default)]
pub(super) struct Loaded {
    /// The batch's deals as locked; evaluation carries them forward.
    pub deals: HashMap<String, deal::Model>,
    pub partners: HashMap<String, partner::Model>,
    pub campaigns: HashMap<String, campaign::Model>,
    /// The tenant's stages, by position.
    pub stages: Vec<deal_stage::Model>,
    /// Each deal's plans in force (its terms' current version).
    pub plans: HashMap<String, Vec<FrozenPlan>>,
    pub options: HashMap<String, DealOptions>,
    /// The latest snapshot of each partner in each campaign.
    pub snapshots: HashMap<(String, String), partner_commission::Model>,
    /// Each deal's stages reached, with the payments it had then.
    pub reached: HashMap<String, HashMap<String, i32>>,
    /// The tenant's own people among the deals' lead creators and owners.
    pub staff: HashSet<String>,
    /// Events recorded before under the batch's `externalId`s.
    pub existing: crate::ledger::path::Existing,
    /// The rates payments in another currency than their deal's convert
    /// at (none read when every payment is in its deal's).
    pub rates: crate::fx::Book,
}

impl Loaded {
    pub fn stage(&self, id: &str) -> Option<&deal_stage::Model> {
        self.stages.iter().find(|s| s.id == id)
    }

    pub fn snapshot(
        &self,
        partner_id: &str,
        campaign_id: &str,
    ) -> Option<&partner_commission::Model> {
        self.snapshots
            .get(&(partner_id.to_owned(), campaign_id.to_owned()))
    }
}

/// The deals' partners, locked in id order by one statement; then the
/// deals, read under the lock: their stage and payments are what the
/// events before these left.
async fn lock(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: BTreeSet<&str>,
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let partners = crate::posting::locks::partners(
        conn,
        tenant_id,
        sea_orm::Condition::all().add(
            partner::Column::Id.in_subquery(
                deal::Entity::find()
                    .select_only()
                    .column(deal::Column::PartnerId)
                    .filter(deal::Column::TenantId.eq(tenant_id))
                    .filter(deal::Column::Id.is_in(ids.iter().copied()))
                    .into_query(),
            ),
        ),
    )
    .await?;
    if partners.is_empty() {
        return Ok(());
    }
    loaded.partners = partners.into_iter().map(|p| (p.id.clone(), p)).collect();
    let deals = deal::Entity::find()
        .filter(deal::Column::TenantId.eq(tenant_id))
        .filter(deal::Column::Id.is_in(ids))
        .order_by_asc(deal::Column::Id)
        .lock_exclusive()
        .all(conn)
        .await?;
    // A deal whose partner changed between the two statements would not be
    // under its partner's lock: the batch runs again.
    if deals
        .iter()
        .any(|d| !loaded.partners.contains_key(&d.partner_id))
    {
        return Err(ApiError::Contention);
    }
    loaded.deals = deals.into_iter().map(|d| (d.id.clone(), d)).collect();
    Ok(())
}

/// Locks the batch's partners, then its deals, and reads the rest.
pub(super) async fn load(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    items: &[DealItem],
) -> ApiResult<Loaded> {
    let mut loaded = Loaded::default();
    let ids: BTreeSet<&str> = items.iter().map(|i| i.deal_id.as_str()).collect();
    lock(conn, tenant_id, ids, &mut loaded).await?;
    if loaded.deals.is_empty() {
        return Ok(loaded);
    }
    let external_ids = items.iter().map(|i| i.external_id.as_str());
    loaded.existing = recorded(conn, tenant_id, external_ids).await?;
    if items.iter().any(|i| matches!(i.what, What::Stage { .. })) {
        loaded.stages = deal_stage::Entity::find()
            .filter(deal_stage::Column::TenantId.eq(tenant_id))
            .order_by_asc(deal_stage::Column::Position)
            .all(conn)
            .await?;
    }
    let campaign_ids: BTreeSet<String> = loaded
        .deals
        .values()
        .map(|d| d.campaign_id.clone())
        .collect();
    loaded.campaigns = campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(campaign::Column::Id.is_in(campaign_ids.iter().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect();
    plans(conn, &mut loaded).await?;
    options(conn, &mut loaded).await?;
    snapshots(conn, &mut loaded, &campaign_ids).await?;
    if items.iter().any(|i| matches!(i.what, What::Payment { .. })) {
        reached(conn, &mut loaded).await?;
    }
    rates(conn, tenant_id, items, &mut loaded).await?;
    let people: HashSet<&str> = loaded
        .deals
        .values()
        .flat_map(|d| [d.lead_creator_id.as_deref(), d.owner_id.as_deref()])
        .flatten()
        .collect();
    loaded.staff = pipeline::staff_among(conn, people).await?;
    Ok(loaded)
}

fn deal_ids(loaded: &Loaded) -> impl Iterator<Item = &str> {
    loaded.deals.keys().map(String::as_str)
}

/// Each deal's terms of its current version, as plans.
async fn plans(conn: &impl ConnectionTrait, loaded: &mut Loaded) -> ApiResult<()> {
    let terms = deal_term::Entity::find()
        .filter(deal_term::Column::DealId.is_in(deal_ids(loaded)))
        .order_by_asc(deal_term::Column::Id)
        .all(conn)
        .await?;
    let mut in_force: HashMap<String, Vec<deal_term::Model>> = HashMap::new();
    for row in terms {
        let current = loaded.deals.get(&row.deal_id).map(|d| d.terms_version);
        if current == Some(row.version) {
            in_force.entry(row.deal_id.clone()).or_default().push(row);
        }
    }
    for (deal_id, rows) in in_force {
        loaded.plans.insert(deal_id, frozen_plans(&rows)?);
    }
    Ok(())
}

async fn options(conn: &impl ConnectionTrait, loaded: &mut Loaded) -> ApiResult<()> {
    let values = deal_field_value::Entity::find()
        .filter(deal_field_value::Column::DealId.is_in(deal_ids(loaded)))
        .all(conn)
        .await?;
    for value in values {
        loaded
            .options
            .entry(value.deal_id)
            .or_default()
            .insert(value.custom_field_id, value.option_id);
    }
    Ok(())
}

/// The latest snapshot of each of the batch's partners in each campaign.
async fn snapshots(
    conn: &impl ConnectionTrait,
    loaded: &mut Loaded,
    campaign_ids: &BTreeSet<String>,
) -> ApiResult<()> {
    let partner_ids: BTreeSet<&str> = loaded
        .deals
        .values()
        .map(|d| d.partner_id.as_str())
        .collect();
    let rows = partner_commission::Entity::find()
        .filter(partner_commission::Column::PartnerId.is_in(partner_ids))
        .filter(
            partner_commission::Column::CampaignId.is_in(campaign_ids.iter().map(String::as_str)),
        )
        .order_by_desc(partner_commission::Column::Id)
        .all(conn)
        .await?;
    let mut snapshots = HashMap::new();
    for row in rows {
        snapshots
            .entry((row.partner_id.clone(), row.campaign_id.clone()))
            .or_insert(row);
    }
    loaded.snapshots = snapshots;
    Ok(())
}

async fn reached(conn: &impl ConnectionTrait, loaded: &mut Loaded) -> ApiResult<()> {
    let rows = deal_stage_reached::Entity::find()
        .filter(deal_stage_reached::Column::DealId.is_in(deal_ids(loaded)))
        .all(conn)
        .await?;
    for row in rows {
        loaded
            .reached
            .entry(row.deal_id)
            .or_default()
            .insert(row.stage_id, row.payments_before);
    }
    Ok(())
}

/// The rates of the payments in another currency than their deal's, over
/// their days.
async fn rates(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    items: &[DealItem],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let now = crate::db::now();
    let mut currencies = BTreeSet::new();
    let mut days = BTreeSet::new();
    for item in items {
        let What::Payment {
            currency: Some(code),
            ..
        } = &item.what
        else {
            continue;
        };
        let Some(deal) = loaded.deals.get(&item.deal_id) else {
            continue;
        };
        if *code != deal.currency {
            currencies.insert(code.clone());
            currencies.insert(deal.currency.clone());
            let at = crate::ledger::path::occurred_at(item.occurred_at, now);
            days.insert(crate::fx::day_of(at));
        }
    }
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(());
    };
    loaded.rates = crate::fx::book(
        conn,
        tenant_id,
        currencies.iter().map(String::as_str),
        *first,
        *last,
    )
    .await?;
    Ok(())
}
