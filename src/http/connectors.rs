//! `POST /connectors/{provider}/{tenantId}`: a billing provider's webhooks
//! ([`crate::connectors`]). The raw body is verified before it is parsed;
//! `200` only once the event's effect committed, so the provider retries
//! anything else.

use super::{AppState, error_body};
use crate::connectors::{Handled, Refused, paddle, stripe};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};

pub async fn receive(
    State(state): State<AppState>,
    Path((provider, tenant_id)): Path<(String, String)>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let handled = match provider.as_str() {
        "stripe" => {
            let signature = headers
                .get("stripe-signature")
                .and_then(|v| v.to_str().ok());
            stripe::receive(&state.db, &state.ingest, &tenant_id, signature, &body).await
        }
        "paddle" => {
            let signature = headers
                .get("paddle-signature")
                .and_then(|v| v.to_str().ok());
            paddle::receive(&state.db, &state.ingest, &tenant_id, signature, &body).await
        }
        _ => Err(Refused::NoConnector),
    };
    match handled {
        Ok(handled) => {
            let body = serde_json::json!({
                "received": true,
                "handled": match handled {
                    Handled::Done => "done",
                    Handled::Ignored => "ignored",
                    Handled::Again => "again",
                    Handled::Waiting => "waiting",
                },
            });
            (StatusCode::OK, axum::Json(body)).into_response()
        }
        Err(Refused::NoConnector) => error_body(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "no enabled connector for this provider and tenant",
        ),
        Err(Refused::Signature(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_SIGNATURE", why),
        Err(Refused::Malformed(why)) => error_body(StatusCode::BAD_REQUEST, "BAD_REQUEST", why),
        Err(Refused::NotYet) => {
            let mut response = error_body(
                StatusCode::SERVICE_UNAVAILABLE,
                "NOT_YET",
                "what this event refers to has not arrived yet: deliver it again later",
            );
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, HeaderValue::from_static("60"));
            response
        }
        Err(Refused::Failed(err)) => {
            // The provider retries any failure; the status says which
            // (a lost race or an outage: 503).
            let status = super::status_of(&err);
            tracing::error!(target: "revshare::connectors", error = ?err, "connector event failed");
            error_body(
                status,
                "INTERNAL",
                "the event was not recorded: deliver it again",
            )
        }
    }
}
