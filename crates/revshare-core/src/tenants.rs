//! Tenants: provisioning (with the default group and campaign) and lookup.

use crate::auth::Tenant;
use crate::campaigns;
use crate::db::Db;
use crate::directory::groups;
use crate::directory::minimums::Minimum;
use crate::engine::accounts::{Bic, Iban};
use crate::engine::{Currency, RuleSet};
use crate::error::{ApiError, ApiResult, keys, violates};
use entity::tenant;
use sea_orm::{ActiveModelTrait, ActiveValue::Set, ConnectionTrait, EntityTrait};

#[derive(Clone)]
pub struct NewTenant {
    pub id: String,
    pub name: Option<String>,
    pub currency: String,
    pub time_zone: String,
}

/// Tenant ids are chosen by the operator and appear in tokens: short and plain.
fn check_id(id: &str) -> ApiResult<()> {
    let valid = !id.is_empty()
        && id.len() <= 64
        && id
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_');
    if !valid {
        return Err(ApiError::bad_input(
            "id",
            "must be 1–64 characters of a-z, 0-9, - and _",
        ));
    }
    Ok(())
}

/// An IANA time zone name such as `UTC` or `Europe/Berlin`, known to the
/// time-zone database revshare carries, exactly as written (no spaces).
fn check_time_zone(field: &str, zone: &str) -> ApiResult<String> {
    match zone.parse::<chrono_tz::Tz>() {
        Ok(tz) => Ok(tz.name().to_owned()),
        Err(_) => Err(ApiError::bad_input(
            field,
            "must be an IANA time zone such as UTC or Europe/Berlin",
        )),
    }
}

/// Creates a tenant and its default group (one `RECURRING` rule at 0 %).
pub async fn create(db: &Db, new: NewTenant) -> ApiResult<tenant::Model> {
    check_id(&new.id)?;
    let currency = Currency::parse(&new.currency)
        .map_err(|e| ApiError::bad_input("currency", e.to_string()))?;
    let time_zone = check_time_zone("timeZone", &new.time_zone)?;
    let name =
        crate::input::optional_line("name", new.name.as_deref(), crate::input::MAX_NAME_CHARS)?
            .unwrap_or_else(|| new.id.clone());

    let exists = || ApiError::Conflict(format!("tenant {} already exists", new.id));
    db.transaction(|txn| {
        let time_zone = time_zone.clone();
        let new = new.clone();
        let name = name.clone();
        Box::pin(async move {
            if tenant::Entity::find_by_id(new.id.clone())
                .one(&*txn)
                .await?
                .is_some()
            {
                return Err(exists());
            }
            let model = tenant::ActiveModel {
                id: Set(new.id.clone()),
                name: Set(name),
                currency: Set(currency.code().to_owned()),
                time_zone: Set(time_zone.clone()),
                click_key: Set(None),
                // Nothing to build: its stats start empty in its zone.
                stats_zone: Set(Some(time_zone)),
                created_at: Set(crate::db::now()),
                minimum_payout: Set(None),
                payout_account_iban: Set(None),
                payout_account_bic: Set(None),
                payout_account_name: Set(None),
                require_tax_profile: Set(false),
                program_name: Set(None),
                support_email: Set(None),
                brand_color: Set(None),
                tax_payer: Set(None),
                tax_excluded_methods: Set(None),
                tax_thresholds: Set(None),
                backup_withholding: Set(false),
                staff_message_mail: Set(entity::enums::MailPreference::Immediate),
                languages: Set(format!("[\"{}\"]", crate::languages::DEFAULT)),
                default_language: Set(crate::languages::DEFAULT.to_owned()),
                fraud_digest_recipients: Set("[]".to_owned()),
                fraud_digest_hour: Set(8),
            };
            // Another process creating the same tenant meanwhile (replicas
            // provisioning the demo together) passes the read above: the key
            // decides, and the loser hears that the tenant exists.
            let inserted = tenant::Entity::insert(model)
                .exec_with_returning(&*txn)
                .await
                .map_err(|err| match violates(&err, keys::TENANT) {
                    true => exists(),
                    false => err.into(),
                })?;
            groups::insert(
                &*txn,
                &new.id,
                groups::NewGroup {
                    name: "Default".into(),
                    description: Some("Partners without a group of their own.".into()),
                    external_id: None,
                    tags: Vec::new(),
                    is_default: true,
                    rules: RuleSet::zero(),
                },
            )
            .await?;
            campaigns::insert(
                &*txn,
                &new.id,
                campaigns::NewCampaign {
                    name: "Default campaign".into(),
                    description: Some(
                        "Every partner takes part; events without a campaign land here.".into(),
                    ),
                    description_translations: None,
                    currency,
                    rules: None,
                    holdback_days: None,
                    visibility: campaigns::Visibility::InviteOnly,
                    status: campaigns::CampaignStatus::Active,
                    landing_url: None,
                    attribution_window_days: None,
                    application_questions: Vec::new(),
                    auto_approve_applications: false,
                    allow_paid_ads: true,
                    traffic_sources: None,
                },
                true,
            )
            .await?;
            Ok(inserted)
        })
    })
    .await
}

