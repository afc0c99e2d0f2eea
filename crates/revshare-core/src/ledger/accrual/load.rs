//! What a batch reads before it evaluates anything, in a fixed number of
//! statements whatever its size: the checks that need no database first,
//! then one statement per table, the partners locked.

use super::{Item, MAX_METADATA_BYTES, NewConversion, PartnerRef, bad};
use crate::error::ApiResult;
use crate::input::{self, MAX_EXTERNAL_ID_CHARS};
use crate::ledger::path::{occurred_at, recorded};
use chrono::{DateTime, Utc};
use entity::enums::EventKind;
use entity::{
    attribution, campaign, customer, enrollment, event, partner, partner_commission, partner_group,
    partner_total, unattributed_event,
};
use sea_orm::sea_query::Condition;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use std::collections::{BTreeSet, HashMap, HashSet};

/// An item that passed the checks needing no database.
pub(super) struct Checked<'a> {
    pub prefix: &'a str,
    pub source: entity::enums::EventSource,
    pub new: &'a NewConversion,
    pub external_id: String,
    pub customer_external_id: Option<String>,
    pub payload: String,
    pub billed: Option<&'a super::Billed>,
}

pub(super) fn check(item: &Item) -> ApiResult<Checked<'_>> {
    let prefix = item.prefix.as_str();
    let new = &item.event;
    let external_id = input::required_text(
        &format!("{prefix}.externalId"),
        &new.external_id,
        MAX_EXTERNAL_ID_CHARS,
    )?;
    if external_id.starts_with(crate::engagement::referrals::RESERVED_PREFIX) {
        return Err(bad(
            prefix,
            "externalId",
            format!(
                "must not start with `{}`: revshare names its own events so",
                crate::engagement::referrals::RESERVED_PREFIX
            ),
        ));
    }
    let customer_external_id = input::optional_text(
        &format!("{prefix}.customerExternalId"),
        new.customer_external_id.as_deref(),
        MAX_EXTERNAL_ID_CHARS,
    )?;
    if new.partner.is_none() && customer_external_id.is_none() {
        return Err(bad(
            prefix,
            "partnerId",
            "give a partner (partnerId or partnerExternalId) or the customer's customerExternalId",
        ));
    }
    let sent = new
        .currency
        .as_deref()
        .and_then(|code| crate::engine::Currency::parse(code).ok());
    crate::ledger::lines::check(prefix, &new.lines, new.amount, sent)?;
    if let Some(customer) = &new.customer {
        crate::ledger::lines::check_customer(prefix, customer)?;
    }
    if let Some(metadata) = &new.metadata
        && metadata.to_string().len() > MAX_METADATA_BYTES
    {
        return Err(bad(
            prefix,
            "metadata",
            format!("must be at most {MAX_METADATA_BYTES} bytes of JSON"),
        ));
    }
    Ok(Checked {
        prefix,
        new,
        external_id,
        customer_external_id,
        source: item.source,
        payload: item.first_payload.clone().unwrap_or_else(|| new.payload()),
        billed: item.billed.as_ref(),
    })
}

/// What a batch reads before it evaluates anything.
#[derive(Default)]
pub(super) struct Loaded {
    pub partners: HashMap<String, partner::Model>,
    pub partner_by_external_id: HashMap<String, String>,
    /// Events recorded before, by `externalId`, with their commissions.
    pub existing: crate::ledger::path::Existing,
    pub campaigns: HashMap<String, campaign::Model>,
    pub default_campaign: Option<campaign::Model>,
    pub enrolled: HashSet<(String, String)>,
    /// The newest snapshot row of each (partner, campaign).
    pub snapshots: HashMap<(String, String), partner_commission::Model>,
    pub groups: HashMap<String, partner_group::Model>,
    /// The attributed customers the items name, by `externalId`.
    pub attributions: HashMap<String, attribution::Model>,
    /// Events held under the `externalId`s of items naming only their
    /// customer, or in another currency than their campaign's.
    pub held: HashMap<String, unattributed_event::Model>,
    /// The rates the items in another currency than their campaign's
    /// convert at (none read when every item is in its campaign's).
    pub rates: crate::fx::Book,
    /// The partners' categories, by id and name, when a rule set in play
    /// tests them.
    pub categories: HashMap<String, Vec<(String, String)>>,
}

