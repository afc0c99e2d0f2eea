//! The fallback (SPEC §33): a partner without a self-billing agreement
//! uploads its own invoice for one of its payouts — a PDF (by its
//! `%PDF-` header and its `%%EOF` trailer) of at most 5 MiB, while the
//! payout is pending, and may replace it until then; once the payout is
//! paid, the invoice it was paid against stays, and a payout paid with
//! none takes none after. A self-billed payout takes none: its invoice
//! is issued for it.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::PayoutStatus;
use entity::partner_invoice;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// The largest PDF taken: 5 MiB.
pub const MAX_PDF_BYTES: usize = 5 * 1024 * 1024;

/// Stores the partner's PDF for its payout.
pub async fn upload(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    payout_id: &str,
    pdf: Vec<u8>,
) -> ApiResult<partner_invoice::Model> {
    if pdf.len() > MAX_PDF_BYTES {
        return Err(ApiError::bad_input(
            "input.pdf",
            format!("must be at most {} MiB", MAX_PDF_BYTES / 1024 / 1024),
        ));
    }
    if !crate::input::is_pdf(&pdf) {
        return Err(ApiError::bad_input(
            "input.pdf",
            "must be a PDF (it starts with %PDF- and ends with %%EOF)",
        ));
    }
    db.transaction(|txn| {
        let pdf = pdf.clone();
        Box::pin(async move {
            let payout = crate::payouts::settle::lock(&*txn, tenant_id, payout_id).await?;
            if payout.partner_id != partner_id
                || payout.staff_payee
                || payout.recipient_id.is_some()
            {
                return Err(ApiError::not_found("payout"));
            }
            if payout.self_billing.is_some() {
                return Err(ApiError::Conflict(format!(
                    "payout {payout_id} is self-billed: its invoice is issued for it"
                )));
            }
            if payout.status == PayoutStatus::Failed {
                return Err(ApiError::Conflict(format!(
                    "payout {payout_id} failed: nothing was paid to invoice"
                )));
            }
            // Paid, it is frozen: with the invoice it was paid against, or
            // with none (one uploaded now would be one it was never paid
            // against, and could never be replaced).
            if payout.status != PayoutStatus::Pending {
                return Err(ApiError::Conflict(format!(
                    "payout {payout_id} is paid: an invoice is uploaded while its payout is \
                     pending, and the one it was paid against stays"
                )));
            }
            let before = partner_invoice::Entity::find_by_id(payout_id.to_owned())
                .one(&*txn)
                .await?;
            let row = partner_invoice::Model {
                payout_id: payout_id.to_owned(),
                tenant_id: tenant_id.to_owned(),
                partner_id: partner_id.to_owned(),
                size_bytes: pdf.len() as i64,
                pdf,
                uploaded_at: crate::db::now(),
            };
            if before.is_some() {
                partner_invoice::Entity::delete_by_id(payout_id.to_owned())
                    .exec(&*txn)
                    .await?;
            }
            partner_invoice::Entity::insert(
                partner_invoice::ActiveModel::from(row.clone()).reset_all(),
            )
            .exec_without_returning(&*txn)
            .await?;
            Ok(row)
        })
    })
    .await
}

/// The PDF uploaded for a payout of the tenant, if any.
pub async fn of_payout(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    payout_id: &str,
) -> ApiResult<Option<partner_invoice::Model>> {
    Ok(partner_invoice::Entity::find_by_id(payout_id.to_owned())
        .filter(partner_invoice::Column::TenantId.eq(tenant_id))
        .one(conn)
        .await?)
}
