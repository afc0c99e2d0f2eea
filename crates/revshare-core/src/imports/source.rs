//! What every source is read into: its campaigns, partners (with their
//! link tokens and coupons), referred customers and commissions, a page
//! at a time, each row keyed by its id at the source.

use crate::engine::Currency;
use crate::ledger::imported::SourceState;
use chrono::{DateTime, Utc};
use entity::enums::PartnerStatus;
use rust_decimal::Decimal;

/// A campaign (Rewardful, FirstPromoter) or group (PartnerStack): a
/// partner group when the source has several.
#[derive(Debug, Clone)]
pub struct Group {
    pub key: String,
    pub name: String,
    /// Its commission: a percentage of each sale, for so many months…
    pub percentage: Option<Decimal>,
    pub max_months: Option<u32>,
    /// …or a flat amount per sale.
    pub flat: Option<Decimal>,
    /// The least a payout may be: an amount and its currency.
    pub minimum: Option<(Decimal, String)>,
    /// The site its links lead to (what old links redirect to).
    pub url: Option<String>,
    /// The source keeps its terms where its API does not publish them
    /// (PartnerStack's offers): the group is made all the same, so its
    /// partners stay together, with the default group's rules until
    /// staff set its own.
    pub unpublished_terms: bool,
}

/// An affiliate, promoter or partnership.
#[derive(Debug, Clone)]
pub struct Partner {
    pub key: String,
    pub name: String,
    pub email: Option<String>,
    pub status: PartnerStatus,
    /// Its campaign or group at the source.
    pub group_key: Option<String>,
    /// Its link tokens (`?via=jane`), kept as referral codes.
    pub codes: Vec<String>,
    /// Its coupons, kept as codes' coupons.
    pub coupons: Vec<String>,
    /// The PayPal address it is paid at, kept as its payout method.
    pub paypal_email: Option<String>,
    /// The bank account it is paid at, when the source publishes one.
    pub bank: Option<BankAccount>,
    /// When it joined the program at the source.
    pub since: Option<DateTime<Utc>>,
    /// Its country (ISO 3166-1 alpha-2, upper case), when the source says.
    pub country: Option<String>,
    /// Its labels at the source (PartnerStack's partnership tags), kept as
    /// its tags.
    pub tags: Vec<String>,
    /// Its codes and coupons in the source's other campaigns than
    /// `group_key` (a FirstPromoter promoter in several): each earns by
    /// the campaign it came from.
    pub elsewhere: Vec<Membership>,
}

/// A partner's part in another campaign of the source than its own: the
/// campaign, and the link tokens and coupons it holds there.
#[derive(Debug, Clone)]
pub struct Membership {
    pub group_key: String,
    pub codes: Vec<String>,
    pub coupons: Vec<String>,
}

/// A partner's bank account as a source publishes it.
#[derive(Debug, Clone)]
pub enum BankAccount {
    /// By IBAN (and BIC): a bank transfer revshare pays.
    Iban {
        holder: String,
        iban: String,
        bic: Option<String>,
    },
    /// A US account by routing and account number: paid by ACH.
    Ach {
        holder: String,
        routing: String,
        account: String,
        savings: bool,
    },
    /// Any other kind (a wallet, a local account without an IBAN…): what
    /// it is, in words, for the problem row that says it is not kept.
    Other(String),
}

/// A coupon a source lists apart from its partners (Rewardful's
/// `/v1/affiliate_coupons`): the code a customer types, the billing
/// system's promotion code it is, and whose it is.
#[derive(Debug, Clone)]
pub struct Coupon {
    pub key: String,
    pub partner_key: String,
    pub code: String,
    /// Stripe's promotion code id (`promo_…`), which checkouts name.
    pub promotion_id: Option<String>,
    /// Archived at the source: it attributes nothing there.
    pub archived: bool,
}

/// A referred customer.
#[derive(Debug, Clone)]
pub struct Referral {
    pub key: String,
    pub partner_key: String,
    /// The customer's id at Stripe (`cus_…`): what the next `invoice.paid`
    /// names.
    pub customer: Option<String>,
    pub email: Option<String>,
    pub at: DateTime<Utc>,
    /// The link token or coupon it came through, when the source says:
    /// the code its customer counts on.
    pub code: Option<String>,
}

/// A commission, as the source recorded it. A negative amount is a
/// clawback the source booked (a refund of a sale already paid on): it
/// comes over as a clawback of its sale's commission
/// ([`crate::ledger::imported_clawbacks`]).
#[derive(Debug, Clone)]
pub struct Commission {
    pub key: String,
    pub partner_key: Option<String>,
    /// The customer's id at Stripe, when the source ties it.
    pub customer: Option<String>,
    /// The referral it came from, when the source names it.
    pub referral_key: Option<String>,
    pub currency: Currency,
    pub amount_minor: i64,
    pub sale_minor: Option<i64>,
    /// The sale's tax, when the source says.
    pub sale_tax_minor: Option<i64>,
    /// The billing system's id of the sale (invoice, charge or payment),
    /// when the source names it: a connector's sale it names is the same.
    pub sale_reference: Option<String>,
    pub earned_at: DateTime<Utc>,
    pub state: SourceState,
    /// How a paid commission was paid at the source, when it says (the
    /// year-end forms exclude what a payment network reports).
    pub paid_by: Option<entity::enums::PayoutMethodType>,
}

/// A row that cannot be imported, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub entity: &'static str,
    pub external_id: String,
    pub reason: String,
}

