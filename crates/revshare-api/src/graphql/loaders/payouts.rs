//! Payouts' relations: a run's payouts and skipped partners, a payout's
//! self-billed documents and the objections to them, a partner's payout
//! method and tax profile.

use super::{DirectoryLoader, group_by};
use async_graphql::dataloader::Loader;
use entity::{invoice, invoice_objection, payout, payout_method, payout_run_skip, tax_profile};
use revshare_core::error::ApiError;
use revshare_core::reads;
use std::collections::HashMap;

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
        let rows = reads::rows_in::<payout::Entity, _>(
            &self.conn,
            (payout::Column::TenantId, &self.tenant_id),
            payout::Column::RunId,
            keys.iter().map(|k| k.0.clone()),
            &[payout::Column::Id],
        )
        .await?;
        Ok(group_by(keys, rows, |row| {
            PayoutsOfRun(row.run_id.clone().unwrap_or_default())
        }))
    }
}

/// A payout's self-billed documents: its invoice, then its credit note.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct DocumentsOfPayout(pub String);

impl Loader<DocumentsOfPayout> for DirectoryLoader {
    type Value = Vec<invoice::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[DocumentsOfPayout],
    ) -> Result<HashMap<DocumentsOfPayout, Self::Value>, ApiError> {
        let rows = reads::rows_in::<invoice::Entity, _>(
            &self.conn,
            (invoice::Column::TenantId, &self.tenant_id),
            invoice::Column::PayoutId,
            keys.iter().map(|k| k.0.clone()),
            &[invoice::Column::Id],
        )
        .await?;
        Ok(group_by(keys, rows, |row| {
            DocumentsOfPayout(row.payout_id.clone())
        }))
    }
}

/// A self-billed document's objections, in the order they were made.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct ObjectionsOfInvoice(pub String);

impl Loader<ObjectionsOfInvoice> for DirectoryLoader {
    type Value = Vec<invoice_objection::Model>;
    type Error = ApiError;

    async fn load(
        &self,
        keys: &[ObjectionsOfInvoice],
    ) -> Result<HashMap<ObjectionsOfInvoice, Self::Value>, ApiError> {
        let rows = reads::rows_in::<invoice_objection::Entity, _>(
            &self.conn,
            (invoice_objection::Column::TenantId, &self.tenant_id),
            invoice_objection::Column::InvoiceId,
            keys.iter().map(|k| k.0.clone()),
            &[invoice_objection::Column::Id],
        )
        .await?;
        Ok(group_by(keys, rows, |row| {
            ObjectionsOfInvoice(row.invoice_id.clone())
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
        let runs = keys.iter().map(|k| k.0.clone());
        let rows = reads::skips_of_runs(&self.conn, runs).await?;
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
        let rows =
            revshare_core::payouts::methods::of_partners(&self.conn, &self.tenant_id, ids).await?;
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
        let rows = reads::rows_in::<tax_profile::Entity, _>(
            &self.conn,
            (tax_profile::Column::TenantId, &self.tenant_id),
            tax_profile::Column::PartnerId,
            keys.iter().map(|k| k.0.clone()),
            &[],
        )
        .await?;
        Ok(rows
            .into_iter()
            .map(|row| (TaxProfileOf(row.partner_id.clone()), row))
            .collect())
    }
}
