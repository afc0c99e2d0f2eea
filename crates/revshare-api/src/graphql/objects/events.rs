//! Fields of domain events.

use super::{Commission, Deal, DomainEvent, Partner, Payout, Seen, related};
use crate::graphql::context::{loader, policy};
use crate::graphql::enums::DomainEventType;
use crate::graphql::loaders::{CommissionId, DealId, PayoutId, load_partner};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Json, Object};
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::events::{DomainEventType as Stored, log::Cursor};

impl DomainEvent {
    /// The subject's id, when the event is of one of `kinds`.
    fn subject_of(&self, kinds: &[Stored]) -> ApiResult<Option<String>> {
        let row = self.0.read(C::Row)?;
        Ok(kinds.contains(&row.kind).then(|| row.subject_id.clone()))
    }
}

/// Something that happened in the tenant, as its event log keeps it. Ids
/// order the tenant's events: pass the last one seen as `after` to resume.
#[Object]
impl DomainEvent {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(Cursor::of(self.0.key()).id())
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self) -> ApiResult<DomainEventType> {
        let row = self.0.read(C::Row)?;
        Ok(row.kind.into())
    }

    /// When the change happened (was committed).
    async fn occurred_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.occurred_at.into())
    }

    /// The partner it concerns.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        let row = self.0.read(C::Row)?;
        match &row.partner_id {
            Some(id) => Ok(Partner::seen(
                policy(ctx)?,
                load_partner(&*loader(ctx)?, id).await?,
            )),
            None => Ok(None),
        }
    }

    /// The id of what it is about: a commission, payout, enrollment,
    /// partnership request, deal or tier.
    async fn subject_id(&self) -> ApiResult<ID> {
        let row = self.0.read(C::Row)?;
        Ok(ID(row.subject_id.clone()))
    }

    /// The subject's key fields when the event happened (a commission's
    /// amount, currency, status and kind; a deal's stage; …).
    async fn data(&self) -> ApiResult<Json<serde_json::Value>> {
        let row = self.0.read(C::Row)?;
        Ok(Json(ApiError::stored("domain event data", &row.data)?))
    }

    /// The commission, as it is now (`COMMISSION_*` events).
    async fn commission(&self, ctx: &Context<'_>) -> ApiResult<Option<Commission>> {
        let kinds = [Stored::CommissionCreated, Stored::CommissionStatusChanged];
        related(ctx, self.subject_of(&kinds)?.as_deref(), CommissionId).await
    }

    /// The deal, as it is now (`DEAL_*` events).
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        let kinds = [
            Stored::DealStageChanged,
            Stored::DealPaymentRecorded,
            Stored::DealRegistered,
            Stored::DealRegistrationDecided,
            Stored::DealUpdated,
        ];
        related(ctx, self.subject_of(&kinds)?.as_deref(), DealId).await
    }

    /// The payout (`PAYOUT_CREATED`, `PAYOUT_PAID`, `PAYOUT_FAILED`,
    /// `PAYOUT_RAIL_CHANGED`).
    async fn payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Payout>> {
        let kinds = [
            Stored::PayoutCreated,
            Stored::PayoutPaid,
            Stored::PayoutFailed,
            Stored::PayoutRailChanged,
        ];
        related(ctx, self.subject_of(&kinds)?.as_deref(), PayoutId).await
    }
}
