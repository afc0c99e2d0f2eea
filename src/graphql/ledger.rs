//! `Commission`, `Event`, `Payout` and `Balance`; recording events and
//! refunds; approving, paying and reversing commissions.

use super::campaigns::{Campaign, PartnerCommission, load_campaign, load_partner, load_snapshot};
use super::connection::{ListConnection, TotalCount, connection, list_connection};
use super::loaders::{CommissionId, CustomerId, EventId, HistoryOf};
use super::partners::Partner;
use super::rules::{EventKind, RuleContribution, RuleType};
use super::scalars::{DateTime, Decimal};
use super::{Owner, db, guard, ingest, loader, page_args, principal, writer};
use crate::auth::{Principal, Scope};
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::ledger::accrual::{self, NewEvent, PartnerRef, Recorded};
use crate::ledger::refunds::{self, EventRef, NewRefund};
use crate::ledger::{
    self, BreakdownEntry, CommissionFilter, CommissionKind, CommissionStatus, ReversalReason,
    transitions,
};
use crate::paging::{PageLimits, PageRequest};
use async_graphql::{Context, ID, InputObject, Json, Object, SimpleObject};
use entity::{commission, commission_transition, event, partner_balance, payout};

/// `commissions` pages: 1–500, 100 when omitted (seed 002).
pub const COMMISSION_LIMITS: PageLimits = PageLimits {
    default: 100,
    max: 500,
};

fn money(minor: i64, currency: &str) -> ApiResult<Decimal> {
    let currency =
        Currency::parse(currency).map_err(|e| ApiError::internal("stored currency", e))?;
    Ok(Decimal(currency.from_minor(minor)))
}

pub struct Commission(pub commission::Model);

/// Ledger rows are read with `commissions:read`, by their partner, and by
/// the `events:write` caller whose events (and refunds) produced them: a
/// recorded event answers with what it earned.
const LEDGER_ROW: &[Scope] = &[Scope::CommissionsRead, Scope::EventsWrite];

impl Commission {
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, LEDGER_ROW, Owner::Partner(&self.0.partner_id))
    }
}

/// A ledger row: a partner earned (or, for a clawback, gave back) an amount on an event.
#[Object]
impl Commission {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<CommissionKind> {
        self.readable(ctx)?;
        CommissionKind::parse(&self.0.kind)
    }

    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    async fn status(&self, ctx: &Context<'_>) -> ApiResult<CommissionStatus> {
        self.readable(ctx)?;
        CommissionStatus::parse(&self.0.status)
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        load_partner(ctx, &self.0.partner_id).await
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        load_campaign(ctx, &self.0.campaign_id).await
    }

    async fn event(&self, ctx: &Context<'_>) -> ApiResult<Event> {
        self.readable(ctx)?;
        loader(ctx)?
            .load_one(EventId(self.0.event_id.clone()))
            .await?
            .map(Event)
            .ok_or_else(|| ApiError::internal("commission event", &self.0.event_id))
    }

    /// The snapshot in force when it accrued (null when none existed).
    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        self.readable(ctx)?;
        load_snapshot(ctx, self.0.snapshot_id.as_ref()).await
    }

    /// The rules that contributed, unrounded; `amount` is their sum rounded once.
    async fn breakdown(&self, ctx: &Context<'_>) -> ApiResult<Vec<RuleContribution>> {
        self.readable(ctx)?;
        let entries: Vec<BreakdownEntry> = serde_json::from_value(self.0.breakdown.clone())
            .map_err(|e| ApiError::internal("breakdown", e))?;
        entries
            .into_iter()
            .map(|entry| {
                Ok(RuleContribution {
                    rule_index: entry.rule_index,
                    rule_type: parse_rule_type(&entry.rule_type)?,
                    description: entry.description,
                    percentage: entry.percentage.map(Decimal),
                    amount: Decimal(entry.amount),
                })
            })
            .collect()
    }

    /// Where the rules came from: `SNAPSHOT`, `CAMPAIGN` or `GROUP`.
    async fn rules_source(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.rules_source)
    }

    /// When it was earned: the event's `occurredAt` (a clawback's refund time).
    async fn accrued_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.accrued_at.into())
    }

    /// When the row was written.
    async fn recorded_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.recorded_at.into())
    }

    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.readable(ctx)?;
        Ok(self.0.holdback_days)
    }

    /// `accruedAt + holdbackDays`: when the maturity job approves it.
    async fn mature_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.mature_at.map(DateTime))
    }

    async fn approved_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.approved_at.map(DateTime))
    }

    async fn paid_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.paid_at.map(DateTime))
    }

    async fn reversed_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.reversed_at.map(DateTime))
    }

    /// Why it was reversed (or, for a clawback, why the event was refunded).
    async fn reversal_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<ReversalReason>> {
        self.readable(ctx)?;
        self.0
            .reversal_reason
            .as_deref()
            .map(ReversalReason::parse)
            .transpose()
    }

    async fn reversal_note(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.reversal_note.as_deref())
    }

    /// For a clawback: the commission it takes back from.
    async fn original(&self, ctx: &Context<'_>) -> ApiResult<Option<Commission>> {
        self.readable(ctx)?;
        match &self.0.original_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(CommissionId(id.clone()))
                .await?
                .map(Commission)),
            None => Ok(None),
        }
    }

    async fn payout_id(&self, ctx: &Context<'_>) -> ApiResult<Option<ID>> {
        self.readable(ctx)?;
        Ok(self.0.payout_id.clone().map(ID))
    }

    /// Every status change, oldest first (the ledger's managers and the
    /// partner; not the event sender).
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<CommissionTransition>> {
        guard(
            ctx,
            &[Scope::CommissionsRead],
            Owner::Partner(&self.0.partner_id),
        )?;
        let rows = loader(ctx)?
            .load_one(HistoryOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(CommissionTransition).collect())
    }
}

