//! The signals, each evaluated where its evidence arrives (SPEC §21):
//!
//! - a click ([`at_click`]): `CLICK_SPAM`, `PAID_AD_CLICK`,
//!   `SELF_REFERRAL_IP`;
//! - an attribution ([`at_attribution`]): `SELF_REFERRAL_IP` and
//!   `PAID_AD_CLICK` by its click, `SELF_REFERRAL_EMAIL`,
//!   `DISPOSABLE_EMAIL`;
//! - a payout method set ([`at_payout_method`]): `SHARED_PAYOUT_ACCOUNT`,
//!   `SELF_REFERRAL_EMAIL`;
//! - a refund ([`after_refund`]): `HIGH_REFUND_RATE`.
//!
//! Each answers the flags it would raise ([`Raise`]); the caller raises
//! them in its transaction ([`super::flags::raise`]), where the policy
//! decides whether a signal is off, flags or holds. Addresses are only
//! ever the tenant's keyed hashes, as clicks keep them.

use super::email;
use super::flags::Raise;
use super::policy;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Duration, Utc};
use entity::enums::{FraudAction, FraudScope, FraudSignal};
use entity::{attribution, campaign, click, partner, payout_method, portal_session};
use rust_decimal::Decimal;
use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, FromQueryResult, PaginatorTrait, QueryFilter,
};

/// How long a partner's portal sign-in addresses are kept and compared.
pub const SIGN_IN_DAYS: i64 = 30;
/// The query parameters an ad network adds to the links of its paid ads.
pub const PAID_AD_PARAMS: [&str; 7] = [
    "gclid",
    "gbraid",
    "wbraid",
    "fbclid",
    "msclkid",
    "ttclid",
    "li_fat_id",
];
/// The window `CLICK_SPAM` counts clicks in.
const SPAM_WINDOW_HOURS: i64 = 24;
/// The window and least number of sales of `HIGH_REFUND_RATE`.
const REFUND_DAYS: i64 = 30;
const REFUND_MIN_SALES: i64 = 10;

/// The paid-ad parameter a landing URL carries, if any.
pub fn paid_ad_param(landing_url: &str) -> Option<&'static str> {
    let url = url::Url::parse(landing_url).ok()?;
    url.query_pairs().find_map(|(key, value)| {
        PAID_AD_PARAMS
            .iter()
            .find(|p| key.eq_ignore_ascii_case(p) && !value.is_empty())
            .copied()
    })
}

/// Whether the partner signed in to its portal from `ip_hash` in the last
/// [`SIGN_IN_DAYS`].
async fn signed_in_from(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    ip_hash: &str,
    now: DateTime<Utc>,
) -> ApiResult<bool> {
    Ok(portal_session::Entity::find()
        .filter(portal_session::Column::PartnerId.eq(partner_id))
        .filter(portal_session::Column::IpHash.eq(ip_hash))
        .filter(portal_session::Column::StartedAt.gt(now - Duration::days(SIGN_IN_DAYS)))
        .count(conn)
        .await?
        > 0)
}

/// What a click's signals say.
pub struct ClickVerdict {
    /// Past the click-spam threshold: the click is not recorded, counts
    /// nowhere and attributes nothing.
    pub spam: bool,
    pub raise: Vec<Raise>,
}