/// The account a tenant pays SEPA transfers from.
#[derive(Debug, Clone)]
pub struct PayoutAccount {
    pub iban: Iban,
    /// Optional: SEPA transfers within the EEA need only the IBAN.
    pub bic: Option<Bic>,
    /// The account holder's name, as the bank knows it.
    pub name: String,
}

impl PayoutAccount {
    /// Checks an account as given; errors name `field.iban`, `field.bic`,
    /// `field.name`.
    pub fn check(field: &str, iban: &str, bic: Option<&str>, name: &str) -> ApiResult<Self> {
        let iban = Iban::parse(iban)
            .map_err(|e| ApiError::bad_input(format!("{field}.iban"), e.to_string()))?;
        let bic = bic
            .filter(|b| !b.trim().is_empty())
            .map(|b| {
                Bic::parse(b)
                    .map_err(|e| ApiError::bad_input(format!("{field}.bic"), e.to_string()))
            })
            .transpose()?;
        let name = crate::input::required_line(
            &format!("{field}.name"),
            name,
            crate::input::MAX_ACCOUNT_HOLDER_CHARS,
        )?;
        Ok(PayoutAccount { iban, bic, name })
    }
}

/// What `updateTenant` changes; `None` leaves a setting as it is, and
/// `Some(None)` clears a nullable one.
#[derive(Debug, Clone, Default)]
pub struct TenantChanges {
    pub name: Option<String>,
    /// An IANA zone, checked.
    pub time_zone: Option<String>,
    pub minimum_payout: Option<Option<Vec<Minimum>>>,
    pub payout_account: Option<Option<PayoutAccount>>,
    pub require_tax_profile: Option<bool>,
    /// How the program presents itself (`Some(None)`: back to the default).
    pub program_name: Option<Option<String>>,
    pub support_email: Option<Option<String>>,
    pub brand_color: Option<Option<String>>,
    /// The payer of its 1099s, checked and encoded (its EIN sealed).
    pub tax_payer: Option<Option<String>>,
    /// The methods a TPSO reports, encoded.
    pub tax_excluded_methods: Option<String>,
    /// Its own thresholds, encoded.
    pub tax_thresholds: Option<String>,
    pub backup_withholding: Option<bool>,
    /// The hosts its short links are to answer on (SPEC §30), checked
    /// (`links::domains::check_host`), replacing those it had.
    pub link_domains: Option<Vec<String>>,
    /// How staff hear of partners' messages at the support address.
    pub staff_message_mail: Option<entity::enums::MailPreference>,
    /// The languages it offers its partners, in its order (SPEC §38):
    /// checked with the default against what the tenant has.
    pub languages: Option<Vec<String>>,
    /// Its default among them.
    pub default_language: Option<String>,
    /// Who gets the daily fraud digest and from which hour (SPEC §37),
    /// checked with [`check_fraud_digest`].
    pub fraud_digest: Option<(Vec<String>, i32)>,
}

/// The most addresses a tenant's fraud digest goes to.
pub const MAX_DIGEST_RECIPIENTS: usize = 20;

/// A fraud digest's settings as given: at most 20 addresses (each an
/// e-mail address, kept once) and an hour of the day, 0 to 23.
pub fn check_fraud_digest(recipients: &[String], hour: i32) -> ApiResult<(Vec<String>, i32)> {
    let max = MAX_DIGEST_RECIPIENTS;
    if recipients.len() > max {
        return Err(ApiError::bad_input(
            "input.fraudDigest.recipients",
            format!("at most {max} addresses"),
        ));
    }
    let mut kept: Vec<String> = Vec::new();
    for (i, address) in recipients.iter().enumerate() {
        let field = format!("input.fraudDigest.recipients[{i}]");
        let Some(address) = crate::input::optional_email(&field, Some(address))? else {
            return Err(ApiError::bad_input(field, "must be an e-mail address"));
        };
        if !kept.iter().any(|k| k.eq_ignore_ascii_case(&address)) {
            kept.push(address);
        }
    }
    if !(0..=23).contains(&hour) {
        return Err(ApiError::bad_input(
            "input.fraudDigest.hour",
            "must be an hour of the day, 0 to 23",
        ));
    }
    Ok((kept, hour))
}

