//! One page of a source, written in the caller's transaction — or, in a
//! dry run, decided and counted only. Every row is keyed by its id at the
//! source, so a page written twice (a second import, a run resumed after a
//! crash) adds nothing:
//!
//! - a campaign → a partner group `{source}:campaign:{id}` (only when the
//!   source has several and the import names no group), its commission as
//!   the group's rules and its minimum payout as the group's; its site is
//!   the landing page of the import's campaign when that has none;
//! - a partner → a partner `{source}:{id}`, partner since it joined the
//!   source, enrolled in the import's campaign, its link tokens as referral
//!   codes and its coupons as their coupons, with the same text; its
//!   PayPal address or IBAN as its payout method; its campaign's minimum as its
//!   own when the campaign became no group of its own;
//! - a coupon listed apart → a code of its partner with that coupon, and
//!   the Stripe promotion code it is, so checkouts naming only `promo_…`
//!   attribute; an archived one is a problem row;
//! - a referral with a Stripe customer → that customer attributed to its
//!   partner (source `IMPORT`), at the time it converted;
//! - a partner's codes of another campaign at the source (a FirstPromoter
//!   promoter in several) → codes of a campaign with that campaign's
//!   terms, the partner enrolled in it ([`super::memberships`]);
//! - its labels (PartnerStack's tags) → its tags;
//! - a commission → [`crate::ledger::imported`], a clawback the source
//!   booked → [`crate::ledger::imported_clawbacks`] ([`super::commissions`]).

use super::program;
use super::source::{Group, Partner, Problem, Referral, Rows};
use super::target::{Codes, checked_codes, partner_id};
pub use super::target::{Counts, Learnt, Target, said};
use crate::attribution::codes;
use crate::campaigns::enrollment;
use crate::db::Txn;
use crate::directory::{groups, partners};
use crate::error::ApiResult;

use entity::enums::{AttributionSource, PartnerType};
use entity::{attribution, partner, partner_group, referral_code, unattributed_event};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, ExprTrait, QueryFilter, QuerySelect};
use std::collections::{HashMap, HashSet};

/// Writes (or, dry, counts) one page's rows.
pub async fn page(conn: &Txn, target: &mut Target, rows: &Rows) -> ApiResult<Counts> {
    let mut counts = Counts::default();
    match rows {
        Rows::Groups(rows) => groups_of(conn, target, rows, &mut counts).await?,
        Rows::Partners(rows) => {
            let mut book = match target.dry {
                true => Codes::default(),
                false => Codes::of(conn, target, &wanted_codes(rows)).await?,
            };
            let mut known = Known::of(conn, target, rows).await?;
            for row in rows {
                partner_of(conn, target, row, &mut book, &mut known, &mut counts).await?;
            }
            book.write(conn).await?;
        }
        Rows::Coupons(rows) => program::coupons_of(conn, target, rows, &mut counts).await?,
        Rows::Customers(rows) => customers_of(conn, target, rows, &mut counts).await?,
        Rows::Commissions(rows) => super::commissions::of(conn, target, rows, &mut counts).await?,
    }
    Ok(counts)
}

