//! Spend caps at accrual (SPEC §31): what each partner of a batch has
//! earned in each cap's period, read once per batch under the partners'
//! locks, and carried from item to item as the batch's commissions are
//! cut to what is left.
//!
//! What a cap counts: everything the partner earned in the cap's currency
//! (of the campaign, for a campaign's cap) in the period — its commissions
//! of every kind accrued in it, approved or paid, not reversed, less the
//! clawbacks taken in it — so a reversal frees room in its commission's
//! period, and a refund in its own. Only sales' and leads' commissions are
//! cut. A cap per partner reads the reports' rollups (a few rows per
//! partner and period, whatever its number of commissions); a cap per
//! partner and customer reads the commissions of the batch's customers.
//!
//! Exact under concurrent sales: every accrual of a partner holds that
//! partner's lock (taken first, in the ledger's one lock order) from
//! before this read until its commit, so a second batch of the partner
//! reads what the first wrote.

use crate::engine::Currency;
use crate::engine::engagement::{Cap, CapPer, Window};
use crate::error::{ApiError, ApiResult};
use crate::posting::breakdown::{CapCutLine, CapSetOn};
use crate::tiers::book::Limit;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use entity::{campaign, partner_group};
use sea_orm::sea_query::{Alias, Expr, ExprTrait, JoinType, Query};
use sea_orm::{ConnectionTrait, EntityTrait};
use std::collections::{BTreeSet, HashMap};

/// A cap's owner.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Owner {
    Group(String),
    Campaign(String),
}

/// What one commission is capped by: its partner, group, campaign,
/// customer, currency and time.
#[derive(Debug, Clone)]
pub struct Want<'a> {
    pub partner_id: &'a str,
    pub group_id: &'a str,
    pub campaign_id: &'a str,
    pub customer_id: Option<&'a str>,
    pub currency: &'a str,
    pub at: DateTime<Utc>,
}

/// A [`Want`] kept: what a replay remembers of a commission it may undo.
#[derive(Debug, Clone)]
pub struct Kept {
    pub partner_id: String,
    pub group_id: String,
    pub campaign_id: String,
    pub customer_id: Option<String>,
    pub currency: String,
    pub at: DateTime<Utc>,
}

impl Kept {
    pub fn of(want: &Want) -> Kept {
        Kept {
            partner_id: want.partner_id.to_owned(),
            group_id: want.group_id.to_owned(),
            campaign_id: want.campaign_id.to_owned(),
            customer_id: want.customer_id.map(str::to_owned),
            currency: want.currency.to_owned(),
            at: want.at,
        }
    }

    pub fn want(&self) -> Want<'_> {
        Want {
            partner_id: &self.partner_id,
            group_id: &self.group_id,
            campaign_id: &self.campaign_id,
            customer_id: self.customer_id.as_deref(),
            currency: &self.currency,
            at: self.at,
        }
    }
}

/// Counts kept per cap owner, partner and period, by customer (a cap
/// per partner sums them).
type Key = (Owner, String, Window);

/// The caps over a batch's partners and what is spent of them.
#[derive(Default)]
pub struct CapBook {
    zone: Option<Tz>,
    groups: HashMap<String, Cap>,
    campaigns: HashMap<String, Cap>,
    used: HashMap<Key, HashMap<Option<String>, i64>>,
    /// The counts read already.
    read: std::collections::HashSet<Key>,
}

