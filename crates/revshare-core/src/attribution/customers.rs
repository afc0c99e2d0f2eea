//! Customers and their attribution: the first attribution of a customer
//! wins, and accrues the sales held for it inside its campaign's window.

use super::{codes, normalized_email};
use crate::auth::access::Rows;
use crate::db::Db;
use crate::error::{ApiError, ApiResult, keys, violates};
use crate::events::{DomainEventType, NewDomainEvent};
use crate::input::{self, MAX_EXTERNAL_ID_CHARS};
use crate::ledger::accrual::{self, Recorded};
use crate::ledger::refunds;
use chrono::{DateTime, Duration, Utc};
use entity::enums::{AttributionSource, PartnerStatus};
use entity::{
    attribution, campaign, click, commission, customer, event, partner, referral_code,
    unattributed_event,
};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter, Select};

/// What a customer is attributed by: exactly one of these.
#[derive(Clone, Debug)]
pub enum By {
    Click(String),
    Code(String),
    Coupon(String),
    /// The tenant names the partner (and campaign; omitted: the default).
    Partner {
        partner_id: String,
        campaign_id: Option<String>,
    },
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub customer_external_id: String,
    pub by: By,
    pub email: Option<String>,
    /// Omitted: now.
    pub occurred_at: Option<DateTime<Utc>>,
    /// With a code: the page the customer came from, judged as a click's
    /// (SPEC §37).
    pub referrer: Option<String>,
}

/// What attributing did.
pub struct Attributed {
    pub customer: attribution::Model,
    /// The held sales it accrued, oldest first.
    pub accrued: Vec<Recorded>,
    /// The customer was attributed before: nothing changed.
    pub unchanged: bool,
}

/// Where a customer would go, before it is written.
struct Target {
    partner: partner::Model,
    campaign: campaign::Model,
    source: AttributionSource,
    click_id: Option<String>,
    code_id: Option<String>,
}

/// Attributes a customer, once. Again to its partner: unchanged. To
/// another partner: `CONFLICT` for `staff`; for anyone else the customer
/// as it is, nothing changed (a checkout replayed with another code, say).
pub async fn attribute(
    db: &Db,
    tenant_id: &str,
    staff: bool,
    new: Attribute,
) -> ApiResult<Attributed> {
    let new = &checked(new)?;
    if let By::Click(id) = &new.by {
        click_recorded(db, tenant_id, id).await?;
    }
    db.transaction(|txn| Box::pin(async move { attribute_in(&txn, tenant_id, staff, new).await }))
        .await
}

/// How long after its id was handed out a click not stored yet may still
/// be on its way (a replica's queue, a database that was away): asked for
/// then, it is `UNAVAILABLE` — try again — never "no such click".
const CLICK_ON_ITS_WAY: chrono::Duration = chrono::Duration::minutes(10);
/// How long an attribution waits for a click handed out moments ago.
const CLICK_WAIT: std::time::Duration = std::time::Duration::from_secs(2);

/// Whether a click id was handed out lately: its id is a ULID of when.
fn fresh_click(id: &str, now: DateTime<Utc>) -> bool {
    let Ok(ulid) = ulid::Ulid::from_string(id) else {
        return false;
    };
    let Some(at) = DateTime::from_timestamp_millis(ulid.timestamp_ms() as i64) else {
        return false;
    };
    at <= now + chrono::Duration::seconds(5) && now - at <= CLICK_ON_ITS_WAY
}

/// Waits (up to [`CLICK_WAIT`]) for a click handed out moments ago that
/// the replica which answered its redirect has not stored yet: a click id
/// is attributable the moment a visitor has it, on any replica.
async fn click_recorded(db: &Db, tenant_id: &str, id: &str) -> ApiResult<()> {
    if !fresh_click(id, crate::db::now()) {
        return Ok(());
    }
    let started = std::time::Instant::now();
    let mut wait = std::time::Duration::from_millis(5);
    loop {
        let found = click::Entity::find_by_id(id.to_owned())
            .filter(click::Column::TenantId.eq(tenant_id))
            .one(db.conn())
            .await?;
        if found.is_some() || started.elapsed() >= CLICK_WAIT {
            return Ok(());
        }
        tokio::time::sleep(wait).await;
        wait = (wait * 2).min(std::time::Duration::from_millis(100));
    }
}

