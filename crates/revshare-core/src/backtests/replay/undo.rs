//! Refunds and reversals in a replay, applied when they happened: the
//! refunds module's and the reversal's steps on what the replay earned —
//! the same share clawed back, a full refund or a reversal taking
//! everything, adjustments following their originals, progress lowered.

use super::Replay;
use crate::error::ApiResult;
use crate::ledger::line_refunds::{LinePart, line_share};
use crate::tiers::progress::{Lowering, Share};
use chrono::{DateTime, Utc};
use std::cmp::Reverse;
use std::collections::{BTreeMap, HashMap};

/// A refund or reversal still to be applied, when it happened.
#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct Pending {
    pub(super) at: DateTime<Utc>,
    /// Ties broken in the order they were read.
    pub(super) seq: u64,
    pub(super) event_id: String,
    pub(super) what: Undo,
}

#[derive(Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Undo {
    /// Its amount, and what it took off each line (SPEC §32).
    Refund(i64, Option<BTreeMap<String, i64>>),
    Reversal,
}

/// A replayed event some refund or reversal will come back to.
pub(super) struct Open {
    /// Its figures' line, when it is one of the range's events.
    pub(super) key: Option<(String, String)>,
    pub(super) partner_id: String,
    pub(super) campaign_id: String,
    pub(super) amount_minor: i64,
    pub(super) refunded_minor: i64,
    pub(super) sale: bool,
    pub(super) at: (DateTime<Utc>, DateTime<Utc>),
    /// Its originals as replayed: id, amount, revenue; and whether a full
    /// refund of it reversed the recorded commission (else it clawed back).
    pub(super) originals: Vec<(String, i64, i64)>,
    pub(super) full_refund_reverses: bool,
    pub(super) undone: bool,
    /// What its commission was capped as: a refund or reversal frees it.
    pub(super) cap: Option<crate::engagement::caps::Kept>,
    /// A sale's lines, for refunds that took them off line by line.
    pub(super) lines: Option<OpenLines>,
}

/// A replayed sale's lines: what each has had refunded, and what each of
/// its originals' lines earned under the proposal.
pub(super) struct OpenLines {
    pub(super) parts: Vec<LinePart>,
    pub(super) earned: HashMap<String, BTreeMap<String, i64>>,
}

/// An adjustment of an original a refund may come back to.
pub(super) struct Adjustment {
    pub(super) key: Option<(String, String)>,
    pub(super) amount: i64,
    pub(super) revenue: i64,
    pub(super) clawed: i64,
}

impl Replay {
    /// Applies the refunds and reversals that happened before `until`.
    pub(super) fn undo_until(&mut self, until: DateTime<Utc>) -> ApiResult<()> {
        while self.pending.peek().is_some_and(|p| p.0.at < until) {
            let Some(Reverse(next)) = self.pending.pop() else {
                break;
            };
            let left = match self.to_come.get_mut(&next.event_id) {
                Some(count) => {
                    *count -= 1;
                    *count
                }
                None => 0,
            };
            if left == 0 {
                self.to_come.remove(&next.event_id);
            }
            let still_to_come = left > 0;
            let Some(mut open) = self.open.remove(&next.event_id) else {
                continue;
            };
            match next.what {
                Undo::Refund(amount, lines) => {
                    self.refund(&mut open, amount, lines.as_ref(), next.at)
                }
                Undo::Reversal => self.reverse(&mut open),
            }
            if still_to_come && !open.undone {
                self.open.insert(next.event_id, open);
            } else {
                for (id, ..) in &open.originals {
                    self.adjustments.remove(id);
                    self.open_originals.remove(id);
                }
            }
        }
        Ok(())
    }

    /// A refund of `refund` (minor units): a full refund in one go reverses
    /// (or claws back) everything; any other claws back the same share of
    /// each original and of its adjustments — the refunds module's steps.
    fn refund(
        &mut self,
        open: &mut Open,
        refund: i64,
        lines: Option<&BTreeMap<String, i64>>,
        at: DateTime<Utc>,
    ) {
        if open.undone {
            return;
        }
        let by_line = match (open.lines.as_mut(), lines) {
            (Some(book), Some(taken)) => {
                for part in &mut book.parts {
                    part.refund = taken.get(&part.external_id).copied().unwrap_or(0);
                }
                Some(&*book)
            }
            _ => None,
        };
        let full = open.refunded_minor == 0 && refund == open.amount_minor;
        let share = Share::Refund {
            event_amount: open.amount_minor,
            refunded_before: open.refunded_minor,
            refund,
        };
        let mut lowering = Lowering {
            sale_amount: if open.sale { refund } else { 0 },
            ..Lowering::default()
        };
        for (id, amount, revenue) in &open.originals {
            // An original that explains its lines gives back each line's
            // own share, as the refunds module does.
            let own = match by_line.and_then(|book| book.earned.get(id).map(|e| (book, e))) {
                Some((book, earned)) if *amount > 0 => line_share(&book.parts, *amount, earned),
                _ => share,
            };
            let taken = own.of(*amount);
            lowering.payout += taken;
            lowering.revenue += share.of(*revenue);
            self.take(&open.key, taken);
            // A clawback frees room in the period it is taken, as the
            // ledger's rollups count it.
            if let Some(kept) = &open.cap {
                let mut then = kept.want();
                then.at = at;
                self.caps.spent(&then, -taken);
            }
            for adjustment in self.adjustments.get_mut(id).into_iter().flatten() {
                let taken = own.of(adjustment.amount);
                adjustment.clawed += taken;
                lowering.payout += taken;
                lowering.revenue += share.of(adjustment.revenue);
                if let Some(line) = adjustment
                    .key
                    .as_ref()
                    .and_then(|k| self.figures.get_mut(k))
                {
                    line.after -= taken;
                }
            }
            if full && open.full_refund_reverses {
                self.tiers.reversed(id);
            }
        }
        open.refunded_minor += refund;
        for part in open.lines.iter_mut().flat_map(|book| book.parts.iter_mut()) {
            part.refunded_before += part.refund;
            part.refund = 0;
        }
        open.undone |= full;
        let place = (open.partner_id.as_str(), open.campaign_id.as_str());
        self.tiers.lower(place, open.at, lowering);
    }

    /// A reversal: the originals and what is left of their adjustments
    /// leave the ledger.
    fn reverse(&mut self, open: &mut Open) {
        if open.undone {
            return;
        }
        let mut lowering = Lowering::default();
        for (id, amount, revenue) in &open.originals {
            lowering.payout += amount;
            lowering.revenue += revenue;
            self.take(&open.key, *amount);
            if let Some(kept) = &open.cap {
                self.caps.spent(&kept.want(), -amount);
            }
            for adjustment in self.adjustments.get_mut(id).into_iter().flatten() {
                let left = adjustment.amount - adjustment.clawed;
                lowering.payout += left;
                lowering.revenue += adjustment.revenue;
                adjustment.clawed = adjustment.amount;
                if let Some(line) = adjustment
                    .key
                    .as_ref()
                    .and_then(|k| self.figures.get_mut(k))
                {
                    line.after -= left;
                }
            }
            self.tiers.reversed(id);
        }
        open.undone = true;
        let place = (open.partner_id.as_str(), open.campaign_id.as_str());
        self.tiers.lower(place, open.at, lowering);
    }

    /// Takes `amount` from what a counted event earned under the proposal.
    fn take(&mut self, key: &Option<(String, String)>, amount: i64) {
        if let Some(line) = key.as_ref().and_then(|k| self.figures.get_mut(k)) {
            line.after -= amount;
        }
    }
}