/// A brand colour as the pages and e-mails use it: `#` and six hex digits,
/// stored in lower case (`#1A73E8` is `#1a73e8`).
pub fn check_brand_color(field: &str, color: &str) -> ApiResult<String> {
    let color = color.trim();
    let digits = color.strip_prefix('#').unwrap_or("");
    if digits.len() != 6 || !digits.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(ApiError::bad_input(
            field,
            "must be a colour as #rrggbb (six hex digits)",
        ));
    }
    Ok(color.to_ascii_lowercase())
}

/// The program's name as partners see it: the one set, else the tenant's.
pub fn program_name(row: &tenant::Model) -> &str {
    row.program_name.as_deref().unwrap_or(&row.name)
}

impl TenantChanges {
    /// Checks the name and the time zone as given.
    pub fn named(name: Option<&str>, time_zone: Option<&str>) -> ApiResult<TenantChanges> {
        Ok(TenantChanges {
            name: name
                .map(|n| crate::input::required_line("input.name", n, crate::input::MAX_NAME_CHARS))
                .transpose()?,
            time_zone: time_zone
                .map(|zone| check_time_zone("input.timeZone", zone))
                .transpose()?,
            ..TenantChanges::default()
        })
    }
}

/// Changes a tenant's settings (omitted: unchanged). Tier periods and
/// dates are counted in a new zone from the next event on; the reports'
/// days are rebuilt in it at once (reading the ledger once, in this
/// transaction).
pub async fn update(db: &Db, id: &str, changes: TenantChanges) -> ApiResult<tenant::Model> {
    db.transaction(|txn| {
        let changes = changes.clone();
        Box::pin(async move { apply(&*txn, id, changes).await })
    })
    .await
}

/// [`update`] in the caller's transaction (a change of more than the
/// tenant's row: its invoicing too).
pub async fn apply(
    conn: &impl ConnectionTrait,
    id: &str,
    changes: TenantChanges,
) -> ApiResult<tenant::Model> {
    let TenantChanges {
        name,
        time_zone,
        minimum_payout,
        payout_account,
        require_tax_profile,
        program_name,
        support_email,
        brand_color,
        tax_payer,
        tax_excluded_methods,
        tax_thresholds,
        backup_withholding,
        link_domains,
        staff_message_mail,
        languages,
        default_language,
        fraud_digest,
    } = changes;
    let mut row = tenant::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::not_found("tenant"))?;
    if let Some(name) = name {
        row.name = name;
    }
    let moved = time_zone
        .as_ref()
        .is_some_and(|zone| *zone != row.time_zone);
    if let Some(zone) = time_zone {
        row.time_zone = zone;
    }
    if let Some(minimums) = minimum_payout {
        row.minimum_payout = crate::directory::minimums::encode(minimums.as_deref());
    }
    if let Some(account) = payout_account {
        row.payout_account_iban = account.as_ref().map(|a| a.iban.as_str().to_owned());
        row.payout_account_bic = account
            .as_ref()
            .and_then(|a| a.bic.as_ref().map(|b| b.as_str().to_owned()));
        row.payout_account_name = account.map(|a| a.name);
    }
    if let Some(required) = require_tax_profile {
        row.require_tax_profile = required;
    }
    if let Some(program_name) = program_name {
        row.program_name = program_name;
    }
    if let Some(support_email) = support_email {
        row.support_email = support_email;
    }
    if let Some(brand_color) = brand_color {
        row.brand_color = brand_color;
    }
    if let Some(payer) = tax_payer {
        row.tax_payer = payer;
    }
    if let Some(methods) = tax_excluded_methods {
        row.tax_excluded_methods = Some(methods);
    }
    if let Some(thresholds) = tax_thresholds {
        row.tax_thresholds = Some(thresholds);
    }
    if let Some(withholding) = backup_withholding {
        row.backup_withholding = withholding;
    }
    if let Some(mail) = staff_message_mail {
        row.staff_message_mail = mail;
    }
    if let Some((recipients, hour)) = fraud_digest {
        row.fraud_digest_recipients = ApiError::json("fraud digest recipients", &recipients)?;
        row.fraud_digest_hour = hour;
    }
    if languages.is_some() || default_language.is_some() {
        // Checked together: the default among the languages offered.
        let was = crate::languages::Offered::of(&row);
        let offered = crate::languages::Offered::checked(
            languages.unwrap_or(was.languages),
            default_language.unwrap_or(was.default),
        )?;
        row.languages = offered.encode();
        row.default_language = offered.default;
    }
    tenant::Entity::update(tenant::ActiveModel::from(row.clone()).reset_all())
        .exec(conn)
        .await?;
    if let Some(hosts) = link_domains {
        replace_link_domains(conn, id, "input.linkDomains", &hosts).await?;
    }
    if moved {
        // The reports' days start at midnight in the new zone.
        crate::posting::stats::rebuild(conn, id).await?;
        row.stats_zone = Some(row.time_zone.clone());
    }
    Ok(row)
}

/// The most link domains a tenant names.
const MOST_LINK_DOMAINS: usize = 20;

