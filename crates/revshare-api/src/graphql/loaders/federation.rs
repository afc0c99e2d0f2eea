//! What a supergraph's `_entities` looks up (SPEC §27) beyond rows by id:
//! partners by `externalId`, customers by their `externalId`, and
//! campaigns as a caller may see them — each kind in one statement,
//! however many representations a request names.

use super::DirectoryLoader;
use async_graphql::dataloader::Loader;
use entity::{attribution, campaign, partner};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;
use std::sync::Arc;

/// A partner by its `externalId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PartnerExternalId(pub String);

impl Loader<PartnerExternalId> for DirectoryLoader {
    type Value = Arc<partner::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[PartnerExternalId],
    ) -> Result<HashMap<PartnerExternalId, Self::Value>, ApiError> {
        let rows = reads::rows_in::<partner::Entity, _>(
            &self.conn,
            (partner::Column::TenantId, &self.tenant_id),
            partner::Column::ExternalId,
            keys.iter().map(|k| k.0.clone()),
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .filter_map(|row| {
                let key = PartnerExternalId(row.external_id.clone()?);
                Some((key, Arc::new(row)))
            })
            .collect())
    }
}

/// A customer (its attribution) by its `externalId`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CustomerExternalId(pub String);

impl Loader<CustomerExternalId> for DirectoryLoader {
    type Value = attribution::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CustomerExternalId],
    ) -> Result<HashMap<CustomerExternalId, Self::Value>, ApiError> {
        let ids = keys.iter().map(|k| k.0.clone());
        let rows = reads::customers_named(&self.conn, &self.tenant_id, ids).await?;
        Ok(rows
            .into_iter()
            .map(|row| (CustomerExternalId(row.customer_external_id.clone()), row))
            .collect())
    }
}

/// A campaign as a partner sees it (public and active, the default, or
/// one it is enrolled in), or as staff do (`partner: None`).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct CampaignSeenBy {
    pub id: String,
    pub partner: Option<String>,
}

impl Loader<CampaignSeenBy> for DirectoryLoader {
    type Value = Arc<campaign::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[CampaignSeenBy],
    ) -> Result<HashMap<CampaignSeenBy, Self::Value>, ApiError> {
        // A request has one caller: its keys name one viewer.
        let mut found = HashMap::new();
        let mut viewers: Vec<Option<String>> = keys.iter().map(|k| k.partner.clone()).collect();
        viewers.sort();
        viewers.dedup();
        for viewer in viewers {
            let ids = keys
                .iter()
                .filter(|k| k.partner == viewer)
                .map(|k| k.id.clone());
            let viewing = viewer.as_deref();
            let rows = reads::campaigns_seen_by(&self.conn, &self.tenant_id, ids, viewing).await?;
            for row in rows {
                let key = CampaignSeenBy {
                    id: row.id.clone(),
                    partner: viewer.clone(),
                };
                found.insert(key, Arc::new(row));
            }
        }
        Ok(found)
    }
}
