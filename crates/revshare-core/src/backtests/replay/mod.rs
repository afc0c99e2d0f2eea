//! The replay: a range's events, in the order they were recorded (their
//! ids), evaluated again under the proposed terms by the same code that
//! accrued them — the engine's rules ([`crate::engine::RuleSet::evaluate`],
//! in [`sales`]), terms resolved as accrual resolves them
//! ([`crate::campaigns::enrollment::resolve_terms`]), a deal's plans
//! ([`crate::deals::accrue::commissions`], in [`deals`]), and the tier
//! book's counting, choosing and crossing ([`TierBook::post`]) — in
//! memory, writing nothing.
//!
//! What history the rules see is what accrual saw, kept on each event
//! (`events.history_*`): the customer's month, the partner's LTV and
//! paying customers, the customer's net charges (and, from the events
//! recorded before, whether it had a paid sale); for a deal event, its
//! terms version, field values and trigger. What depends on the
//! terms is carried through the replay: the customer's charge-threshold
//! bonus and the partner's progress toward tiers, which starts at zero at
//! the start of every tier period the range touches (the replay starts
//! there and ends where the last such period ends; only the range's own
//! events are counted in the figures). Refunds and reversals are applied
//! when they happened, between the events recorded before and after them:
//! clawbacks by the same share ([`crate::engine::clawback_minor`]),
//! adjustments following their originals, progress lowered.
//!
//! Streamed: a page of events at a time, with their commissions, refunds
//! and conversions read by the page's ids; what is kept between pages is
//! each partner's figures, the refunds still to come of the events
//! replayed, and the commissions a tier not reached yet may still adjust.

mod deals;
mod sales;
mod undo;

use deals::{DealPage, Proposed};
use sales::{Bonus, BothTerms};
use undo::{Adjustment, Open, Pending, Undo};

use super::change::{Change, Versions};
use crate::engagement::caps::{CapBook, Kept, Want};
use crate::engine::{self, Currency};
use crate::error::{ApiError, ApiResult};
use crate::posting::Posting;
use crate::tiers::book::{Accrued, Earning, TierBook};
use chrono::{DateTime, Utc};
use entity::enums::{CommissionKind, CommissionStatus, EventKind};
use entity::{
    campaign, category, commission, customer, event, event_conversion, partner, partner_category,
    partner_commission, partner_group, refund,
};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use std::cmp::Reverse;
use std::collections::{BTreeMap, BinaryHeap, HashMap, HashSet};

/// Events read per page.
pub const PAGE: u64 = 2000;

/// One partner's figures in one currency, in minor units.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Line {
    pub before: i64,
    pub after: i64,
    pub events: i64,
}

/// The figures by (currency, partner).
pub type Figures = BTreeMap<(String, String), Line>;

/// What a replay reads of an event.
#[derive(Debug, FromQueryResult)]
struct Row {
    id: String,
    partner_id: String,
    campaign_id: String,
    customer_id: Option<String>,
    deal_id: Option<String>,
    kind: EventKind,
    amount_minor: i64,
    currency: String,
    occurred_at: DateTime<Utc>,
    revenue_minor: Option<i64>,
    recorded_at: DateTime<Utc>,
    history_month: Option<i32>,
    history_ltv_minor: Option<i64>,
    history_paying: Option<i32>,
    history_net_minor: Option<i64>,
    history_bonus: Option<bool>,
    history_earns: Option<bool>,
    history_deal: Option<String>,
    /// What was sold, line by line (SPEC §32), and the metadata sent:
    /// what a conditional rule reads.
    lines: Option<String>,
    metadata: Option<serde_json::Value>,
}