fn parse_rule_type(name: &str) -> ApiResult<RuleType> {
    use crate::engine::RuleType as R;
    let all = [
        R::Recurring,
        R::NewCustomerTimeTier,
        R::PartnerLtvUpgrade,
        R::ChargeThresholdBonus,
        R::QualifiedCustomersUpgrade,
        R::FirstPaidCustomerBonus,
        R::FlatFee,
    ];
    all.into_iter()
        .find(|t| accrual::rule_type_name(*t) == name)
        .map(RuleType::from)
        .ok_or_else(|| ApiError::internal("stored rule type", name))
}

pub struct CommissionTransition(pub commission_transition::Model);

/// One status change of a commission.
#[Object]
impl CommissionTransition {
    async fn from_status(&self) -> ApiResult<Option<CommissionStatus>> {
        self.0
            .from_status
            .as_deref()
            .map(CommissionStatus::parse)
            .transpose()
    }

    async fn to_status(&self) -> ApiResult<CommissionStatus> {
        CommissionStatus::parse(&self.0.to_status)
    }

    async fn reason(&self) -> ApiResult<Option<ReversalReason>> {
        self.0
            .reason
            .as_deref()
            .map(ReversalReason::parse)
            .transpose()
    }

    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The `sub` of the token that made the change, or `maturity` for the job.
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

pub struct Event(pub event::Model);

impl Event {
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, LEDGER_ROW, Owner::Partner(&self.0.partner_id))
    }
}

/// A conversion or charge, as recorded.
#[Object]
impl Event {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The sender's idempotency key.
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.external_id)
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        load_partner(ctx, &self.0.partner_id).await
    }

    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Campaign> {
        self.readable(ctx)?;
        load_campaign(ctx, &self.0.campaign_id).await
    }

    async fn customer_external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        self.readable(ctx)?;
        match &self.0.customer_id {
            Some(id) => Ok(loader(ctx)?
                .load_one(CustomerId(id.clone()))
                .await?
                .map(|c| c.external_id)),
            None => Ok(None),
        }
    }

    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<EventKind> {
        self.readable(ctx)?;
        match self.0.kind.as_str() {
            "SALE" => Ok(EventKind::Sale),
            "LEAD" => Ok(EventKind::Lead),
            other => Err(ApiError::internal("stored event kind", other)),
        }
    }

    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    async fn revenue(&self, ctx: &Context<'_>) -> ApiResult<Option<Decimal>> {
        self.readable(ctx)?;
        self.0
            .revenue_minor
            .map(|r| money(r, &self.0.currency))
            .transpose()
    }

    /// The part of the amount refunded so far.
    async fn refunded_amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.refunded_minor, &self.0.currency)
    }

    async fn metadata(&self, ctx: &Context<'_>) -> ApiResult<Option<Json<serde_json::Value>>> {
        self.readable(ctx)?;
        Ok(self.0.metadata.clone().map(Json))
    }

    async fn occurred_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.occurred_at.into())
    }

    async fn recorded_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.recorded_at.into())
    }
}

pub struct Payout(pub payout::Model);

impl Payout {
    fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(
            ctx,
            &[Scope::CommissionsRead],
            Owner::Partner(&self.0.partner_id),
        )
    }
}

