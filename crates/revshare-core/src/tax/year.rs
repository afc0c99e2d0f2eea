//! A tenant's year as its 1099s see it (SPEC §29): its payees, each with
//! what it was paid, what counts, and its status; read from the totals
//! kept as payments are made ([`crate::payouts::tax_payments`]).
//!
//! - `paid` = `counted` + `excluded`, in USD: a payment by a method a
//!   TPSO reports (PayPal by default) is excluded; a payment in another
//!   currency is not in either and is listed apart (`other`).
//! - **Status**: any payee something was withheld from is `REPORTABLE`.
//!   Otherwise a payee with an approved W-9 is `REPORTABLE` when what
//!   counts reaches the year's threshold (≥), `EXEMPT_CORPORATION` when it
//!   files as a corporation, else `BELOW_THRESHOLD`; a payee without one
//!   is `FOREIGN` (a valid W-8), `W8_EXPIRED`, `MISSING_W8` (none, and
//!   its partners live outside the US and its territories), or
//!   `MISSING_TIN`.
//!
//! A page of payees reads the totals of that page's payees alone, in the
//! order of their keys (an index's order: the page stops where it is
//! full); a status filter and the year's totals read every payee's totals
//! — one row per partner, currency and method — never a payment.

use super::settings::Reporting;
use crate::error::ApiResult;
use chrono::NaiveDate;
use entity::enums::{TaxForm, TaxProfileStatus};
use entity::{partner, tax_profile, tax_total};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeMap, HashMap, HashSet};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PayeeStatus {
    Reportable,
    BelowThreshold,
    ExemptCorporation,
    Foreign,
    MissingTin,
    W8Expired,
    /// Neither form, and its partners live abroad: ask for a W-8.
    MissingW8,
}

/// One payee of a year.
#[derive(Debug, Clone)]
pub struct Payee {
    pub key: String,
    /// Its partners, by id.
    pub partner_ids: Vec<String>,
    /// The profile that makes it a payee: the approved W-9 of its TIN, or
    /// its partner's own (any), when there is one.
    pub profile: Option<tax_profile::Model>,
    /// USD, in cents.
    pub counted: i64,
    pub excluded: i64,
    pub withheld: i64,
    /// What was paid in other currencies: (currency, minor units).
    pub other: Vec<(String, i64)>,
    pub status: PayeeStatus,
}

impl Payee {
    pub fn paid(&self) -> i64 {
        self.counted + self.excluded
    }
}

/// How a year's payees are judged.
pub struct Judge<'a> {
    pub reporting: &'a Reporting,
    pub threshold: i64,
    /// Today in the tenant's zone: a W-8 is judged valid on it.
    pub today: NaiveDate,
}

/// The payees of a year in key order, after `after`, at most `limit` of
/// them (and whether more follow).
pub async fn page(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
    judge: &Judge<'_>,
    after: Option<&str>,
    limit: u64,
) -> ApiResult<(Vec<Payee>, bool)> {
    let mut keys = tax_total::Entity::find()
        .select_only()
        .column(tax_total::Column::PayeeKey)
        .filter(tax_total::Column::TenantId.eq(tenant_id))
        .filter(tax_total::Column::Year.eq(year))
        .group_by(tax_total::Column::PayeeKey)
        .order_by_asc(tax_total::Column::PayeeKey)
        .limit(limit + 1);
    if let Some(after) = after {
        keys = keys.filter(tax_total::Column::PayeeKey.gt(after));
    }
    let mut keys: Vec<String> = keys.into_tuple().all(conn).await?;
    let more = keys.len() as u64 > limit;
    keys.truncate(limit as usize);
    let rows = tax_total::Entity::find()
        .filter(tax_total::Column::TenantId.eq(tenant_id))
        .filter(tax_total::Column::Year.eq(year))
        .filter(tax_total::Column::PayeeKey.is_in(keys))
        .all(conn)
        .await?;
    Ok((payees(conn, tenant_id, judge, rows).await?, more))
}

/// Every payee of a year, in key order.
pub async fn all(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    year: i32,
    judge: &Judge<'_>,
) -> ApiResult<Vec<Payee>> {
    let rows = tax_total::Entity::find()
        .filter(tax_total::Column::TenantId.eq(tenant_id))
        .filter(tax_total::Column::Year.eq(year))
        .all(conn)
        .await?;
    payees(conn, tenant_id, judge, rows).await
}