/// `new` with its customer's id and e-mail checked (errors name
/// `input.customerExternalId`, `input.email`).
pub fn checked(mut new: Attribute) -> ApiResult<Attribute> {
    new.customer_external_id = input::required_text(
        "input.customerExternalId",
        &new.customer_external_id,
        MAX_EXTERNAL_ID_CHARS,
    )?;
    new.email = input::optional_email("input.email", new.email.as_deref())?;
    new.referrer = input::optional_text(
        "input.referrer",
        new.referrer.as_deref(),
        super::clicks::MAX_URL_CHARS,
    )?;
    if new.referrer.is_some() && !matches!(new.by, By::Code(_)) {
        return Err(ApiError::bad_input(
            "input.referrer",
            "is given with code only (a click was judged when it was made)",
        ));
    }
    Ok(new)
}

/// [`attribute`] inside the caller's transaction (a billing connector's
/// checkout, in the transaction that marks its provider event handled);
/// `new` as [`checked`] returns it.
pub async fn attribute_in(
    conn: &crate::db::Txn,
    tenant_id: &str,
    staff: bool,
    new: &Attribute,
) -> ApiResult<Attributed> {
    let (customer, email) = (&new.customer_external_id, &new.email);
    let locked = std::collections::BTreeSet::from([customer.as_str()]);
    crate::posting::locks::customers(conn, tenant_id, &locked).await?;
    let at = crate::ledger::path::occurred_at(new.occurred_at, crate::db::now());
    let target = target(conn, tenant_id, &new.by, at).await?;
    if let Some(existing) = find(conn, tenant_id, customer).await? {
        return match existing.partner_id == target.partner.id || !staff {
            true => Ok(Attributed {
                customer: existing,
                accrued: Vec::new(),
                unchanged: true,
            }),
            false => Err(ApiError::Conflict(
                "the customer is attributed to another partner: reassignCustomer moves it".into(),
            )),
        };
    }
    // Traffic its program ignores attributes no one new (SPEC §37); an
    // attribution made already stands, above.
    if let Some(referrer) = &new.referrer {
        let sources =
            super::clicks::sources(conn, &target.campaign, &target.partner.group_id).await?;
        if let Some(reason) = sources.judge(Some(referrer), None) {
            return Err(super::clicks::declined(reason));
        }
    }
    if let (Some(email), Some(own)) = (email, &target.partner.email)
        && normalized_email(email) == normalized_email(own)
    {
        return Err(ApiError::bad_input(
            "input.email",
            "is the partner's own: a partner does not refer itself",
        ));
    }
    // Held sales are accrued below under the partner's lock. Take it now,
    // before the attribution's row (whose key takes a share lock on the
    // partner) and the code's counter: an attribution that took those
    // first and the partner's lock last would wait on another doing the
    // same, in a cycle (customers, then partners, then the rest: the one
    // lock order of `posting::locks`).
    let held = held_count(conn, tenant_id, customer).await?;
    let evidence = crate::fraud::signals::Attributing {
        partner: &target.partner,
        campaign: &target.campaign,
        customer_external_id: customer,
        email: email.as_deref(),
        click_id: target.click_id.as_deref(),
    };
    let suspicious =
        crate::fraud::signals::at_attribution(conn, &evidence, crate::db::now()).await?;
    // A flag that holds locks the partner too: take it here, in order.
    if held > 0 || !suspicious.is_empty() {
        crate::posting::locks::partners_by_id(conn, tenant_id, [target.partner.id.as_str()])
            .await?;
    }
    let row = attribution::ActiveModel {
        id: Set(input::new_id()),
        tenant_id: Set(tenant_id.to_owned()),
        customer_external_id: Set(customer.clone()),
        partner_id: Set(target.partner.id.clone()),
        campaign_id: Set(target.campaign.id.clone()),
        source: Set(target.source),
        click_id: Set(target.click_id.clone()),
        referral_code_id: Set(target.code_id.clone()),
        email: Set(email.clone()),
        attributed_at: Set(at),
        created_at: Set(crate::db::now()),
    };
    let inserted = attribution::Entity::insert(row)
        .exec_with_returning(conn)
        .await
        .map_err(|e| match violates(&e, keys::ATTRIBUTION) {
            // The customer's lock makes this a lost race on SQLite
            // only; run again, it finds the winner.
            true => ApiError::Contention,
            false => e.into(),
        })?;
    if let Some(code_id) = &target.code_id {
        referral_code::Entity::update_many()
            .col_expr(
                referral_code::Column::Customers,
                Expr::col(referral_code::Column::Customers).add(1i64),
            )
            .filter(referral_code::Column::Id.eq(code_id.as_str()))
            .exec(conn)
            .await?;
    }
    // Heard of before the held sales it accrues.
    let announced = NewDomainEvent {
        kind: DomainEventType::CustomerAttributed,
        occurred_at: at,
        partner_id: Some(inserted.partner_id.clone()),
        subject_id: inserted.id.clone(),
        data: serde_json::json!({
            "customerExternalId": customer,
            "campaignId": inserted.campaign_id,
            "attributedBy": inserted.source.as_str(),
            "attributedAt": at.to_rfc3339(),
            "heldEvents": held,
        }),
    };
    crate::events::append(conn, tenant_id, crate::db::now(), vec![announced]).await?;
    crate::fraud::raise_all(conn, suspicious, crate::db::now()).await?;
    let window = Duration::days(i64::from(target.campaign.attribution_window_days));
    let mut accrued = Vec::new();
    for (held, recorded) in accrual::accrue_held(conn, tenant_id, customer, at - window).await? {
        // What was refunded while it was held is refunded on the event now.
        if let Some(event) = &recorded.event {
            let note = "refunded while unattributed";
            refunds::refund_what_was_held(conn, tenant_id, "attribution", &held, event, note)
                .await?;
        }
        accrued.push(recorded);
    }
    Ok(Attributed {
        customer: inserted,
        accrued,
        unchanged: false,
    })
}