pub struct Replay {
    tenant_id: String,
    range: (DateTime<Utc>, DateTime<Utc>),
    window: (DateTime<Utc>, DateTime<Utc>),
    partners_only: Option<HashSet<String>>,
    last_id: String,
    after_id: Option<String>,
    tiers: TierBook,
    /// The spend caps (SPEC §31), cut as the ledger cuts them.
    caps: CapBook,
    posting: Posting,
    /// The deal plan proposed, if the change is one.
    plan: Option<Proposed>,
    /// The deals, terms and categories the page's deal events refer to.
    deal_page: DealPage,
    campaigns: HashMap<String, Versions<campaign::Model>>,
    groups: HashMap<String, Versions<partner_group::Model>>,
    partners: HashMap<String, partner::Model>,
    /// The partners' categories, by id and name (SPEC §32).
    categories: HashMap<String, Vec<(String, String)>>,
    /// The page's customers, as they are now: their country and attributes
    /// as their newest event sent them (SPEC §32).
    customers: HashMap<String, customer::Model>,
    /// The page's customers' first paid sales, by customer (SALE_IS_FIRST).
    first_sales: HashMap<String, String>,
    snapshots: HashMap<(String, String), partner_commission::Model>,
    /// Terms by (partner, campaign): as recorded (`None` when the change
    /// leaves them) and as proposed.
    terms: HashMap<(String, String), BothTerms>,
    bonuses: HashMap<String, Bonus>,
    pending: BinaryHeap<Reverse<Pending>>,
    /// How many refunds and reversals are still to come, by event.
    to_come: HashMap<String, u32>,
    /// The originals of the events in `open`.
    open_originals: HashSet<String>,
    seq: u64,
    open: HashMap<String, Open>,
    adjustments: HashMap<String, Vec<Adjustment>>,
    figures: Figures,
    replayed: u64,
    window_events: i64,
}

