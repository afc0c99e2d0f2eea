//! What an import knows while it runs (its [`Target`]: where rows go, the
//! keys it resolved) and what a page came to ([`Counts`]), with the
//! lookups every kind of row shares: a partner by its source key, a code
//! by its text. Below both [`super::write`] and [`super::program`].

use super::source::Problem;
use crate::db::Txn;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::{campaign, partner, referral_code};
use rust_decimal::Decimal;
use sea_orm::ActiveValue::Set;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use std::collections::{HashMap, HashSet};

/// What an import knows while it runs: where rows go, and the keys it
/// resolved (in a dry run, also the rows it would have made).
pub struct Target {
    pub tenant_id: String,
    /// `rewardful`, …: the prefix of every key.
    pub prefix: &'static str,
    /// `Rewardful`, …: what a breakdown line says.
    pub platform: &'static str,
    /// The source paid partners itself, as the payer that reports them
    /// (PartnerStack): what it paid is not among the brand's year-end
    /// payments.
    pub source_pays: bool,
    pub campaign: campaign::Model,
    /// The group every partner goes into, when the import names one.
    pub group_id: Option<String>,
    pub dry: bool,
    pub actor: String,
    /// Source campaign → group, once the groups are read.
    pub groups: HashMap<String, String>,
    /// Source campaign → its site, once the groups are read.
    pub sites: HashMap<String, Option<String>>,
    /// Source campaign → the campaign of its terms that partners in it
    /// besides their own hold their codes there in, once one needed it.
    pub campaigns: HashMap<String, campaign::Model>,
    /// Source campaign → its minimum payout, for the partners of a
    /// campaign that became no group of its own.
    pub minimums: HashMap<String, (Decimal, String)>,
    /// Groups the source has: one alone keeps the default group.
    pub several_groups: bool,
    /// Source partner → partner id (a dry run's would-be partners too).
    pub partners: HashMap<String, String>,
    /// Source referral → the customer's Stripe id and when it converted.
    pub referrals: HashMap<String, (String, DateTime<Utc>)>,
    /// The addresses (as compared) of the partners this run brought in
    /// (a dry run's would-be partners hold theirs in memory alone).
    pub emails: HashSet<String>,
    /// Source partner → its address as compared, as this run read it:
    /// a customer of the same address is the partner's own purchase.
    pub partner_emails: HashMap<String, String>,
    /// The tenant's default group, once a partner of a page went to it
    /// (forgotten with the page, since an admin may change it meanwhile).
    pub default_group: Option<String>,
    /// Keys learnt during the page being written: forgotten should its
    /// transaction roll back.
    pub learnt: Vec<(Learnt, String)>,
}

/// Which map a key was learnt into.
#[derive(Debug, Clone, Copy)]
pub enum Learnt {
    Group,
    Partner,
    Referral,
    Campaign,
}

/// What a page came to.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Counts {
    pub partners: i64,
    pub codes: i64,
    pub customers: i64,
    pub commissions: i64,
    pub skipped: i64,
    pub unchanged: i64,
    pub problems: Vec<Problem>,
}

impl Target {
    /// A new page: nothing learnt yet.
    pub fn begin_page(&mut self) {
        self.learnt.clear();
        self.default_group = None;
    }

    /// Forgets what the page learnt (its transaction rolled back).
    pub fn forget_page(&mut self) {
        for (map, key) in std::mem::take(&mut self.learnt) {
            match map {
                Learnt::Group => drop(self.groups.remove(&key)),
                Learnt::Partner => drop(self.partners.remove(&key)),
                Learnt::Referral => drop(self.referrals.remove(&key)),
                Learnt::Campaign => drop(self.campaigns.remove(&key)),
            }
        }
    }

    pub(super) fn learn_group(&mut self, key: &str, id: String) {
        self.learnt.push((Learnt::Group, key.to_owned()));
        self.groups.insert(key.to_owned(), id);
    }

