//! The ledger's relations: a commission's transitions, the balances the
//! ledger keeps (one row per currency and status, not a sum over the
//! history), and domain events by their place in the log.

use super::{DirectoryLoader, ParentOf};
use async_graphql::dataloader::Loader;
use entity::{commission_transition, contact_balance, partner_balance};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;

/// A partner's commission totals (sum and count) by currency and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct BalanceOf(pub String);

/// A payee contact's spiff totals (sum and count) by currency and status.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ContactBalanceOf(pub String);

/// A commission's transitions, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HistoryOf(pub String);

/// The open fraud flags that hold a commission, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct HoldsOf(pub String);

impl Loader<HoldsOf> for DirectoryLoader {
    type Value = Vec<entity::fraud_flag::Model>;
    type Error = ApiError;

    async fn load(&self, keys: &[HoldsOf]) -> Result<HashMap<HoldsOf, Self::Value>, ApiError> {
        let ids: Vec<&str> = keys.iter().map(|k| k.0.as_str()).collect();
        let mut found: HashMap<HoldsOf, Self::Value> =
            keys.iter().map(|k| (k.clone(), Vec::new())).collect();
        for (commission, flag) in revshare_core::posting::fraud::holding(&self.conn, &ids).await? {
            if flag.tenant_id == self.tenant_id {
                found.entry(HoldsOf(commission)).or_default().push(flag);
            }
        }
        Ok(found)
    }
}

/// How an event in another currency than its campaign's was converted.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ConversionOf(pub String);

impl Loader<ConversionOf> for DirectoryLoader {
    type Value = entity::event_conversion::Model;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ConversionOf],
    ) -> Result<HashMap<ConversionOf, Self::Value>, ApiError> {
        use entity::event_conversion;
        let rows = reads::rows_in::<event_conversion::Entity, _>(
            &self.conn,
            (event_conversion::Column::TenantId, &self.tenant_id),
            event_conversion::Column::EventId,
            keys.iter().map(|k| k.0.clone()),
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (ConversionOf(row.event_id.clone()), row))
            .collect())
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
        let rows = reads::rows_in::<domain_event::Entity, _>(
            &self.conn,
            (domain_event::Column::TenantId, &self.tenant_id),
            domain_event::Column::Seq,
            keys.iter().map(|k| k.0),
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (DomainEventSeq(row.seq), row))
            .collect())
    }
}

// Balances come from the totals the ledger keeps (one row per currency and
// status), not a sum over the history.
children_of!(
    HistoryOf,
    commission_transition,
    CommissionId,
    commission_id
);
children_of!(BalanceOf, partner_balance, PartnerId, partner_id, Currency);
children_of!(
    ContactBalanceOf,
    contact_balance,
    ContactId,
    contact_id,
    Currency
);

/// A partner's rank among the tenant's partners by what each earned over
/// `[from, to)`'s days in `currency` (`Partner.rank`): every rank of one
/// window from one read of its earnings, the tenant's zone read once.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RankIn {
    pub partner_id: String,
    pub from: chrono::DateTime<chrono::Utc>,
    pub to: chrono::DateTime<chrono::Utc>,
    /// An ISO 4217 code, checked.
    pub currency: String,
}

impl Loader<RankIn> for DirectoryLoader {
    /// The rank, what the partner earned (minor units), how many partners
    /// earned anything.
    type Value = (u64, i64, u64);
    type Error = ApiError;

    async fn load(&self, keys: &[RankIn]) -> Result<HashMap<RankIn, Self::Value>, ApiError> {
        use revshare_core::ledger::reports;
        let zone = reports::zone_of(&self.conn, &self.tenant_id).await?;
        let mut windows: HashMap<(_, _, &str), Vec<&RankIn>> = HashMap::new();
        for key in keys {
            windows
                .entry((key.from, key.to, key.currency.as_str()))
                .or_default()
                .push(key);
        }
        let mut found = HashMap::with_capacity(keys.len());
        for ((from, to, currency), keys) in windows {
            let partners: Vec<&str> = keys.iter().map(|k| k.partner_id.as_str()).collect();
            let ranks = reports::ranks(
                &self.conn,
                &self.tenant_id,
                &zone,
                (from, to),
                currency,
                &partners,
            )
            .await?;
            for key in keys {
                if let Some(rank) = ranks.get(&key.partner_id) {
                    found.insert(key.clone(), *rank);
                }
            }
        }
        Ok(found)
    }
}