/// Money sent to a partner in one currency, for the commissions it settled
/// (clawbacks included, netted).
#[Object]
impl Payout {
    async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Partner> {
        self.readable(ctx)?;
        load_partner(ctx, &self.0.partner_id).await
    }

    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    /// The payment's reference in the system that sent it.
    async fn reference(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.reference)
    }

    async fn commission_count(&self, ctx: &Context<'_>) -> ApiResult<i32> {
        self.readable(ctx)?;
        Ok(self.0.commission_count)
    }

    async fn created_by(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.created_by)
    }

    async fn created_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.created_at.into())
    }
}

/// A partner's commissions in one currency, by status. `approved` nets
/// clawbacks (negative rows, approved at once).
#[derive(SimpleObject, Debug, PartialEq)]
pub struct Balance {
    pub currency: String,
    pub accrued: Decimal,
    pub approved: Decimal,
    pub paid: Decimal,
}

pub fn balances(totals: Vec<partner_balance::Model>) -> ApiResult<Vec<Balance>> {
    let mut balances: Vec<Balance> = Vec::new();
    for total in totals {
        let currency = Currency::parse(&total.currency)
            .map_err(|e| ApiError::internal("stored currency", e))?;
        if balances.last().is_none_or(|b| b.currency != total.currency) {
            let zero = Decimal(currency.from_minor(0));
            balances.push(Balance {
                currency: total.currency.clone(),
                accrued: zero,
                approved: zero,
                paid: zero,
            });
        }
        let balance = balances.last_mut().expect("pushed above");
        let amount = Decimal(currency.from_minor(total.amount_minor));
        match CommissionStatus::parse(&total.status)? {
            CommissionStatus::Accrued => balance.accrued = amount,
            CommissionStatus::Approved => balance.approved = amount,
            CommissionStatus::Paid => balance.paid = amount,
            CommissionStatus::Reversed => {}
        }
    }
    Ok(balances)
}

#[derive(InputObject)]
pub struct RecordEventInput {
    /// Your idempotency key, unique per tenant.
    pub external_id: String,
    /// The partner, by id …
    pub partner_id: Option<ID>,
    /// … or by its `externalId`.
    pub partner_external_id: Option<String>,
    /// Omitted: the default campaign.
    pub campaign_id: Option<ID>,
    /// Required for a sale.
    pub customer_external_id: Option<String>,
    /// Omitted: the customer's first event.
    pub customer_acquired_at: Option<DateTime>,
    #[graphql(default)]
    pub kind: EventKind,
    pub amount: Decimal,
    /// Omitted: the campaign's currency; given, it must be the campaign's.
    pub currency: Option<String>,
    /// Omitted: when it is recorded.
    pub occurred_at: Option<DateTime>,
    pub revenue: Option<Decimal>,
    pub metadata: Option<Json<serde_json::Value>>,
}

impl RecordEventInput {
    fn into_new(self, prefix: &str) -> ApiResult<NewEvent> {
        let partner = match (self.partner_id, self.partner_external_id) {
            (Some(id), None) => PartnerRef::Id(id.0),
            (None, Some(external)) => PartnerRef::ExternalId(external),
            _ => {
                return Err(ApiError::bad_input(
                    format!("{prefix}.partnerId"),
                    "give exactly one of partnerId and partnerExternalId",
                ));
            }
        };
        Ok(NewEvent {
            external_id: self.external_id,
            partner,
            campaign_id: self.campaign_id.map(|id| id.0),
            customer_external_id: self.customer_external_id,
            customer_acquired_at: self.customer_acquired_at.map(|t| t.0),
            kind: self.kind.into(),
            amount: self.amount.0,
            currency: self.currency,
            occurred_at: self.occurred_at.map(|t| t.0),
            revenue: self.revenue.map(|r| r.0),
            metadata: self.metadata.map(|m| m.0),
        })
    }
}

/// What recording an event did.
#[derive(SimpleObject)]
pub struct RecordEventPayload {
    pub event: Event,
    /// The commissions it accrued (none when it earned nothing).
    pub commissions: Vec<Commission>,
    /// The event had been recorded before with this payload: this is that result.
    pub duplicate: bool,
}

impl From<Recorded> for RecordEventPayload {
    fn from(recorded: Recorded) -> Self {
        RecordEventPayload {
            event: Event(recorded.event),
            commissions: recorded.commissions.into_iter().map(Commission).collect(),
            duplicate: recorded.duplicate,
        }
    }
}

/// Why one item of a batch was not recorded.
#[derive(SimpleObject)]
pub struct ItemError {
    pub code: String,
    pub message: String,
    pub field: Option<String>,
}