async fn groups_of(
    conn: &Txn,
    target: &mut Target,
    rows: &[Group],
    counts: &mut Counts,
) -> ApiResult<()> {
    target.several_groups |= rows.len() > 1 || !target.groups.is_empty();
    program::landing_of(conn, target, rows).await?;
    for row in rows {
        target.sites.insert(row.key.clone(), row.url.clone());
    }
    if target.group_id.is_some() || !target.several_groups {
        // Kept in the import's group, or the default group: each partner
        // keeps its campaign's minimum as its own.
        for row in rows {
            target.learn_group(&row.key, String::new());
            if let Some(minimum) = &row.minimum {
                target.minimums.insert(row.key.clone(), minimum.clone());
            }
        }
        return Ok(());
    }
    for row in rows {
        // A campaign without terms would pay nothing: its partners keep
        // the default group — unless the source only keeps its terms out
        // of its API: then its partners stay together, in a group paying
        // the default group's rules until staff set its own.
        let rules = if row.unpublished_terms {
            counts.problems.push(Problem::new(
                "group",
                &row.key,
                format!(
                    "{}'s API does not publish a group's terms in a form revshare reads: {:?} is \
                     made with the default group's rules, to be set to its own before its \
                     partners' next sale",
                    target.platform, row.name
                ),
            ));
            Some(groups::rules_of(
                &groups::default_group(conn, &target.tenant_id).await?,
            )?)
        } else {
            None
        };
        if rules.is_none() && row.percentage.is_none() && row.flat.is_none() {
            target.learn_group(&row.key, String::new());
            if let Some(minimum) = &row.minimum {
                target.minimums.insert(row.key.clone(), minimum.clone());
            }
            continue;
        }
        // Terms revshare cannot express are a problem naming the campaign,
        // its partners kept in the default group — in a dry run too.
        let rules = match rules.map(Ok).unwrap_or_else(|| program::rules_of(row)) {
            Ok(rules) => rules,
            Err(why) => {
                counts.problems.push(Problem::new(
                    "campaign",
                    &row.key,
                    format!(
                        "its terms cannot be expressed as a group's rules ({why}): its partners \
                         keep the default group"
                    ),
                ));
                target.learn_group(&row.key, String::new());
                if let Some(minimum) = &row.minimum {
                    target.minimums.insert(row.key.clone(), minimum.clone());
                }
                continue;
            }
        };
        let external_id = target.group_key(&row.key);
        let found = partner_group::Entity::find()
            .filter(partner_group::Column::TenantId.eq(target.tenant_id.as_str()))
            .filter(partner_group::Column::ExternalId.eq(external_id.as_str()))
            .one(conn)
            .await?;
        let id = match (found, target.dry) {
            (Some(group), _) => group.id,
            (None, true) => format!("dry:{external_id}"),
            (None, false) => {
                let new = groups::NewGroup {
                    name: row.name.chars().take(100).collect(),
                    description: Some(format!("Imported from {}", target.platform)),
                    external_id: Some(external_id),
                    tags: Vec::new(),
                    is_default: false,
                    rules,
                };
                let made = groups::insert(conn, &target.tenant_id, new).await?;
                if let Some(stored) = program::minimum_of(&row.key, row.minimum.as_ref(), counts) {
                    partner_group::Entity::update_many()
                        .col_expr(partner_group::Column::MinimumPayout, Expr::value(stored))
                        .filter(partner_group::Column::Id.eq(made.id.as_str()))
                        .exec(conn)
                        .await?;
                }
                made.id
            }
        };
        target.learn_group(&row.key, id);
    }
    Ok(())
}

/// What the program holds already of a page of partners, read in two
/// statements: the partners an earlier run made (by source key), and the
/// holders of their addresses (as compared), kept up to date as the page
/// makes partners.
struct Known {
    /// External id → partner id.
    made: HashMap<String, String>,
    /// E-mail key → the holder's name and id.
    holders: HashMap<String, (String, String)>,
}

impl Known {
    async fn of(conn: &Txn, target: &Target, rows: &[Partner]) -> ApiResult<Known> {
        let external: Vec<String> = rows.iter().map(|r| target.partner_key(&r.key)).collect();
        let made: Vec<(String, Option<String>)> = partner::Entity::find()
            .select_only()
            .columns([partner::Column::Id, partner::Column::ExternalId])
            .filter(partner::Column::TenantId.eq(target.tenant_id.as_str()))
            .filter(partner::Column::ExternalId.is_in(external))
            .into_tuple()
            .all(conn)
            .await?;
        let keys: Vec<String> = rows
            .iter()
            .filter_map(|r| r.email.as_deref())
            .filter_map(|e| partners::check_email(Some(e)).ok().flatten())
            .map(|e| partners::email_key(&e))
            .collect();
        let holders: Vec<(String, String, Option<String>)> = match keys.is_empty() {
            true => Vec::new(),
            false => {
                partner::Entity::find()
                    .select_only()
                    .columns([
                        partner::Column::Id,
                        partner::Column::Name,
                        partner::Column::EmailKey,
                    ])
                    .filter(partner::Column::TenantId.eq(target.tenant_id.as_str()))
                    .filter(partner::Column::EmailKey.is_in(keys))
                    .into_tuple()
                    .all(conn)
                    .await?
            }
        };
        Ok(Known {
            made: made
                .into_iter()
                .filter_map(|(id, external)| Some((external?, id)))
                .collect(),
            holders: holders
                .into_iter()
                .filter_map(|(id, name, key)| Some((key?, (name, id))))
                .collect(),
        })
    }
}

