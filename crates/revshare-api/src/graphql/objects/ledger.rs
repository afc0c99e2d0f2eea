//! Fields of ledger rows and their history; the events they were earned
//! on are in [`super::sales`].

use super::{
    Campaign, Commission, CommissionPlan, CommissionTransition, Contact, Deal, Event, Partner,
    PartnerCommission, Seen, TieredCommission, money, related,
};
use crate::graphql::context::{caller, loader, loader_in, policy};
use crate::graphql::enums::{
    BreakdownVocabulary, CommissionKind, CommissionStatus, PlanTrigger, ReversalReason, RuleType,
    TermsSource, TierAction, ValueSource,
};
use crate::graphql::loaders::{
    CampaignId, CommissionId, ContactId, DealId, EventId, HistoryOf, PartnerId, PlanId, TierId,
    load_campaign, load_partner, load_snapshot, primed,
};
use crate::graphql::ready::{Ready, ReadyFields, enumerated, in_place, scalar, text};
use crate::graphql::scalars::{DateTime, Decimal};
use async_graphql::parser::types::Field;
use async_graphql::{Context, ContextSelectionSet, ID, Object, Positioned, SimpleObject, Value};
use entity::commission::Column;
use revshare_core::auth::access::Column as C;
use revshare_core::error::{ApiError, ApiResult};
use revshare_core::ledger::columns;
use revshare_core::posting::breakdown::{self, BreakdownLine as Line, CapSetOn};
use revshare_engine::engagement::{CapPer, CapPeriod, ReferralTrigger};
type DateTimeUtc = chrono::DateTime<chrono::Utc>;

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
    /// Referral lines: the recruit's commission it came from (and follows).
    pub commission_id: Option<ID>,
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
            commission_id: None,
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
            Line::TransferReversed(l) => (BreakdownVocabulary::TransferReversed, l.amount),
            Line::Referral(l) => (BreakdownVocabulary::Referral, l.amount),
            Line::CapCut(l) => (BreakdownVocabulary::CapCut, l.amount),
            Line::Bounty(l) => (BreakdownVocabulary::Bounty, l.amount),
            Line::Workflow(l) => (BreakdownVocabulary::Workflow, l.amount),
            Line::Retainer(l) => (BreakdownVocabulary::Retainer, l.amount),
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
            commission_id: None,
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
            Line::TransferReversed(reversed) => {
                out.description = Some(format!(
                    "transfer of payout {} reversed by the provider",
                    reversed.payout_id
                ));
                out.value = Some(reversed.transfer);
            }
            Line::Referral(referral) => {
                out.description = Some(
                    match referral.trigger {
                        ReferralTrigger::Sale => "a share of a sale by a partner you referred",
                        ReferralTrigger::Threshold => {
                            "a partner you referred reached the threshold"
                        }
                        ReferralTrigger::Approved => "a partner you referred was approved",
                        _ => "a share of a commission of a partner you referred",
                    }
                    .to_owned(),
                );
                out.percentage = referral.percentage.map(|p| Decimal::from(p.normalize()));
                out.base = Some(Decimal::from(referral.base));
                out.commission_id = referral.commission_id.map(ID);
            }
            Line::CapCut(cut) => {
                let owner = match cut.scope {
                    CapSetOn::PartnerGroup => "the partner group's",
                    CapSetOn::Campaign => "the campaign's",
                };
                let per = match cut.per {
                    CapPer::Partner => "",
                    CapPer::PartnerAndCustomer => " on one customer",
                };
                let period = match cut.period {
                    CapPeriod::Day => "a day",
                    CapPeriod::Week => "a week",
                    CapPeriod::Month => "a month",
                    CapPeriod::AllTime => "in all",
                };
                out.description = Some(format!(
                    "cut to what is left of {owner} cap of {}{per} {period}",
                    cut.cap.normalize()
                ));
                out.value = Some(cut.left.normalize().to_string());
            }
            Line::Bounty(bounty) => {
                out.description = Some(match bounty.submission_id {
                    Some(_) => format!("bounty \"{}\": submission approved", bounty.name),
                    None => format!("bounty \"{}\": goal reached", bounty.name),
                });
                out.value = Some(bounty.bounty_id);
            }
            Line::Workflow(workflow) => {
                out.description = Some(format!("workflow \"{}\"", workflow.name));
                out.value = Some(workflow.workflow_id);
            }
            Line::Retainer(retainer) => {
                out.description = Some(format!(
                    "retainer \"{}\": period {}, {} to {}",
                    retainer.name, retainer.period, retainer.starts_on, retainer.ends_on
                ));
                out.occurrence = Some(retainer.period);
                out.value = Some(retainer.retainer_id);
            }
        }
        out
    }
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
            "retainerPeriod" => &[Column::Kind, Column::Breakdown],
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
        revshare_core::reads::lists::columns_read(&columns::ALWAYS, fields, Self::columns_of)
    }

    /// The open flags that hold it (one statement per page of rows), for
    /// the staff who read them.
    async fn holding(&self, ctx: &Context<'_>) -> ApiResult<Vec<entity::fraud_flag::Model>> {
        self.0.read(C::Row)?;
        let row = self.0.read(C::Holds)?;
        Ok(loader(ctx)?
            .load_one(crate::graphql::loaders::HoldsOf(row.id.clone()))
            .await?
            .unwrap_or_default())
    }
}