/// A click about to be recorded on `partner`'s code in `campaign`, from
/// `ip_hash`, landing on `landing_url`.
pub async fn at_click(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    campaign: &campaign::Model,
    ip: Option<(&str, i64)>,
    landing_url: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<ClickVerdict> {
    // `ip`: the address's hash, and its clicks for the partner written in
    // this batch but not yet inserted (a batch of clicks inserts them
    // together at its end).
    let ip_hash = ip.map(|(hash, _)| hash);
    // The policy and both signals' evidence in one statement: a click is
    // the hottest anonymous write, and each statement more costs it.
    let mut evidence = click_evidence(conn, tenant_id, partner_id, ip_hash, now).await?;
    evidence.clicks += ip.map_or(0, |(_, pending)| pending);
    let rules = policy::from_packed(evidence.rules.as_deref());
    let on = |signal: FraudSignal| {
        rules
            .iter()
            .find(|r| r.signal == signal)
            .filter(|r| r.action != FraudAction::Off)
    };
    let mut verdict = ClickVerdict {
        spam: false,
        raise: Vec::new(),
    };
    let signals_raised = |ip: bool| {
        let spam = ip
            && on(FraudSignal::ClickSpam).is_some_and(|rule| {
                Decimal::from(evidence.clicks) >= rule.threshold.unwrap_or(Decimal::from(20))
            });
        let paid = on(FraudSignal::PaidAdClick).is_some()
            && !campaign.allow_paid_ads
            && landing_url.and_then(paid_ad_param).is_some();
        let own = ip && on(FraudSignal::SelfReferralIp).is_some() && evidence.signed_in > 0;
        spam || paid || own
    };
    if !signals_raised(ip_hash.is_some()) {
        return Ok(verdict);
    }
    // Something to raise: its words name the partner.
    let partner = partner::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("click partner", partner_id))?;
    let base = |signal, subject_key: String, details: String, scope| Raise {
        tenant_id: partner.tenant_id.clone(),
        signal,
        partner_id: partner.id.clone(),
        scope,
        customer_external_id: None,
        click_id: None,
        subject_key,
        details,
        commissions: Vec::new(),
    };
    if let (Some(rule), Some(ip_hash)) = (on(FraudSignal::ClickSpam), ip_hash) {
        let threshold = rule.threshold.unwrap_or(Decimal::from(20));
        if Decimal::from(evidence.clicks) >= threshold {
            verdict.spam = true;
            verdict.raise.push(base(
                FraudSignal::ClickSpam,
                format!("ip:{ip_hash}"),
                format!(
                    "More than {threshold} clicks from one address on {}'s links within \
                     24 hours; the clicks past {threshold} were not counted.",
                    partner.name
                ),
                FraudScope::Partner,
            ));
            return Ok(verdict);
        }
    }
    if let (Some(_), Some(url), false) = (
        on(FraudSignal::PaidAdClick),
        landing_url,
        campaign.allow_paid_ads,
    ) && let Some(param) = paid_ad_param(url)
    {
        verdict.raise.push(base(
            FraudSignal::PaidAdClick,
            String::new(),
            format!(
                "A click on {}'s link came from a paid ad (its landing URL carries \
                 `{param}`), and campaign {} does not allow paid ads.",
                partner.name, campaign.name
            ),
            FraudScope::Click,
        ));
    }
    if let (Some(_), Some(_)) = (on(FraudSignal::SelfReferralIp), ip_hash)
        && evidence.signed_in > 0
    {
        verdict.raise.push(base(
            FraudSignal::SelfReferralIp,
            String::new(),
            format!(
                "A click on {}'s link came from an address {} signed in to the \
                 partner portal from in the last {SIGN_IN_DAYS} days.",
                partner.name, partner.name
            ),
            FraudScope::Click,
        ));
    }
    Ok(verdict)
}

/// The flags of a recorded click take its id as their subject.
pub fn of_click(mut raise: Vec<Raise>, click_id: &str) -> Vec<Raise> {
    for r in &mut raise {
        r.click_id = Some(click_id.to_owned());
        r.subject_key = format!("click:{click_id}");
    }
    raise
}

/// The clicks from `ip_hash` on `partner_id`'s codes since `since`.
/// What a click's signals read, with the tenant's policy rows packed.
#[derive(FromQueryResult)]
struct ClickEvidence {
    rules: Option<String>,
    /// Clicks from the address on the partner's codes in the last 24 h.
    clicks: i64,
    /// Portal sign-ins of the partner from the address in 30 days.
    signed_in: i64,
}