/// What `reassignCustomer` asks for.
pub struct Reassign {
    pub customer_external_id: String,
    pub partner_id: String,
    /// Omitted: the default campaign.
    pub campaign_id: Option<String>,
    pub note: String,
}

/// Moves a customer to another partner (admins): its sales recorded from
/// now on earn for that partner; what it earned before stays where it is.
/// The move is kept in the customer's history, with the note. A customer
/// nobody attributed is not found: `attributeCustomer` ties it.
pub async fn reassign(
    db: &Db,
    tenant_id: &str,
    actor: &str,
    new: Reassign,
) -> ApiResult<attribution::Model> {
    let note = input::required_text("input.note", &new.note, crate::input::MAX_NOTE_CHARS)?;
    let (new, note) = (&new, &note);
    db.transaction(|txn| {
        Box::pin(async move {
            let conn = &*txn;
            let customer = new.customer_external_id.trim();
            let locked = std::collections::BTreeSet::from([customer]);
            crate::posting::locks::customers(conn, tenant_id, &locked).await?;
            let current = find(conn, tenant_id, customer)
                .await?
                .ok_or_else(|| ApiError::not_found("customer"))?;
            let target =
                named(conn, tenant_id, &new.partner_id, new.campaign_id.as_deref()).await?;
            let now = crate::db::now();
            let stamp = crate::history::Stamp {
                tenant_id,
                actor,
                at: now,
            };
            use crate::history::Change;
            let log = vec![
                Change::new(
                    "partnerId",
                    Some(current.partner_id.clone()),
                    Some(target.partner.id.clone()),
                ),
                Change::new(
                    "campaignId",
                    Some(current.campaign_id.clone()),
                    Some(target.campaign.id.clone()),
                ),
                Change::new("note", None, Some(note.clone())),
            ];
            let mut active = sea_orm::IntoActiveModel::into_active_model(current);
            active.partner_id = Set(target.partner.id.clone());
            active.campaign_id = Set(target.campaign.id.clone());
            active.source = Set(AttributionSource::Manual);
            active.click_id = Set(None);
            active.referral_code_id = Set(None);
            active.attributed_at = Set(now);
            let moved = sea_orm::ActiveModelTrait::update(active, conn).await?;
            // The activity entry names the customer; the partner it moved
            // to reads it (`input.partnerId`).
            crate::activity::on("Customer", &moved.id);
            crate::history::record(conn, &stamp, &moved.id, log).await?;
            Ok(moved)
        })
    })
    .await
}

