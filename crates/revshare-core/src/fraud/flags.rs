//! Raising a flag: once per signal and subject while one is open, with
//! the commissions it names, announced to staff (`FRAUD_FLAGGED`).

use super::policy;
use crate::error::ApiResult;
use crate::events::NewDomainEvent;
use chrono::{DateTime, Utc};
use entity::enums::{
    CommissionStatus, DomainEventType, FraudAction, FraudFlagStatus, FraudScope, FraudSignal,
};
use entity::{fraud_flag, fraud_flag_commission};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, Value};

/// A flag a signal would raise.
pub struct Raise {
    pub tenant_id: String,
    pub signal: FraudSignal,
    pub partner_id: String,
    pub scope: FraudScope,
    pub customer_external_id: Option<String>,
    pub click_id: Option<String>,
    /// What makes a second flag of the signal and partner the same one.
    pub subject_key: String,
    /// The evidence, in words a support person can forward.
    pub details: String,
    /// The commissions it names.
    pub commissions: Vec<String>,
}

/// Raises `raise` as the tenant's policy says, in the caller's transaction:
/// nothing when the signal is `OFF`, or when a flag of the same signal and
/// subject is open already. A `HOLD` locks the partner first (as payouts
/// do), then the commissions it names, and holds each not yet in a payout
/// — unless the partner is trusted (SPEC §37): then the flag is recorded
/// as not acted on, and holds nothing whatever the policy.
pub async fn raise(
    txn: &crate::db::Txn,
    raise: Raise,
    now: DateTime<Utc>,
) -> ApiResult<Option<fraud_flag::Model>> {
    let rule = policy::rule(txn, &raise.tenant_id, raise.signal).await?;
    if rule.action == FraudAction::Off {
        return Ok(None);
    }
    // The partner's row, locked for a hold (as payouts lock it), says
    // whether it is trusted: read under the lock, a trust set meanwhile
    // is seen.
    let partner = match rule.action {
        FraudAction::Hold => crate::posting::locks::partners_by_id(
            txn,
            &raise.tenant_id,
            [raise.partner_id.as_str()],
        )
        .await?
        .into_iter()
        .next(),
        _ => {
            entity::partner::Entity::find_by_id(raise.partner_id.clone())
                .one(txn)
                .await?
        }
    };
    let acted_on = !partner.is_some_and(|p| p.trusted);
    let holds = acted_on && rule.action == FraudAction::Hold;
    let id = crate::input::new_id();
    let backend = txn.get_database_backend();
    let marks = ["?"; 13];
    let sql = format!(
        "INSERT INTO fraud_flags (id, tenant_id, signal, action, scope, partner_id, \
           customer_external_id, click_id, subject_key, details, status, created_at, acted_on) \
         VALUES ({}) \
         ON CONFLICT (tenant_id, signal, partner_id, subject_key) WHERE status = 'OPEN' DO NOTHING",
        marks.join(", ")
    );
    let values: Vec<Value> = vec![
        id.clone().into(),
        raise.tenant_id.clone().into(),
        raise.signal.as_str().into(),
        rule.action.as_str().into(),
        raise.scope.as_str().into(),
        raise.partner_id.clone().into(),
        raise.customer_external_id.clone().into(),
        raise.click_id.clone().into(),
        raise.subject_key.clone().into(),
        raise.details.clone().into(),
        FraudFlagStatus::Open.as_str().into(),
        now.into(),
        acted_on.into(),
    ];
    let inserted = txn
        .execute_raw(crate::db::statement(backend, &sql, values))
        .await?
        .rows_affected();
    if inserted == 0 {
        return Ok(None);
    }
    if !raise.commissions.is_empty() {
        let named =
            crate::posting::locks::commissions(txn, &raise.tenant_id, &raise.commissions).await?;
        let links = named.iter().map(|row| fraud_flag_commission::ActiveModel {
            flag_id: sea_orm::ActiveValue::Set(id.clone()),
            commission_id: sea_orm::ActiveValue::Set(row.id.clone()),
            held: sea_orm::ActiveValue::Set(
                holds
                    && row.payout_id.is_none()
                    && matches!(
                        row.status,
                        CommissionStatus::Accrued | CommissionStatus::Approved
                    ),
            ),
        });
        if !named.is_empty() {
            fraud_flag_commission::Entity::insert_many(links)
                .exec_without_returning(txn)
                .await?;
        }
    }
    let flag = fraud_flag::Entity::find_by_id(id)
        .one(txn)
        .await?
        .ok_or(crate::error::ApiError::Internal)?;
    crate::events::append(
        txn,
        &flag.tenant_id,
        now,
        vec![announce(&flag, DomainEventType::FraudFlagged, now)],
    )
    .await?;
    tell_staff(txn, &flag).await?;
    Ok(Some(flag))
}

/// The domain event of a flag raised or resolved: the tenant's staff hear
/// of it, never a partner (it names no partner as its reader).
pub fn announce(
    flag: &fraud_flag::Model,
    kind: DomainEventType,
    at: DateTime<Utc>,
) -> NewDomainEvent {
    NewDomainEvent {
        kind,
        occurred_at: at,
        partner_id: None,
        subject_id: flag.id.clone(),
        data: serde_json::json!({
            "signal": flag.signal.as_str(),
            "action": flag.action.as_str(),
            "status": flag.status.as_str(),
            "partnerId": flag.partner_id,
        }),
    }
}

/// The commissions a flag names.
pub async fn named(
    conn: &impl ConnectionTrait,
    flag_id: &str,
) -> ApiResult<Vec<fraud_flag_commission::Model>> {
    Ok(fraud_flag_commission::Entity::find()
        .filter(fraud_flag_commission::Column::FlagId.eq(flag_id))
        .all(conn)
        .await?)
}

/// E-mails the program's support address (when it has one) of a new flag.
async fn tell_staff(txn: &crate::db::Txn, flag: &fraud_flag::Model) -> ApiResult<()> {
    use crate::mail::{Content, Mail};
    let Some(tenant) = entity::tenant::Entity::find_by_id(flag.tenant_id.clone())
        .one(txn)
        .await?
    else {
        return Ok(());
    };
    let Some(support) = tenant.support_email else {
        return Ok(());
    };
    let partner = entity::partner::Entity::find_by_id(flag.partner_id.clone())
        .one(txn)
        .await?
        .map_or_else(|| flag.partner_id.clone(), |p| p.name);
    crate::mail::queue(
        txn,
        Mail {
            tenant_id: flag.tenant_id.clone(),
            partner_id: None,
            to: support,
            content: Content::StaffFraudFlag {
                signal: flag.signal.as_str().to_owned(),
                action: match flag.acted_on {
                    true => flag.action.as_str().to_owned(),
                    false => "TRUSTED".to_owned(),
                },
                partner,
                details: flag.details.clone(),
                id: flag.id.clone(),
            },
            dedupe_key: Some(format!("staff-fraud:{}", flag.id)),
            requested_by: None,
            suppressed: false,
            language: None,
        },
    )
    .await
}