async fn click_evidence(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    partner_id: &str,
    ip_hash: Option<&str>,
    now: DateTime<Utc>,
) -> ApiResult<ClickEvidence> {
    let backend = conn.get_database_backend();
    // An address's clicks are few, a popular code's many: the address's
    // are read first (`ix_clicks_ip`), then told by their code's partner.
    // PostgreSQL is held to that order by `OFFSET 0` — left free, with a
    // code of 40,000 clicks it intersected both indexes at 20–40 ms a
    // click; SQLite takes the address's index as it is.
    let (packed, fence) = match backend {
        sea_orm::DbBackend::Postgres => (
            "string_agg(signal || ':' || action || ':' || coalesce(threshold, ''), ',')",
            "OFFSET 0",
        ),
        _ => (
            "group_concat(signal || ':' || action || ':' || coalesce(threshold, ''), ',')",
            "",
        ),
    };
    let sql = format!(
        "SELECT (SELECT {packed} FROM fraud_rules WHERE tenant_id = ?) AS rules, \
           (SELECT count(*) FROM (SELECT referral_code_id FROM clicks \
             WHERE ip_hash = ? AND created_at > ? {fence}) c \
             JOIN referral_codes r ON r.id = c.referral_code_id WHERE r.partner_id = ?) AS clicks, \
           (SELECT count(*) FROM portal_sessions WHERE partner_id = ? \
             AND ip_hash = ? AND started_at > ?) AS signed_in"
    );
    // `?` names one value each, in order: the partner and the address are
    // bound twice.
    let ip = ip_hash.unwrap_or_default();
    let found = ClickEvidence::find_by_statement(crate::db::statement(
        backend,
        &sql,
        vec![
            tenant_id.into(),
            ip.into(),
            (now - Duration::hours(SPAM_WINDOW_HOURS)).into(),
            partner_id.into(),
            partner_id.into(),
            ip.into(),
            (now - Duration::days(SIGN_IN_DAYS)).into(),
        ],
    ))
    .one(conn)
    .await?;
    Ok(found.unwrap_or(ClickEvidence {
        rules: None,
        clicks: 0,
        signed_in: 0,
    }))
}

/// What an attribution brings as evidence.
pub struct Attributing<'a> {
    pub partner: &'a partner::Model,
    pub campaign: &'a campaign::Model,
    pub customer_external_id: &'a str,
    pub email: Option<&'a str>,
    pub click_id: Option<&'a str>,
}

/// The flags an attribution would raise, on its customer.
pub async fn at_attribution(
    conn: &impl ConnectionTrait,
    given: &Attributing<'_>,
    now: DateTime<Utc>,
) -> ApiResult<Vec<Raise>> {
    let partner = given.partner;
    let customer = given.customer_external_id;
    let rules = policy::all(conn, &partner.tenant_id).await?;
    let on = |signal: FraudSignal| {
        rules
            .iter()
            .any(|r| r.signal == signal && r.action != FraudAction::Off)
    };
    let mut raise = Vec::new();
    let mut flag = |signal, details: String| {
        raise.push(Raise {
            tenant_id: partner.tenant_id.clone(),
            signal,
            partner_id: partner.id.clone(),
            scope: FraudScope::Customer,
            customer_external_id: Some(customer.to_owned()),
            click_id: given.click_id.map(str::to_owned),
            subject_key: format!("customer:{customer}"),
            details,
            commissions: Vec::new(),
        })
    };
    if let Some(address) = given.email {
        if on(FraudSignal::DisposableEmail)
            && let Some(domain) = email::disposable_domain(address)
        {
            flag(
                FraudSignal::DisposableEmail,
                format!(
                    "Customer {customer} signed up with an address at {domain}, a \
                     disposable e-mail domain."
                ),
            );
        }
        if on(FraudSignal::SelfReferralEmail)
            && let Some(paypal) = paypal_of(conn, &partner.id).await?
            && email::normalized(address) == email::normalized(&paypal)
        {
            flag(
                FraudSignal::SelfReferralEmail,
                format!(
                    "Customer {customer}'s e-mail address is the one {} is paid at \
                     through PayPal.",
                    partner.name
                ),
            );
        }
    }
    if let Some(click_id) = given.click_id
        && let Some(click) = click::Entity::find_by_id(click_id.to_owned())
            .one(conn)
            .await?
    {
        if on(FraudSignal::SelfReferralIp)
            && let Some(ip_hash) = &click.ip_hash
            && signed_in_from(conn, &partner.id, ip_hash, now).await?
        {
            flag(
                FraudSignal::SelfReferralIp,
                format!(
                    "Customer {customer} came through a click from an address {} signed \
                     in to the partner portal from in the last {SIGN_IN_DAYS} days.",
                    partner.name
                ),
            );
        }
        if on(FraudSignal::PaidAdClick)
            && !given.campaign.allow_paid_ads
            && let Some(param) = click.landing_url.as_deref().and_then(paid_ad_param)
        {
            flag(
                FraudSignal::PaidAdClick,
                format!(
                    "Customer {customer} came through a click from a paid ad (`{param}`), \
                     and campaign {} does not allow paid ads.",
                    given.campaign.name
                ),
            );
        }
    }
    Ok(raise)
}

