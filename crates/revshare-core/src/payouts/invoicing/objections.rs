//! A partner objects to an invoice issued in its name (SPEC §33b): it says
//! why, in its portal, and the staff read it beside the document in the
//! console. The document never changes: the brand corrects it with a
//! credit note and a new invoice, as a self-billed document is corrected.
//!
//! Only the partner named as the supplier objects, to an invoice (a credit
//! note is itself a correction), at most [`MAX_PER_INVOICE`] times.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::InvoiceKind;
use entity::invoice_objection;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

/// The longest reason taken, in characters.
pub const MAX_REASON: usize = 2_000;

/// How many objections one invoice takes.
pub const MAX_PER_INVOICE: u64 = 20;

/// The partner objects to its invoice `invoice_id`: the objection kept.
pub async fn object(
    db: &Db,
    tenant_id: &str,
    partner_id: &str,
    invoice_id: &str,
    reason: &str,
) -> ApiResult<invoice_objection::Model> {
    let reason = crate::input::required_text("reason", reason, MAX_REASON)?;
    db.transaction(|txn| {
        let reason = reason.clone();
        Box::pin(async move {
            // Its partner first (the lock order's first step): objections
            // to one invoice queue there, and the cap holds.
            crate::posting::locks::partners_by_id(&*txn, tenant_id, [partner_id]).await?;
            let Some(document) = super::read::find(&*txn, tenant_id, invoice_id).await? else {
                return Err(ApiError::not_found("invoice"));
            };
            if document.partner_id != partner_id {
                return Err(ApiError::not_found("invoice"));
            }
            if document.kind != InvoiceKind::Invoice {
                return Err(ApiError::bad_input(
                    "id",
                    "names a credit note: an objection is to an invoice",
                ));
            }
            let before = invoice_objection::Entity::find()
                .filter(invoice_objection::Column::TenantId.eq(tenant_id))
                .filter(invoice_objection::Column::InvoiceId.eq(invoice_id))
                .count(&*txn)
                .await?;
            if before >= MAX_PER_INVOICE {
                return Err(ApiError::Conflict(format!(
                    "invoice {} has {MAX_PER_INVOICE} objections: write to the program instead",
                    document.number
                )));
            }
            let row = invoice_objection::Model {
                id: crate::input::new_id(),
                tenant_id: tenant_id.to_owned(),
                invoice_id: invoice_id.to_owned(),
                partner_id: partner_id.to_owned(),
                reason,
                created_at: crate::db::now(),
            };
            invoice_objection::Entity::insert(invoice_objection::ActiveModel::from(row.clone()))
                .exec_without_returning(&*txn)
                .await?;
            crate::activity::about(partner_id);
            crate::activity::changed([(
                "objections",
                Some(before.to_string()),
                Some((before + 1).to_string()),
            )]);
            Ok(row)
        })
    })
    .await
}
