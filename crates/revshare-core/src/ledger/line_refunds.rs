//! Refunds of a sale's lines (SPEC §32): a refund that names lines comes
//! off those lines only, in proportion to what is left of each; one that
//! names none comes off every line the same way (§7's pro rata). What each
//! line has had refunded is kept on the event (`events.refunded_lines`, in
//! the lines' own currency), so later refunds and clawbacks start from it.
//!
//! A commission that explains its lines gives back, per line, that line's
//! share of the line's refunded part, cumulative (the share after the
//! refund less the share before it, each rounded once), so however a line
//! is refunded in steps its share leaves to the cent. What the lines do
//! not hold — a bonus or flat fee paid once per event, a line sold for
//! nothing — leaves with the whole sale's refunded part, as §7 says.

use super::lines::{Earned, SaleLine};
use crate::engine::Currency;
use crate::error::{ApiError, ApiResult};
use crate::tiers::progress::Share;
use entity::{commission, event};
use rust_decimal::Decimal;
use std::collections::{BTreeMap, HashSet};

/// One line as a refund sees it, in minor units of the lines' currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinePart {
    pub external_id: String,
    pub amount: i64,
    pub refunded_before: i64,
    pub refund: i64,
}

/// A refund split among an event's lines.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Split {
    pub parts: Vec<LinePart>,
    currency: Currency,
}

impl Split {
    /// The refund of an event recorded with lines; `None` for one recorded
    /// without (named lines are then refused). `currency` is the lines' own
    /// (the sale's, before any conversion), `refunded_so_far` what was refunded
    /// of the sale so far in it.
    pub fn of(
        event: &event::Model,
        currency: Currency,
        refunded_so_far: i64,
        named: Option<&[String]>,
        amount: Option<Decimal>,
    ) -> ApiResult<Option<Split>> {
        let sold = stored_lines(event.lines.as_deref())?;
        let kept = (event.refunded_lines.as_deref(), refunded_so_far);
        Split::of_lines(sold, kept, currency, named, amount)
    }

    /// [`Split::of`] for a sale's `sold` lines (`None`: sold without
    /// lines) — an event's, or those of a sale held unattributed (SPEC
    /// §15) — `kept` being what each line has had refunded as kept (none
    /// yet) and what was refunded of the whole sale.
    pub fn of_lines(
        sold: Option<Vec<SaleLine>>,
        kept: (Option<&str>, i64),
        currency: Currency,
        named: Option<&[String]>,
        amount: Option<Decimal>,
    ) -> ApiResult<Option<Split>> {
        let Some(sold) = sold else {
            return match named {
                Some(_) => Err(ApiError::bad_input(
                    "input.lines",
                    "the event was recorded without lines: refund an amount of it",
                )),
                None => Ok(None),
            };
        };
        let mut parts = parts_of(sold, kept, currency)?;
        let amount = amount
            .map(|a| {
                currency
                    .to_minor(a)
                    .map_err(|e| ApiError::bad_input("input.amount", e.to_string()))
            })
            .transpose()?;
        split(&mut parts, named, amount, currency)?;
        Ok(Some(Split { parts, currency }))
    }

    /// The refund that takes exactly `taken` off each line of the event,
    /// in the lines' `currency` (what was refunded of a sale while it was
    /// held, line by line, refunded on the event it became), each line at
    /// most what is left of it; `None` for an event recorded without lines.
    pub fn exact(
        event: &event::Model,
        currency: Currency,
        refunded_so_far: i64,
        taken: &BTreeMap<String, Decimal>,
    ) -> ApiResult<Option<Split>> {
        let Some(sold) = stored_lines(event.lines.as_deref())? else {
            return Ok(None);
        };
        let kept = (event.refunded_lines.as_deref(), refunded_so_far);
        let mut parts = parts_of(sold, kept, currency)?;
        for part in &mut parts {
            if let Some(amount) = taken.get(&part.external_id) {
                let minor = currency
                    .to_minor(*amount)
                    .map_err(|e| ApiError::internal("held line refund", e))?;
                part.refund = minor.clamp(0, (part.amount - part.refunded_before).max(0));
            }
        }
        Ok(Some(Split { parts, currency }))
    }