impl Problem {
    pub fn new(entity: &'static str, external_id: &str, reason: impl Into<String>) -> Problem {
        Problem {
            entity,
            external_id: external_id.to_owned(),
            reason: reason.into(),
        }
    }
}

/// The rows of one page.
#[derive(Debug)]
pub enum Rows {
    Groups(Vec<Group>),
    Partners(Vec<Partner>),
    Coupons(Vec<Coupon>),
    Customers(Vec<Referral>),
    Commissions(Vec<Commission>),
}

impl Rows {
    /// The rows read.
    pub fn count(&self) -> usize {
        match self {
            Rows::Groups(rows) => rows.len(),
            Rows::Partners(rows) => rows.len(),
            Rows::Coupons(rows) => rows.len(),
            Rows::Customers(rows) => rows.len(),
            Rows::Commissions(rows) => rows.len(),
        }
    }
}

/// One page read from a source.
#[derive(Debug)]
pub struct Page {
    pub rows: Rows,
    /// Rows of the page that cannot be imported (read, not parsed).
    pub problems: Vec<Problem>,
    /// The cursor of the next page; `None`: the phase is read.
    pub next: Option<String>,
    /// The phase's rows, when the source says.
    pub total: Option<i64>,
    /// The page's items as the source answered them, hashed
    /// ([`super::guard::fingerprint`]); `None` when it had none.
    pub fingerprint: Option<u64>,
}

/// Why a page could not be had.
#[derive(Debug)]
pub enum PageError {
    /// The credentials were refused (`401`/`403`).
    Refused,
    /// A row the source's documents do not describe: the entity and id.
    Unexpected { entity: &'static str, id: String },
    /// The source's paging does not move on, in words naming the source
    /// ([`super::guard::Paging`]).
    Paging(String),
    /// The source's host could not be reached: where, and why.
    Unreachable { base: String, why: String },
    /// The source could not be read, in words for the operator.
    Failed(String),
}

impl From<super::client::ReadError> for PageError {
    fn from(err: super::client::ReadError) -> PageError {
        match err {
            super::client::ReadError::Refused => PageError::Refused,
            super::client::ReadError::Unreachable { base, why } => {
                PageError::Unreachable { base, why }
            }
            super::client::ReadError::Failed(said) => PageError::Failed(said),
        }
    }
}

/// Reading a source's JSON: each helper answers `None` for a field that
/// is absent or of another type.
pub mod json {
    use chrono::{DateTime, Utc};
    use serde_json::Value;

    pub fn text<'a>(v: &'a Value, key: &str) -> Option<&'a str> {
        v.get(key)?.as_str().filter(|s| !s.is_empty())
    }

    /// An id: a string or a number.
    pub fn id(v: &Value, key: &str) -> Option<String> {
        match v.get(key)? {
            Value::String(s) if !s.is_empty() => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        }
    }

    pub fn int(v: &Value, key: &str) -> Option<i64> {
        match v.get(key)? {
            Value::Number(n) => n.as_i64(),
            Value::String(s) => s.parse().ok(),
            _ => None,
        }
    }

    /// An RFC 3339 time, or seconds (or milliseconds) since the epoch, or
    /// a date alone (`2026-01-01`): that day's start in the tenant's
    /// zone, so that it counts in that day (and year) wherever the zone
    /// is — never midnight UTC, which is the day before west of it.
    pub fn time(v: &Value, key: &str, zone: chrono_tz::Tz) -> Option<DateTime<Utc>> {
        match v.get(key)? {
            Value::String(s) => DateTime::parse_from_rfc3339(s.trim())
                .ok()
                // An offset without its colon (`+0000`), as Tapfiliate
                // writes some of its times.
                .or_else(|| DateTime::parse_from_str(s.trim(), "%Y-%m-%dT%H:%M:%S%.f%z").ok())
                .map(|t| t.with_timezone(&Utc))
                .or_else(|| {
                    chrono::NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
                        .ok()
                        .map(|day| crate::engine::tiers::day_start(zone, day))
                }),
            Value::Number(n) => {
                let n = n.as_i64()?;
                match n > 100_000_000_000 {
                    true => DateTime::from_timestamp_millis(n),
                    false => DateTime::from_timestamp(n, 0),
                }
            }
            _ => None,
        }
        .map(|t| chrono::SubsecRound::trunc_subsecs(t, 6))
    }

    /// The items of a list answer at `key` (or the answer itself).
    pub fn items<'a>(v: &'a Value, key: &str) -> Option<&'a Vec<Value>> {
        match key {
            "" => v.as_array(),
            _ => v.get(key)?.as_array(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::json::time;
    use serde_json::json;

    #[test]
    fn a_time_is_read_with_or_without_its_offsets_colon() {
        let zone = chrono_tz::America::Los_Angeles;
        let at = |v| time(&json!({ "at": v }), "at", zone).map(|t| t.to_rfc3339());
        let instant = Some("2026-01-01T04:00:00+00:00".to_owned());
        assert_eq!(at("2026-01-01T04:00:00+0000"), instant);
        assert_eq!(at("2026-01-01T04:00:00+00:00"), instant);
        assert_eq!(at("2025-12-31T20:00:00.000-0800"), instant);
        // A date alone is that day's start in the tenant's zone.
        assert_eq!(
            at("2025-12-31"),
            Some("2025-12-31T08:00:00+00:00".to_owned())
        );
        assert_eq!(at("31/12/2025"), None);
    }
}
