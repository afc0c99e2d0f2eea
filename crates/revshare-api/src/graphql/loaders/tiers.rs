//! Tiers' relations: the tenant's active tiers, a partner's current
//! progress, a tier's partners and campaigns.

use super::{DirectoryLoader, ParentOf};
use async_graphql::dataloader::Loader;
use entity::{
    tier_progress, tiered_commission, tiered_commission_campaign, tiered_commission_partner,
};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;

/// The tenant's active tiers, oldest first (one statement per request).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ActiveTiers;

impl Loader<ActiveTiers> for DirectoryLoader {
    type Value = Vec<tiered_commission::Model>;
    type Error = ApiError;

    async fn load(&self, _: &[ActiveTiers]) -> Result<HashMap<ActiveTiers, Self::Value>, ApiError> {
        let tiers = reads::active_tiers(&self.conn, &self.tenant_id).await?;
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
        let partners = keys.iter().map(|k| k.0.clone());
        let rows = reads::current_progress(&self.conn, &self.tenant_id, partners).await?;
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

/// A tier's scope: its partners and its campaigns.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierPartnersOf(pub String);
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TierCampaignsOf(pub String);

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