/// A token for a newly named host: 128 random bits in hex.
fn new_token() -> ApiResult<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| ApiError::internal("randomness", e))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}

/// Makes the tenant's link domains `hosts` (checked by
/// `links::domains::check_host`): those it keeps keep their token and
/// status, new ones are `PENDING` with a token of their own (SPEC §30).
/// A host another tenant holds verified is refused, named.
pub(crate) async fn replace_link_domains(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    field: &str,
    hosts: &[String],
) -> ApiResult<()> {
    use entity::enums::LinkDomainStatus;
    use entity::link_domain;
    use sea_orm::{ColumnTrait, QueryFilter};
    if hosts.len() > MOST_LINK_DOMAINS {
        return Err(ApiError::bad_input(
            field,
            format!("at most {MOST_LINK_DOMAINS} link domains"),
        ));
    }
    let held = link_domain::Entity::find()
        .filter(link_domain::Column::Host.is_in(hosts.iter().map(String::as_str)))
        .filter(link_domain::Column::TenantId.ne(tenant_id))
        .filter(link_domain::Column::Status.eq(LinkDomainStatus::Verified))
        .one(conn)
        .await?;
    if let Some(other) = held {
        return Err(ApiError::bad_input(
            field,
            format!("{} is another program's link domain", other.host),
        ));
    }
    let had = link_domain::Entity::find()
        .filter(link_domain::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?;
    let gone: Vec<&str> = had
        .iter()
        .filter(|row| !hosts.contains(&row.host))
        .map(|row| row.host.as_str())
        .collect();
    if !gone.is_empty() {
        link_domain::Entity::delete_many()
            .filter(link_domain::Column::TenantId.eq(tenant_id))
            .filter(link_domain::Column::Host.is_in(gone))
            .exec(conn)
            .await?;
    }
    let now = crate::db::now();
    for host in hosts {
        if had.iter().any(|row| &row.host == host) {
            continue;
        }
        link_domain::Entity::insert(link_domain::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            host: Set(host.clone()),
            token: Set(new_token()?),
            status: Set(LinkDomainStatus::Pending),
            verified_at: Set(None),
            checked_at: Set(None),
            created_at: Set(now),
        })
        .exec_without_returning(conn)
        .await?;
    }
    Ok(())
}

/// The hosts the tenant named for its links, proved or not, in order.
pub async fn link_domains(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<Vec<String>> {
    use entity::link_domain;
    use sea_orm::{ColumnTrait, QueryFilter, QueryOrder};
    Ok(link_domain::Entity::find()
        .filter(link_domain::Column::TenantId.eq(tenant_id))
        .order_by_asc(link_domain::Column::Host)
        .all(conn)
        .await?
        .into_iter()
        .map(|d| d.host)
        .collect())
}

/// A tenant's row, as stored.
pub async fn row(conn: &impl ConnectionTrait, id: &str) -> ApiResult<tenant::Model> {
    tenant::Entity::find_by_id(id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| ApiError::internal("tenant", id))
}

/// Every tenant's id, in id order.
pub async fn ids(conn: &impl ConnectionTrait) -> ApiResult<Vec<String>> {
    use sea_orm::QueryOrder;
    Ok(tenant::Entity::find()
        .order_by_asc(tenant::Column::Id)
        .all(conn)
        .await?
        .into_iter()
        .map(|t| t.id)
        .collect())
}

pub async fn find(conn: &impl ConnectionTrait, id: &str) -> ApiResult<Option<Tenant>> {
    let Some(row) = tenant::Entity::find_by_id(id.to_owned()).one(conn).await? else {
        return Ok(None);
    };
    principal_tenant(row).map(Some)
}

/// The tenant as a principal carries it.
pub fn principal_tenant(row: tenant::Model) -> ApiResult<Tenant> {
    let currency =
        Currency::parse(&row.currency).map_err(|e| ApiError::internal("tenant currency", e))?;
    Ok(Tenant {
        id: row.id,
        name: row.name,
        currency,
        time_zone: row.time_zone,
    })
}

/// The tenant's time zone.
pub(crate) async fn tenant_zone(
    conn: &impl sea_orm::ConnectionTrait,
    tenant_id: &str,
) -> crate::error::ApiResult<chrono_tz::Tz> {
    let tenant = entity::tenant::Entity::find_by_id(tenant_id.to_owned())
        .one(conn)
        .await?
        .ok_or_else(|| crate::error::ApiError::internal("tenant", tenant_id))?;
    zone_of(&tenant)
}

/// The time zone a tenant's row names.
pub(crate) fn zone_of(tenant: &entity::tenant::Model) -> crate::error::ApiResult<chrono_tz::Tz> {
    tenant
        .time_zone
        .parse()
        .map_err(|e| crate::error::ApiError::internal("tenant time zone", e))
}