impl ReadyFields for Commission {
    fn ready(&self, name: &str) -> Option<Value> {
        if name == "id" {
            return Some(Value::String(self.0.key().id.clone()));
        }
        let row = self.0.read(C::Row).ok()?;
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

    fn related(&self, ctx: &ContextSelectionSet<'_>, field: &Positioned<Field>) -> Option<Value> {
        let name = field.node.name.node.as_str();
        if !matches!(name, "partner" | "campaign") {
            return None;
        }
        let row = self.0.read(C::Row).ok()?;
        let (loader, policy) = (loader_in(ctx)?, caller(ctx)?);
        match name {
            "partner" => {
                let partner = primed::<PartnerId>(&loader, &row.partner_id)?;
                in_place(ctx, field, Partner::seen(policy, partner)?)
            }
            "campaign" => {
                let campaign = primed::<CampaignId>(&loader, &row.campaign_id)?;
                in_place(ctx, field, Campaign::seen(policy, campaign)?)
            }
            _ => None,
        }
    }
}

/// A ledger row: a partner earned (or, for a clawback, gave back) an amount on an event.
#[Object]
impl Commission {
    /// Unique among every object of the API: `node(id:)` fetches it again.
    pub(crate) async fn id(&self) -> ID {
        ID(self.0.key().id.clone())
    }

    /// A commission, a clawback (negative), a tier's adjustment or bonus.
    async fn kind(&self) -> ApiResult<CommissionKind> {
        let row = self.0.read(C::Row)?;
        Ok(row.kind.into())
    }

    /// What was earned (negative for a clawback), rounded once to the
    /// currency's minor unit.
    async fn amount(&self) -> ApiResult<Decimal> {
        let row = self.0.read(C::Row)?;
        money(row.amount_minor, &row.currency)
    }

    /// The campaign's currency (ISO 4217).
    async fn currency(&self) -> ApiResult<&str> {
        let row = self.0.read(C::Row)?;
        Ok(&row.currency)
    }

    /// Where it is: accrued, approved, paid or reversed.
    async fn status(&self) -> ApiResult<CommissionStatus> {
        let row = self.0.read(C::Row)?;
        Ok(row.status.into())
    }

    /// The partner that earned it.
    async fn partner(&self, ctx: &Context<'_>) -> ApiResult<Ready<Partner>> {
        let row = self.0.read(C::Row)?;
        Ok(Ready(Partner::shown(
            ctx,
            load_partner(&*loader(ctx)?, &row.partner_id).await?,
        )?))
    }

    /// The campaign it was earned in.
    async fn campaign(&self, ctx: &Context<'_>) -> ApiResult<Ready<Campaign>> {
        let row = self.0.read(C::Row)?;
        Ok(Ready(Campaign::shown(
            ctx,
            load_campaign(&*loader(ctx)?, &row.campaign_id).await?,
        )?))
    }

    /// The event it was earned on.
    async fn event(&self, ctx: &Context<'_>) -> ApiResult<Event> {
        let row = self.0.read(C::Row)?;
        let event = loader(ctx)?
            .load_one(EventId(row.event_id.clone()))
            .await?
            .ok_or_else(|| ApiError::internal("commission event", &row.event_id))?;
        Event::shown(ctx, event)
    }

    /// How its sale was converted into its currency, when the sale was in
    /// another (SPEC §22): the sale's own amount and currency, the rate,
    /// its day and source. Null for a sale in the commission's currency.
    async fn conversion(&self, ctx: &Context<'_>) -> ApiResult<Option<super::Conversion>> {
        let row = self.0.read(C::Row)?;
        let Some(row) = loader(ctx)?
            .load_one(crate::graphql::loaders::ConversionOf(row.event_id.clone()))
            .await?
        else {
            return Ok(None);
        };
        super::Conversion::from_row(&row).map(Some)
    }