    pub(super) fn learn_partner(&mut self, key: &str, id: String) {
        self.learnt.push((Learnt::Partner, key.to_owned()));
        self.partners.insert(key.to_owned(), id);
    }

    pub(super) fn learn_campaign(&mut self, key: &str, campaign: campaign::Model) {
        self.learnt.push((Learnt::Campaign, key.to_owned()));
        self.campaigns.insert(key.to_owned(), campaign);
    }

    pub(super) fn learn_referral(&mut self, key: &str, customer: String, at: DateTime<Utc>) {
        self.learnt.push((Learnt::Referral, key.to_owned()));
        self.referrals.insert(key.to_owned(), (customer, at));
    }

    pub fn partner_key(&self, id: &str) -> String {
        format!("{}:{id}", self.prefix)
    }

    pub(super) fn group_key(&self, id: &str) -> String {
        format!("{}:campaign:{id}", self.prefix)
    }
}

/// A code with the source's text, unless another partner holds it; again
/// for the same partner, as it is.
pub(super) async fn code_of(
    conn: &Txn,
    target: &Target,
    partner_id: &str,
    code: &str,
    coupon: Option<&str>,
) -> ApiResult<bool> {
    let taken = referral_code::Entity::find()
        .filter(referral_code::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(
            sea_orm::Condition::any()
                .add(referral_code::Column::Code.eq(code))
                .add_option(coupon.map(|c| referral_code::Column::CouponKey.eq(c.to_lowercase()))),
        )
        .one(conn)
        .await?;
    if let Some(taken) = taken {
        return Ok(taken.partner_id == partner_id);
    }
    let made = new_code(target, &target.campaign.id, partner_id, code, coupon);
    let link = crate::attribution::codes::link_of_new(&made);
    referral_code::Entity::insert(made)
        .exec_without_returning(conn)
        .await?;
    entity::partner_link::Entity::insert(link)
        .exec_without_returning(conn)
        .await?;
    Ok(true)
}

/// A code of `campaign_id` (the import's, or the one of the source
/// campaign it came from) with the source's text (and coupon).
fn new_code(
    target: &Target,
    campaign_id: &str,
    partner_id: &str,
    code: &str,
    coupon: Option<&str>,
) -> referral_code::ActiveModel {
    referral_code::ActiveModel {
        id: Set(crate::input::new_id()),
        tenant_id: Set(target.tenant_id.clone()),
        partner_id: Set(partner_id.to_owned()),
        campaign_id: Set(campaign_id.to_owned()),
        code: Set(code.to_owned()),
        coupon_code: Set(coupon.map(str::to_owned)),
        coupon_key: Set(coupon.map(str::to_lowercase)),
        clicks: Set(0),
        ignored_clicks: Set(0),
        customers: Set(0),
        created_at: Set(crate::db::now()),
        archived_at: Set(None),
    }
}

/// The codes a page of partners may take, read in one statement, and the
/// ones it makes, written in one: [`code_of`] for a page at a time.
#[derive(Default)]
pub(super) struct Codes {
    /// Code → the partner holding it.
    by_code: HashMap<String, String>,
    /// Coupon key (lower case) → the partner holding it.
    by_coupon: HashMap<String, String>,
    made: Vec<referral_code::ActiveModel>,
}

impl Codes {
    /// The holders of `codes` (each a code, and the coupon it is).
    pub(super) async fn of(
        conn: &Txn,
        target: &Target,
        codes: &[(String, Option<String>)],
    ) -> ApiResult<Codes> {
        let mut book = Codes::default();
        if codes.is_empty() {
            return Ok(book);
        }
        let keys: Vec<String> = codes
            .iter()
            .filter_map(|(_, coupon)| coupon.as_ref().map(|c| c.to_lowercase()))
            .collect();
        let found = referral_code::Entity::find()
            .filter(referral_code::Column::TenantId.eq(target.tenant_id.as_str()))
            .filter(
                sea_orm::Condition::any()
                    .add(referral_code::Column::Code.is_in(codes.iter().map(|(c, _)| c.as_str())))
                    .add(referral_code::Column::CouponKey.is_in(keys.iter().map(String::as_str))),
            )
            .all(conn)
            .await?;
        for code in found {
            if let Some(key) = code.coupon_key {
                book.by_coupon.insert(key, code.partner_id.clone());
            }
            book.by_code.insert(code.code, code.partner_id);
        }
        Ok(book)
    }

    /// A code of `campaign_id` for the partner unless another holds it or
    /// its coupon (then `false`); again for the same partner, as it is.
    pub(super) fn take(
        &mut self,
        target: &Target,
        campaign_id: &str,
        partner_id: &str,
        code: &str,
        coupon: Option<&str>,
    ) -> bool {
        let key = coupon.map(str::to_lowercase);
        let holder = self
            .by_code
            .get(code)
            .or_else(|| key.as_ref().and_then(|k| self.by_coupon.get(k)));
        if let Some(holder) = holder {
            return holder == partner_id;
        }
        self.by_code.insert(code.to_owned(), partner_id.to_owned());
        if let Some(key) = &key {
            self.by_coupon.insert(key.clone(), partner_id.to_owned());
        }
        self.made
            .push(new_code(target, campaign_id, partner_id, code, coupon));
        true
    }

    /// Writes the codes taken.
    pub(super) async fn write(self, conn: &Txn) -> ApiResult<()> {
        for chunk in self.made.chunks(crate::posting::WRITE_CHUNK) {
            referral_code::Entity::insert_many(chunk.to_vec())
                .exec_without_returning(conn)
                .await?;
            // Each code is a short link with its text as the key.
            let links = chunk.iter().map(crate::attribution::codes::link_of_new);
            entity::partner_link::Entity::insert_many(links.collect::<Vec<_>>())
                .exec_without_returning(conn)
                .await?;
        }
        Ok(())
    }
}

/// A partner's tokens as codes, each coupon on a code of its own text (a
/// coupon of the same text as a token is that token's code's coupon): a
/// token revshare cannot take is a problem of the partner `key`, not a
/// failure.
pub(super) fn checked_codes(
    key: &str,
    tokens: &[String],
    coupons: &[String],
    counts: &mut Counts,
) -> Vec<(String, Option<String>)> {
    let mut kept: Vec<(String, Option<String>)> = Vec::new();
    let mut seen = HashSet::new();
    let tokens = tokens.iter().map(|c| (c, None));
    let coupons = coupons.iter().map(|c| (c, Some(c.clone())));
    for (text, coupon) in tokens.chain(coupons) {
        match crate::attribution::codes::imported_code(text) {
            Some(code) if seen.insert(code.clone()) => kept.push((code, coupon)),
            Some(code) => {
                if let Some(held) = kept.iter_mut().find(|(c, held)| *c == code && held.is_none()) {
                    held.1 = coupon;
                }
            }
            None => counts.problems.push(Problem::new(
                "code",
                key,
                format!("{text:?} is not a code revshare keeps (1 to 64 letters, digits, '-', '_' or '.')"),
            )),
        }
    }
    kept
}

/// The partner a source's key names, read once.
pub(super) async fn partner_id(
    conn: &Txn,
    target: &mut Target,
    key: &str,
) -> ApiResult<Option<String>> {
    if let Some(id) = target.partners.get(key) {
        return Ok(Some(id.clone()));
    }
    let found = partner::Entity::find()
        .filter(partner::Column::TenantId.eq(target.tenant_id.as_str()))
        .filter(partner::Column::ExternalId.eq(target.partner_key(key)))
        .one(conn)
        .await?;
    Ok(found.map(|p| {
        target.learn_partner(key, p.id.clone());
        p.id
    }))
}

/// An error raised while writing a page, for the import's `error`.
pub fn said(err: &ApiError) -> String {
    match err {
        ApiError::BadInput { field, message } => format!("{field} {message}"),
        ApiError::Conflict(message) => message.clone(),
        _ => "writing a page failed: ask the operator to read the server's log".into(),
    }
}