async fn partner_of(
    conn: &Txn,
    target: &mut Target,
    row: &Partner,
    book: &mut Codes,
    known: &mut Known,
    counts: &mut Counts,
) -> ApiResult<()> {
    let external_id = target.partner_key(&row.key);
    if let Some(found) = known.made.get(&external_id) {
        counts.unchanged += 1;
        target.learn_partner(&row.key, found.clone());
        return Ok(());
    }
    let name = match partners::check_name(&row.name) {
        Ok(name) => name,
        Err(_) => match &row.email {
            Some(email) => email.clone(),
            None => {
                counts.problems.push(Problem::new(
                    "partner",
                    &row.key,
                    "has neither a name nor an e-mail",
                ));
                return Ok(());
            }
        },
    };
    let mut email = row
        .email
        .as_deref()
        .and_then(|e| partners::check_email(Some(e)).ok().flatten());
    if row.email.is_some() && email.is_none() {
        counts.problems.push(Problem::new(
            "partner",
            &row.key,
            "its e-mail is not an address: imported without it",
        ));
    }
    // One address, one partner: a partner whose address (as compared:
    // case and Unicode normalisation aside) another holds comes without it.
    if let Some(address) = email.as_deref() {
        let key = partners::email_key(address);
        target.partner_emails.insert(row.key.clone(), key);
    }
    if let Some(address) = email.clone() {
        let holder = known.holders.get(&partners::email_key(&address));
        let first_in_run = target.emails.insert(partners::email_key(&address));
        let taken = match (holder, first_in_run || !target.dry) {
            (Some((name, id)), _) => Some(format!("partner {name:?} ({id}) of the program")),
            (None, false) => Some("another partner of this import".to_owned()),
            (None, true) => None,
        };
        if let Some(holder) = taken {
            counts.problems.push(Problem::new(
                "partner",
                &row.key,
                format!(
                    "its e-mail {address} is the address of {holder} already: imported without it"
                ),
            ));
            email = None;
        }
    }
    let group_id = match &target.group_id {
        Some(id) => Some(id.clone()),
        None => row
            .group_key
            .as_ref()
            .and_then(|key| target.groups.get(key))
            .filter(|id| !id.is_empty())
            .cloned(),
    };
    counts.partners += 1;
    let codes = checked_codes(&row.key, &row.codes, &row.coupons, counts);
    if target.dry {
        target.learn_partner(&row.key, format!("dry:{external_id}"));
        counts.codes += codes.len() as i64;
        super::memberships::elsewhere_of(conn, target, row, None, book, counts).await?;
        return Ok(());
    }
    let group_id = match group_id.filter(|id| !id.starts_with("dry:")) {
        Some(id) => id,
        None => match &target.default_group {
            Some(id) => id.clone(),
            None => {
                let id = groups::default_group(conn, &target.tenant_id).await?.id;
                target.default_group = Some(id.clone());
                id
            }
        },
    };
    // Partner since it joined the source; its campaign's minimum as its
    // own when the campaign became no group of its own.
    let minimum = row
        .group_key
        .as_ref()
        .and_then(|key| target.minimums.get(key))
        .cloned();
    let now = crate::db::now();
    let model = partner::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(target.tenant_id.clone()),
        group_id: Set(group_id),
        name: Set(name),
        email_key: Set(email.as_deref().map(partners::email_key)),
        email: Set(email),
        external_id: Set(Some(external_id.clone())),
        r#type: Set(PartnerType::Referral),
        status: Set(row.status),
        created_at: Set(row.since.filter(|at| *at < now).unwrap_or(now)),
        updated_at: Set(now),
        minimum_payout: Set(program::minimum_of(&row.key, minimum.as_ref(), counts)),
        referred_by: Set(None),
        referral_started_at: Set(None),
        referral_threshold_at: Set(None),
        country: Set(row.country.clone()),
        tags: Set(program::tags_of(row, counts)),
        language: Set(None),
        trusted: Set(false),
    };
    let made = partners::insert_checked(conn, model).await?;
    if let Some(key) = &made.email_key {
        known
            .holders
            .insert(key.clone(), (made.name.clone(), made.id.clone()));
    }
    known.made.insert(external_id, made.id.clone());
    if !target.campaign.is_default {
        enrollment::admitted(
            conn,
            &target.tenant_id,
            &target.actor,
            &made.id,
            &target.campaign,
        )
        .await?;
    }
    program::payout_method_of(conn, target, row, &made.id, counts).await?;
    let campaign_id = target.campaign.id.clone();
    for (code, coupon) in codes {
        match book.take(target, &campaign_id, &made.id, &code, coupon.as_deref()) {
            true => counts.codes += 1,
            false => counts.problems.push(Problem::new(
                "code",
                &row.key,
                format!("{code:?} is another partner's code or coupon already"),
            )),
        }
    }
    super::memberships::elsewhere_of(conn, target, row, Some(&made.id), book, counts).await?;
    target.learn_partner(&row.key, made.id);
    Ok(())
}