impl Loaded {
    /// Whether a rule set in play tests a partner's categories.
    fn reads_categories(&self) -> bool {
        let tests = |rules: Option<&serde_json::Value>| rules.is_some_and(names_categories);
        self.groups.values().any(|g| tests(Some(&g.rules)))
            || self.campaigns.values().any(|c| tests(c.rules.as_ref()))
            || self.snapshots.values().any(|s| tests(s.rules.as_ref()))
    }

    /// The partner an item names, if it exists.
    pub fn partner(&self, reference: &PartnerRef) -> Option<&partner::Model> {
        let id = match reference {
            PartnerRef::Id(id) => Some(id),
            PartnerRef::ExternalId(external) => self.partner_by_external_id.get(external),
        };
        id.and_then(|id| self.partners.get(id))
    }

    /// The attribution of an item naming only its customer.
    pub fn attribution(&self, item: &Checked) -> Option<&attribution::Model> {
        match item.new.partner {
            Some(_) => None,
            None => self.attributions.get(item.customer_external_id.as_deref()?),
        }
    }

    /// The partner an item is for: the one it names, or its customer's.
    pub fn partner_of(&self, item: &Checked) -> Option<&partner::Model> {
        match &item.new.partner {
            Some(reference) => self.partner(reference),
            None => self.partners.get(&self.attribution(item)?.partner_id),
        }
    }

    /// The campaign an item names, or its customer's, or the default.
    pub fn campaign_id_of<'s>(&'s self, item: &'s Checked) -> Option<&'s str> {
        if let Some(id) = &item.new.campaign_id {
            return Some(id);
        }
        match self.attribution(item) {
            Some(attribution) => Some(&attribution.campaign_id),
            None => Some(&self.default_campaign.as_ref()?.id),
        }
    }

    /// An item in another currency than its campaign's: its currency and
    /// the campaign's.
    pub fn foreign<'s>(&'s self, item: &'s Checked) -> Option<(&'s str, &'s str)> {
        let own = item.new.currency.as_deref()?;
        let campaign = self.campaigns.get(self.campaign_id_of(item)?)?;
        (campaign.currency != own).then_some((own, campaign.currency.as_str()))
    }

    /// What a spend cap over an item counts it as, should it earn: its
    /// partner, group, campaign, existing customer, currency and time (as
    /// evaluation resolves them).
    pub fn capped<'s>(
        &'s self,
        item: &'s Checked,
        customers: &'s HashMap<(String, String), customer::Model>,
        now: DateTime<Utc>,
    ) -> Option<crate::engagement::caps::Want<'s>> {
        let partner = self.partner_of(item)?;
        let campaign = self.campaigns.get(self.campaign_id_of(item)?)?;
        let customer = item
            .customer_external_id
            .as_ref()
            .and_then(|c| customers.get(&(partner.id.clone(), c.clone())));
        Some(crate::engagement::caps::Want {
            partner_id: &partner.id,
            group_id: &partner.group_id,
            campaign_id: &campaign.id,
            customer_id: customer.map(|c| c.id.as_str()),
            currency: &campaign.currency,
            at: occurred_at(item.new.occurred_at, now),
        })
    }

    /// What an item counts in toward tiers, should it be recorded: its
    /// partner, its campaign and its time (as evaluation resolves them).
    pub fn counted<'s>(
        &'s self,
        item: &'s Checked,
        now: DateTime<Utc>,
    ) -> Option<(&'s str, &'s str, DateTime<Utc>)> {
        let partner = self.partner_of(item)?;
        let campaign = self.campaign_id_of(item)?;
        Some((
            partner.id.as_str(),
            campaign,
            occurred_at(item.new.occurred_at, now),
        ))
    }
}

