//! A tenant's payout rails (`configurePayoutRail`): each provider's
//! credentials checked for their form, sealed with the data key for the
//! row they belong to, and never answered — an admin recognises them by
//! the last four characters of the client id or key.

use super::Settings;
use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use crate::payouts::seal::DataKey;
use entity::enums::{PayoutRail, PayoutRailMode};
use entity::payout_rail;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};
use serde::{Deserialize, Serialize};

/// The longest credential taken.
const MAX_CREDENTIAL_CHARS: usize = 512;
/// The longest PEM key taken (a 4096-bit RSA private key is some 3,300).
const MAX_PEM_CHARS: usize = 8192;

/// A rail's credentials, as sealed.
#[derive(Clone, Serialize, Deserialize)]
#[serde(tag = "rail")]
pub enum Credentials {
    /// PayPal's REST app: client id and secret (OAuth2 client
    /// credentials), and the id of the webhook PayPal signs its events for.
    Paypal {
        client_id: String,
        client_secret: String,
        webhook_id: String,
    },
    /// Stripe's secret key (`sk_…` or a restricted `rk_…`) and the signing
    /// secret of the Connect webhook endpoint (`whsec_…`).
    Stripe {
        secret_key: String,
        webhook_secret: String,
    },
    /// Wise's API token and the (business) profile it pays from; the PEM
    /// key its webhooks are checked with when not Wise's published one (a
    /// test server, a rotation); the private key a funding Wise wants
    /// approved (SCA) is signed with, if finance gave one.
    Wise {
        api_token: String,
        profile_id: String,
        #[serde(default)]
        webhook_public_key: Option<String>,
        #[serde(default)]
        sca_private_key: Option<String>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Credentials(sealed)")
    }
}

/// What an admin gives.
pub struct Given {
    pub rail: PayoutRail,
    pub mode: PayoutRailMode,
    pub base_url: Option<String>,
    pub client_id: Option<String>,
    pub client_secret: Option<String>,
    pub webhook_id: Option<String>,
    pub secret_key: Option<String>,
    pub webhook_secret: Option<String>,
    pub api_token: Option<String>,
    pub profile_id: Option<String>,
    pub webhook_public_key: Option<String>,
    pub sca_private_key: Option<String>,
}

/// A rail as the worker uses it: opened.
#[derive(Clone, Debug)]
pub struct Rail {
    pub tenant_id: String,
    pub rail: PayoutRail,
    pub mode: PayoutRailMode,
    pub base_url: String,
    pub credentials: Credentials,
}

/// The provider's documented host for a mode.
pub fn documented_host(rail: PayoutRail, mode: PayoutRailMode) -> &'static str {
    match (rail, mode) {
        (PayoutRail::PaypalPayouts, PayoutRailMode::Live) => "https://api-m.paypal.com",
        (PayoutRail::PaypalPayouts, PayoutRailMode::Sandbox) => "https://api-m.sandbox.paypal.com",
        (PayoutRail::StripeConnect, _) => "https://api.stripe.com",
        (PayoutRail::Wise, PayoutRailMode::Live) => "https://api.wise.com",
        (PayoutRail::Wise, PayoutRailMode::Sandbox) => "https://api.wise-sandbox.com",
    }
}

fn binding(tenant_id: &str, rail: PayoutRail) -> String {
    format!("payout_rails/{tenant_id}/{}", rail.as_str())
}

/// A credential the rail needs, trimmed, named `input.credentials.<field>`.
fn needed(field: &str, value: &Option<String>, rail: PayoutRail) -> ApiResult<String> {
    let name = format!("input.credentials.{field}");
    let value = value.as_deref().map(str::trim).unwrap_or_default();
    if value.is_empty() {
        return Err(ApiError::bad_input(
            name,
            format!("is required for {}", rail.as_str()),
        ));
    }
    if value.chars().count() > MAX_CREDENTIAL_CHARS || value.chars().any(char::is_control) {
        return Err(ApiError::bad_input(
            name,
            format!("must be one line of at most {MAX_CREDENTIAL_CHARS} characters"),
        ));
    }
    Ok(value.to_owned())
}

/// A credential of the other rail, given: refused, so that an admin never
/// believes it stored what it did not.
fn not_for(field: &str, value: &Option<String>, rail: PayoutRail) -> ApiResult<()> {
    match value.as_deref().map(str::trim) {
        Some(v) if !v.is_empty() => Err(ApiError::bad_input(
            format!("input.credentials.{field}"),
            format!("is not a credential of {}", rail.as_str()),
        )),
        _ => Ok(()),
    }
}

