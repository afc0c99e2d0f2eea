//! The directory's relations: the tenant's row and default campaign, a
//! group's partner count, a partner's categories, enrollments, snapshots,
//! referral codes and changes.

use super::{DirectoryLoader, ParentOf};
use async_graphql::dataloader::Loader;
use entity::{campaign, category, change, enrollment, partner_commission, referral_code, tenant};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;
use std::sync::Arc;

/// The caller's tenant as stored: its settings beyond what a token carries
/// (minimum payouts, the payout account).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TenantRow;

impl Loader<TenantRow> for DirectoryLoader {
    type Value = Arc<tenant::Model>;
    type Error = ApiError;

    async fn load(&self, _: &[TenantRow]) -> Result<HashMap<TenantRow, Self::Value>, ApiError> {
        let row = reads::tenant(&self.conn, &self.tenant_id).await?;
        Ok(HashMap::from([(TenantRow, Arc::new(row))]))
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
        let campaign =
            revshare_core::campaigns::default_campaign(&self.conn, &self.tenant_id).await?;
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

/// A deal's or partner's changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangesOf(pub String);

/// A partner's referral codes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferralCodesOf(pub String);

impl Loader<PartnerCountOf> for DirectoryLoader {
    type Value = u64;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PartnerCountOf],
    ) -> Result<HashMap<PartnerCountOf, u64>, ApiError> {
        let groups = keys.iter().map(|k| k.0.clone());
        let counts = reads::partner_counts(&self.conn, &self.tenant_id, groups).await?;
        let mut found: HashMap<PartnerCountOf, u64> = keys.iter().map(|k| (k.clone(), 0)).collect();
        for (group, partners) in counts {
            found.insert(PartnerCountOf(group), partners);
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
        let partners = keys.iter().map(|k| k.0.clone());
        let links = reads::categories_of(&self.conn, &self.tenant_id, partners).await?;
        let mut found: HashMap<CategoriesOf, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (partner, category) in links {
            found
                .entry(CategoriesOf(partner))
                .or_default()
                .push(category);
        }
        Ok(found)
    }
}

children_of!(EnrollmentsOf, enrollment, PartnerId, partner_id);
children_of!(ChangesOf, change, SubjectId, subject_id, Id);
children_of!(ReferralCodesOf, referral_code, PartnerId, partner_id);
children_of!(SnapshotsOf, partner_commission, PartnerId, partner_id);
