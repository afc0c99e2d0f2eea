//! `POST /payouts/{rail}/{tenantId}`: the payout providers' webhooks
//! ([`crate::rails::hooks`]) — `paypal` (PayPal Payouts) and `stripe`
//! (the Stripe Connect endpoint). `200` only once the event's effect
//! committed; `503` when the provider should deliver it again.
//!
//! A PayPal post is answered the same whether the tenant has the rail or
//! not, and its verification (a call to PayPal with the rail's token,
//! kept until shortly before it expires) is asked at most
//! [`UNVERIFIED_PER_MINUTE`] times a minute for one client address (an
//! IPv6 /64) and tenant once PayPal has refused to verify its posts:
//! past that, a post is refused as unverified without asking PayPal.
//! PayPal's own deliveries verify, and are never counted.

use super::{AppState, error_body};
use crate::rails::hooks::{self, Refusal};
use crate::rails::paypal::Transmission;
use axum::Extension;
use axum::body::Bytes;
use axum::extract::{ConnectInfo, Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

/// Posts PayPal did not verify, a minute, from one client address to one
/// tenant before the next is refused without asking PayPal.
pub const UNVERIFIED_PER_MINUTE: u32 = 10;

pub async fn receive(
    State(state): State<AppState>,
    Path((rail, tenant_id)): Path<(String, String)>,
    peer: Option<Extension<ConnectInfo<std::net::SocketAddr>>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let text = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let taken = match rail.as_str() {
        "paypal" => {
            let transmission = (|| {
                Some(Transmission {
                    auth_algo: text("paypal-auth-algo")?,
                    cert_url: text("paypal-cert-url")?,
                    transmission_id: text("paypal-transmission-id")?,
                    transmission_sig: text("paypal-transmission-sig")?,
                    transmission_time: text("paypal-transmission-time")?,
                })
            })();
            let address = state.client_address(peer.map(|Extension(ConnectInfo(a))| a), &headers);
            match state.unverified.spent(&tenant_id, address) {
                true => Err(Refusal::Signature(hooks::NOT_VERIFIED)),
                false => {
                    let taken =
                        hooks::paypal(&state.db, &state.rails, &tenant_id, transmission, &body)
                            .await;
                    if matches!(taken, Err(Refusal::Signature(why)) if why == hooks::NOT_VERIFIED) {
                        state.unverified.allow(&tenant_id, address);
                    }
                    taken
                }
            }
        }
        "stripe" => {
            let signature = text("stripe-signature");
            hooks::stripe(
                &state.db,
                &state.rails,
                &tenant_id,
                signature.as_deref(),
                &body,
            )
            .await
        }
        _ => Err(Refusal::NoRail),
    };
    match taken {
        Ok(handled) => (
            StatusCode::OK,
            axum::Json(serde_json::json!({ "received": true, "handled": handled })),
        )
            .into_response(),
        Err(Refusal::NoRail) => error_body(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no payout rail of this provider for this tenant",
        ),
        Err(Refusal::Signature(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_SIGNATURE", why),
        Err(Refusal::Malformed(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_REQUEST", why),
        Err(Refusal::Later) => {
            let mut response = error_body(
                StatusCode::SERVICE_UNAVAILABLE,
                "UNAVAILABLE",
                "the event was not recorded: deliver it again",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("30"));
            response
        }
    }
}