impl Given {
    /// The credentials, checked for their form and the mode.
    fn credentials(&self) -> ApiResult<Credentials> {
        let rail = self.rail;
        match rail {
            PayoutRail::PaypalPayouts => {
                self.none_of_wise()?;
                not_for("secretKey", &self.secret_key, rail)?;
                not_for("webhookSecret", &self.webhook_secret, rail)?;
                Ok(Credentials::Paypal {
                    client_id: needed("clientId", &self.client_id, rail)?,
                    client_secret: needed("clientSecret", &self.client_secret, rail)?,
                    webhook_id: needed("webhookId", &self.webhook_id, rail)?,
                })
            }
            PayoutRail::StripeConnect => {
                self.none_of_wise()?;
                not_for("clientId", &self.client_id, rail)?;
                not_for("clientSecret", &self.client_secret, rail)?;
                not_for("webhookId", &self.webhook_id, rail)?;
                let secret_key = needed("secretKey", &self.secret_key, rail)?;
                let live = secret_key.starts_with("sk_live_") || secret_key.starts_with("rk_live_");
                let test = secret_key.starts_with("sk_test_") || secret_key.starts_with("rk_test_");
                match (self.mode, live, test) {
                    (PayoutRailMode::Live, true, _) | (PayoutRailMode::Sandbox, _, true) => {}
                    (PayoutRailMode::Live, _, _) => {
                        return Err(ApiError::bad_input(
                            "input.credentials.secretKey",
                            "must be a live key (sk_live_… or rk_live_…) for LIVE",
                        ));
                    }
                    (PayoutRailMode::Sandbox, _, _) => {
                        return Err(ApiError::bad_input(
                            "input.credentials.secretKey",
                            "must be a test key (sk_test_… or rk_test_…) for SANDBOX",
                        ));
                    }
                }
                let webhook_secret = needed("webhookSecret", &self.webhook_secret, rail)?;
                if !webhook_secret.starts_with("whsec_") {
                    return Err(ApiError::bad_input(
                        "input.credentials.webhookSecret",
                        "must be the endpoint's signing secret (whsec_…)",
                    ));
                }
                Ok(Credentials::Stripe {
                    secret_key,
                    webhook_secret,
                })
            }
            PayoutRail::Wise => {
                for (field, value) in [
                    ("clientId", &self.client_id),
                    ("clientSecret", &self.client_secret),
                    ("webhookId", &self.webhook_id),
                    ("secretKey", &self.secret_key),
                    ("webhookSecret", &self.webhook_secret),
                ] {
                    not_for(field, value, rail)?;
                }
                let api_token = needed("apiToken", &self.api_token, rail)?;
                let profile_id = needed("profileId", &self.profile_id, rail)?;
                if profile_id.len() > 18 || !profile_id.bytes().all(|b| b.is_ascii_digit()) {
                    return Err(ApiError::bad_input(
                        "input.credentials.profileId",
                        "must be the number of the Wise profile payouts are sent from",
                    ));
                }
                let pem = |field: &str, value: &Option<String>| {
                    value
                        .as_deref()
                        .map(str::trim)
                        .filter(|v| !v.is_empty())
                        .map(|v| {
                            if v.len() > MAX_PEM_CHARS {
                                return Err(ApiError::bad_input(
                                    format!("input.credentials.{field}"),
                                    format!(
                                        "must be a PEM key of at most {MAX_PEM_CHARS} characters"
                                    ),
                                ));
                            }
                            Ok(v.to_owned())
                        })
                        .transpose()
                };
                let webhook_public_key = pem("webhookPublicKey", &self.webhook_public_key)?;
                if let Some(key) = &webhook_public_key {
                    super::wise::keys::public_key(key).map_err(|why| {
                        ApiError::bad_input("input.credentials.webhookPublicKey", why)
                    })?;
                }
                let sca_private_key = pem("scaPrivateKey", &self.sca_private_key)?;
                if let Some(key) = &sca_private_key {
                    super::wise::keys::private_key(key).map_err(|why| {
                        ApiError::bad_input("input.credentials.scaPrivateKey", why)
                    })?;
                }
                Ok(Credentials::Wise {
                    api_token,
                    profile_id,
                    webhook_public_key,
                    sca_private_key,
                })
            }
        }
    }

    /// Wise's credentials, given for another rail: refused.
    fn none_of_wise(&self) -> ApiResult<()> {
        for (field, value) in [
            ("apiToken", &self.api_token),
            ("profileId", &self.profile_id),
            ("webhookPublicKey", &self.webhook_public_key),
            ("scaPrivateKey", &self.sca_private_key),
        ] {
            not_for(field, value, self.rail)?;
        }
        Ok(())
    }
}

