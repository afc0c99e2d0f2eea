//! Fields of a recorded event (a sale, a refund, a deal's event): what
//! the ledger's rows were earned on.

use super::{Campaign, Deal, DealStage, Event, Partner, Seen, money, related};
use crate::graphql::context::loader;
use crate::graphql::enums::EventKind;
use crate::graphql::loaders::{CustomerId, DealId, DealStageId, load_campaign, load_partner};
use crate::graphql::ready::Ready;
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::{Context, ID, Json, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::error::ApiResult;

/// A conversion or charge, as recorded.
#[Object]
impl Event {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// The sender's idempotency key.
    async fn external_id(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.external_id)
    }

    /// The partner it was recorded for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Ready<Partner>> {
        let row = self.0.read(C::Row)?;
        Ok(Ready(Partner::shown(
            ctx,
            load_partner(&*loader(ctx)?, &row.partner_id).await?,
        )?))
    }

    /// The campaign it was recorded in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Ready<Campaign>> {
        let row = self.0.read(C::Row)?;
        Ok(Ready(Campaign::shown(
            ctx,
            load_campaign(&*loader(ctx)?, &row.campaign_id).await?,
        )?))
    }

    /// The customer's id in your systems.
    async fn customer_external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        let Some(id) = &row.customer_id else {
            return Ok(None);
        };
        let customer = loader(ctx)?.load_one(CustomerId(id.clone())).await?;
        Ok(customer.map(|c| c.external_id))
    }

    /// A sale, a lead, or a deal's stage move or payment.
    async fn kind(&self) -> ApiResult<EventKind> {
        let row = self.0.read(C::Row)?;
        Ok(row.kind.into())
    }

    /// The charge's amount.
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.amount_minor, &row.currency)
    }

    /// The campaign's currency (ISO 4217).
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.currency)
    }

    /// The revenue it brought, as the client gave it (none when not given);
    /// a commission's `revenue` is it after any tier's modifier.
    async fn revenue(&self) -> ApiResult<Option<Decimal>> {
        let row = self.0.read(C::Row)?;
        row.revenue_minor
            .map(|r| money(r, &row.currency))
            .transpose()
    }

    /// The part of the amount refunded so far.
    async fn refunded_amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.refunded_minor, &row.currency)
    }

    /// What was sold, line by line, as recorded (SPEC §32); none for an
    /// event sent without lines.
    async fn lines(&self) -> ApiResult<Vec<crate::graphql::lines::EventLine>> {
        let row = self.0.read(C::Row)?;
        crate::graphql::lines::event_lines(row.lines.as_deref(), row.refunded_lines.as_deref())
    }

    /// What the client sent with it, as given.
    async fn metadata(&self) -> ApiResult<Option<Json<serde_json::Value>>> {
        let row = self.0.read(C::Row)?;
        Ok(row.metadata.clone().map(Json))
    }

    /// When it happened: commissions accrue then.
    async fn occurred_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.occurred_at.into())
    }

    /// When revshare recorded it.
    async fn recorded_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.recorded_at.into())
    }

    /// Whether it earned anything: `NOTHING` when it wrote no commission.
    async fn outcome(&self) -> ApiResult<crate::graphql::enums::EventOutcome> {
        let row = self.0.read(C::Row)?;
        Ok(match row.nothing_reason {
            None => crate::graphql::enums::EventOutcome::Earned,
            Some(_) => crate::graphql::enums::EventOutcome::Nothing,
        })
    }

    /// Why it earned nothing, in words a support person can forward ("the
    /// partner group's rules pay 0 %"); null when it earned.
    async fn nothing_reason(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.nothing_reason.as_deref())
    }

    /// A deal event's deal.
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.deal_id.as_deref(), DealId).await
    }

    /// A `DEAL_STAGE` event's stage.
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<Option<DealStage>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.stage_id.as_deref(), DealStageId).await
    }
}