    /// The refund in the lines' currency.
    pub fn total(&self) -> Decimal {
        self.currency
            .from_minor(self.parts.iter().map(|p| p.refund).sum())
    }

    /// What every line has had refunded once this refund is in, as kept on
    /// the event.
    pub fn refunded_after(&self) -> ApiResult<String> {
        let after: BTreeMap<&str, Decimal> = self
            .parts
            .iter()
            .filter(|p| p.refunded_before + p.refund > 0)
            .map(|p| {
                let minor = p.refunded_before + p.refund;
                (p.external_id.as_str(), self.currency.from_minor(minor))
            })
            .collect();
        serde_json::to_string(&after).map_err(|e| ApiError::internal("refunded lines", e))
    }

    /// What this refund takes off each line, as the refund keeps it
    /// (minor units, lines it leaves alone left out).
    pub fn this_refund(&self) -> ApiResult<String> {
        let taken: BTreeMap<&str, i64> = self
            .parts
            .iter()
            .filter(|p| p.refund > 0)
            .map(|p| (p.external_id.as_str(), p.refund))
            .collect();
        serde_json::to_string(&taken).map_err(|e| ApiError::internal("refund lines", e))
    }

    /// The share of `original` this refund takes back, line by line; `None`
    /// when the commission explains no lines or is of nothing (it then
    /// follows the whole sale's refunded part).
    pub fn share_of(&self, original: &commission::Model) -> ApiResult<Option<Share>> {
        let Some(stored) = original.lines.as_deref() else {
            return Ok(None);
        };
        if original.amount_minor <= 0 {
            return Ok(None);
        }
        let earned: Vec<Earned> =
            serde_json::from_str(stored).map_err(|e| ApiError::internal("commission lines", e))?;
        Ok(Some(line_share(
            &self.parts,
            original.amount_minor,
            &by_line(&earned),
        )))
    }

    #[cfg(test)]
    fn share_of_amounts(&self, whole: i64, earned: &BTreeMap<&str, i64>) -> Share {
        let earned = earned.iter().map(|(k, v)| ((*k).to_owned(), *v)).collect();
        line_share(&self.parts, whole, &earned)
    }
}

/// An event's stored lines; `None` for one recorded without.
fn stored_lines(stored: Option<&str>) -> ApiResult<Option<Vec<SaleLine>>> {
    stored
        .map(|text| {
            serde_json::from_str::<Vec<SaleLine>>(text)
                .map_err(|e| ApiError::internal("event lines", e))
        })
        .transpose()
}

/// The lines of a sale held unattributed, read from the payload it is
/// kept with (SPEC §15); `None` for one sent without lines.
pub fn held_lines(payload: &str) -> ApiResult<Option<Vec<SaleLine>>> {
    let value: serde_json::Value =
        serde_json::from_str(payload).map_err(|e| ApiError::internal("held payload", e))?;
    match value.get("lines") {
        Some(lines) if !lines.is_null() => serde_json::from_value(lines.clone())
            .map(Some)
            .map_err(|e| ApiError::internal("held lines", e)),
        _ => Ok(None),
    }
}

/// Each of `sold`'s lines as a refund sees it, with what it has had
/// refunded: as `kept` says line by line, or — kept before lines' refunds
/// were — the whole sale's refunded part shared among them.
fn parts_of(
    sold: Vec<SaleLine>,
    (refunded_lines, refunded_so_far): (Option<&str>, i64),
    currency: Currency,
) -> ApiResult<Vec<LinePart>> {
    let before = refunded(refunded_lines)?;
    let mut parts = Vec::with_capacity(sold.len());
    for line in sold {
        let minor = |d: Decimal| {
            currency
                .to_minor(d)
                .map_err(|e| ApiError::internal("event line amount", e))
        };
        let refunded_before = match before.get(&line.external_id) {
            Some(d) => minor(*d)?,
            None => 0,
        };
        parts.push(LinePart {
            amount: minor(line.amount)?,
            external_id: line.external_id,
            refunded_before,
            refund: 0,
        });
    }
    if refunded_lines.is_none() {
        kept_before_lines(&mut parts, refunded_so_far);
    }
    Ok(parts)
}

