//! A connector's configuration (one per provider and tenant, set by an
//! admin), its signing secrets, and what it received, counted from the
//! deliveries it marked.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use chrono::{DateTime, Utc};
use entity::enums::{BillingProvider, CommissionBase, ConnectorEventStatus};
use entity::{billing_connector, connector_event};
use sea_orm::ActiveValue::Set;
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, ExprTrait, QueryFilter};

/// Most signing secrets a connector keeps (a new one and those rolling out).
const MAX_SECRETS: usize = 5;

/// What an admin configures.
pub struct Configure {
    pub provider: BillingProvider,
    pub signing_secrets: Vec<String>,
    pub commission_base: CommissionBase,
    pub enabled: bool,
}

/// Creates or replaces a tenant's connector for a provider.
pub async fn configure(
    db: &Db,
    tenant_id: &str,
    new: Configure,
) -> ApiResult<billing_connector::Model> {
    let secrets: Vec<String> = new
        .signing_secrets
        .iter()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
        .collect();
    if secrets.is_empty() || secrets.len() > MAX_SECRETS {
        return Err(ApiError::bad_input(
            "input.signingSecrets",
            format!("give 1 to {MAX_SECRETS} secrets"),
        ));
    }
    if new.provider == BillingProvider::Stripe && secrets.iter().any(|s| !s.starts_with("whsec_")) {
        return Err(ApiError::bad_input(
            "input.signingSecrets",
            "a Stripe endpoint secret starts with whsec_",
        ));
    }
    let secrets = serde_json::to_string(&secrets).map_err(|e| ApiError::internal("secrets", e))?;
    let new = &new;
    let secrets = &secrets;
    db.transaction(|txn| {
        Box::pin(async move {
            let now = crate::db::now();
            let row = billing_connector::ActiveModel {
                tenant_id: Set(tenant_id.to_owned()),
                provider: Set(new.provider),
                signing_secrets: Set(secrets.clone()),
                commission_base: Set(new.commission_base),
                enabled: Set(new.enabled),
                created_at: Set(now),
                updated_at: Set(now),
            };
            billing_connector::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        billing_connector::Column::TenantId,
                        billing_connector::Column::Provider,
                    ])
                    .update_columns([
                        billing_connector::Column::SigningSecrets,
                        billing_connector::Column::CommissionBase,
                        billing_connector::Column::Enabled,
                        billing_connector::Column::UpdatedAt,
                    ])
                    .to_owned(),
                )
                .exec_without_returning(&*txn)
                .await?;
            find(&*txn, tenant_id, new.provider)
                .await?
                .ok_or_else(|| ApiError::internal("connector", "not written"))
        })
    })
    .await
}

pub async fn find(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    provider: BillingProvider,
) -> ApiResult<Option<billing_connector::Model>> {
    Ok(billing_connector::Entity::find()
        .filter(billing_connector::Column::TenantId.eq(tenant_id))
        .filter(billing_connector::Column::Provider.eq(provider))
        .one(conn)
        .await?)
}

pub async fn list(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<Vec<billing_connector::Model>> {
    Ok(billing_connector::Entity::find()
        .filter(billing_connector::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?)
}

/// The events a tenant's connector for `provider` handled, with `status`
/// if given: a list's rows.
pub fn events(
    tenant_id: &str,
    provider: entity::enums::BillingProvider,
    status: Option<entity::enums::ConnectorEventStatus>,
) -> sea_orm::Select<entity::connector_event::Entity> {
    use entity::connector_event::{Column, Entity};
    let select = Entity::find()
        .filter(Column::TenantId.eq(tenant_id))
        .filter(Column::Provider.eq(provider));
    match status {
        Some(status) => select.filter(Column::Status.eq(status)),
        None => select,
    }
}

/// What a connector received: events handled, of which ignored, and the
/// last one's time.
#[derive(Debug, Default, Clone, Copy)]
pub struct Counts {
    pub received: i64,
    pub ignored: i64,
    /// Sales the ledger refused, kept to retry.
    pub refused: i64,
    pub last_at: Option<DateTime<Utc>>,
}

/// Each provider's counts for a tenant, counted from the events handled.
pub async fn counts(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
) -> ApiResult<std::collections::HashMap<BillingProvider, Counts>> {
    use sea_orm::{FromQueryResult, QuerySelect};
    #[derive(FromQueryResult)]
    struct Row {
        provider: BillingProvider,
        received: i64,
        ignored: i64,
        refused: i64,
        last_at: Option<DateTime<Utc>>,
    }
    let rows = connector_event::Entity::find()
        .select_only()
        .column(connector_event::Column::Provider)
        .column_as(
            Expr::col(connector_event::Column::EventId).count(),
            "received",
        )
        .column_as(
            Expr::case(
                connector_event::Column::Status.eq(ConnectorEventStatus::Ignored),
                1,
            )
            .finally(0)
            .sum(),
            "ignored",
        )
        .column_as(
            Expr::case(
                connector_event::Column::Status.eq(ConnectorEventStatus::Refused),
                1,
            )
            .finally(0)
            .sum(),
            "refused",
        )
        .column_as(connector_event::Column::ReceivedAt.max(), "last_at")
        .filter(connector_event::Column::TenantId.eq(tenant_id))
        .group_by(connector_event::Column::Provider)
        .into_model::<Row>()
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let counts = Counts {
                received: r.received,
                ignored: r.ignored,
                refused: r.refused,
                last_at: r.last_at,
            };
            (r.provider, counts)
        })
        .collect())
}

/// A connector's signing secrets; a list that does not read is an error
/// (a failure here, delivered again), never no secret.
pub fn secrets(connector: &billing_connector::Model) -> ApiResult<Vec<String>> {
    ApiError::stored("connector signing secrets", &connector.signing_secrets)
}
