//! Fields of ledger rows, their history, events and payouts.

use super::{
    Campaign, Commission, CommissionPlan, CommissionTransition, Contact, Deal, DealStage, Event,
    Partner, PartnerCommission, TieredCommission, money, related,
};
use crate::auth::Scope;
use crate::auth::access::Policy;
use crate::error::{ApiError, ApiResult};
use crate::graphql::context::{Owner, caller, guard, loader};
use crate::graphql::enums::{
    BreakdownVocabulary, CommissionKind, CommissionStatus, EventKind, PlanTrigger, ReversalReason,
    RuleType, TermsSource, TierAction, ValueSource,
};
use crate::graphql::loaders::{
    CommissionId, ContactId, CustomerId, DealId, DealStageId, EventId, HistoryOf, PlanId, TierId,
    load_campaign, load_partner, load_snapshot,
};
use crate::graphql::ready::{Ready, ReadyFields, enumerated, scalar, text};
use crate::graphql::scalars::{DateTime, Decimal};
use crate::ledger::columns;
use crate::posting::breakdown::{self, BreakdownLine as Line};
use async_graphql::{Context, ID, Json, Object, SimpleObject, Value};
use entity::commission::Column;
use sea_orm::IdenStatic;
use sea_orm::prelude::DateTimeUtc;

/// Ledger rows are read with `commissions:read`, by their partner, by the
/// `events:write` caller whose events (and refunds) produced them — a
/// recorded event answers with what it earned — and with `deals:read`, which
/// reaches only the rows of deals (a deal shows what it earned).
const LEDGER_ROW: &[Scope] = &[Scope::CommissionsRead, Scope::EventsWrite, Scope::DealsRead];

/// One line of a commission's breakdown: what contributed, in the
/// vocabulary it came from. Fields of other vocabularies are null.
#[derive(SimpleObject)]
pub struct BreakdownLine {
    /// Which vocabulary the line is in: a group rule, a plan entry or a tier.
    pub vocabulary: BreakdownVocabulary,
    /// The contribution before the commission is rounded.
    pub amount: Decimal,
    /// Group rules: the rule's position in its rule set.
    pub rule_index: Option<u32>,
    /// Group rules: the rule's type.
    #[graphql(name = "type")]
    pub rule_type: Option<RuleType>,
    /// What the tenant wrote about the rule.
    pub description: Option<String>,
    /// Percentage points applied, for percentage rules.
    pub percentage: Option<Decimal>,
    /// Plan entries: the plan, and its label as the deal froze it.
    pub plan_id: Option<ID>,
    /// Plan entries: the plan's name, as the deal froze it.
    pub plan_label: Option<String>,
    /// Plan entries: the entry's position in the plan, and its payment stage.
    pub entry_index: Option<u32>,
    /// Plan entries: the entry's payment stage.
    pub stage_id: Option<ID>,
    /// Plan entries: the stage reached (the one-off part) or a payment
    /// (an occurrence of the recurring part).
    pub trigger: Option<PlanTrigger>,
    /// Plan entries: the occurrence, for payments (from 1).
    pub occurrence: Option<u32>,
    /// Plan entries: the value used, as written (`"10%"`, `"500"`), and
    /// where it came from (the base value, a period rate, a scaling tier).
    pub value: Option<String>,
    /// Plan entries: where the value came from.
    pub value_source: Option<ValueSource>,
    /// Plan entries: what a percentage was taken of (the deal's amount, or
    /// the payment's).
    pub base: Option<Decimal>,
    /// Tier modifiers, adjustments and bonuses: the tier, and its modifier's action
    /// (its value is in `value`).
    pub tier_id: Option<ID>,
    /// Tier lines: the modifier's action.
    pub action: Option<TierAction>,
}