/// The payees these totals make, in key order.
async fn payees(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    judge: &Judge<'_>,
    rows: Vec<tax_total::Model>,
) -> ApiResult<Vec<Payee>> {
    let mut partners: Vec<String> = rows.iter().map(|r| r.partner_id.clone()).collect();
    partners.sort();
    partners.dedup();
    let mut profiles: HashMap<String, tax_profile::Model> = HashMap::new();
    let mut abroad: HashSet<String> = HashSet::new();
    for chunk in partners.chunks(crate::posting::WRITE_CHUNK) {
        let countries: Vec<(String, Option<String>)> = partner::Entity::find()
            .select_only()
            .columns([partner::Column::Id, partner::Column::Country])
            .filter(partner::Column::TenantId.eq(tenant_id))
            .filter(partner::Column::Id.is_in(chunk.to_vec()))
            .into_tuple()
            .all(conn)
            .await?;
        abroad.extend(
            countries
                .into_iter()
                .filter(|(_, country)| country.as_deref().is_some_and(outside_us))
                .map(|(id, _)| id),
        );
        for profile in tax_profile::Entity::find()
            .filter(tax_profile::Column::TenantId.eq(tenant_id))
            .filter(tax_profile::Column::PartnerId.is_in(chunk.to_vec()))
            .all(conn)
            .await?
        {
            profiles.insert(profile.partner_id.clone(), profile);
        }
    }
    let mut grouped: BTreeMap<String, Vec<tax_total::Model>> = BTreeMap::new();
    for row in rows {
        grouped.entry(row.payee_key.clone()).or_default().push(row);
    }
    Ok(grouped
        .into_iter()
        .map(|(key, rows)| payee(judge, &profiles, &abroad, key, rows))
        .collect())
}

/// A country a 1099 does not follow a payee to: not the US nor one of
/// its territories (their residents file with the IRS too).
fn outside_us(country: &str) -> bool {
    !matches!(country, "US" | "PR" | "GU" | "VI" | "AS" | "MP" | "UM")
}

fn payee(
    judge: &Judge<'_>,
    profiles: &HashMap<String, tax_profile::Model>,
    abroad: &HashSet<String>,
    key: String,
    rows: Vec<tax_total::Model>,
) -> Payee {
    let (mut counted, mut excluded, mut withheld) = (0, 0, 0);
    let mut other: BTreeMap<String, i64> = BTreeMap::new();
    let mut partner_ids: Vec<String> = Vec::new();
    for row in &rows {
        if !partner_ids.contains(&row.partner_id) {
            partner_ids.push(row.partner_id.clone());
        }
        withheld += row.withheld_minor;
        // A payment by an excluded method that withheld (made before
        // such payments stopped withholding, or before the method was
        // excluded) is reported: Box 4 never stands without its Box 1.
        let excluded_method = judge.reporting.excludes(&row.method) && row.withheld_minor == 0;
        match (row.currency == "USD", excluded_method) {
            (false, _) => *other.entry(row.currency.clone()).or_default() += row.amount_minor,
            (true, true) => excluded += row.amount_minor,
            (true, false) => counted += row.amount_minor,
        }
    }
    partner_ids.sort();
    let w9 = |p: &&tax_profile::Model| {
        p.form == TaxForm::W9 && p.status == TaxProfileStatus::Approved && p.tin_key.is_some()
    };
    let own = partner_ids.iter().filter_map(|id| profiles.get(id));
    // The W-9 approved first names the payee: one approved later with
    // the same TIN (confirmed as the same person) never takes its name.
    let approved_w9 = own
        .clone()
        .filter(w9)
        .min_by_key(|p| (p.decided_at, p.partner_id.clone()))
        .cloned();
    let profile = approved_w9.clone().or_else(|| own.clone().next().cloned());
    let status = match &approved_w9 {
        // Withheld from: reportable whatever its total or its form.
        _ if withheld > 0 => PayeeStatus::Reportable,
        Some(w9) if crate::payouts::tax::is_corporation(w9.classification) => {
            PayeeStatus::ExemptCorporation
        }
        Some(_) if counted >= judge.threshold => PayeeStatus::Reportable,
        Some(_) => PayeeStatus::BelowThreshold,
        None => match &profile {
            Some(p)
                if matches!(p.form, TaxForm::W8ben | TaxForm::W8bene)
                    && p.status == TaxProfileStatus::Approved =>
            {
                match crate::payouts::tax::expired(p, judge.today) {
                    true => PayeeStatus::W8Expired,
                    false => PayeeStatus::Foreign,
                }
            }
            _ if partner_ids.iter().all(|id| abroad.contains(id)) => PayeeStatus::MissingW8,
            _ => PayeeStatus::MissingTin,
        },
    };
    Payee {
        key,
        partner_ids,
        profile,
        counted,
        excluded,
        withheld,
        other: other.into_iter().collect(),
        status,
    }
}

/// A year's totals: its payees, how many are reportable, what they were
/// paid that counts, and what was withheld.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Totals {
    pub payees: u64,
    pub reportable: u64,
    /// What counts, of the reportable payees (Box 1's sum), in cents.
    pub amount: i64,
    pub withheld: i64,
}

pub fn totals(payees: &[Payee]) -> Totals {
    let mut totals = Totals {
        payees: payees.len() as u64,
        ..Totals::default()
    };
    for payee in payees
        .iter()
        .filter(|p| p.status == PayeeStatus::Reportable)
    {
        totals.reportable += 1;
        totals.amount += payee.counted;
        totals.withheld += payee.withheld;
    }
    totals
}

/// How many payees a year has.
pub async fn count(conn: &impl ConnectionTrait, tenant_id: &str, year: i32) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(tax_total::Entity::find()
        .select_only()
        .column(tax_total::Column::PayeeKey)
        .filter(tax_total::Column::TenantId.eq(tenant_id))
        .filter(tax_total::Column::Year.eq(year))
        .distinct()
        .count(conn)
        .await?)
}