/// The partner's PayPal address, if it is paid through PayPal.
async fn paypal_of(conn: &impl ConnectionTrait, partner_id: &str) -> ApiResult<Option<String>> {
    Ok(payout_method::Entity::find_by_id(partner_id.to_owned())
        .one(conn)
        .await?
        .and_then(|m| m.paypal_email))
}

/// The flags a payout method just set would raise: another partner of the
/// tenant paid to the same account (both partners flagged), and customers
/// of the partner whose address is its PayPal address.
pub async fn at_payout_method(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    method: &payout_method::Model,
) -> ApiResult<Vec<Raise>> {
    let rules = policy::all(conn, &partner.tenant_id).await?;
    let on = |signal: FraudSignal| {
        rules
            .iter()
            .any(|r| r.signal == signal && r.action != FraudAction::Off)
    };
    let mut raise = Vec::new();
    let account = match (&method.paypal_email, &method.iban) {
        (Some(email), _) => format!("PayPal account {email}"),
        (None, Some(iban)) => format!("bank account {}", masked_iban(iban)),
        _ => "payout account".to_owned(),
    };
    if on(FraudSignal::SharedPayoutAccount)
        && let Some(key) = &method.account_key
    {
        let others = payout_method::Entity::find()
            .filter(payout_method::Column::TenantId.eq(partner.tenant_id.as_str()))
            .filter(payout_method::Column::AccountKey.eq(key.as_str()))
            .filter(payout_method::Column::PartnerId.ne(partner.id.as_str()))
            .all(conn)
            .await?;
        let ids: Vec<&str> = others.iter().map(|m| m.partner_id.as_str()).collect();
        let names = partner::Entity::find()
            .filter(partner::Column::Id.is_in(ids))
            .all(conn)
            .await?;
        for other in &names {
            // One flag on each partner, keyed by the other.
            for (on_partner, with) in [(partner, other), (other, partner)] {
                raise.push(Raise {
                    tenant_id: partner.tenant_id.clone(),
                    signal: FraudSignal::SharedPayoutAccount,
                    partner_id: on_partner.id.clone(),
                    scope: FraudScope::Partner,
                    customer_external_id: None,
                    click_id: None,
                    subject_key: format!("partner:{}", with.id),
                    details: format!(
                        "{} and {} are paid to the same {account}.",
                        on_partner.name, with.name
                    ),
                    commissions: Vec::new(),
                });
            }
        }
    }
    if on(FraudSignal::SelfReferralEmail)
        && let Some(paypal) = &method.paypal_email
    {
        let own = email::normalized(paypal);
        let customers = attribution::Entity::find()
            .filter(attribution::Column::TenantId.eq(partner.tenant_id.as_str()))
            .filter(attribution::Column::PartnerId.eq(partner.id.as_str()))
            .filter(attribution::Column::Email.is_not_null())
            .all(conn)
            .await?;
        for customer in customers {
            let Some(address) = &customer.email else {
                continue;
            };
            if email::normalized(address) != own {
                continue;
            }
            let external = customer.customer_external_id;
            let commissions = of_customer(conn, &partner.id, &external).await?;
            raise.push(Raise {
                tenant_id: partner.tenant_id.clone(),
                signal: FraudSignal::SelfReferralEmail,
                partner_id: partner.id.clone(),
                scope: FraudScope::Customer,
                customer_external_id: Some(external.clone()),
                click_id: customer.click_id.clone(),
                subject_key: format!("customer:{external}"),
                details: format!(
                    "{} set its PayPal address to customer {external}'s e-mail address.",
                    partner.name
                ),
                commissions,
            });
        }
    }
    Ok(raise)
}