/// Locks the batch's partners and reads everything the items refer to.
pub(super) async fn load(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    checked: &[ApiResult<Checked<'_>>],
) -> ApiResult<Loaded> {
    let valid: Vec<&Checked> = checked.iter().filter_map(|c| c.as_ref().ok()).collect();
    let mut loaded = Loaded::default();
    if valid.is_empty() {
        return Ok(loaded);
    }
    // Customers first (the lock an attribution takes), then partners.
    let unnamed: BTreeSet<&str> = valid
        .iter()
        .filter(|c| c.new.partner.is_none())
        .filter_map(|c| c.customer_external_id.as_deref())
        .collect();
    crate::posting::locks::customers(conn, tenant_id, &unnamed).await?;
    attributions(conn, tenant_id, &valid, &mut loaded).await?;
    lock_partners(conn, tenant_id, &valid, &mut loaded).await?;
    if loaded.partners.is_empty() && unnamed.is_empty() {
        return Ok(loaded);
    }
    existing_events(conn, tenant_id, &valid, &mut loaded).await?;
    campaigns(conn, tenant_id, &valid, &mut loaded).await?;
    let foreign: Vec<&Checked> = valid
        .iter()
        .copied()
        .filter(|c| loaded.foreign(c).is_some())
        .collect();
    if !unnamed.is_empty() || !foreign.is_empty() {
        held(conn, tenant_id, &valid, &mut loaded).await?;
    }
    if !foreign.is_empty() {
        rates(conn, tenant_id, &foreign, &mut loaded).await?;
    }
    terms_rows(conn, tenant_id, &mut loaded).await?;
    if loaded.reads_categories() {
        categories(conn, tenant_id, &mut loaded).await?;
    }
    Ok(loaded)
}

/// Whether stored rules test a partner's categories anywhere (a subject
/// `PARTNER_CATEGORY`), read without writing them out.
fn names_categories(rules: &serde_json::Value) -> bool {
    match rules {
        serde_json::Value::String(s) => s == "PARTNER_CATEGORY",
        serde_json::Value::Array(items) => items.iter().any(names_categories),
        serde_json::Value::Object(map) => map.values().any(names_categories),
        _ => false,
    }
}

/// The categories of the batch's partners, by id and name: read only when
/// a rule set in play tests them (SPEC §32).
async fn categories(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let links = entity::partner_category::Entity::find()
        .filter(entity::partner_category::Column::TenantId.eq(tenant_id))
        .filter(entity::partner_category::Column::PartnerId.is_in(loaded.partners.keys().cloned()))
        .find_also_related(entity::category::Entity)
        .all(conn)
        .await?;
    for (link, category) in links {
        if let Some(category) = category {
            loaded
                .categories
                .entry(link.partner_id)
                .or_default()
                .push((category.id, category.name));
        }
    }
    Ok(())
}

/// The rates the foreign items need: their currencies and their
/// campaigns', over their days (and the week before the first).
async fn rates(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    foreign: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let now = crate::db::now();
    let mut currencies = BTreeSet::new();
    let mut days = BTreeSet::new();
    for item in foreign {
        if let Some((own, campaign)) = loaded.foreign(item) {
            currencies.insert(own.to_owned());
            currencies.insert(campaign.to_owned());
        }
        days.insert(crate::fx::day_of(occurred_at(item.new.occurred_at, now)));
    }
    let (Some(first), Some(last)) = (days.first(), days.last()) else {
        return Ok(());
    };
    loaded.rates = crate::fx::book(
        conn,
        tenant_id,
        currencies.iter().map(String::as_str),
        *first,
        *last,
    )
    .await?;
    Ok(())
}

/// Serializes accrual per partner: the history read below stays true until
/// commit, and redeliveries of one event queue behind each other. Rows are
/// locked in id order, so two batches never wait on each other in a cycle.
async fn lock_partners(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    valid: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let mut ids = BTreeSet::new();
    let mut external_ids = BTreeSet::new();
    for item in valid {
        match &item.new.partner {
            Some(PartnerRef::Id(id)) => ids.insert(id.clone()),
            Some(PartnerRef::ExternalId(id)) => external_ids.insert(id.clone()),
            None => match loaded.attribution(item) {
                Some(attribution) => ids.insert(attribution.partner_id.clone()),
                None => false,
            },
        };
    }
    if ids.is_empty() && external_ids.is_empty() {
        return Ok(());
    }
    let partners = crate::posting::locks::partners(
        conn,
        tenant_id,
        Condition::any()
            .add(partner::Column::Id.is_in(ids))
            .add(partner::Column::ExternalId.is_in(external_ids)),
    )
    .await?;
    for partner in partners {
        if let Some(external) = &partner.external_id {
            loaded
                .partner_by_external_id
                .insert(external.clone(), partner.id.clone());
        }
        loaded.partners.insert(partner.id.clone(), partner);
    }
    Ok(())
}

/// Events already recorded with the batch's `externalId`s, for the
/// exactly-once rule.
async fn existing_events(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    valid: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let external_ids = valid.iter().map(|c| c.external_id.as_str());
    loaded.existing = recorded(conn, tenant_id, external_ids).await?;
    Ok(())
}

/// The attributed customers the items name (the partner of a sale naming
/// only its customer; the partner a sale names must be its customer's).
async fn attributions(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    valid: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let customers: BTreeSet<&str> = valid
        .iter()
        .filter_map(|c| c.customer_external_id.as_deref())
        .collect();
    if customers.is_empty() {
        return Ok(());
    }
    for row in attribution::Entity::find()
        .filter(attribution::Column::TenantId.eq(tenant_id))
        .filter(attribution::Column::CustomerExternalId.is_in(customers))
        .all(conn)
        .await?
    {
        loaded
            .attributions
            .insert(row.customer_external_id.clone(), row);
    }
    Ok(())
}

/// Events held under the `externalId`s of items naming only their
/// customer: a redelivery of one is answered as it was.
async fn held(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    valid: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let external_ids: BTreeSet<&str> = valid
        .iter()
        .filter(|c| c.new.partner.is_none() || loaded.foreign(c).is_some())
        .map(|c| c.external_id.as_str())
        .collect();
    for row in unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(tenant_id))
        .filter(unattributed_event::Column::ExternalId.is_in(external_ids))
        .filter(unattributed_event::Column::AccruedAt.is_null())
        .all(conn)
        .await?
    {
        loaded.held.insert(row.external_id.clone(), row);
    }
    Ok(())
}