impl Credentials {
    /// The last four characters of the client id or key.
    fn hint(&self) -> String {
        let of = match self {
            Credentials::Paypal { client_id, .. } => client_id,
            Credentials::Stripe { secret_key, .. } => secret_key,
            Credentials::Wise { api_token, .. } => api_token,
        };
        let chars: Vec<char> = of.chars().collect();
        let tail: String = chars[chars.len().saturating_sub(4)..].iter().collect();
        format!("…{tail}")
    }
}

/// Stores (or replaces) a tenant's rail, in one transaction with its
/// activity entry: the rail is the object, each setting that changed a
/// change (`mode`, `baseUrl`, `credentialHint`, …); the sealed credentials
/// are never in it.
pub async fn configure(
    db: &Db,
    settings: &Settings,
    tenant_id: &str,
    actor: &str,
    given: Given,
) -> ApiResult<payout_rail::Model> {
    let key = data_key(settings, "input.credentials")?;
    let credentials = given.credentials()?;
    let base_url = match given.base_url.as_deref().map(str::trim) {
        Some(url) if !url.is_empty() => {
            crate::webhooks::ssrf::check_url(url, settings.allow_private)
                .map_err(|why| ApiError::bad_input("input.baseUrl", why))?
                .as_str()
                .trim_end_matches('/')
                .to_owned()
        }
        _ => documented_host(given.rail, given.mode).to_owned(),
    };
    let plain = serde_json::to_string(&credentials)
        .map_err(|e| ApiError::internal("rail credentials", e))?;
    let row = payout_rail::Model {
        tenant_id: tenant_id.to_owned(),
        rail: given.rail,
        mode: given.mode,
        base_url,
        credentials: key.seal(&binding(tenant_id, given.rail), &plain),
        credential_hint: credentials.hint(),
        configured_by: actor.to_owned(),
        configured_at: crate::db::now(),
    };
    db.transaction(|txn| {
        let row = row.clone();
        Box::pin(async move {
            let before = payout_rail::Entity::find_by_id((row.tenant_id.clone(), row.rail))
                .one(&*txn)
                .await?;
            let stored = store(&*txn, row).await?;
            crate::activity::on("PayoutRailConfig", stored.rail.as_str());
            crate::activity::compared(before.as_ref(), Some(&stored));
            Ok(stored)
        })
    })
    .await
}

/// Writes `row` over the tenant's rail of its kind, if any.
async fn store(
    conn: &impl ConnectionTrait,
    row: payout_rail::Model,
) -> ApiResult<payout_rail::Model> {
    use payout_rail::Column as C;
    let active = payout_rail::ActiveModel::from(row).reset_all();
    let stored = payout_rail::Entity::insert(active)
        .on_conflict(
            OnConflict::columns([C::TenantId, C::Rail])
                .update_columns([
                    C::Mode,
                    C::BaseUrl,
                    C::Credentials,
                    C::CredentialHint,
                    C::ConfiguredBy,
                    C::ConfiguredAt,
                ])
                .to_owned(),
        )
        .exec_with_returning(conn)
        .await?;
    Ok(stored)
}

/// The tenant's rails, as configured (credentials sealed).
pub async fn list(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<payout_rail::Model>> {
    use sea_orm::QueryOrder;
    Ok(payout_rail::Entity::find()
        .filter(payout_rail::Column::TenantId.eq(tenant_id))
        .order_by_asc(payout_rail::Column::Rail)
        .all(conn)
        .await?)
}

/// The tenant's rail, opened; `None` when it has none.
pub async fn open(
    conn: &impl ConnectionTrait,
    settings: &Settings,
    tenant_id: &str,
    rail: PayoutRail,
) -> ApiResult<Option<Rail>> {
    let Some(row) = payout_rail::Entity::find_by_id((tenant_id.to_owned(), rail))
        .one(conn)
        .await?
    else {
        return Ok(None);
    };
    let key = data_key(settings, "rail")?;
    let plain = key
        .open(&binding(tenant_id, rail), &row.credentials)
        .map_err(|e| ApiError::internal("rail credentials", format!("{e:?}")))?;
    let credentials: Credentials =
        serde_json::from_str(&plain).map_err(|e| ApiError::internal("rail credentials", e))?;
    Ok(Some(Rail {
        tenant_id: row.tenant_id,
        rail,
        mode: row.mode,
        base_url: row.base_url,
        credentials,
    }))
}

fn data_key<'a>(settings: &'a Settings, field: &str) -> ApiResult<&'a DataKey> {
    settings.data_key.as_ref().ok_or_else(|| {
        ApiError::bad_input(
            field,
            "payout rails need REVSHARE_DATA_KEY, which keeps their credentials sealed",
        )
    })
}