/// One item of `recordEvents`: a payload or an error.
#[derive(SimpleObject)]
pub struct RecordEventResult {
    pub external_id: String,
    pub payload: Option<RecordEventPayload>,
    pub error: Option<ItemError>,
}

#[derive(InputObject)]
pub struct RecordRefundInput {
    pub event_id: Option<ID>,
    pub event_external_id: Option<String>,
    /// Omitted: everything not refunded yet.
    pub amount: Option<Decimal>,
    #[graphql(default_with = "ReversalReason::Refund")]
    pub reason: ReversalReason,
    pub note: Option<String>,
}

#[derive(SimpleObject)]
pub struct RecordRefundPayload {
    pub event: Event,
    /// Commissions reversed (a full refund of an accrued commission).
    pub reversed: Vec<Commission>,
    /// Negative rows appended (partial refunds, or commissions already approved or paid).
    pub clawbacks: Vec<Commission>,
}

#[derive(InputObject)]
pub struct MarkCommissionsPaidInput {
    pub ids: Vec<ID>,
    /// The payment's reference, kept on each payout.
    pub reference: String,
}

#[derive(InputObject)]
pub struct ReverseCommissionInput {
    pub id: ID,
    pub reason: ReversalReason,
    pub note: Option<String>,
}

fn ids(ids: Vec<ID>) -> Vec<String> {
    ids.into_iter().map(|id| id.0).collect()
}

/// Whether a principal may read a commission: its own partner, or `commissions:read`.
fn may_read(principal: &Principal, row: &commission::Model) -> ApiResult<bool> {
    match principal.own_partner() {
        Some(own) => Ok(own == row.partner_id),
        None => principal.require(Scope::CommissionsRead).map(|_| true),
    }
}

#[derive(Default)]
pub struct LedgerQuery;

#[Object]
impl LedgerQuery {
    /// A commission by id; null when there is none the caller may see.
    async fn commission(&self, ctx: &Context<'_>, id: ID) -> ApiResult<Option<Commission>> {
        let principal = principal(ctx)?;
        let Some(row) = ledger::find(db(ctx)?.conn(), principal.tenant_id(), &id).await? else {
            return Ok(None);
        };
        Ok(may_read(principal, &row)?.then_some(Commission(row)))
    }

    /// The ledger, oldest first: across the tenant with `commissions:read`; a
    /// partner token sees only its own rows. `accruedTo` is exclusive.
    #[allow(clippy::too_many_arguments)]
    #[graphql(complexity = "super::list_cost(first, last, child_complexity)")]
    async fn commissions(
        &self,
        ctx: &Context<'_>,
        status: Option<CommissionStatus>,
        partner_id: Option<ID>,
        campaign_id: Option<ID>,
        accrued_from: Option<DateTime>,
        accrued_to: Option<DateTime>,
        first: Option<i32>,
        after: Option<String>,
        last: Option<i32>,
        before: Option<String>,
    ) -> ApiResult<ListConnection<Commission>> {
        let principal = principal(ctx)?;
        let partner_id = match principal.own_partner() {
            Some(own) => {
                if partner_id.as_ref().is_some_and(|p| p.0 != own) {
                    return Ok(connection(
                        crate::paging::Page::empty(),
                        TotalCount::known(0),
                        |c: &commission::Model| c.id.clone(),
                        Commission,
                    ));
                }
                Some(own.to_owned())
            }
            None => {
                principal.require(Scope::CommissionsRead)?;
                partner_id.map(|p| p.0)
            }
        };
        let request = PageRequest::parse(page_args(first, after, last, before), COMMISSION_LIMITS)?;
        let filter = CommissionFilter {
            status,
            partner_id,
            campaign_id: campaign_id.map(|c| c.0),
            accrued_from: accrued_from.map(|t| t.0),
            accrued_to: accrued_to.map(|t| t.0),
        };
        let select = ledger::list(principal.tenant_id(), &filter);
        list_connection(
            db(ctx)?.conn(),
            &request,
            select,
            commission::Column::Id,
            Commission,
        )
        .await
    }
}

#[derive(Default)]
pub struct LedgerMutation;