/// The campaigns the items name, and the tenant's default campaign.
async fn campaigns(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    valid: &[&Checked<'_>],
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let campaign_ids: BTreeSet<&str> = valid
        .iter()
        .filter_map(|c| match &c.new.campaign_id {
            Some(id) => Some(id.as_str()),
            None => Some(loaded.attribution(c)?.campaign_id.as_str()),
        })
        .collect();
    for campaign in campaign::Entity::find()
        .filter(campaign::Column::TenantId.eq(tenant_id))
        .filter(
            Condition::any()
                .add(campaign::Column::IsDefault.eq(true))
                .add(campaign::Column::Id.is_in(campaign_ids)),
        )
        .all(conn)
        .await?
    {
        if campaign.is_default {
            loaded.default_campaign = Some(campaign.clone());
        }
        loaded.campaigns.insert(campaign.id.clone(), campaign);
    }
    Ok(())
}

/// Enrollments, snapshots and groups: what the terms in force resolve from.
async fn terms_rows(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    loaded: &mut Loaded,
) -> ApiResult<()> {
    let partner_ids: Vec<&str> = loaded.partners.keys().map(String::as_str).collect();
    let campaign_ids: Vec<&str> = loaded.campaigns.keys().map(String::as_str).collect();
    // Every partner may record in the default campaign: enrollment matters
    // only for the others.
    let mut enrolled = HashSet::new();
    if loaded.campaigns.values().any(|c| !c.is_default) {
        for row in enrollment::Entity::find()
            .filter(enrollment::Column::PartnerId.is_in(partner_ids.iter().copied()))
            .filter(enrollment::Column::CampaignId.is_in(campaign_ids.iter().copied()))
            .all(conn)
            .await?
        {
            enrolled.insert((row.partner_id, row.campaign_id));
        }
    }
    // Oldest first: the newest row of each pair is the one left in the map.
    let mut snapshots = HashMap::new();
    for row in partner_commission::Entity::find()
        .filter(partner_commission::Column::PartnerId.is_in(partner_ids.iter().copied()))
        .filter(partner_commission::Column::CampaignId.is_in(campaign_ids.iter().copied()))
        .order_by_asc(partner_commission::Column::Id)
        .all(conn)
        .await?
    {
        snapshots.insert((row.partner_id.clone(), row.campaign_id.clone()), row);
    }
    // Always read: the default campaign has no rules of its own, so its
    // terms fall through to the group unless a snapshot sets them.
    let group_ids: BTreeSet<&str> = loaded
        .partners
        .values()
        .map(|p| p.group_id.as_str())
        .collect();
    let mut groups = HashMap::new();
    for group in partner_group::Entity::find()
        .filter(partner_group::Column::TenantId.eq(tenant_id))
        .filter(partner_group::Column::Id.is_in(group_ids))
        .all(conn)
        .await?
    {
        groups.insert(group.id.clone(), group);
    }
    loaded.enrolled = enrolled;
    loaded.snapshots = snapshots;
    loaded.groups = groups;
    Ok(())
}

/// The totals of the batch's partners before the batch, in every currency.
pub(super) async fn totals(
    conn: &impl ConnectionTrait,
    loaded: &Loaded,
) -> ApiResult<HashMap<(String, String), partner_total::Model>> {
    if loaded.partners.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(partner_total::Entity::find()
        .filter(partner_total::Column::PartnerId.is_in(loaded.partners.keys().map(String::as_str)))
        .all(conn)
        .await?
        .into_iter()
        .map(|t| ((t.partner_id.clone(), t.currency.clone()), t))
        .collect())
}

/// The customers the batch names, keyed by (partner id, customer externalId).
pub(super) async fn customers(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    loaded: &Loaded,
    checked: &[ApiResult<Checked<'_>>],
) -> ApiResult<HashMap<(String, String), customer::Model>> {
    // One index probe per customer id, however many customers the partners
    // have; a same-named customer of another partner is an extra row the map
    // below never asks for.
    let external_ids: BTreeSet<&str> = checked
        .iter()
        .filter_map(|c| c.as_ref().ok()?.customer_external_id.as_deref())
        .collect();
    if external_ids.is_empty() || loaded.partners.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(customer::Entity::find()
        .filter(customer::Column::TenantId.eq(tenant_id))
        .filter(customer::Column::ExternalId.is_in(external_ids))
        .all(conn)
        .await?
        .into_iter()
        .map(|c| ((c.partner_id.clone(), c.external_id.clone()), c))
        .collect())
}

/// Of the batch's customers owed nothing now, those that have had a paid
/// sale (one refunded in full included): a sale of theirs is not their
/// first (`SALE_IS_FIRST`). A customer whose net is above 0 has had one.
pub(super) async fn had_sales(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    customers: &HashMap<(String, String), customer::Model>,
) -> ApiResult<HashSet<String>> {
    let mut had: HashSet<String> = customers
        .values()
        .filter(|c| c.net_minor > 0)
        .map(|c| c.id.clone())
        .collect();
    let owed_nothing: BTreeSet<&str> = customers
        .values()
        .filter(|c| c.net_minor <= 0)
        .map(|c| c.id.as_str())
        .collect();
    if owed_nothing.is_empty() {
        return Ok(had);
    }
    let sold: Vec<Option<String>> = event::Entity::find()
        .select_only()
        .column(event::Column::CustomerId)
        .distinct()
        .filter(event::Column::TenantId.eq(tenant_id))
        .filter(event::Column::CustomerId.is_in(owed_nothing))
        .filter(event::Column::Kind.eq(EventKind::Sale))
        .filter(event::Column::AmountMinor.gt(0))
        .into_tuple()
        .all(conn)
        .await?;
    had.extend(sold.into_iter().flatten());
    Ok(had)
}