    /// The snapshot in force when it accrued (null when none existed).
    async fn snapshot(&self, ctx: &Context<'_>) -> ApiResult<Option<PartnerCommission>> {
        let row = self.0.read(C::Row)?;
        let snapshot = load_snapshot(&*loader(ctx)?, row.snapshot_id.as_ref()).await?;
        Ok(snapshot.and_then(|row| PartnerCommission::seen(policy(ctx).ok()?, row)))
    }

    /// How each line of its sale earned (SPEC §32): the rule, the
    /// condition in words, the percentage or amount, the line's share. A
    /// sale sent without lines is one line, the whole amount; a lead has
    /// none.
    async fn lines(
        &self,
        ctx: &Context<'_>,
    ) -> ApiResult<Vec<crate::graphql::lines::CommissionLine>> {
        let row = self.0.read(C::Row)?;
        if row.lines.is_none() {
            return Ok(Vec::new());
        }
        // The lines themselves are the event's (loaded once for a page).
        let event = loader(ctx)?
            .load_one(EventId(row.event_id.clone()))
            .await?
            .ok_or_else(|| ApiError::internal("commission event", &row.event_id))?;
        crate::graphql::lines::commission_lines(row.lines.as_deref(), &event, &row.currency)
    }

    /// What contributed, unrounded; `amount` is their sum rounded once.
    /// For staff, a held commission ends with a `FRAUD_HOLD` line per flag
    /// that holds it (`held: CLICK_SPAM`).
    async fn breakdown(&self, ctx: &Context<'_>) -> ApiResult<Vec<BreakdownLine>> {
        let row = self.0.read(C::Row)?;
        let lines = breakdown::decode(&row.breakdown)
            .map_err(|e| ApiError::internal("stored breakdown", e))?;
        let mut lines: Vec<BreakdownLine> = lines.into_iter().map(BreakdownLine::from).collect();
        if self.0.reads(C::Holds) {
            for flag in self.holding(ctx).await? {
                lines.push(BreakdownLine::hold(flag.signal.as_str()));
            }
        }
        Ok(lines)
    }

    /// A `RETAINER` commission: the retainer and the period it pays (SPEC
    /// §37); null for every other kind.
    async fn retainer_period(&self, ctx: &Context<'_>) -> ApiResult<Option<super::RetainerPeriod>> {
        let row = self.0.read(C::Row)?;
        if row.kind != entity::enums::CommissionKind::Retainer {
            return Ok(None);
        }
        let lines = breakdown::decode(&row.breakdown)
            .map_err(|e| ApiError::internal("stored breakdown", e))?;
        let Some(line) = lines.into_iter().find_map(|line| match line {
            Line::Retainer(line) => Some(line),
            _ => None,
        }) else {
            return Ok(None);
        };
        let policy = crate::graphql::context::policy(ctx)?;
        let Some(retainer) = revshare_core::retainers::find(
            crate::graphql::context::db(ctx)?.conn(),
            &row.tenant_id,
            &line.retainer_id,
        )
        .await?
        else {
            return Ok(None);
        };
        let Some(retainer) = <super::Retainer as super::Seen>::seen(policy, retainer) else {
            return Ok(None);
        };
        Ok(Some(super::RetainerPeriod {
            retainer,
            number: i32::try_from(line.period).unwrap_or(i32::MAX),
            starts_on: crate::graphql::scalars::Date(line.starts_on),
            ends_on: crate::graphql::scalars::Date(line.ends_on),
        }))
    }

    /// Whether an open fraud flag holds it: not approved, nor paid, until
    /// the flag is resolved (staff only, null with an error for a partner,
    /// who sees the commission pending as any other).
    async fn on_hold(&self, ctx: &Context<'_>) -> ApiResult<Option<bool>> {
        Ok(Some(!self.holding(ctx).await?.is_empty()))
    }

    /// The open fraud flags that hold it, oldest first (staff only).
    async fn holds(&self, ctx: &Context<'_>) -> ApiResult<Vec<super::FraudFlag>> {
        let policy = policy(ctx)?;
        Ok(super::FraudFlag::all(policy, self.holding(ctx).await?))
    }