impl CapBook {
    /// Reads what the partners `wants` name have spent of each cap over
    /// them, in the periods holding their times: nothing is read when no
    /// group or campaign of the batch has a cap.
    pub async fn load(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        groups: &HashMap<String, partner_group::Model>,
        campaigns: &HashMap<String, campaign::Model>,
        wants: &[Want<'_>],
    ) -> ApiResult<CapBook> {
        let mut book = CapBook::of(conn, tenant_id, groups.values(), campaigns.values()).await?;
        book.read(conn, tenant_id, wants, None).await?;
        Ok(book)
    }

    /// The caps of these groups and campaigns, in the tenant's zone, with
    /// nothing spent yet ([`CapBook::read`] reads what was).
    pub async fn of<'a>(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        groups: impl IntoIterator<Item = &'a partner_group::Model>,
        campaigns: impl IntoIterator<Item = &'a campaign::Model>,
    ) -> ApiResult<CapBook> {
        // A cap that does not read is an error, never no cap.
        let decoded = |stored: Option<&str>| super::settings::cap_of(stored);
        let mut book = CapBook::default();
        for g in groups {
            if let Some(cap) = decoded(g.cap.as_deref())? {
                book.groups.insert(g.id.clone(), cap);
            }
        }
        for c in campaigns {
            if let Some(cap) = decoded(c.cap.as_deref())? {
                book.campaigns.insert(c.id.clone(), cap);
            }
        }
        if book.groups.is_empty() && book.campaigns.is_empty() {
            return Ok(book);
        }
        let tenant = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
            .one(conn)
            .await?
            .ok_or_else(|| ApiError::internal("caps", "no tenant"))?;
        book.zone = Some(crate::posting::stats::zone(&tenant.time_zone)?);
        Ok(book)
    }

    /// Reads what the partners `wants` name spent of each cap over them in
    /// the periods holding their times — of what was accrued before
    /// `before`, when given (a replay's own commissions replace the rest) —
    /// once per cap, partner and period.
    pub async fn read(
        &mut self,
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        wants: &[Want<'_>],
        before: Option<DateTime<Utc>>,
    ) -> ApiResult<()> {
        if self.groups.is_empty() && self.campaigns.is_empty() {
            return Ok(());
        }
        let zone = self.zone.unwrap_or(Tz::UTC);
        // Each owner's period once, with the partners (and customers) it is
        // wanted for.
        struct Read<'w> {
            currency: String,
            per: CapPer,
            partners: BTreeSet<&'w str>,
            customers: BTreeSet<String>,
        }
        let mut reads: HashMap<(Owner, Window), Read> = HashMap::new();
        let mut fresh = Vec::new();
        for want in wants {
            for (owner, cap) in self.caps_of(want) {
                let window = cap.period.window(want.at, zone);
                let key = (owner.clone(), want.partner_id.to_owned(), window);
                if self.read.contains(&key) {
                    continue;
                }
                fresh.push(key);
                let entry = reads.entry((owner, window)).or_insert_with(|| Read {
                    currency: cap.currency.clone(),
                    per: cap.per,
                    partners: BTreeSet::new(),
                    customers: BTreeSet::new(),
                });
                entry.partners.insert(want.partner_id);
                entry.customers.extend(want.customer_id.map(str::to_owned));
            }
        }
        self.read.extend(fresh);
        for ((owner, window), read) in reads {
            let (currency, partners) = (read.currency.as_str(), &read.partners);
            let spent = match (before, read.per) {
                // At accrual, a cap per partner reads the rollups.
                (None, CapPer::Partner) => {
                    spent_by_day(conn, tenant_id, &owner, window, zone, currency, partners).await?
                }
                (None, CapPer::PartnerAndCustomer) if read.customers.is_empty() => Vec::new(),
                (None, CapPer::PartnerAndCustomer) => {
                    let customers = Some(&read.customers);
                    spent_by_row(
                        conn, tenant_id, &owner, window, currency, partners, customers,
                    )
                    .await?
                }
                // A replay reads what was accrued before it starts.
                (Some(before), per) => {
                    let mut upto = window;
                    upto.end = Some(upto.end.map_or(before, |end| Ord::min(end, before)));
                    if upto.start.is_some_and(|start| start >= before) {
                        continue;
                    }
                    let customers = match per {
                        CapPer::Partner => None,
                        CapPer::PartnerAndCustomer if read.customers.is_empty() => continue,
                        CapPer::PartnerAndCustomer => Some(&read.customers),
                    };
                    spent_by_row(conn, tenant_id, &owner, upto, currency, partners, customers)
                        .await?
                }
            };
            for ((partner, customer), amount) in spent {
                let key = (owner.clone(), partner, window);
                *self
                    .used
                    .entry(key)
                    .or_default()
                    .entry(customer)
                    .or_default() += amount;
            }
        }
        Ok(())
    }

