//! The providers' webhooks, one intake for all: `POST
//! /connectors/{provider}/{tenantId}` (billing: `stripe`, `paddle`,
//! [`revshare_core::connectors`]) and `POST /payouts/{rail}/{tenantId}` (payout
//! rails: `paypal`, `stripe` for Stripe Connect, [`revshare_core::rails::hooks`];
//! `wise`, [`revshare_core::rails::wise::hook`]).
//! The raw body is verified before it is parsed, and every provider hears
//! the same answer for the same reason ([`answer`]):
//!
//! | what came of it | status | code |
//! |---|---|---|
//! | its effect committed (`handled`: `done`, `ignored`, `again`, `waiting`) | `200` | — |
//! | no such connector or rail for the tenant | `404` | `NOT_FOUND` |
//! | a signature missing, wrong, stale, or not verified by the provider | `400` | `BAD_SIGNATURE` |
//! | not an event the provider sends | `400` | `BAD_REQUEST` |
//! | not yet (what it refers to has not arrived), the provider unreachable, an outage, a lost race | `503`, `Retry-After: 60` | `UNAVAILABLE` |
//! | a defect | `500` | `INTERNAL` |
//!
//! Only a `2xx` tells a provider to stop delivering. A PayPal post is
//! answered the same whether the tenant has the rail or not, and its
//! verification (a call to PayPal with the rail's kept token) is asked at
//! most [`UNVERIFIED_PER_MINUTE`] times a minute for one client address
//! (an IPv6 /64) and tenant once PayPal has refused to verify its posts:
//! past that, a post is refused as unverified without asking PayPal.
//! PayPal's own deliveries verify, and are never counted.

use super::{AppState, error_body};
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use revshare_core::connectors::intake::{NO_CONNECTOR, NO_RAIL, Refused, Taken};
use revshare_core::connectors::{paddle, stripe};
use revshare_core::rails::hooks;
use revshare_core::rails::paypal::Transmission;

/// Posts PayPal did not verify, a minute, from one client address to one
/// tenant before the next is refused without asking PayPal.
pub const UNVERIFIED_PER_MINUTE: u32 = 10;

/// How long a provider is asked to wait before it delivers again.
pub const RETRY_AFTER: HeaderValue = HeaderValue::from_static("60");

/// A header's text, if it is text.
fn text(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

/// `POST /connectors/{provider}/{tenantId}`.
pub async fn connector(
    State(state): State<AppState>,
    Path((provider, tenant_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let taken = match provider.as_str() {
        "stripe" => {
            let signature = text(&headers, "stripe-signature");
            stripe::receive(
                &state.db,
                &state.ingest,
                &tenant_id,
                signature.as_deref(),
                &body,
            )
            .await
        }
        "paddle" => {
            let signature = text(&headers, "paddle-signature");
            paddle::receive(
                &state.db,
                &state.ingest,
                &tenant_id,
                signature.as_deref(),
                &body,
            )
            .await
        }
        _ => Err(Refused::NotConfigured(NO_CONNECTOR)),
    };
    answer(taken)
}

/// `POST /payouts/{rail}/{tenantId}`.
pub async fn rail(
    State(state): State<AppState>,
    Path((rail, tenant_id)): Path<(String, String)>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let taken = match rail.as_str() {
        "paypal" => {
            let header = |name: &str| text(&headers, name);
            let transmission = (|| {
                Some(Transmission {
                    auth_algo: header("paypal-auth-algo")?,
                    cert_url: header("paypal-cert-url")?,
                    transmission_id: header("paypal-transmission-id")?,
                    transmission_sig: header("paypal-transmission-sig")?,
                    transmission_time: header("paypal-transmission-time")?,
                })
            })();
            let address = state.client_address(peer.map(|Extension(ConnectInfo(a))| a), &headers);
            match state.unverified.spent(&tenant_id, address) {
                true => Err(Refused::Signature(hooks::NOT_VERIFIED)),
                false => {
                    let taken =
                        hooks::paypal(&state.db, &state.rails, &tenant_id, transmission, &body)
                            .await;
                    if matches!(taken, Err(Refused::Signature(why)) if why == hooks::NOT_VERIFIED) {
                        state.unverified.allow(&tenant_id, address);
                    }
                    taken
                }
            }
        }
        "stripe" => {
            let signature = text(&headers, "stripe-signature");
            hooks::stripe(
                &state.db,
                &state.rails,
                &tenant_id,
                signature.as_deref(),
                &body,
            )
            .await
        }
        "wise" => {
            let signature = text(&headers, "x-signature-sha256");
            revshare_core::rails::wise::hook(
                &state.db,
                &state.rails,
                &tenant_id,
                signature.as_deref(),
                &body,
            )
            .await
        }
        _ => Err(Refused::NotConfigured(NO_RAIL)),
    };
    answer(taken)
}

/// The one answer a provider hears for what came of its event.
pub fn answer(taken: Taken) -> Response {
    let later = |why: &str| {
        let mut response = error_body(StatusCode::SERVICE_UNAVAILABLE, "UNAVAILABLE", why);
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, RETRY_AFTER);
        response
    };
    match taken {
        Ok(handled) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "received": true, "handled": handled.as_str() })),
        )
            .into_response(),
        Err(Refused::NotConfigured(what)) => error_body(StatusCode::NOT_FOUND, "NOT_FOUND", what),
        Err(Refused::Signature(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_SIGNATURE", why),
        Err(Refused::Malformed(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_REQUEST", why),
        Err(Refused::NotYet) => {
            later("what this event refers to has not arrived yet: deliver it again later")
        }
        Err(Refused::ProviderUnreachable) => {
            later("the provider could not be asked to verify the event: deliver it again")
        }
        Err(Refused::Failed(err)) => {
            tracing::error!(target: "revshare::intake", error = ?err, "a provider's event was not recorded");
            match super::status_of(&err) {
                StatusCode::SERVICE_UNAVAILABLE => {
                    later("the event was not recorded: deliver it again")
                }
                _ => error_body(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "INTERNAL",
                    "the event was not recorded: deliver it again",
                ),
            }
        }
    }
}