/// What each line earned of a commission, by line id (minor units).
pub fn by_line(earned: &[Earned]) -> BTreeMap<String, i64> {
    earned
        .iter()
        .map(|e| (e.line.clone(), e.amount_minor))
        .collect()
}

/// The share of a commission of `whole` (its lines having earned
/// `earned`) that a refund of `parts` takes back: each line's own share of
/// its refunded part, and what the lines do not hold by the whole sale's.
pub fn line_share(parts: &[LinePart], whole: i64, earned: &BTreeMap<String, i64>) -> Share {
    let (mut before, mut now, mut in_lines) = (0, 0, 0);
    for part in parts.iter().filter(|p| p.amount > 0) {
        let line = earned.get(&part.external_id).copied().unwrap_or(0);
        in_lines += line;
        let (b, n) = cumulative(line, part.refunded_before, part.refund, part.amount);
        before += b;
        now += n;
    }
    // Bonuses, flat fees once per event and lines sold for nothing follow
    // the whole sale.
    let rest = whole - in_lines;
    let sale: i64 = parts.iter().map(|p| p.amount).sum();
    let sale_before: i64 = parts.iter().map(|p| p.refunded_before).sum();
    let refund: i64 = parts.iter().map(|p| p.refund).sum();
    let (b, n) = cumulative(rest, sale_before, refund, sale);
    before += b;
    now += n;
    let before = before.clamp(0, whole.max(0));
    Share::Refund {
        event_amount: whole.max(1),
        refunded_before: before,
        refund: now.clamp(0, whole.max(0) - before),
    }
}

/// A part's share of `whole` before a refund and what the refund adds, of
/// a `total` of which `before` was refunded and `now` is: each the
/// cumulative share rounded once, so steps sum to the whole.
fn cumulative(whole: i64, before: i64, now: i64, total: i64) -> (i64, i64) {
    if total <= 0 || whole == 0 {
        return (0, 0);
    }
    let before = before.clamp(0, total);
    let after = (before + now).clamp(0, total);
    let share_before = crate::engine::share_minor(whole, before, total);
    let share_after = crate::engine::share_minor(whole, after, total);
    (share_before, share_after - share_before)
}

/// A sale refunded before its lines' refunds were kept: what was refunded
/// is shared among its lines in proportion to their amounts, by largest
/// remainder, as a refund naming none would have been.
fn kept_before_lines(parts: &mut [LinePart], refunded: i64) {
    let amounts: Vec<i64> = parts.iter().map(|p| p.amount).collect();
    let whole: i64 = amounts.iter().sum();
    if refunded <= 0 || whole <= 0 {
        return;
    }
    if let Some(shares) = crate::engine::largest_remainder(refunded.min(whole), &amounts) {
        for (part, share) in parts.iter_mut().zip(shares) {
            part.refunded_before = share;
        }
    }
}

/// What each line of an event has had refunded, as kept on it.
pub fn refunded(stored: Option<&str>) -> ApiResult<BTreeMap<String, Decimal>> {
    match stored {
        None => Ok(BTreeMap::new()),
        Some(stored) => {
            serde_json::from_str(stored).map_err(|e| ApiError::internal("refunded lines", e))
        }
    }
}

