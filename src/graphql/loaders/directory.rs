//! The directory's relations: the tenant's row and default campaign, a
//! group's partner count, a partner's categories, enrollments, snapshots,
//! referral codes and changes.

use super::{DirectoryLoader, ParentOf};
use crate::error::ApiError;
use async_graphql::dataloader::Loader;
use entity::{
    campaign, category, change, enrollment, partner, partner_category, partner_commission,
    referral_code, tenant,
};
use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
use sea_orm::{FromQueryResult, QuerySelect};
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
        let row = tenant::Entity::find_by_id(self.tenant_id.clone())
            .one(&self.conn)
            .await?
            .ok_or_else(|| ApiError::internal("tenant", &self.tenant_id))?;
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

/// A deal's or partner's changes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ChangesOf(pub String);

/// A partner's referral codes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ReferralCodesOf(pub String);

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

children_of!(EnrollmentsOf, enrollment, PartnerId, partner_id);
children_of!(ChangesOf, change, SubjectId, subject_id, Id);
children_of!(ReferralCodesOf, referral_code, PartnerId, partner_id);
children_of!(SnapshotsOf, partner_commission, PartnerId, partner_id);