    /// The caps over a commission, in its currency.
    fn caps_of(&self, want: &Want) -> Vec<(Owner, &Cap)> {
        let group = (self.groups.get(want.group_id))
            .map(|cap| (Owner::Group(want.group_id.to_owned()), cap));
        let campaign = (self.campaigns.get(want.campaign_id))
            .map(|cap| (Owner::Campaign(want.campaign_id.to_owned()), cap));
        [group, campaign]
            .into_iter()
            .flatten()
            .filter(|(_, cap)| cap.currency == want.currency)
            .collect()
    }

    /// What has been spent of one cap in the commission's period: of the
    /// partner, or of the partner on its customer.
    fn used(&self, owner: &Owner, cap: &Cap, want: &Want) -> (Window, i64) {
        let window = cap.period.window(want.at, self.zone.unwrap_or(Tz::UTC));
        let key = (owner.clone(), want.partner_id.to_owned(), window);
        let Some(by_customer) = self.used.get(&key) else {
            return (window, 0);
        };
        let used = match cap.per {
            CapPer::Partner => by_customer.values().sum(),
            CapPer::PartnerAndCustomer => by_customer
                .get(&want.customer_id.map(str::to_owned))
                .copied()
                .unwrap_or(0),
        };
        (window, used)
    }

    /// What is left of the tightest cap over a commission, with the line a
    /// cut would write; none when no cap applies.
    pub fn limit(&self, want: &Want) -> Option<Limit> {
        let currency = Currency::parse(want.currency).ok()?;
        self.caps_of(want)
            .into_iter()
            .filter_map(|(owner, cap)| {
                let cap_minor = currency.to_minor(cap.amount).ok()?;
                let (_, used) = self.used(&owner, cap, want);
                let (scope, owner_id) = match owner {
                    Owner::Group(id) => (CapSetOn::PartnerGroup, id),
                    Owner::Campaign(id) => (CapSetOn::Campaign, id),
                };
                Some(Limit {
                    left_minor: Ord::max(cap_minor - used, 0),
                    line: CapCutLine {
                        scope,
                        owner_id,
                        cap: cap.amount,
                        period: cap.period,
                        per: cap.per,
                        left: rust_decimal::Decimal::ZERO,
                        amount: rust_decimal::Decimal::ZERO,
                    },
                })
            })
            .min_by_key(|limit| limit.left_minor)
    }

    /// Counts a commission of `amount_minor` in every cap over it.
    pub fn spent(&mut self, want: &Want, amount_minor: i64) {
        let zone = self.zone.unwrap_or(Tz::UTC);
        let keys: Vec<Key> = self
            .caps_of(want)
            .into_iter()
            .map(|(owner, cap)| {
                let window = cap.period.window(want.at, zone);
                (owner, want.partner_id.to_owned(), window)
            })
            .collect();
        let customer = want.customer_id.map(str::to_owned);
        // A count not read yet keeps what is carried, and adds what is
        // read to it.
        for key in keys {
            let by_customer = self.used.entry(key).or_default();
            *by_customer.entry(customer.clone()).or_default() += amount_minor;
        }
    }
}

/// The reason an event that a cap left nothing of records.
pub fn nothing_left(line: &CapCutLine, currency: &str) -> String {
    use crate::engine::engagement::CapPeriod;
    let owner = match line.scope {
        CapSetOn::PartnerGroup => "the partner group's",
        CapSetOn::Campaign => "the campaign's",
    };
    let per = match line.per {
        CapPer::Partner => "",
        CapPer::PartnerAndCustomer => " on this customer",
    };
    let period = match line.period {
        CapPeriod::Day => " for the day",
        CapPeriod::Week => " for the week",
        CapPeriod::Month => " for the month",
        CapPeriod::AllTime => "",
    };
    format!(
        "{owner} spend cap of {} {currency}{per} is reached{period}: nothing is left of it for this commission",
        line.cap.normalize()
    )
}