#[Object]
impl LedgerMutation {
    /// Records one conversion or charge and accrues its commission, exactly
    /// once per `externalId`.
    async fn record_event(
        &self,
        ctx: &Context<'_>,
        input: RecordEventInput,
    ) -> ApiResult<RecordEventPayload> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let item = accrual::Item {
            prefix: "input".into(),
            event: input.into_new("input")?,
        };
        Ok(ingest(ctx)?
            .record(principal.tenant_id(), item)
            .await?
            .into())
    }

    /// Records up to 1,000 events; each is answered on its own, and a bad
    /// item never blocks the others.
    async fn record_events(
        &self,
        ctx: &Context<'_>,
        input: Vec<RecordEventInput>,
    ) -> ApiResult<Vec<RecordEventResult>> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        if input.len() > accrual::MAX_BATCH {
            return Err(ApiError::bad_input(
                "input",
                format!("must have at most {} events", accrual::MAX_BATCH),
            ));
        }
        let mut external_ids = Vec::with_capacity(input.len());
        let mut results: Vec<Option<ApiResult<Recorded>>> = Vec::with_capacity(input.len());
        let mut valid = Vec::new();
        for (i, item) in input.into_iter().enumerate() {
            external_ids.push(item.external_id.clone());
            let prefix = format!("input[{i}]");
            match item.into_new(&prefix) {
                Ok(event) => {
                    valid.push((i, accrual::Item { prefix, event }));
                    results.push(None);
                }
                Err(err) => results.push(Some(Err(err))),
            }
        }
        let (positions, events): (Vec<usize>, Vec<accrual::Item>) = valid.into_iter().unzip();
        let db = db(ctx)?;
        let parts = super::write_parallelism(db);
        let recorded = accrual::record_split(db, principal.tenant_id(), events, parts).await?;
        for (position, result) in positions.into_iter().zip(recorded) {
            results[position] = Some(result);
        }
        Ok(external_ids
            .into_iter()
            .zip(results)
            .map(
                |(external_id, result)| match result.expect("every item has a result") {
                    Ok(recorded) => RecordEventResult {
                        external_id,
                        payload: Some(recorded.into()),
                        error: None,
                    },
                    Err(err) => RecordEventResult {
                        external_id,
                        payload: None,
                        error: Some(ItemError {
                            code: err.code().to_owned(),
                            message: err.message(),
                            field: match &err {
                                ApiError::BadInput { field, .. } => Some(field.clone()),
                                _ => None,
                            },
                        }),
                    },
                },
            )
            .collect())
    }

    /// Records a full or partial refund of an event (see the README for its effect).
    async fn record_refund(
        &self,
        ctx: &Context<'_>,
        input: RecordRefundInput,
    ) -> ApiResult<RecordRefundPayload> {
        let principal = writer(ctx, Scope::EventsWrite)?;
        let event = match (input.event_id, input.event_external_id) {
            (Some(id), None) => EventRef::Id(id.0),
            (None, Some(external)) => EventRef::ExternalId(external),
            _ => {
                return Err(ApiError::bad_input(
                    "input.eventId",
                    "give exactly one of eventId and eventExternalId",
                ));
            }
        };
        let refund = NewRefund {
            event,
            amount: input.amount.map(|a| a.0),
            reason: input.reason,
            note: input.note,
        };
        let refunded =
            refunds::record(db(ctx)?, principal.tenant_id(), &principal.subject, refund).await?;
        Ok(RecordRefundPayload {
            event: Event(refunded.event),
            reversed: refunded.reversed.into_iter().map(Commission).collect(),
            clawbacks: refunded.clawbacks.into_iter().map(Commission).collect(),
        })
    }

    /// `ACCRUED → APPROVED`, all or nothing.
    async fn approve_commissions(
        &self,
        ctx: &Context<'_>,
        ids: Vec<ID>,
    ) -> ApiResult<Vec<Commission>> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let approved = transitions::approve(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &self::ids(ids),
        )
        .await?;
        Ok(approved.into_iter().map(Commission).collect())
    }

    /// `APPROVED → PAID`: one payout per partner and currency, netting that
    /// partner's approved clawbacks.
    async fn mark_commissions_paid(
        &self,
        ctx: &Context<'_>,
        input: MarkCommissionsPaidInput,
    ) -> ApiResult<Vec<Payout>> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let payouts = transitions::mark_paid(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &self::ids(input.ids),
            &input.reference,
        )
        .await?;
        Ok(payouts.into_iter().map(Payout).collect())
    }

    /// `ACCRUED → REVERSED`, with a reason.
    async fn reverse_commission(
        &self,
        ctx: &Context<'_>,
        input: ReverseCommissionInput,
    ) -> ApiResult<Commission> {
        let principal = writer(ctx, Scope::CommissionsWrite)?;
        let note = crate::input::optional_text(
            "input.note",
            input.note.as_deref(),
            crate::input::MAX_NOTE_CHARS,
        )?;
        let reversed = transitions::reverse(
            db(ctx)?,
            principal.tenant_id(),
            &principal.subject,
            &input.id,
            input.reason,
            note,
        )
        .await?;
        Ok(Commission(reversed))
    }
}
