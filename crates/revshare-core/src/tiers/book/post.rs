//! The one hand-off between the tier book and the posting layer, for every
//! producer of commissions (sales and leads, deal events).

use super::{Accrued, TierBook};
use crate::error::ApiResult;
use crate::posting::{NewCommission, Posting, earned_minor};
use entity::commission;
use rust_decimal::Decimal;

/// A commission an event earns before any tier: its row as the producer
/// decided it, and its amount unrounded (the row's own amount is set here,
/// rounded once, after the tier's modifier).
pub struct Earning {
    pub unrounded: Decimal,
    pub commission: NewCommission,
}

impl TierBook {
    /// Counts `event` in the progress of each tier in scope (whatever it
    /// earns), and posts what it earned as the best reached tier leaves it —
    /// each amount rounded once, its tier's breakdown line appended; a
    /// commission a tier took down to 0 leaves no row — followed by the
    /// adjustments of earlier commissions a tier it reached appends.
    /// Answers the event's own rows, in order.
    pub fn post(
        &mut self,
        posting: &mut Posting,
        event: &Accrued,
        earned: Vec<Earning>,
    ) -> ApiResult<Vec<commission::Model>> {
        let unrounded: Vec<Decimal> = earned.iter().map(|e| e.unrounded).collect();
        let effect = self.apply(event, &unrounded, posting.rows())?;
        // Every amount checked before a row is posted.
        let amounts: Vec<i64> = effect
            .amounts
            .iter()
            .map(|amount| earned_minor(event.currency, *amount, event.amount_field))
            .collect::<ApiResult<_>>()?;
        let mut rows = Vec::with_capacity(earned.len());
        let mut cuts = effect.cuts.into_iter();
        for ((earning, amount_minor), line) in earned.into_iter().zip(amounts).zip(effect.lines) {
            let cut = cuts.next().flatten();
            if amount_minor == 0 {
                continue;
            }
            let mut new = earning.commission;
            new.amount_minor = amount_minor;
            new.breakdown.extend(line);
            new.breakdown.extend(cut);
            new.tier_id = effect.tier_id.clone();
            new.revenue_minor = effect.revenue_minor;
            rows.push(posting.add(new)?);
            self.record(posting.rows().len() - 1);
        }
        for adjustment in effect.adjustments {
            posting.add(adjustment)?;
        }
        Ok(rows)
    }
}