/// What each partner spent of an owner's cap in a period, from the
/// reports' rollups: the tenant-local days of the period in
/// `commission_stats` (accrued, approved, paid and clawed back), or, for
/// all time, `ledger_totals` (every status but reversed) — a few rows per
/// partner, whatever its number of commissions.
async fn spent_by_day(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    owner: &Owner,
    window: Window,
    zone: Tz,
    currency: &str,
    partners: &BTreeSet<&str>,
) -> ApiResult<Vec<((String, Option<String>), i64)>> {
    let mut select = Query::select();
    select
        .column(Alias::new("partner_id"))
        .expr(Expr::cust("CAST(SUM(amount_minor) AS BIGINT)"))
        .and_where(Expr::col(Alias::new("tenant_id")).eq(tenant_id))
        .and_where(Expr::col(Alias::new("partner_id")).is_in(partners.iter().copied()))
        .and_where(Expr::col(Alias::new("currency")).eq(currency))
        .group_by_col(Alias::new("partner_id"));
    if let Owner::Campaign(id) = owner {
        select.and_where(Expr::col(Alias::new("campaign_id")).eq(id.as_str()));
    }
    match (window.start, window.end) {
        (Some(start), Some(end)) => {
            let first = crate::posting::stats::day_of(start, zone);
            let last = crate::posting::stats::day_of(end - chrono::Duration::microseconds(1), zone);
            select
                .from(Alias::new("commission_stats"))
                .and_where(Expr::col(Alias::new("day")).gte(first))
                .and_where(Expr::col(Alias::new("day")).lte(last))
                .and_where(Expr::col(Alias::new("measure")).is_in([
                    "ACCRUED",
                    "APPROVED",
                    "PAID",
                    "CLAWED_BACK",
                ]));
        }
        _ => {
            select
                .from(Alias::new("ledger_totals"))
                .and_where(Expr::col(Alias::new("status")).ne("REVERSED"));
        }
    }
    let statement = conn.get_database_backend().build(&select);
    let mut found = Vec::new();
    for row in conn.query_all_raw(statement).await? {
        let partner: String = row.try_get_by_index(0)?;
        let sum: Option<i64> = row.try_get_by_index(1)?;
        found.push(((partner, None), sum.unwrap_or(0)));
    }
    Ok(found)
}

/// What each partner spent of an owner's cap in a period, from its
/// commissions: on `customers` alone (a cap per partner and customer;
/// none: every customer, by partner), accrued in `window` — every kind,
/// not reversed, a clawback on its own time, as the rollups count them.
async fn spent_by_row(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    owner: &Owner,
    window: Window,
    currency: &str,
    partners: &BTreeSet<&str>,
    customers: Option<&BTreeSet<String>>,
) -> ApiResult<Vec<((String, Option<String>), i64)>> {
    let (c, e) = (Alias::new("c"), Alias::new("e"));
    let col = |table: &Alias, name: &str| Expr::col((table.clone(), Alias::new(name)));
    let mut select = Query::select();
    select
        .expr(col(&c, "partner_id"))
        .expr(Expr::cust("CAST(SUM(c.amount_minor) AS BIGINT)"))
        .from_as(Alias::new("commissions"), c.clone())
        .and_where(col(&c, "tenant_id").eq(tenant_id))
        .and_where(col(&c, "partner_id").is_in(partners.iter().copied()))
        .and_where(col(&c, "currency").eq(currency))
        .and_where(col(&c, "status").ne("REVERSED"))
        .group_by_col((c.clone(), Alias::new("partner_id")));
    if let Some(customers) = customers {
        select
            .expr(col(&e, "customer_id"))
            .join_as(
                JoinType::InnerJoin,
                Alias::new("events"),
                e.clone(),
                col(&e, "id").equals((c.clone(), Alias::new("event_id"))),
            )
            .and_where(col(&e, "customer_id").is_in(customers.iter().map(String::as_str)))
            .group_by_col((e.clone(), Alias::new("customer_id")));
    }
    if let Owner::Campaign(id) = owner {
        select.and_where(col(&c, "campaign_id").eq(id.as_str()));
    }
    if let Some(start) = window.start {
        select.and_where(col(&c, "accrued_at").gte(start));
    }
    if let Some(end) = window.end {
        select.and_where(col(&c, "accrued_at").lt(end));
    }
    let statement = conn.get_database_backend().build(&select);
    let mut found = Vec::new();
    for row in conn.query_all_raw(statement).await? {
        let partner: String = row.try_get_by_index(0)?;
        let sum: Option<i64> = row.try_get_by_index(1)?;
        let customer: Option<String> = match customers {
            Some(_) => row.try_get_by_index(2)?,
            None => None,
        };
        found.push(((partner, customer), sum.unwrap_or(0)));
    }
    Ok(found)
}
