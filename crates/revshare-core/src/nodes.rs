//! What an id names (SPEC §19, Relay's global object identification).
//!
//! revshare's ids are already global: every row is keyed by a ULID from
//! one generator (`input::new_id`), 80 random bits beside a millisecond
//! clock, so no two rows of any tables share one. `node(id:)` therefore
//! takes the ids clients hold — nothing is re-encoded, nothing migrates —
//! and finds the table an id is in with one statement: a primary-key probe
//! of each table whose rows the API shows, scoped to the tenant. The two
//! ids that are not ULIDs are told by their form: a tenant's (its name,
//! in `viewer.tenant`) and a domain event's (32 hex digits, its place in
//! the log).

use crate::error::{ApiError, ApiResult};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbBackend, EntityTrait, QueryFilter, Statement, Value,
};
use std::collections::HashMap;
use std::str::FromStr;

/// The kinds of row an id may name, each with its table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Kind {
    ActivityEntry,
    Announcement,
    Backtest,
    Bounty,
    BountySubmission,
    Broadcast,
    Campaign,
    Category,
    Click,
    Commission,
    CommissionPlan,
    Contact,
    CustomField,
    CustomFieldOption,
    Customer,
    Deal,
    DealStage,
    Email,
    Enrollment,
    Event,
    FraudFlag,
    Import,
    Invoice,
    Message,
    Partner,
    PartnerApplication,
    PartnerCommission,
    PartnerGroup,
    PartnerLink,
    PartnershipRequest,
    Payout,
    PayoutRun,
    ReferralCode,
    Resource,
    Retainer,
    TaxForm,
    TieredCommission,
    UnattributedEvent,
    WebhookDelivery,
    WebhookEndpoint,
    Workflow,
}

/// Every kind with its table, in the order the statement probes them.
const TABLES: [(Kind, &str); 41] = [
    (Kind::ActivityEntry, "activity"),
    (Kind::Backtest, "backtests"),
    (Kind::Bounty, "bounties"),
    (Kind::BountySubmission, "bounty_submissions"),
    (Kind::Broadcast, "broadcasts"),
    (Kind::Campaign, "campaigns"),
    (Kind::Category, "categories"),
    (Kind::Click, "clicks"),
    (Kind::Commission, "commissions"),
    (Kind::CommissionPlan, "commission_plans"),
    (Kind::Contact, "contacts"),
    (Kind::CustomField, "custom_fields"),
    (Kind::CustomFieldOption, "custom_field_options"),
    (Kind::Customer, "attributions"),
    (Kind::Deal, "deals"),
    (Kind::DealStage, "deal_stages"),
    (Kind::Email, "emails"),
    (Kind::Enrollment, "enrollments"),
    (Kind::Event, "events"),
    (Kind::FraudFlag, "fraud_flags"),
    (Kind::Import, "imports"),
    (Kind::Invoice, "invoices"),
    (Kind::Message, "messages"),
    (Kind::Partner, "partners"),
    (Kind::PartnerApplication, "partner_applications"),
    (Kind::PartnerCommission, "partner_commissions"),
    (Kind::PartnerGroup, "partner_groups"),
    (Kind::PartnerLink, "partner_links"),
    (Kind::PartnershipRequest, "partnership_requests"),
    (Kind::Payout, "payouts"),
    (Kind::PayoutRun, "payout_runs"),
    (Kind::ReferralCode, "referral_codes"),
    (Kind::Retainer, "retainers"),
    (Kind::Announcement, "announcements"),
    (Kind::Resource, "resources"),
    (Kind::TaxForm, "tax_forms"),
    (Kind::TieredCommission, "tiered_commissions"),
    (Kind::UnattributedEvent, "unattributed_events"),
    (Kind::WebhookDelivery, "webhook_deliveries"),
    (Kind::WebhookEndpoint, "webhook_endpoints"),
    (Kind::Workflow, "workflows"),
];

/// The table of the kind whose GraphQL type is `name` (`Tenant` too,
/// keyed by the tenant's id), if its rows are a kind's.
pub fn table_named(name: &str) -> Option<&'static str> {
    if name == "Tenant" {
        return Some("tenants");
    }
    TABLES
        .iter()
        .find(|(kind, _)| format!("{kind:?}") == name)
        .map(|(_, table)| *table)
}

/// Most ids `nodes` takes at once.
pub const MAX_IDS: usize = 100;

/// The kind of each of `ids` that names a row of the tenant (ids naming
/// nothing are absent), in one statement.
pub async fn locate(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    ids: &[&str],
) -> ApiResult<HashMap<String, Kind>> {
    // A ULID is 26 characters of Crockford's base32: nothing else is
    // looked for.
    let ids: Vec<&str> = ids
        .iter()
        .copied()
        .filter(|id| id.len() == 26 && id.bytes().all(|b| b.is_ascii_alphanumeric()))
        .collect();
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    let backend = conn.get_database_backend();
    let mut values: Vec<Value> = Vec::new();
    let mut bind = |value: Value| {
        values.push(value);
        // Numbered, so each branch of the union names the same values.
        match backend {
            DbBackend::Postgres => format!("${}", values.len()),
            _ => format!("?{}", values.len()),
        }
    };
    let tenant = bind(tenant_id.into());
    let list: Vec<String> = ids.iter().map(|id| bind((*id).into())).collect();
    let list = list.join(", ");
    let parts: Vec<String> = TABLES
        .iter()
        .enumerate()
        .map(|(i, (_, table))| {
            format!(
                "SELECT id, {i} AS kind FROM {table} WHERE tenant_id = {tenant} AND id IN ({list})"
            )
        })
        .collect();
    let statement = Statement::from_sql_and_values(backend, parts.join(" UNION ALL "), values);
    let rows = conn.query_all_raw(statement).await?;
    let mut found = HashMap::with_capacity(rows.len());
    for row in rows {
        let id: String = row.try_get("", "id")?;
        let kind: i32 = row.try_get("", "kind")?;
        if let Some((kind, _)) = usize::try_from(kind).ok().and_then(|k| TABLES.get(k)) {
            found.insert(id, *kind);
        }
    }
    Ok(found)
}

/// The tenant's row of `E` with this id (`E`'s table has a `tenant_id`).
pub async fn row<E>(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
) -> ApiResult<Option<E::Model>>
where
    E: EntityTrait,
    E::Column: ColumnTrait,
    <E::PrimaryKey as sea_orm::PrimaryKeyTrait>::ValueType: From<String>,
{
    let tenant = E::Column::from_str("tenant_id")
        .map_err(|_| ApiError::internal("node", "a table without tenant_id"))?;
    Ok(E::find_by_id(id.to_owned())
        .filter(tenant.eq(tenant_id))
        .one(conn)
        .await?)
}