/// How many sales are held for a customer, accrued next or not.
async fn held_count(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    customer: &str,
) -> ApiResult<u64> {
    use sea_orm::PaginatorTrait;
    Ok(unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(tenant_id))
        .filter(unattributed_event::Column::CustomerExternalId.eq(customer))
        .filter(unattributed_event::Column::AccruedAt.is_null())
        .count(conn)
        .await?)
}

/// Resolves what a customer is attributed by, each refusal naming its
/// field.
async fn target(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    by: &By,
    at: DateTime<Utc>,
) -> ApiResult<Target> {
    let (field, code, click_id, source) = match by {
        By::Click(id) => {
            let found = click::Entity::find_by_id(id.clone())
                .filter(click::Column::TenantId.eq(tenant_id))
                .one(conn)
                .await?;
            let Some(found) = found else {
                // Handed out lately: on its way, not unknown.
                if fresh_click(id, crate::db::now()) {
                    return Err(ApiError::Unavailable);
                }
                return Err(ApiError::bad_input("input.clickId", "no such click"));
            };
            let code = referral_code::Entity::find_by_id(found.referral_code_id.clone())
                .one(conn)
                .await?
                .ok_or_else(|| ApiError::internal("click", "no referral code"))?;
            // An archived link attributes nothing new, whenever its
            // click was made (before the archive, or on a replica that
            // still had it in memory), as its code does not.
            if code.archived_at.is_some() {
                return Err(ApiError::bad_input(
                    "input.clickId",
                    "the click's link is archived: it attributes no new customer",
                ));
            }
            ("input.clickId", code, Some(found), AttributionSource::Click)
        }
        By::Code(text) => {
            let code = codes::live(conn, tenant_id, text)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.code", "no such referral code"))?;
            ("input.code", code, None, AttributionSource::Code)
        }
        By::Coupon(text) => {
            let code = codes::by_coupon(conn, tenant_id, text)
                .await?
                .ok_or_else(|| ApiError::bad_input("input.couponCode", "no such coupon"))?;
            ("input.couponCode", code, None, AttributionSource::Coupon)
        }
        By::Partner {
            partner_id,
            campaign_id,
        } => return named(conn, tenant_id, partner_id, campaign_id.as_deref()).await,
    };
    let partner = active_partner(conn, tenant_id, &code.partner_id, field).await?;
    let campaign = campaign::Entity::find_by_id(code.campaign_id.clone())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("referral code", "no campaign"))?;
    if let Some(click) = &click_id {
        let window = Duration::days(i64::from(campaign.attribution_window_days));
        if at - click.created_at > window {
            return Err(ApiError::bad_input(
                field,
                format!(
                    "the click is older than the campaign's attribution window ({} days)",
                    campaign.attribution_window_days
                ),
            ));
        }
    }
    Ok(Target {
        partner,
        campaign,
        source,
        click_id: click_id.map(|c| c.id),
        code_id: Some(code.id),
    })
}

