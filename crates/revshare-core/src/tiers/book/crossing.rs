//! A tier first reached in a period: the adjustments of the period's
//! earlier commissions, in the batch and before it, and the progress
//! written back.

use super::*;

impl TierBook {
    /// The tier of `state` is reached for the first time in its period:
    /// marks it, and adjusts the batch's earlier commissions of the period.
    pub(super) fn cross(
        &mut self,
        state: &State,
        counted_in: &[Slot],
        event: &Accrued,
        posted: &[commission::Model],
    ) -> ApiResult<Vec<NewCommission>> {
        let row = self.progress.get_mut(&state.slot).ok_or_else(missing)?;
        row.reached_at = Some(event.at);
        let index = state.slot.tier as usize;
        let tier = &self.tiers[index];
        self.reached.push(NewDomainEvent {
            kind: DomainEventType::TierReached,
            occurred_at: event.at,
            partner_id: Some(event.partner_id.to_owned()),
            subject_id: tier.model.id.clone(),
            data: serde_json::json!({
                "tierName": tier.model.name,
                "campaignId": event.campaign_id,
                "periodStart": state.bounds.0.to_rfc3339(),
                "periodEnd": state.bounds.1.to_rfc3339(),
                "eventId": event.event_id,
            }),
        });
        // Its bonus: this crossing happens once per slot (the progress row
        // keeps `reached_at`, and every accrual of the partner holds its
        // lock), so the bonus is paid once per period.
        let mut rows: Vec<NewCommission> = bonus(tier, event)?.into_iter().collect();
        if tier.model.promote_to_group_id.is_some() {
            self.promotions.push((event.partner_id.to_owned(), index));
        }
        if !tier.retroactive() {
            return Ok(rows);
        }
        let tz = self.tz.ok_or_else(missing)?;
        let crossing = Crossing {
            tier: index,
            slot: state.slot,
            counted_in: counted_in.to_vec(),
            event_id: event.event_id.to_owned(),
            at: event.at,
            amount_field: event.amount_field.to_owned(),
            window: (
                Ord::max(state.bounds.0, day_start(tz, tier.model.start_date)),
                state.bounds.1,
            ),
            counted_from: tier.model.created_at,
        };
        let mut adjustments = Vec::new();
        let (mut payout, mut revenue) = (0, 0);
        let field = event.amount_field;
        // Reached, the slot is never crossed again: what it kept to adjust
        // is let go (a replay's memory stays what is still open).
        let earlier = self.accrued.remove(&state.slot).unwrap_or_default();
        for i in earlier {
            let original = posted.get(i).ok_or_else(missing)?;
            if self.reversed.contains(&original.id) {
                continue;
            }
            if let Some((new, paid, earned)) = adjustment(tier, original, &crossing)? {
                adjustments.push(new);
                payout = added_minor(payout, paid, field)?;
                revenue = added_minor(revenue, earned, field)?;
            }
        }
        self.count_adjustments(&crossing.counted_in, payout, revenue, field)?;
        self.crossings.push(crossing);
        rows.extend(adjustments);
        Ok(rows)
    }

    /// Adjustments of `payout` and `revenue` (minor units) appended at a
    /// crossing count in the progress the crossing event counts in.
    pub(super) fn count_adjustments(
        &mut self,
        slots: &[Slot],
        payout: i64,
        revenue: i64,
        field: &str,
    ) -> ApiResult<()> {
        for slot in slots {
            let row = self.progress.get_mut(slot).ok_or_else(missing)?;
            row.payout_minor = added_minor(row.payout_minor, payout, field)?;
            row.revenue_minor = added_minor(row.revenue_minor, revenue, field)?;
        }
        Ok(())
    }

