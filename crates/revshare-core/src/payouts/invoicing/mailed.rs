//! A paid payout's self-billed invoice, attached to the e-mail that tells
//! its partner it was paid (SPEC §33b): made when the message is sent,
//! handed to the mail sender by the application (mail sits below
//! payouts).

use super::{document, read, ubl};
use crate::error::ApiResult;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

/// What a mail carries attached: a payout's self-billed invoice, once
/// issued, as its PDF and its UBL XML (SPEC §33b), named by its number —
/// for the `PAYOUT_SENT` message of a payout; nothing for any other.
pub fn attached<'a>(
    db: &'a crate::db::Db,
    row: &'a entity::email::Model,
    content: &'a crate::mail::Content,
) -> futures_util::future::BoxFuture<'a, ApiResult<Vec<crate::mail::send::Attached>>> {
    use crate::mail::send::Attached;
    Box::pin(async move {
        let crate::mail::Content::PayoutSent {
            payout_id: Some(payout),
            ..
        } = content
        else {
            return Ok(Vec::new());
        };
        let invoice = entity::invoice::Entity::find()
            .filter(entity::invoice::Column::TenantId.eq(row.tenant_id.as_str()))
            .filter(entity::invoice::Column::PayoutId.eq(payout.as_str()))
            .filter(entity::invoice::Column::Kind.eq(entity::enums::InvoiceKind::Invoice))
            .one(db.conn())
            .await?;
        let Some(invoice) = invoice else {
            return Ok(Vec::new());
        };
        let issued = read::Issued::of(db.conn(), invoice).await?;
        let name = format!("invoice-{}", issued.row.number);
        Ok(vec![
            Attached {
                name: format!("{name}.pdf"),
                kind: "application/pdf",
                bytes: document::pdf(&issued)?,
            },
            Attached {
                name: format!("{name}.xml"),
                kind: "application/xml; charset=utf-8",
                bytes: ubl::xml(&issued)?.into_bytes(),
            },
        ])
    })
}