impl BreakdownLine {
    /// A fraud flag's hold: no amount, its signal in words.
    fn hold(signal: &str) -> BreakdownLine {
        BreakdownLine {
            vocabulary: BreakdownVocabulary::FraudHold,
            amount: rust_decimal::Decimal::ZERO.into(),
            rule_index: None,
            rule_type: None,
            description: Some(format!("held: {signal}")),
            percentage: None,
            plan_id: None,
            plan_label: None,
            entry_index: None,
            stage_id: None,
            trigger: None,
            occurrence: None,
            value: None,
            value_source: None,
            base: None,
            tier_id: None,
            action: None,
        }
    }
}

impl From<Line> for BreakdownLine {
    fn from(line: Line) -> Self {
        let (vocabulary, amount) = match &line {
            Line::GroupRule(l) => (BreakdownVocabulary::GroupRule, l.amount),
            Line::PlanEntry(l) => (BreakdownVocabulary::PlanEntry, l.amount),
            Line::TierModifier(l) => (BreakdownVocabulary::TierModifier, l.amount),
            Line::Adjustment(l) => (BreakdownVocabulary::Adjustment, l.amount),
            Line::TierBonus(l) => (BreakdownVocabulary::TierBonus, l.amount),
            Line::Imported(l) => (BreakdownVocabulary::Imported, l.amount),
        };
        let mut out = BreakdownLine {
            vocabulary,
            amount: amount.into(),
            rule_index: None,
            rule_type: None,
            description: None,
            percentage: None,
            plan_id: None,
            plan_label: None,
            entry_index: None,
            stage_id: None,
            trigger: None,
            occurrence: None,
            value: None,
            value_source: None,
            base: None,
            tier_id: None,
            action: None,
        };
        match line {
            Line::GroupRule(rule) => {
                out.rule_index = Some(rule.rule_index);
                out.rule_type = Some(rule.rule_type.into());
                out.description = rule.description;
                out.percentage = rule.percentage.map(Decimal::from);
            }
            Line::PlanEntry(entry) => {
                out.plan_id = Some(ID(entry.plan_id));
                out.plan_label = Some(entry.plan_label);
                out.entry_index = Some(entry.entry_index);
                out.stage_id = Some(ID(entry.stage_id));
                out.trigger = Some(entry.trigger.into());
                out.occurrence = entry.occurrence;
                out.value = Some(entry.value);
                out.value_source = Some(entry.value_source.into());
                out.base = Some(Decimal::from(entry.base));
            }
            Line::TierModifier(tier) => {
                out.tier_id = Some(ID(tier.tier_id));
                out.action = Some(tier.action.into());
                out.value = Some(tier.value.normalize().to_string());
            }
            Line::Adjustment(adjustment) => {
                out.tier_id = adjustment.tier_id.map(ID);
                out.action = Some(adjustment.action.into());
                out.value = Some(adjustment.value.normalize().to_string());
            }
            Line::TierBonus(bonus) => out.tier_id = Some(ID(bonus.tier_id)),
            Line::Imported(imported) => {
                out.description = Some(format!("imported from {}", imported.platform));
                out.value = Some(imported.source_id);
            }
        }
        out
    }
}

/// Who besides the scopes' holders reads a ledger row
/// ([`crate::auth::access::money_owner`]).
fn owner(partner_id: &str, staff_payee: bool) -> Owner<'_> {
    crate::auth::access::money_owner(partner_id, staff_payee)
}