    /// Adjusts the commissions from before the batch of each period first
    /// reached in it, hands the adjustments to `posting`, and writes the
    /// progress back. Runs before the batch's own rows are written.
    pub async fn settle(
        mut self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        posting: &mut Posting,
    ) -> ApiResult<Vec<commission::Model>> {
        let mut written = Vec::new();
        for crossing in std::mem::take(&mut self.crossings) {
            let tier = &self.tiers[crossing.tier];
            let (mut payout, mut revenue) = (0, 0);
            let row = self.progress.get(&crossing.slot).ok_or_else(missing)?;
            let field = crossing.amount_field.as_str();
            for original in earlier_commissions(conn, tenant_id, row, &crossing).await? {
                if let Some((new, paid, earned)) = adjustment(tier, &original, &crossing)? {
                    written.push(posting.add(new)?);
                    payout = added_minor(payout, paid, field)?;
                    revenue = added_minor(revenue, earned, field)?;
                }
            }
            self.count_adjustments(&crossing.counted_in, payout, revenue, field)?;
        }
        for event in std::mem::take(&mut self.reached) {
            posting.then_announce(tenant_id, event);
        }
        for (partner_id, tier) in std::mem::take(&mut self.promotions) {
            promotion::promote(conn, tenant_id, &partner_id, &self.tiers[tier]).await?;
        }
        let now = crate::db::now();
        let rows: Vec<tier_progress::ActiveModel> = self
            .touched
            .iter()
            .filter_map(|key| self.progress.get(key))
            .map(|row| {
                tier_progress::Model {
                    tenant_id: tenant_id.to_owned(),
                    updated_at: now,
                    ..row.clone()
                }
                .into()
            })
            .collect();
        for chunk in rows.chunks(WRITE_CHUNK) {
            tier_progress::Entity::insert_many(chunk.to_vec())
                .on_conflict(
                    OnConflict::columns([
                        tier_progress::Column::TierId,
                        tier_progress::Column::PartnerId,
                        tier_progress::Column::CampaignId,
                        tier_progress::Column::PeriodStart,
                    ])
                    .update_columns([
                        tier_progress::Column::PayoutMinor,
                        tier_progress::Column::RevenueMinor,
                        tier_progress::Column::SaleAmountMinor,
                        tier_progress::Column::Conversions,
                        tier_progress::Column::Events,
                        tier_progress::Column::ReachedAt,
                        tier_progress::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
        }
        Ok(written)
    }
}

/// The bonus a tier pays the event's partner in the event's campaign (and
/// its currency) when first reached: a `BONUS` row on the event that
/// reached it. It counts toward no tier's progress, and a refund of the
/// event leaves it: a period reached stays reached.
fn bonus(tier: &ScopedTier, event: &Accrued) -> ApiResult<Option<NewCommission>> {
    let Some(text) = &tier.model.bonus else {
        return Ok(None);
    };
    let amount: Decimal = text
        .parse()
        .map_err(|_| ApiError::internal("stored tier bonus", &tier.model.id))?;
    let amount_minor = earned_minor(event.currency, amount, event.amount_field)?;
    if amount_minor == 0 {
        return Ok(None);
    }
    Ok(Some(NewCommission {
        kind: CommissionKind::Bonus,
        status: CommissionStatus::Accrued,
        tenant_id: tier.model.tenant_id.clone(),
        partner_id: event.partner_id.to_owned(),
        campaign_id: event.campaign_id.to_owned(),
        event_id: event.event_id.to_owned(),
        amount_minor,
        currency: event.currency.code().to_owned(),
        terms: TermsRef {
            snapshot_id: None,
            rules_source: TermsSource::None,
        },
        breakdown: vec![BreakdownLine::TierBonus(TierBonusLine {
            tier_id: tier.model.id.clone(),
            amount: event.currency.round(amount),
        })],
        accrued_at: event.at,
        holdback_days: None,
        original_id: None,
        reason: None,
        note: None,
        deal: None,
        tier_id: Some(tier.model.id.clone()),
        revenue_minor: None,
    }))
}

/// The period's commissions in scope from before the batch that this tier
/// counted — those recorded since its creation, as progress counts them —
/// and has not adjusted yet (a tier whose period was changed may be reached
/// again over commissions it adjusted before).
async fn earlier_commissions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    progress: &tier_progress::Model,
    crossing: &Crossing,
) -> ApiResult<Vec<commission::Model>> {
    let adjusted = Query::select()
        .column(commission::Column::OriginalId)
        .from(commission::Entity)
        .and_where(Expr::col(commission::Column::Kind).eq(CommissionKind::Adjustment.as_str()))
        .and_where(Expr::col(commission::Column::TierId).eq(progress.tier_id.as_str()))
        .and_where(Expr::col(commission::Column::OriginalId).is_not_null())
        .to_owned();
    Ok(commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::PartnerId.eq(progress.partner_id.as_str()))
        .filter(commission::Column::CampaignId.eq(progress.campaign_id.as_str()))
        .filter(commission::Column::Kind.eq(CommissionKind::Commission))
        .filter(commission::Column::Status.ne(CommissionStatus::Reversed))
        .filter(commission::Column::AccruedAt.gte(crossing.window.0))
        .filter(commission::Column::AccruedAt.lt(crossing.window.1))
        .filter(commission::Column::RecordedAt.gte(crossing.counted_from))
        .filter(commission::Column::Id.not_in_subquery(adjusted))
        .order_by_asc(commission::Column::Id)
        .all(conn)
        .await?)
}

/// The adjustment a tier's retroactive modifiers make to an earlier
/// commission, with its payout and revenue in minor units; `None` when it
/// changes nothing.
fn adjustment(
    tier: &ScopedTier,
    original: &commission::Model,
    crossing: &Crossing,
) -> ApiResult<Option<(NewCommission, i64, i64)>> {
    let currency = Currency::parse(&original.currency)
        .map_err(|e| ApiError::internal("commission currency", e))?;
    let amount = currency.from_minor(original.amount_minor);
    let field = crossing.amount_field.as_str();
    let (paid, line) = match tier.terms.retroactive_payout {
        Some(modifier) => {
            let delta = modifier.delta(amount);
            (
                earned_minor(currency, delta, field)?,
                Some((modifier, delta)),
            )
        }
        None => (0, None),
    };
    let earned = match (tier.terms.retroactive_revenue, original.revenue_minor) {
        (Some(modifier), Some(revenue)) => {
            changed_minor(currency, revenue, modifier, field)? - revenue
        }
        _ => 0,
    };
    if paid == 0 && earned == 0 {
        return Ok(None);
    }
    // The line names the payout modifier, or the revenue one when only the
    // revenue changes.
    let (modifier, delta) = match (line, tier.terms.retroactive_revenue) {
        (Some(line), _) => line,
        (None, Some(revenue)) => (revenue, Decimal::ZERO),
        (None, None) => return Ok(None),
    };
    let new = NewCommission {
        kind: CommissionKind::Adjustment,
        status: CommissionStatus::Accrued,
        tenant_id: original.tenant_id.clone(),
        partner_id: original.partner_id.clone(),
        campaign_id: original.campaign_id.clone(),
        event_id: crossing.event_id.clone(),
        amount_minor: paid,
        currency: original.currency.clone(),
        terms: TermsRef {
            snapshot_id: original.snapshot_id.clone(),
            rules_source: original.rules_source,
        },
        breakdown: vec![BreakdownLine::Adjustment(AdjustmentLine {
            tier_id: Some(tier.model.id.clone()),
            action: modifier.action,
            value: modifier.value,
            amount: delta.normalize(),
        })],
        accrued_at: crossing.at,
        holdback_days: original.holdback_days,
        original_id: Some(original.id.clone()),
        reason: None,
        note: None,
        deal: DealRef::of(original),
        tier_id: Some(tier.model.id.clone()),
        revenue_minor: (earned != 0).then_some(earned),
    };
    Ok(Some((new, paid, earned)))
}