/// Splits `amount` (all that is left of the named lines when omitted)
/// among the named lines (every line when none are named) in proportion
/// to what is left of each, by largest remainder so the parts sum to it.
/// Errors name `input.lines[i]` or `input.amount`.
fn split(
    parts: &mut [LinePart],
    named: Option<&[String]>,
    amount: Option<i64>,
    currency: Currency,
) -> ApiResult<()> {
    let chosen: Vec<usize> = match named {
        None => (0..parts.len()).collect(),
        Some([]) => {
            return Err(ApiError::bad_input(
                "input.lines",
                "name at least one line, or leave lines out to refund every line pro rata",
            ));
        }
        Some(named) => {
            let mut seen = HashSet::new();
            let mut chosen = Vec::with_capacity(named.len());
            for (i, id) in named.iter().enumerate() {
                let field = format!("input.lines[{i}]");
                if !seen.insert(id.as_str()) {
                    return Err(ApiError::bad_input(field, "names a line already named"));
                }
                let at = parts.iter().position(|p| &p.external_id == id);
                let at = at.ok_or_else(|| {
                    ApiError::bad_input(field, format!("the event has no line {id:?}"))
                })?;
                chosen.push(at);
            }
            chosen
        }
    };
    let left: Vec<i64> = chosen
        .iter()
        .map(|i| (parts[*i].amount - parts[*i].refunded_before).max(0))
        .collect();
    let unrefunded: i64 = left.iter().sum();
    let amount = match amount {
        Some(amount) if amount <= 0 => {
            return Err(ApiError::bad_input(
                "input.amount",
                "must be greater than 0",
            ));
        }
        Some(amount) if amount > unrefunded => {
            let whose = if named.is_some() {
                "the named lines' unrefunded"
            } else {
                "the unrefunded"
            };
            return Err(ApiError::bad_input(
                "input.amount",
                format!(
                    "must be at most {whose} {}",
                    currency.from_minor(unrefunded)
                ),
            ));
        }
        Some(amount) => amount,
        None if unrefunded > 0 => unrefunded,
        None => {
            let what = if named.is_some() {
                "the named lines are"
            } else {
                "the event is"
            };
            return Err(ApiError::Conflict(format!("{what} already fully refunded")));
        }
    };
    let shares = crate::engine::largest_remainder(amount, &left)
        .ok_or_else(|| ApiError::internal("refund split", "nothing left to share"))?;
    for (i, share) in chosen.into_iter().zip(shares) {
        parts[i].refund = share;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(amounts: &[(&str, i64, i64)]) -> Vec<LinePart> {
        amounts
            .iter()
            .map(|(id, amount, before)| LinePart {
                external_id: (*id).to_owned(),
                amount: *amount,
                refunded_before: *before,
                refund: 0,
            })
            .collect()
    }

    fn refunds(parts: &[LinePart]) -> Vec<i64> {
        parts.iter().map(|p| p.refund).collect()
    }

    fn eur() -> Currency {
        Currency::parse("EUR").unwrap()
    }

    #[test]
    fn a_named_line_takes_the_whole_refund() {
        let mut p = parts(&[
            ("yearly", 120_000, 0),
            ("addon", 3_000, 0),
            ("hw", 10_000, 0),
        ]);
        split(&mut p, Some(&["hw".into()]), None, eur()).unwrap();
        assert_eq!(refunds(&p), [0, 0, 10_000]);
        let mut p = parts(&[
            ("yearly", 120_000, 0),
            ("addon", 3_000, 0),
            ("hw", 10_000, 0),
        ]);
        split(
            &mut p,
            Some(&["addon".into(), "hw".into()]),
            Some(1_000),
            eur(),
        )
        .unwrap();
        // 1000 × 3000/13000 = 230.77 and 769.23: the larger remainder wins.
        assert_eq!(refunds(&p), [0, 231, 769]);
    }

    #[test]
    fn no_named_line_shares_by_what_is_left() {
        let mut p = parts(&[("a", 1_000, 1_000), ("b", 1_000, 0), ("c", 2_000, 0)]);
        split(&mut p, None, Some(100), eur()).unwrap();
        assert_eq!(refunds(&p), [0, 33, 67]);
    }

    #[test]
    fn a_sale_refunded_before_its_lines_were_kept_shares_what_was() {
        let mut p = parts(&[
            ("yearly", 120_000, 0),
            ("addon", 3_000, 0),
            ("hw", 10_000, 0),
        ]);
        kept_before_lines(&mut p, 13_300);
        let before: Vec<i64> = p.iter().map(|p| p.refunded_before).collect();
        assert_eq!(before, [12_000, 300, 1_000]);
        // What is left of them: 119,700 of the whole 133,000.
        split(&mut p, None, None, eur()).unwrap();
        assert_eq!(refunds(&p), [108_000, 2_700, 9_000]);
    }

    #[test]
    fn bad_names_and_amounts_name_the_field() {
        let field = |r: ApiResult<()>| match r {
            Err(ApiError::BadInput { field, .. }) => field,
            other => panic!("expected a bad input, got {:?}", other.is_ok()),
        };
        let mut p = parts(&[("a", 1_000, 0), ("b", 1_000, 500)]);
        assert_eq!(field(split(&mut p, Some(&[]), None, eur())), "input.lines");
        let twice = ["a".to_owned(), "a".to_owned()];
        assert_eq!(
            field(split(&mut p, Some(&twice), None, eur())),
            "input.lines[1]"
        );
        let unknown = ["a".to_owned(), "z".to_owned()];
        assert_eq!(
            field(split(&mut p, Some(&unknown), None, eur())),
            "input.lines[1]"
        );
        let b = ["b".to_owned()];
        assert_eq!(
            field(split(&mut p, Some(&b), Some(501), eur())),
            "input.amount"
        );
        assert_eq!(
            field(split(&mut p, Some(&b), Some(0), eur())),
            "input.amount"
        );
        let mut done = parts(&[("a", 1_000, 1_000)]);
        assert!(matches!(
            split(&mut done, Some(&["a".into()]), None, eur()),
            Err(ApiError::Conflict(_))
        ));
    }

    fn split_of(p: Vec<LinePart>) -> Split {
        Split {
            parts: p,
            currency: eur(),
        }
    }

    #[test]
    fn a_line_gives_back_its_own_share_and_the_rest_follows_the_sale() {
        // 40 % of 1200.00, 20 % of 30.00, nothing on 100.00, and a 10.00
        // bonus once per event: 496.00.
        let earned = BTreeMap::from([("yearly", 48_000), ("addon", 600), ("hw", 0)]);
        let mut p = parts(&[
            ("yearly", 120_000, 0),
            ("addon", 3_000, 0),
            ("hw", 10_000, 0),
        ]);
        p[0].refund = 120_000;
        let share = split_of(p).share_of_amounts(49_600, &earned);
        // The yearly line's 480.00, and the bonus's 1200/1330 of 10.00.
        assert_eq!(share.of(49_600), 48_000 + 902);
    }

    proptest::proptest! {
        /// However the lines are refunded in steps, a commission gives
        /// back exactly all of itself once every line is refunded.
        #[test]
        fn steps_give_back_the_whole_commission(
            amounts in proptest::collection::vec(0i64..50_000, 1..5),
            rates in proptest::collection::vec(0i64..100, 5),
            bonus in 0i64..5_000,
            steps in proptest::collection::vec((0usize..5, 1i64..30_000), 1..8),
        ) {
            let sale: i64 = amounts.iter().sum();
            proptest::prop_assume!(sale > 0);
            let ids: Vec<String> = (0..amounts.len()).map(|i| i.to_string()).collect();
            let earned: BTreeMap<&str, i64> = ids.iter().zip(&amounts).zip(&rates)
                .map(|((id, a), r)| (id.as_str(), a * r / 100)).collect();
            let whole = earned.values().sum::<i64>() + bonus;
            proptest::prop_assume!(whole > 0);
            let mut refunded: Vec<i64> = vec![0; amounts.len()];
            let mut given = 0;
            for (line, amount) in steps.into_iter().chain(std::iter::once((usize::MAX, 0))) {
                let mut p: Vec<LinePart> = ids.iter().zip(&amounts).zip(&refunded)
                    .map(|((id, a), r)| LinePart { external_id: id.clone(), amount: *a,
                        refunded_before: *r, refund: 0 }).collect();
                let named = ids.get(line).cloned().map(|id| vec![id]);
                let amount = named.as_ref().map(|_| amount);
                let left = |p: &[LinePart]| p.iter().map(|p| p.amount - p.refunded_before).sum::<i64>();
                if left(&p) == 0 { break; }
                let capped = match (&named, amount) {
                    (Some(id), Some(a)) => {
                        let i: usize = id[0].parse().unwrap();
                        let l = p[i].amount - p[i].refunded_before;
                        if l == 0 { continue; }
                        Some(a.min(l))
                    }
                    _ => None,
                };
                split(&mut p, named.as_deref(), capped, eur()).unwrap();
                let s = split_of(p);
                given += s.share_of_amounts(whole, &earned).of(whole);
                for (r, part) in refunded.iter_mut().zip(&s.parts) { *r += part.refund; }
            }
            proptest::prop_assert_eq!(given, whole);
        }
    }
}