/// A customer the tenant attributes by naming the partner.
async fn named(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    campaign_id: Option<&str>,
) -> ApiResult<Target> {
    let partner = active_partner(conn, tenant_id, partner_id, "input.partnerId").await?;
    let campaign = match campaign_id {
        Some(id) => crate::campaigns::find(conn, tenant_id, id).await?,
        None => Some(crate::campaigns::default_campaign(conn, tenant_id).await?),
    }
    .ok_or_else(|| ApiError::bad_input("input.campaignId", "no such campaign"))?;
    let member = campaign.is_default
        || crate::campaigns::enrollment::is_enrolled(conn, &partner.id, &campaign.id).await?;
    if !member {
        return Err(ApiError::bad_input(
            "input.campaignId",
            "the partner is not enrolled in this campaign",
        ));
    }
    Ok(Target {
        partner,
        campaign,
        source: AttributionSource::Manual,
        click_id: None,
        code_id: None,
    })
}

async fn active_partner(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    id: &str,
    field: &str,
) -> ApiResult<partner::Model> {
    let partner = crate::directory::partners::find(conn, tenant_id, id)
        .await?
        .ok_or_else(|| ApiError::bad_input(field, "no such partner"))?;
    match partner.status {
        PartnerStatus::Active => Ok(partner),
        _ => Err(ApiError::bad_input(field, "the partner is not active")),
    }
}

/// A customer of the tenant by its `externalId`.
pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    external_id: &str,
) -> ApiResult<Option<attribution::Model>> {
    Ok(attribution::Entity::find()
        .filter(attribution::Column::TenantId.eq(tenant_id))
        .filter(attribution::Column::CustomerExternalId.eq(external_id))
        .one(conn)
        .await?)
}

/// What a customer's sales earned, under any partner it was attributed to
/// (one partner's only, if given): the commissions of the events naming it
/// (ordered and paged by the caller).
pub fn commissions(
    tenant_id: &str,
    customer_external_id: &str,
    rows: &Rows,
) -> Select<commission::Entity> {
    use sea_orm::sea_query::Query;
    let customers = Query::select()
        .column(customer::Column::Id)
        .from(customer::Entity)
        .and_where(customer::Column::TenantId.eq(tenant_id))
        .and_where(customer::Column::ExternalId.eq(customer_external_id))
        .to_owned();
    let events = Query::select()
        .column(event::Column::Id)
        .from(event::Entity)
        .and_where(event::Column::CustomerId.in_subquery(customers))
        .to_owned();
    let select = commission::Entity::find()
        .filter(commission::Column::TenantId.eq(tenant_id))
        .filter(commission::Column::EventId.in_subquery(events));
    match rows.partner_filter() {
        Some(id) => select.filter(commission::Column::PartnerId.eq(id)),
        None => select,
    }
}

/// The sales and leads held for a customer nobody has attributed yet
/// (those accrued since are not), ordered and paged by the caller.
pub fn held(tenant_id: &str) -> Select<unattributed_event::Entity> {
    unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(tenant_id))
        .filter(unattributed_event::Column::AccruedAt.is_null())
}

/// The tenant's customers, of one partner if given (ordered and paged by
/// the caller).
pub fn list(tenant_id: &str, rows: &Rows) -> Select<attribution::Entity> {
    let select = attribution::Entity::find().filter(attribution::Column::TenantId.eq(tenant_id));
    match rows.partner_filter() {
        Some(id) => select.filter(attribution::Column::PartnerId.eq(id)),
        None => select,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_click_id_is_on_its_way_for_ten_minutes_after_it_was_handed_out() {
        let now = Utc::now();
        let at = |ago: Duration| {
            ulid::Ulid::from_parts((now - ago).timestamp_millis() as u64, 7).to_string()
        };
        assert!(fresh_click(&at(Duration::milliseconds(30)), now));
        assert!(fresh_click(&at(Duration::minutes(9)), now));
        assert!(!fresh_click(&at(Duration::minutes(11)), now));
        // A ULID from the future is a forged one, past a clock's drift.
        assert!(!fresh_click(&at(Duration::minutes(-1)), now));
        assert!(!fresh_click("not-a-click", now));
    }
}