/// Every code a page of partners brings (in any of their campaigns), each
/// with the coupon it is.
fn wanted_codes(rows: &[Partner]) -> Vec<(String, Option<String>)> {
    let held = rows.iter().flat_map(|r| {
        let elsewhere = r.elsewhere.iter().map(|m| (&m.codes, &m.coupons));
        std::iter::once((&r.codes, &r.coupons)).chain(elsewhere)
    });
    let tokens = held
        .clone()
        .flat_map(|(codes, _)| codes.iter().map(|c| (c, None)));
    let coupons = held.flat_map(|(_, coupons)| coupons.iter().map(|c| (c, Some(c.clone()))));
    tokens
        .chain(coupons)
        .filter_map(|(text, coupon)| codes::imported_code(text).map(|code| (code, coupon)))
        .collect()
}

async fn customers_of(
    conn: &Txn,
    target: &mut Target,
    rows: &[Referral],
    counts: &mut Counts,
) -> ApiResult<()> {
    let ids: Vec<&str> = rows.iter().filter_map(|r| r.customer.as_deref()).collect();
    let attributed: HashMap<String, String> = attribution::Entity::find()
        .filter(attribution::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(attribution::Column::CustomerExternalId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.customer_external_id, a.partner_id))
        .collect();
    let held: HashSet<String> = unattributed_event::Entity::find()
        .filter(unattributed_event::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(unattributed_event::Column::CustomerExternalId.is_in(ids.iter().copied()))
        .all(conn)
        .await?
        .into_iter()
        .map(|h| h.customer_external_id)
        .collect();
    // The codes the referrals came through, by their text and coupon.
    let tokens: Vec<String> = rows.iter().filter_map(|r| r.code.clone()).collect();
    let lowered: Vec<String> = tokens.iter().map(|t| t.to_lowercase()).collect();
    let mut through: HashMap<String, (String, String)> = HashMap::new();
    if !tokens.is_empty() {
        let found = referral_code::Entity::find()
            .filter(referral_code::Column::TenantId.eq(target.tenant_id.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(referral_code::Column::Code.is_in(tokens.iter().map(String::as_str)))
                    .add(
                        referral_code::Column::CouponKey.is_in(lowered.iter().map(String::as_str)),
                    ),
            )
            .all(conn)
            .await?;
        for code in found {
            let by = (code.id.clone(), code.partner_id.clone());
            if let Some(coupon) = &code.coupon_key {
                through.insert(coupon.clone(), by.clone());
            }
            through.insert(code.code.to_lowercase(), by);
        }
    }
    let own = partner_emails(conn, target, rows).await?;
    let mut counted: HashMap<String, i64> = HashMap::new();
    let mut new = Vec::new();
    let mut in_page = HashSet::new();
    for row in rows {
        // A partner's own purchase is no referral (the sources count it
        // apart, or not at all): its sales stay the source's commissions,
        // none of its later ones accrue.
        let address = row.email.as_deref().map(partners::email_key);
        if address.is_some() && address.as_ref() == own.get(&row.partner_key) {
            counts.problems.push(Problem::new(
                "customer",
                &row.key,
                "its e-mail is its partner's own (a self-referral): not attributed",
            ));
            continue;
        }
        let Some(customer) = &row.customer else {
            counts.problems.push(Problem::new(
                "customer",
                &row.key,
                "has no Stripe customer: nothing it pays can be tied to its partner",
            ));
            continue;
        };
        let Some(partner_id) = partner_id(conn, target, &row.partner_key).await? else {
            counts.problems.push(Problem::new(
                "customer",
                &row.key,
                format!("its partner {} was not imported", row.partner_key),
            ));
            continue;
        };
        target.learn_referral(&row.key, customer.clone(), row.at);
        if let Some(owner) = attributed.get(customer) {
            match *owner == partner_id {
                true => counts.unchanged += 1,
                false => counts.problems.push(Problem::new(
                    "customer",
                    &row.key,
                    format!("{customer} is attributed to another partner in revshare already"),
                )),
            }
            continue;
        }
        if !in_page.insert(customer.clone()) {
            continue;
        }
        counts.customers += 1;
        if target.dry {
            continue;
        }
        if held.contains(customer) {
            // Sales that arrived for it during the switch accrue now.
            let attribute = crate::attribution::customers::Attribute {
                customer_external_id: customer.clone(),
                by: crate::attribution::customers::By::Partner {
                    partner_id: partner_id.clone(),
                    campaign_id: Some(target.campaign.id.clone()),
                },
                email: None,
                occurred_at: Some(row.at),
                referrer: None,
            };
            crate::attribution::customers::attribute_in(conn, &target.tenant_id, true, &attribute)
                .await?;
            continue;
        }
        // Counted on the partner's code it came through.
        let code_id = row
            .code
            .as_ref()
            .and_then(|token| through.get(&token.to_lowercase()))
            .filter(|(_, owner)| *owner == partner_id)
            .map(|(id, _)| id.clone());
        if let Some(id) = &code_id {
            *counted.entry(id.clone()).or_default() += 1;
        }
        new.push(attribution::ActiveModel {
            id: Set(crate::input::new_id()),
            tenant_id: Set(target.tenant_id.clone()),
            customer_external_id: Set(customer.clone()),
            partner_id: Set(partner_id),
            campaign_id: Set(target.campaign.id.clone()),
            source: Set(AttributionSource::Import),
            click_id: Set(None),
            referral_code_id: Set(code_id),
            email: Set(row.email.clone()),
            attributed_at: Set(row.at),
            created_at: Set(crate::db::now()),
        });
    }
    for chunk in new.chunks(crate::posting::WRITE_CHUNK) {
        attribution::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(conn)
            .await?;
    }
    // One statement for the page's codes. Each count is bound as a BIGINT,
    // as the attribution's own is: a statement text is prepared once per
    // connection, with its parameters' types.
    let mut by: Option<sea_orm::sea_query::CaseStatement> = None;
    for (code_id, n) in &counted {
        let when = Expr::col(referral_code::Column::Id).eq(code_id.as_str());
        by = Some(by.unwrap_or_default().case(when, Expr::val(*n)));
    }
    if let Some(by) = by {
        let added = Expr::col(referral_code::Column::Customers).add(by.finally(Expr::val(0i64)));
        referral_code::Entity::update_many()
            .col_expr(referral_code::Column::Customers, added)
            .filter(referral_code::Column::Id.is_in(counted.keys().map(String::as_str)))
            .exec(conn)
            .await?;
    }
    Ok(())
}

/// The addresses (as compared) of the partners a page of referrals names:
/// as this run read them, else as stored (a run taken up again).
async fn partner_emails(
    conn: &Txn,
    target: &Target,
    rows: &[Referral],
) -> ApiResult<HashMap<String, String>> {
    let mut own = HashMap::new();
    let mut unknown = Vec::new();
    for row in rows.iter().filter(|r| r.email.is_some()) {
        match target.partner_emails.get(&row.partner_key) {
            Some(key) => drop(own.insert(row.partner_key.clone(), key.clone())),
            None => unknown.push(target.partner_key(&row.partner_key)),
        }
    }
    if unknown.is_empty() || target.dry {
        return Ok(own);
    }
    let stored: Vec<(Option<String>, Option<String>)> = partner::Entity::find()
        .select_only()
        .columns([partner::Column::ExternalId, partner::Column::EmailKey])
        .filter(partner::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(partner::Column::ExternalId.is_in(unknown))
        .into_tuple()
        .all(conn)
        .await?;
    let prefix = format!("{}:", target.prefix);
    for (external_id, key) in stored {
        if let (Some(external_id), Some(key)) = (external_id, key)
            && let Some(source_key) = external_id.strip_prefix(&prefix)
        {
            own.insert(source_key.to_owned(), key);
        }
    }
    Ok(own)
}