    /// Where the rules came from: `SNAPSHOT`, `CAMPAIGN` or `GROUP`.
    async fn rules_source(&self) -> ApiResult<TermsSource> {
        let row = self.0.read(C::Row)?;
        Ok(row.rules_source.into())
    }

    /// When it was earned: the event's `occurredAt` (a clawback's refund time).
    async fn accrued_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.accrued_at.into())
    }

    /// When the row was written.
    async fn recorded_at(&self) -> ApiResult<DateTime> {
        let row = self.0.read(C::Row)?;
        Ok(row.recorded_at.into())
    }

    /// Days after `accruedAt` before it matures (none: approved by hand).
    async fn holdback_days(&self) -> ApiResult<Option<i32>> {
        let row = self.0.read(C::Row)?;
        Ok(row.holdback_days)
    }

    /// `accruedAt + holdbackDays`: when the maturity job approves it.
    async fn mature_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.mature_at.map(DateTime::from))
    }

    /// When it was approved.
    async fn approved_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.approved_at.map(DateTime::from))
    }

    /// When it was paid.
    async fn paid_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.paid_at.map(DateTime::from))
    }

    /// When it was reversed.
    async fn reversed_at(&self) -> ApiResult<Option<DateTime>> {
        let row = self.0.read(C::Row)?;
        Ok(row.reversed_at.map(DateTime::from))
    }

    /// Why it was reversed (or, for a clawback, why the event was refunded).
    async fn reversal_reason(&self) -> ApiResult<Option<ReversalReason>> {
        let row = self.0.read(C::Row)?;
        Ok(row.reversal_reason.map(Into::into))
    }

    /// What was said when it was reversed.
    async fn reversal_note(&self) -> ApiResult<Option<&str>> {
        let row = self.0.read(C::Row)?;
        Ok(row.reversal_note.as_deref())
    }

    /// For a clawback or an adjustment: the commission it corrects.
    async fn original(&self, ctx: &Context<'_>) -> ApiResult<Option<Commission>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.original_id.as_deref(), CommissionId).await
    }

    /// The payout that paid it, or that holds it while pending.
    async fn payout_id(&self) -> ApiResult<Option<ID>> {
        let row = self.0.read(C::Row)?;
        Ok(row.payout_id.clone().map(ID))
    }

    /// Earned on a deal: the plan that paid it.
    async fn plan(&self, ctx: &Context<'_>) -> ApiResult<Option<CommissionPlan>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.plan_id.as_deref(), PlanId).await
    }

    /// Earned on a deal: the deal.
    async fn deal(&self, ctx: &Context<'_>) -> ApiResult<Option<Deal>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.deal_id.as_deref(), DealId).await
    }

    /// A spiff's payee (null while it waits for one, and for what the
    /// partner organisation earns).
    async fn recipient(&self, ctx: &Context<'_>) -> ApiResult<Option<Contact>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.recipient_id.as_deref(), ContactId).await
    }

    /// The tier whose modifier changed it, or whose retroactive modifier an
    /// ADJUSTMENT applies.
    async fn tier(&self, ctx: &Context<'_>) -> ApiResult<Option<TieredCommission>> {
        let row = self.0.read(C::Row)?;
        related(ctx, row.tier_id.as_deref(), TierId).await
    }

    /// Its event's revenue after any tier's revenue modifier (an ADJUSTMENT:
    /// the change it makes to its original's); null without revenue.
    async fn revenue(&self) -> ApiResult<Option<Decimal>> {
        let row = self.0.read(C::Row)?;
        row.revenue_minor
            .map(|minor| money(minor, &row.currency))
            .transpose()
    }

    /// A spiff whose payee is still to be named (`assignCommissionRecipient`):
    /// it cannot be approved before.
    async fn recipient_pending(&self) -> ApiResult<bool> {
        let row = self.0.read(C::Row)?;
        Ok(row.recipient_pending)
    }

    /// Every status change, oldest first (the ledger's managers and the
    /// partner; not the event sender).
    async fn history(&self, ctx: &Context<'_>) -> ApiResult<Vec<CommissionTransition>> {
        let row = self.0.read(C::History)?;
        let rows = loader(ctx)?
            .load_one(HistoryOf(row.id.clone()))
            .await?
            .unwrap_or_default();
        let policy = policy(ctx)?;
        Ok(rows
            .into_iter()
            .map(|row| CommissionTransition::seen_by(policy, row))
            .collect())
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
    async fn actor(&self) -> &str {
        &self.0.actor
    }

    /// When it changed.
    async fn at(&self) -> DateTime {
        self.0.at.into()
    }
}