impl Commission {
    /// The columns a field reads besides [`columns::ALWAYS`], for lists
    /// that read only what their selection asks for; `None` for a field not
    /// listed here, which then reads whole rows. Keep it beside the
    /// resolvers: a resolver that reads another column names it here.
    pub fn columns_of(field: &str) -> Option<&'static [Column]> {
        Some(match field {
            "id" | "partner" | "campaign" | "history" | "__typename" => &[],
            "kind" => &[Column::Kind],
            "amount" => &[Column::AmountMinor, Column::Currency],
            "currency" => &[Column::Currency],
            "status" => &[Column::Status],
            "event" | "conversion" => &[Column::EventId],
            "snapshot" => &[Column::SnapshotId],
            "breakdown" => &[Column::Breakdown],
            "rulesSource" => &[Column::RulesSource],
            "accruedAt" => &[Column::AccruedAt],
            "recordedAt" => &[Column::RecordedAt],
            "holdbackDays" => &[Column::HoldbackDays],
            "matureAt" => &[Column::MatureAt],
            "approvedAt" => &[Column::ApprovedAt],
            "paidAt" => &[Column::PaidAt],
            "reversedAt" => &[Column::ReversedAt],
            "reversalReason" => &[Column::ReversalReason],
            "reversalNote" => &[Column::ReversalNote],
            "original" => &[Column::OriginalId],
            "payoutId" => &[Column::PayoutId],
            "plan" => &[Column::PlanId],
            "deal" => &[Column::DealId],
            "recipient" => &[Column::RecipientId],
            "tier" => &[Column::TierId],
            "revenue" => &[Column::RevenueMinor, Column::Currency],
            "recipientPending" => &[Column::RecipientPending],
            _ => return None,
        })
    }

    /// The columns `fields` of commissions read ([`Commission::columns_of`]),
    /// or `None` when one of them needs whole rows.
    pub fn columns<'a>(fields: impl IntoIterator<Item = &'a str>) -> Option<Vec<Column>> {
        let mut columns = columns::ALWAYS.to_vec();
        for field in fields {
            for column in Self::columns_of(field)? {
                if !columns.iter().any(|c| c.as_str() == column.as_str()) {
                    columns.push(*column);
                }
            }
        }
        Some(columns)
    }

    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        let owner = owner(&self.0.partner_id, self.0.staff_payee);
        guard(ctx, LEDGER_ROW, owner)
    }

    /// The open flags that hold it (one statement per page of rows).
    async fn holding(&self, ctx: &Context<'_>) -> ApiResult<Vec<entity::fraud_flag::Model>> {
        Ok(loader(ctx)?
            .load_one(crate::graphql::loaders::HoldsOf(self.0.id.clone()))
            .await?
            .unwrap_or_default())
    }
}

impl ReadyFields for Commission {
    fn ready(&self, caller: &Policy, name: &str) -> Option<Value> {
        let row = &self.0;
        if name == "id" {
            return Some(Value::String(row.id.clone()));
        }
        caller
            .allows(LEDGER_ROW, owner(&row.partner_id, row.staff_payee))
            .ok()?;
        let at = |at: Option<DateTimeUtc>| at.map_or(Value::Null, |at| scalar(DateTime::from(at)));
        Some(match name {
            "kind" => enumerated::<CommissionKind>(row.kind),
            "amount" => scalar(money(row.amount_minor, &row.currency).ok()?),
            "currency" => Value::String(row.currency.clone()),
            "status" => enumerated::<CommissionStatus>(row.status),
            "rulesSource" => enumerated::<TermsSource>(row.rules_source),
            "accruedAt" => scalar(DateTime::from(row.accrued_at)),
            "recordedAt" => scalar(DateTime::from(row.recorded_at)),
            "holdbackDays" => row.holdback_days.map_or(Value::Null, Value::from),
            "matureAt" => at(row.mature_at),
            "approvedAt" => at(row.approved_at),
            "paidAt" => at(row.paid_at),
            "reversedAt" => at(row.reversed_at),
            "reversalReason" => row
                .reversal_reason
                .map_or(Value::Null, enumerated::<ReversalReason>),
            "reversalNote" => text(row.reversal_note.as_deref()),
            "payoutId" => text(row.payout_id.as_deref()),
            "revenue" => match row.revenue_minor {
                Some(minor) => scalar(money(minor, &row.currency).ok()?),
                None => Value::Null,
            },
            "recipientPending" => Value::Boolean(row.recipient_pending),
            _ => return None,
        })
    }
}

