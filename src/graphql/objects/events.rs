//! Fields of domain events.

use super::{Commission, Deal, DomainEvent, Partner, Payout, related};
use crate::error::ApiResult;
use crate::events::{DomainEventType as Stored, log::Cursor, scope_of};
use crate::graphql::context::{Owner, guard, loader};
use crate::graphql::enums::DomainEventType;
use crate::graphql::loaders::{CommissionId, DealId, PayoutId, load_partner};
use crate::graphql::scalars::DateTime;
use async_graphql::{Context, ID, Json, Object};

impl DomainEvent {
    /// Who reads it: the holders of the scope reading its subject, and the
    /// partner it concerns.
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        let owner = match &self.0.partner_id {
            Some(partner) => Owner::Partner(partner),
            None => Owner::NoPartner,
        };
        guard(ctx, &[scope_of(self.0.kind)], owner)
    }

    /// The subject's id, when the event is of one of `kinds`.
    fn subject_of(&self, kinds: &[Stored]) -> Option<String> {
        kinds
            .contains(&self.0.kind)
            .then(|| self.0.subject_id.clone())
    }
}

/// Something that happened in the tenant, as its event log keeps it. Ids
/// order the tenant's events: pass the last one seen as `after` to resume.
#[Object]
impl DomainEvent {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(Cursor::of(&self.0).id())
    }

    /// What happened.
    #[graphql(name = "type")]
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<DomainEventType> {
        self.readable(ctx)?;
        Ok(self.0.kind.into())
    }

    /// When the change happened (was committed).
    async fn occurred_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.occurred_at.into())
    }

    /// The partner it concerns.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Option<Partner>> {
        self.readable(ctx)?;
        match &self.0.partner_id {
            Some(id) => Ok(Some(Partner::from(load_partner(&*loader(ctx)?, id).await?))),
            None => Ok(None),
        }
    }

    /// The id of what it is about: a commission, payout, enrollment,
    /// partnership request, deal or tier.
    async fn subject_id(&self, ctx: &Context<'_>) -> ApiResult<ID> {
        self.readable(ctx)?;
        Ok(ID(self.0.subject_id.clone()))
    }

    /// The subject's key fields when the event happened (a commission's
    /// amount, currency, status and kind; a deal's stage; …).
    async fn data(&self, ctx: &Context<'_>) -> ApiResult<Json<serde_json::Value>> {
        self.readable(ctx)?;
        Ok(Json(serde_json::from_str(&self.0.data).unwrap_or_default()))
    }

    /// The commission, as it is now (`COMMISSION_*` events).
    async fn commission(&self, ctx: &Context<'_>) -> ApiResult<Option<Commission>> {
        self.readable(ctx)?;
        let kinds = [Stored::CommissionCreated, Stored::CommissionStatusChanged];
        related(
            ctx,
            self.subject_of(&kinds).as_deref(),
            CommissionId,
            Commission,
        )
        .await
    }

    /// The deal, as it is now (`DEAL_*` events).
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        self.readable(ctx)?;
        let kinds = [
            Stored::DealStageChanged,
            Stored::DealPaymentRecorded,
            Stored::DealRegistered,
            Stored::DealRegistrationDecided,
            Stored::DealUpdated,
        ];
        related(ctx, self.subject_of(&kinds).as_deref(), DealId, Deal).await
    }

    /// The payout (`PAYOUT_CREATED`, `PAYOUT_PAID`, `PAYOUT_FAILED`,
    /// `PAYOUT_RAIL_CHANGED`).
    async fn payout(&self, ctx: &Context<'_>) -> ApiResult<Option<Payout>> {
        self.readable(ctx)?;
        related(
            ctx,
            self.subject_of(&[
                Stored::PayoutCreated,
                Stored::PayoutPaid,
                Stored::PayoutFailed,
                Stored::PayoutRailChanged,
            ])
            .as_deref(),
            PayoutId,
            Payout,
        )
        .await
    }
}
