//! The tier book in a replay (SPEC §23): the same counting, choosing and
//! crossing as accrual ([`TierBook::post`]), over progress that starts at
//! zero where the replay starts — the start of every period it touches —
//! and is never written. Refunds and reversals lower it in memory as
//! [`crate::tiers::progress::lower`] lowers the stored rows.

use super::*;
use crate::tiers::progress::Lowering;

/// A tier a backtest proposes: its row as it would be (the id of the tier
/// it replaces, or a new one), and the partners and campaigns it covers.
pub struct ProposedTier {
    pub model: tiered_commission::Model,
    pub partner_ids: Vec<String>,
    pub campaign_ids: Vec<String>,
}

impl TierBook {
    /// The tenant's active tiers — with `proposed` in place of the tier of
    /// its id, or beside them; a proposal that is not active takes its
    /// tier out — for a replay that writes nothing.
    pub async fn for_replay(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        proposed: Option<ProposedTier>,
    ) -> ApiResult<TierBook> {
        let replaced = proposed.as_ref().map(|p| p.model.id.clone());
        let models: Vec<tiered_commission::Model> = tiered_commission::Entity::find()
            .filter(tiered_commission::Column::TenantId.eq(tenant_id))
            .filter(tiered_commission::Column::Status.eq(TierStatus::Active))
            .order_by_asc(tiered_commission::Column::Id)
            .all(conn)
            .await?
            .into_iter()
            .filter(|m| Some(&m.id) != replaced.as_ref())
            .collect();
        let proposed = proposed.filter(|p| p.model.status == TierStatus::Active);
        let mut book = TierBook {
            open: true,
            ..TierBook::default()
        };
        if models.is_empty() && proposed.is_none() {
            return Ok(book);
        }
        let tenant = tenant::Entity::find_by_id(tenant_id.to_owned())
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::internal("tier tenant", tenant_id))?;
        let tz = time_zone(&tenant.time_zone)?;
        let mut tiers = super::load::scoped(conn, models, tz).await?;
        if let Some(p) = proposed {
            tiers.push(ScopedTier {
                terms: terms_of(&p.model)?,
                partners: p.partner_ids.into_iter().collect(),
                campaigns: p.campaign_ids.into_iter().collect(),
                periods: PeriodFinder::new(
                    period(p.model.period),
                    tz,
                    (p.model.start_date, p.model.end_date),
                ),
                model: p.model,
            });
        }
        book.tz = Some(tz);
        book.tiers = tiers;
        Ok(book)
    }

    /// Whether any tier is in the book.
    pub fn has_tiers(&self) -> bool {
        !self.tiers.is_empty()
    }

    /// `[from, to)` widened to the whole periods of every tier that hold
    /// its ends: where a replay must start for each period's progress to
    /// start at zero, and end for every event counted before one of the
    /// range's to be counted.
    pub fn whole_periods(
        &mut self,
        (from, to): (DateTime<Utc>, DateTime<Utc>),
    ) -> (DateTime<Utc>, DateTime<Utc>) {
        let last = to - chrono::Duration::microseconds(1);
        let (mut start, mut end) = (from, to);
        for tier in &mut self.tiers {
            if let Some((s, _)) = tier.period(from) {
                start = Ord::min(start, s);
            }
            if let Some((_, e)) = tier.period(last) {
                end = Ord::max(end, e);
            }
        }
        (start, end)
    }

    /// The next event applied was recorded at `at`.
    pub fn recorded(&mut self, at: DateTime<Utc>) {
        self.recorded_at = Some(at);
    }

    /// Lowers the partner's progress in the campaign, in the periods
    /// holding `at`, of the tiers created by `recorded_at` — in memory, as
    /// [`crate::tiers::progress::lower`] lowers the stored rows.
    pub fn lower(
        &mut self,
        (partner_id, campaign_id): (&str, &str),
        (at, recorded_at): (DateTime<Utc>, DateTime<Utc>),
        by: Lowering,
    ) {
        let (Some(&partner), Some(&campaign)) = (
            self.partners.get(partner_id),
            self.campaigns.get(campaign_id),
        ) else {
            return;
        };
        for (slot, row) in &mut self.progress {
            let tier = &self.tiers[slot.tier as usize].model;
            if slot.partner != partner
                || slot.campaign != campaign
                || row.period_start > at
                || row.period_end <= at
                || tier.created_at > recorded_at
            {
                continue;
            }
            row.payout_minor -= by.payout;
            row.revenue_minor -= by.revenue;
            row.sale_amount_minor -= by.sale_amount;
        }
    }

    /// The posted row `id` was reversed: a tier reached later leaves it.
    pub fn reversed(&mut self, id: &str) {
        self.reversed.insert(id.to_owned());
    }

    /// Keeps in `posting` only the rows a tier not reached yet may still
    /// adjust, and forgets what a replay has no use for (the events and
    /// promotions accrual would write), so memory holds what is still
    /// open, not everything replayed.
    pub fn compact(&mut self, posting: &mut Posting) {
        self.reached.clear();
        self.promotions.clear();
        self.crossings.clear();
        self.touched.clear();
        let mut kept: Vec<usize> = self.accrued.values().flatten().copied().collect();
        kept.sort_unstable();
        kept.dedup();
        let place: HashMap<usize, usize> = kept
            .iter()
            .enumerate()
            .map(|(new, &old)| (old, new))
            .collect();
        for indices in self.accrued.values_mut() {
            for i in indices.iter_mut() {
                *i = place[i];
            }
        }
        posting.keep_rows(&kept);
    }
}