/// A ledger row: a partner earned (or, for a clawback, gave back) an amount on an event.
#[Object]
impl Commission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// A commission, a clawback (negative), a tier's adjustment or bonus.
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<CommissionKind> {
        self.readable(ctx)?;
        Ok(self.0.kind.into())
    }

    /// What was earned (negative for a clawback), rounded once to the
    /// currency's minor unit.
    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    /// The campaign's currency (ISO 4217).
    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    /// Where it is: accrued, approved, paid or reversed.
    async fn status(&self, ctx: &Context<'_>) -> ApiResult<CommissionStatus> {
        self.readable(ctx)?;
        Ok(self.0.status.into())
    }

    /// The partner that earned it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Ready<Partner>> {
        self.readable(ctx)?;
        Ok(Ready(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        )))
    }

    /// The campaign it was earned in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Ready<Campaign>> {
        self.readable(ctx)?;
        Ok(Ready(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        )))
    }

    /// The event it was earned on.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<Event> {
        self.readable(ctx)?;
        loader(ctx)?
            .load_one(EventId(self.0.event_id.clone()))
            .await?
            .map(Event)
            .ok_or_else(|| ApiError::internal("commission event", &self.0.event_id))
    }

    /// How its sale was converted into its currency, when the sale was in
    /// another (SPEC §22): the sale's own amount and currency, the rate,
    /// its day and source. Null for a sale in the commission's currency.
    async fn conversion(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Conversion>> {
        self.readable(ctx)?;
        let Some(row) = loader(ctx)?
            .load_one(crate::graphql::loaders::ConversionOf(
                self.0.event_id.clone(),
            ))
            .await?
        else {
            return Ok(None);
        };
        super::Conversion::from_row(&row).map(Some)
    }

    /// The snapshot in force when it accrued (null when none existed).
    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        self.readable(ctx)?;
        let snapshot = load_snapshot(&*loader(ctx)?, self.0.snapshot_id.as_ref()).await?;
        Ok(snapshot.map(PartnerCommission))
    }

    /// What contributed, unrounded; `amount` is their sum rounded once.
    /// For staff, a held commission ends with a `FRAUD_HOLD` line per flag
    /// that holds it (`held: CLICK_SPAM`).
    async fn breakdown(&self, ctx: &Context<'_>) -> ApiResult<Vec<BreakdownLine>> {
        self.readable(ctx)?;
        let lines = breakdown::decode(&self.0.breakdown)
            .map_err(|e| ApiError::internal("stored breakdown", e))?;
        let mut lines: Vec<BreakdownLine> = lines.into_iter().map(BreakdownLine::from).collect();
        if super::reads_holds(ctx) {
            for flag in self.holding(ctx).await? {
                lines.push(BreakdownLine::hold(flag.signal.as_str()));
            }
        }
        Ok(lines)
    }

    /// Whether an open fraud flag holds it: not approved, nor paid, until
    /// the flag is resolved (staff only, null with an error for a partner,
    /// who sees the commission pending as any other).
    async fn on_hold(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        self.readable(ctx)?;
        guard(ctx, &[Scope::CommissionsRead], Owner::NoPartner)?;
        Ok(Some(!self.holding(ctx).await?.is_empty()))
    }

    /// The open fraud flags that hold it, oldest first (staff only).
    async fn holds(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::FraudFlag>> {
        self.readable(ctx)?;
        guard(ctx, &[Scope::CommissionsRead], Owner::NoPartner)?;
        Ok(self
            .holding(ctx)
            .await?
            .into_iter()
            .map(super::FraudFlag)
            .collect())
    }

    /// Where the rules came from: `SNAPSHOT`, `CAMPAIGN` or `GROUP`.
    async fn rules_source(&self, ctx: &Context<'_>) -> ApiResult<TermsSource> {
        self.readable(ctx)?;
        Ok(self.0.rules_source.into())
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

    /// Days after `accruedAt` before it matures (none: approved by hand).
    async fn holdback_days(&self, ctx: &Context<'_>) -> ApiResult<Option<i32>> {
        self.readable(ctx)?;
        Ok(self.0.holdback_days)
    }

    /// `accruedAt + holdbackDays`: when the maturity job approves it.
    async fn mature_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.mature_at.map(DateTime::from))
    }

    /// When it was approved.
    async fn approved_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.approved_at.map(DateTime::from))
    }

    /// When it was paid.
    async fn paid_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.paid_at.map(DateTime::from))
    }

    /// When it was reversed.
    async fn reversed_at(&self, ctx: &Context<'_>) -> ApiResult<Option<DateTime>> {
        self.readable(ctx)?;
        Ok(self.0.reversed_at.map(DateTime::from))
    }

    /// Why it was reversed (or, for a clawback, why the event was refunded).
    async fn reversal_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<ReversalReason>> {
        self.readable(ctx)?;
        Ok(self.0.reversal_reason.map(Into::into))
    }

    /// What was said when it was reversed.
    async fn reversal_note(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.reversal_note.as_deref())
    }

    /// For a clawback or an adjustment: the commission it corrects.
    async fn original(&self, ctx: &Context<'_>) -> ApiResult<Option<Commission>> {
        self.readable(ctx)?;
        related(ctx, self.0.original_id.as_deref(), CommissionId, Commission).await
    }

    /// The payout that paid it, or that holds it while pending.
    async fn payout_id(&self, ctx: &Context<'_>) -> ApiResult<Option<ID>> {
        self.readable(ctx)?;
        Ok(self.0.payout_id.clone().map(ID))
    }

    /// Earned on a deal: the plan that paid it.
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Option<CommissionPlan>> {
        self.readable(ctx)?;
        related(ctx, self.0.plan_id.as_deref(), PlanId, CommissionPlan).await
    }

    /// Earned on a deal: the deal.
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        self.readable(ctx)?;
        related(ctx, self.0.deal_id.as_deref(), DealId, Deal).await
    }

    /// A spiff's payee (null while it waits for one, and for what the
    /// partner organisation earns).
    async fn recipient(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        self.readable(ctx)?;
        related(ctx, self.0.recipient_id.as_deref(), ContactId, Contact).await
    }

    /// The tier whose modifier changed it, or whose retroactive modifier an
    /// ADJUSTMENT applies.
    async fn tier(&self, ctx: &Context<'_>) -> ApiResult<Option<TieredCommission>> {
        self.readable(ctx)?;
        related(ctx, self.0.tier_id.as_deref(), TierId, TieredCommission).await
    }

    /// Its event's revenue after any tier's revenue modifier (an ADJUSTMENT:
    /// the change it makes to its original's); null without revenue.
    async fn revenue(&self, ctx: &Context<'_>) -> ApiResult<Option<Decimal>> {
        self.readable(ctx)?;
        self.0
            .revenue_minor
            .map(|minor| money(minor, &self.0.currency))
            .transpose()
    }

    /// A spiff whose payee is still to be named (`assignCommissionRecipient`):
    /// it cannot be approved before.
    async fn recipient_pending(&self, ctx: &Context<'_>) -> ApiResult<bool> {
        self.readable(ctx)?;
        Ok(self.0.recipient_pending)
    }

    /// Every status change, oldest first (the ledger's managers and the
    /// partner; not the event sender).
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<CommissionTransition>> {
        let owner = owner(&self.0.partner_id, self.0.staff_payee);
        guard(ctx, &[Scope::CommissionsRead], owner)?;
        let rows = loader(ctx)?
            .load_one(HistoryOf(self.0.id.clone()))
            .await?
            .unwrap_or_default();
        Ok(rows.into_iter().map(CommissionTransition).collect())
    }
}