/// The commissions and bonuses `partner_id` earned on its customer
/// `external`'s events, not reversed.
async fn of_customer(
    conn: &impl ConnectionTrait,
    partner_id: &str,
    external: &str,
) -> ApiResult<Vec<String>> {
    #[derive(FromQueryResult)]
    struct Id {
        id: String,
    }
    let sql = "SELECT c.id FROM commissions c JOIN events e ON e.id = c.event_id \
         JOIN customers cu ON cu.id = e.customer_id \
         WHERE c.partner_id = ? AND cu.external_id = ? \
         AND c.kind IN ('COMMISSION', 'BONUS') AND c.status <> 'REVERSED' ORDER BY c.id";
    Ok(Id::find_by_statement(crate::db::statement(
        conn.get_database_backend(),
        sql,
        vec![partner_id.into(), external.into()],
    ))
    .all(conn)
    .await?
    .into_iter()
    .map(|row| row.id)
    .collect())
}

/// An IBAN as `details` shows it: its country and last four characters.
fn masked_iban(iban: &str) -> String {
    let chars: Vec<char> = iban.chars().filter(|c| !c.is_whitespace()).collect();
    if chars.len() < 8 {
        return "****".to_owned();
    }
    let head: String = chars[..2].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}** **** {tail}")
}

/// After a refund or chargeback of `partner`'s sale: the partner's share
/// of sales refunded in the last 30 days, flagged at the threshold.
pub async fn after_refund(
    conn: &impl ConnectionTrait,
    partner: &partner::Model,
    now: DateTime<Utc>,
) -> ApiResult<Option<Raise>> {
    let rule = policy::rule(conn, &partner.tenant_id, FraudSignal::HighRefundRate).await?;
    if rule.action == FraudAction::Off {
        return Ok(None);
    }
    #[derive(FromQueryResult)]
    struct Counts {
        sales: i64,
        refunded: Option<i64>,
    }
    let sql = "SELECT count(*) AS sales, \
           sum(CASE WHEN refunded_minor > 0 THEN 1 ELSE 0 END) AS refunded \
         FROM events WHERE partner_id = ? AND kind = 'SALE' AND occurred_at > ?";
    let counts = Counts::find_by_statement(crate::db::statement(
        conn.get_database_backend(),
        sql,
        vec![
            partner.id.clone().into(),
            (now - Duration::days(REFUND_DAYS)).into(),
        ],
    ))
    .one(conn)
    .await?;
    let Some(Counts { sales, refunded }) = counts else {
        return Ok(None);
    };
    let refunded = refunded.unwrap_or(0);
    let threshold = rule.threshold.unwrap_or(Decimal::new(3, 1));
    if sales < REFUND_MIN_SALES || Decimal::from(refunded) < threshold * Decimal::from(sales) {
        return Ok(None);
    }
    Ok(Some(Raise {
        tenant_id: partner.tenant_id.clone(),
        signal: FraudSignal::HighRefundRate,
        partner_id: partner.id.clone(),
        scope: FraudScope::Partner,
        customer_external_id: None,
        click_id: None,
        subject_key: String::new(),
        details: format!(
            "{refunded} of {sales} sales of {} in the last {REFUND_DAYS} days were refunded \
             or charged back (the threshold is {}).",
            partner.name,
            threshold.normalize()
        ),
        commissions: Vec::new(),
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_paid_ad_is_known_by_its_parameter() {
        assert_eq!(
            paid_ad_param("https://shop.example/?ref=ann&gclid=abc"),
            Some("gclid")
        );
        assert_eq!(
            paid_ad_param("https://shop.example/p?FBCLID=x"),
            Some("fbclid")
        );
        assert_eq!(paid_ad_param("https://shop.example/?gclid="), None);
        assert_eq!(paid_ad_param("https://shop.example/?ref=ann"), None);
        assert_eq!(paid_ad_param("not a url"), None);
    }

    #[test]
    fn an_iban_is_shown_by_its_country_and_last_four() {
        assert_eq!(masked_iban("DE89370400440532013000"), "DE** **** 3000");
        assert_eq!(masked_iban("DE89"), "****");
    }
}