impl Replay {
    /// A replay of `change` over the events that occurred in `range`;
    /// `None` when there are none.
    pub async fn prepare(
        conn: &impl ConnectionTrait,
        tenant_id: &str,
        change: Change,
        range: (DateTime<Utc>, DateTime<Utc>),
        partners_only: Option<HashSet<String>>,
    ) -> ApiResult<Option<Replay>> {
        let mut tiers = TierBook::for_replay(conn, tenant_id, change.proposed_tier()).await?;
        let window = if tiers.has_tiers() {
            tiers.whole_periods(range)
        } else {
            range
        };
        let in_window = || {
            event::Entity::find()
                .filter(event::Column::TenantId.eq(tenant_id))
                .filter(event::Column::OccurredAt.gte(window.0))
                .filter(event::Column::OccurredAt.lt(window.1))
        };
        let bounds: Option<(Option<String>, Option<String>)> = in_window()
            .select_only()
            .column_as(event::Column::Id.min(), "first")
            .column_as(event::Column::Id.max(), "last")
            .into_tuple()
            .one(conn)
            .await?;
        let Some((Some(first), Some(last))) = bounds else {
            return Ok(None);
        };
        let window_events = i64::try_from(in_window().count(conn).await?).unwrap_or(i64::MAX);
        let unreplayable = in_window()
            .filter(
                Condition::any()
                    .add(
                        Condition::all()
                            .add(event::Column::Kind.is_in([EventKind::Sale, EventKind::Lead]))
                            .add(event::Column::HistoryMonth.is_null()),
                    )
                    .add(
                        Condition::all()
                            .add(
                                event::Column::Kind
                                    .is_in([EventKind::DealStage, EventKind::DealPayment]),
                            )
                            .add(event::Column::HistoryDeal.is_null()),
                    ),
            )
            .order_by_desc(event::Column::RecordedAt)
            .one(conn)
            .await?;
        if let Some(old) = unreplayable {
            return Err(ApiError::bad_input(
                "input.from",
                format!(
                    "the range (widened to whole tier periods) holds events recorded before revshare kept what a replay needs, the newest recorded {}: start it after that",
                    old.recorded_at.to_rfc3339()
                ),
            ));
        }
        let campaigns = campaign::Entity::find()
            .filter(campaign::Column::TenantId.eq(tenant_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|c| Ok((c.id.clone(), change.campaign(c)?)))
            .collect::<ApiResult<HashMap<_, _>>>()?;
        let groups = partner_group::Entity::find()
            .filter(partner_group::Column::TenantId.eq(tenant_id))
            .all(conn)
            .await?
            .into_iter()
            .map(|g| Ok((g.id.clone(), change.group(g)?)))
            .collect::<ApiResult<HashMap<_, _>>>()?;
        let caps = CapBook::of(
            conn,
            tenant_id,
            groups.values().map(|g| &g.proposed),
            campaigns.values().map(|c| &c.proposed),
        )
        .await?;
        Ok(Some(Replay {
            tenant_id: tenant_id.to_owned(),
            caps,

            range,
            window,
            partners_only,
            after_id: Some(predecessor(&first)),
            last_id: last,
            tiers,
            posting: Posting::unwritten(range.0),
            plan: change.proposed_plan().map(Proposed::of),
            deal_page: DealPage::default(),
            campaigns,
            groups,
            partners: HashMap::new(),
            categories: HashMap::new(),
            customers: HashMap::new(),
            first_sales: HashMap::new(),
            snapshots: HashMap::new(),
            terms: HashMap::new(),
            bonuses: HashMap::new(),
            pending: BinaryHeap::new(),
            to_come: HashMap::new(),
            open_originals: HashSet::new(),
            seq: 0,
            open: HashMap::new(),
            adjustments: HashMap::new(),
            figures: Figures::new(),
            replayed: 0,
            window_events,
        }))
    }

    /// The events the replay reads.
    pub fn window_events(&self) -> i64 {
        self.window_events
    }

    /// Events replayed so far (the window's, which may reach past the range).
    pub fn replayed(&self) -> u64 {
        self.replayed
    }

    /// Replays the next page; answers whether any is left.
    pub async fn next_page(&mut self, conn: &impl ConnectionTrait) -> ApiResult<bool> {
        let Some(after) = self.after_id.clone() else {
            return Ok(false);
        };
        let rows: Vec<Row> = event::Entity::find()
            .select_only()
            .columns([
                event::Column::Id,
                event::Column::PartnerId,
                event::Column::CampaignId,
                event::Column::CustomerId,
                event::Column::DealId,
                event::Column::Kind,
                event::Column::AmountMinor,
                event::Column::Currency,
                event::Column::OccurredAt,
                event::Column::RevenueMinor,
                event::Column::RecordedAt,
                event::Column::HistoryMonth,
                event::Column::HistoryLtvMinor,
                event::Column::HistoryPaying,
                event::Column::HistoryNetMinor,
                event::Column::HistoryBonus,
                event::Column::HistoryEarns,
                event::Column::HistoryDeal,
                event::Column::Lines,
                event::Column::Metadata,
            ])
            .filter(event::Column::TenantId.eq(self.tenant_id.as_str()))
            .filter(event::Column::Id.gt(after))
            .filter(event::Column::Id.lte(self.last_id.as_str()))
            .filter(event::Column::OccurredAt.gte(self.window.0))
            .filter(event::Column::OccurredAt.lt(self.window.1))
            .order_by_asc(event::Column::Id)
            .limit(PAGE)
            .into_model::<Row>()
            .all(conn)
            .await?;
        let more = rows.len() as u64 == PAGE;
        self.after_id = match (more, rows.last()) {
            (true, Some(row)) => Some(row.id.clone()),
            _ => None,
        };
        if rows.is_empty() {
            return Ok(false);
        }
        self.load_page(conn, &rows).await?;
        self.load_first_sales(conn, &rows).await?;
        // What each partner spent of its caps before the window: the
        // window's own commissions are the replay's.
        let wants: Vec<Want> = rows.iter().filter_map(|row| self.capped(row)).collect();
        let kept: Vec<Kept> = wants.iter().map(Kept::of).collect();
        let wants: Vec<Want> = kept.iter().map(Kept::want).collect();
        let tenant_id = self.tenant_id.clone();
        self.caps
            .read(conn, &tenant_id, &wants, Some(self.window.0))
            .await?;
        self.deal_page = DealPage::load(conn, &rows, self.plan.is_some()).await?;
        let ids: Vec<&str> = rows.iter().map(|r| r.id.as_str()).collect();
        let partners: HashMap<&str, &str> = rows
            .iter()
            .map(|r| (r.id.as_str(), r.partner_id.as_str()))
            .collect();
        let recorded = self.recorded(conn, &partners).await?;
        let conversions: HashMap<String, event_conversion::Model> =
            event_conversion::Entity::find()
                .filter(event_conversion::Column::EventId.is_in(ids.iter().copied()))
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.event_id.clone(), c))
                .collect();
        self.schedule(conn, &ids, &recorded).await?;
        for row in &rows {
            self.undo_until(row.recorded_at)?;
            self.replay(row, &recorded, conversions.get(&row.id))?;
            self.replayed += 1;
        }
        self.tiers.compact(&mut self.posting);
        Ok(more)
    }

    /// Applies what is still to come and answers the figures.
    pub fn finish(mut self) -> ApiResult<Figures> {
        self.undo_until(DateTime::<Utc>::MAX_UTC)?;
        Ok(self.figures)
    }

    /// The page's customers; its partners, their snapshots and categories,
    /// read once.
    async fn load_page(&mut self, conn: &impl ConnectionTrait, rows: &[Row]) -> ApiResult<()> {
        let customers: HashSet<&str> = rows
            .iter()
            .filter_map(|r| r.customer_id.as_deref())
            .collect();
        self.customers = match customers.is_empty() {
            true => HashMap::new(),
            false => customer::Entity::find()
                .filter(customer::Column::Id.is_in(customers))
                .all(conn)
                .await?
                .into_iter()
                .map(|c| (c.id.clone(), c))
                .collect(),
        };
        let new: HashSet<&str> = rows
            .iter()
            .map(|r| r.partner_id.as_str())
            .filter(|id| !self.partners.contains_key(*id))
            .collect();
        if new.is_empty() {
            return Ok(());
        }
        for found in partner::Entity::find()
            .filter(partner::Column::Id.is_in(new.iter().copied()))
            .all(conn)
            .await?
        {
            self.partners.insert(found.id.clone(), found);
        }
        // Oldest first: the newest of each pair is the one kept, as accrual keeps it.
        for row in partner_commission::Entity::find()
            .filter(partner_commission::Column::PartnerId.is_in(new.iter().copied()))
            .order_by_asc(partner_commission::Column::Id)
            .all(conn)
            .await?
        {
            self.snapshots
                .insert((row.partner_id.clone(), row.campaign_id.clone()), row);
        }
        for (link, category) in partner_category::Entity::find()
            .filter(partner_category::Column::PartnerId.is_in(new.iter().copied()))
            .find_also_related(category::Entity)
            .all(conn)
            .await?
        {
            if let Some(category) = category {
                self.categories
                    .entry(link.partner_id)
                    .or_default()
                    .push((category.id, category.name));
            }
        }
        Ok(())
    }

    /// The page's commissions as recorded: what each event holds now
    /// (`before`), and whose original was reversed or fully refunded. A
    /// referrer's rewards on an event (SPEC §31), and their clawbacks, are
    /// another partner's rows: not the event's partner's before.
    async fn recorded(
        &mut self,
        conn: &impl ConnectionTrait,
        partners: &HashMap<&str, &str>,
    ) -> ApiResult<HashMap<String, Recorded>> {
        #[derive(FromQueryResult)]
        struct Held {
            event_id: String,
            partner_id: String,
            kind: CommissionKind,
            amount_minor: i64,
            status: CommissionStatus,
            reversed_at: Option<DateTime<Utc>>,
        }
        let rows: Vec<Held> = commission::Entity::find()
            .select_only()
            .columns([
                commission::Column::EventId,
                commission::Column::PartnerId,
                commission::Column::Kind,
                commission::Column::AmountMinor,
                commission::Column::Status,
                commission::Column::ReversedAt,
            ])
            .filter(commission::Column::EventId.is_in(partners.keys().copied()))
            .into_model::<Held>()
            .all(conn)
            .await?;
        let mut recorded: HashMap<String, Recorded> = HashMap::new();
        for row in rows {
            if partners.get(row.event_id.as_str()) != Some(&row.partner_id.as_str()) {
                continue;
            }
            let entry = recorded.entry(row.event_id).or_default();
            if row.status != CommissionStatus::Reversed {
                entry.before += row.amount_minor;
            } else if row.kind == CommissionKind::Commission {
                entry.reversed = row.reversed_at;
            }
        }
        Ok(recorded)
    }

    /// Reads the page's refunds, and with its reversals queues them for
    /// when they happened.
    async fn schedule(
        &mut self,
        conn: &impl ConnectionTrait,
        ids: &[&str],
        recorded: &HashMap<String, Recorded>,
    ) -> ApiResult<()> {
        let refunds = refund::Entity::find()
            .filter(refund::Column::EventId.is_in(ids.iter().copied()))
            .order_by_asc(refund::Column::CreatedAt)
            .order_by_asc(refund::Column::Id)
            .all(conn)
            .await?;
        let mut refunded: HashSet<String> = HashSet::new();
        for r in refunds {
            refunded.insert(r.event_id.clone());
            let lines = match r.lines.as_deref() {
                Some(taken) => Some(
                    serde_json::from_str(taken)
                        .map_err(|e| ApiError::internal("refund lines", e))?,
                ),
                None => None,
            };
            self.push(
                r.created_at,
                r.event_id,
                Undo::Refund(r.amount_minor, lines),
            );
        }
        for (event_id, found) in recorded {
            // A reversal by a full refund is the refund's; any other stands.
            if let Some(at) = found.reversed
                && !refunded.contains(event_id)
            {
                self.push(at, event_id.clone(), Undo::Reversal);
            }
        }
        Ok(())
    }

    fn push(&mut self, at: DateTime<Utc>, event_id: String, what: Undo) {
        self.seq += 1;
        *self.to_come.entry(event_id.clone()).or_default() += 1;
        self.pending.push(Reverse(Pending {
            at,
            seq: self.seq,
            event_id,
            what,
        }));
    }

    fn in_range(&self, row: &Row) -> bool {
        row.occurred_at >= self.range.0
            && row.occurred_at < self.range.1
            && self
                .partners_only
                .as_ref()
                .is_none_or(|only| only.contains(&row.partner_id))
    }

    fn replay(
        &mut self,
        row: &Row,
        recorded: &HashMap<String, Recorded>,
        conversion: Option<&event_conversion::Model>,
    ) -> ApiResult<()> {
        let counted = self.in_range(row);
        let found = recorded.get(&row.id);
        let before = found.map_or(0, |r| r.before);
        let after = match row.kind {
            EventKind::Sale | EventKind::Lead => {
                self.sale_or_lead(row, counted, found, conversion)?
            }
            EventKind::DealStage | EventKind::DealPayment => {
                self.deal_event(row, counted, found, conversion)?
            }
            // A referrer's reward (SPEC §31) is no sale of the terms
            // tried: what it pays is the recruit's terms' business.
            EventKind::Reward => return Ok(()),
        };
        if counted {
            let key = (row.currency.clone(), row.partner_id.clone());
            let line = self.figures.entry(key).or_default();
            line.before += before;
            line.after += after;
            line.events += 1;
        }
        Ok(())
    }

    /// Posts what an event earned through the tier book, as accrual does,
    /// and keeps what a refund or reversal to come will need: answers what
    /// it earned at once (its commissions as the tiers leave them, a
    /// tier's bonus, the adjustments of a tier it reached).
    /// What a sale or lead of the replay is capped as (SPEC §31): a deal's
    /// event is not.
    fn capped<'r>(&'r self, row: &'r Row) -> Option<Want<'r>> {
        if !matches!(row.kind, EventKind::Sale | EventKind::Lead) {
            return None;
        }
        let partner = self.partners.get(&row.partner_id)?;
        Some(Want {
            partner_id: &row.partner_id,
            group_id: &partner.group_id,
            campaign_id: &row.campaign_id,
            customer_id: row.customer_id.as_deref(),
            currency: &row.currency,
            at: row.occurred_at,
        })
    }

    fn post(
        &mut self,
        row: &Row,
        currency: Currency,
        counted: bool,
        found: Option<&Recorded>,
        earned: Vec<Earning>,
    ) -> ApiResult<i64> {
        let sale = matches!(row.kind, EventKind::Sale | EventKind::DealPayment);
        let cap = self.capped(row).map(|want| Kept::of(&want));
        let limit = cap.as_ref().and_then(|kept| self.caps.limit(&kept.want()));
        let accrued = Accrued {
            partner_id: &row.partner_id,
            campaign_id: &row.campaign_id,
            event_id: &row.id,
            currency,
            at: row.occurred_at,
            sale,
            amount_minor: row.amount_minor,
            revenue_minor: row.revenue_minor,
            amount_field: "event.amount",
            limit,
        };
        let start = self.posting.rows().len();
        self.tiers.recorded(row.recorded_at);
        self.tiers.post(&mut self.posting, &accrued, earned)?;
        let posted = &self.posting.rows()[start..];
        if let Some(kept) = &cap {
            let own: i64 = posted
                .iter()
                .filter(|c| c.partner_id == row.partner_id)
                .map(|c| c.amount_minor)
                .sum();
            self.caps.spent(&kept.want(), own);
        }
        let key = || counted.then(|| (row.currency.clone(), row.partner_id.clone()));
        let after: i64 = posted.iter().map(|c| c.amount_minor).sum();
        // Adjustments of originals a refund or reversal will come back to.
        for adjustment in posted
            .iter()
            .filter(|c| c.kind == CommissionKind::Adjustment)
        {
            if let Some(original) = &adjustment.original_id
                && self.open_originals.contains(original)
            {
                self.adjustments
                    .entry(original.clone())
                    .or_default()
                    .push(Adjustment {
                        key: key(),
                        amount: adjustment.amount_minor,
                        revenue: adjustment.revenue_minor.unwrap_or(0),
                        clawed: 0,
                    });
            }
        }
        if self.to_come.contains_key(&row.id) {
            let originals: Vec<(String, i64, i64)> = posted
                .iter()
                .filter(|c| c.kind == CommissionKind::Commission)
                .map(|c| (c.id.clone(), c.amount_minor, c.revenue_minor.unwrap_or(0)))
                .collect();
            self.open_originals
                .extend(originals.iter().map(|(id, ..)| id.clone()));
            let full_refund_reverses = found.is_none_or(|r| r.reversed.is_some());
            self.open.insert(
                row.id.clone(),
                Open {
                    key: key(),
                    partner_id: row.partner_id.clone(),
                    campaign_id: row.campaign_id.clone(),
                    amount_minor: row.amount_minor,
                    refunded_minor: 0,
                    sale,
                    at: (row.occurred_at, row.recorded_at),
                    originals,
                    full_refund_reverses,
                    undone: false,
                    cap,
                    lines: None,
                },
            );
        }
        Ok(after)
    }
}

/// What the ledger holds for one event.
#[derive(Default)]
struct Recorded {
    before: i64,
    /// When its original commission was reversed.
    reversed: Option<DateTime<Utc>>,
}

/// A converted sale's amount as its rules saw it: unrounded.
fn exact_amount(c: &event_conversion::Model) -> ApiResult<rust_decimal::Decimal> {
    let broken = |what: &str| ApiError::internal("stored conversion", what.to_owned());
    let own = Currency::parse(&c.sale_currency).map_err(|_| broken("currency"))?;
    let cross = engine::fx::Cross {
        base: engine::fx::PerEur::parse(&c.base_per_eur).map_err(|_| broken("base"))?,
        quote: engine::fx::PerEur::parse(&c.quote_per_eur).map_err(|_| broken("quote"))?,
    };
    cross
        .convert(own.from_minor(c.sale_amount_minor))
        .ok_or_else(|| broken("amount"))
}

/// The largest id before `id` in the order ids sort: the page before the
/// first starts after it.
fn predecessor(id: &str) -> String {
    // Every id is longer than the empty string and sorts after it; an id's
    // own prefix one character shorter sorts before it.
    id[..id.len().saturating_sub(1)].to_owned()
}