// Reached only through `Commission.history`, which checks its scope.
/// One status change of a commission.
#[Object]
impl CommissionTransition {
    /// The status before (none for the row's creation).
    async fn from_status(&self) -> Option<CommissionStatus> {
        self.0.from_status.map(Into::into)
    }

    /// The status after.
    async fn to_status(&self) -> CommissionStatus {
        self.0.to_status.into()
    }

    /// Why it was reversed.
    async fn reason(&self) -> Option<ReversalReason> {
        self.0.reason.map(Into::into)
    }

    /// What was said with the change.
    async fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }

    /// The `sub` of the token that made the change, or `maturity` for the
    /// job. A partner token reads `staff` for the tenant's people.
    async fn actor(&self, ctx: &Context<'_>) -> &str {
        super::actor_as_seen(caller(ctx), &self.0.actor)
    }

    /// When it changed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}

impl Event {
    pub(crate) fn readable(&self, ctx: &Context<'_>) -> ApiResult<()> {
        guard(ctx, LEDGER_ROW, Owner::Partner(&self.0.partner_id))
    }
}

/// A conversion or charge, as recorded.
#[Object]
impl Event {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.id.clone())
    }

    /// The sender's idempotency key.
    async fn external_id(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.external_id)
    }

    /// The partner it was recorded for.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Ready<Partner>> {
        self.readable(ctx)?;
        Ok(Ready(Partner::from(
            load_partner(&*loader(ctx)?, &self.0.partner_id).await?,
        )))
    }

    /// The campaign it was recorded in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Ready<Campaign>> {
        self.readable(ctx)?;
        Ok(Ready(Campaign::from(
            load_campaign(&*loader(ctx)?, &self.0.campaign_id).await?,
        )))
    }

    /// The customer's id in your systems.
    async fn customer_external_id(&self, ctx: &Context<'_>) -> ApiResult<Option<String>> {
        self.readable(ctx)?;
        related(ctx, self.0.customer_id.as_deref(), CustomerId, |c| {
            c.external_id
        })
        .await
    }

    /// A sale, a lead, or a deal's stage move or payment.
    async fn kind(&self, ctx: &Context<'_>) -> ApiResult<EventKind> {
        self.readable(ctx)?;
        Ok(self.0.kind.into())
    }

    /// The charge's amount.
    async fn amount(&self, ctx: &Context<'_>) -> ApiResult<Decimal> {
        self.readable(ctx)?;
        money(self.0.amount_minor, &self.0.currency)
    }

    /// The campaign's currency (ISO 4217).
    async fn currency(&self, ctx: &Context<'_>) -> ApiResult<&str> {
        self.readable(ctx)?;
        Ok(&self.0.currency)
    }

    /// The revenue it brought, as the client gave it (none when not given);
    /// a commission's `revenue` is it after any tier's modifier.
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

    /// What the client sent with it, as given.
    async fn metadata(&self, ctx: &Context<'_>) -> ApiResult<Option<Json<serde_json::Value>>> {
        self.readable(ctx)?;
        Ok(self.0.metadata.clone().map(Json))
    }

    /// When it happened: commissions accrue then.
    async fn occurred_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.occurred_at.into())
    }

    /// When revshare recorded it.
    async fn recorded_at(&self, ctx: &Context<'_>) -> ApiResult<DateTime> {
        self.readable(ctx)?;
        Ok(self.0.recorded_at.into())
    }

    /// Whether it earned anything: `NOTHING` when it wrote no commission.
    async fn outcome(&self, ctx: &Context<'_>) -> ApiResult<crate::graphql::enums::EventOutcome> {
        self.readable(ctx)?;
        Ok(match self.0.nothing_reason {
            None => crate::graphql::enums::EventOutcome::Earned,
            Some(_) => crate::graphql::enums::EventOutcome::Nothing,
        })
    }

    /// Why it earned nothing, in words a support person can forward ("the
    /// partner group's rules pay 0 %"); null when it earned.
    async fn nothing_reason(&self, ctx: &Context<'_>) -> ApiResult<Option<&str>> {
        self.readable(ctx)?;
        Ok(self.0.nothing_reason.as_deref())
    }

    /// A deal event's deal.
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        self.readable(ctx)?;
        related(ctx, self.0.deal_id.as_deref(), DealId, Deal).await
    }

    /// A `DEAL_STAGE` event's stage.
    async fn stage(&self, ctx: &Context<'_>) -> ApiResult<Option<DealStage>> {
        self.readable(ctx)?;
        related(ctx, self.0.stage_id.as_deref(), DealStageId, DealStage).await
    }
}
