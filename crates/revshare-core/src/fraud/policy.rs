//! What a tenant does about each signal (`fraudPolicy`): `OFF`, `FLAG` or
//! `HOLD`, and a threshold for the signals that count. A signal the tenant
//! never set has its default.

use crate::db::Db;
use crate::error::{ApiError, ApiResult};
use entity::enums::{FraudAction, FraudSignal};
use entity::fraud_rule;
use rust_decimal::Decimal;
use sea_orm::Iterable;
use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter};

/// One signal's rule.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub signal: FraudSignal,
    pub action: FraudAction,
    /// Clicks from one address in 24 h (`CLICK_SPAM`), a refunded share
    /// (`HIGH_REFUND_RATE`); none for the other signals.
    pub threshold: Option<Decimal>,
}

/// The default: `HOLD` for self-referral, click spam and shared payout
/// accounts, `FLAG` for the rest; 20 clicks; 0.3 of sales refunded.
pub fn default(signal: FraudSignal) -> Rule {
    use FraudSignal as S;
    let action = match signal {
        S::SelfReferralIp | S::SelfReferralEmail | S::ClickSpam | S::SharedPayoutAccount => {
            FraudAction::Hold
        }
        S::DisposableEmail | S::PaidAdClick | S::HighRefundRate => FraudAction::Flag,
    };
    Rule {
        signal,
        action,
        threshold: default_threshold(signal),
    }
}

fn default_threshold(signal: FraudSignal) -> Option<Decimal> {
    match signal {
        FraudSignal::ClickSpam => Some(Decimal::from(20)),
        FraudSignal::HighRefundRate => Some(Decimal::new(3, 1)),
        _ => None,
    }
}

fn of_row(row: fraud_rule::Model) -> Rule {
    let threshold = row
        .threshold
        .and_then(|t| t.parse::<Decimal>().ok())
        .or_else(|| default_threshold(row.signal));
    Rule {
        signal: row.signal,
        action: row.action,
        threshold,
    }
}

/// Every signal's rule from the tenant's rows packed as text
/// (`SIGNAL:ACTION:THRESHOLD`, comma separated, as [`crate::fraud::signals`]
/// reads them beside a click's evidence in one statement).
pub fn from_packed(packed: Option<&str>) -> Vec<Rule> {
    let rows: Vec<fraud_rule::Model> = packed
        .unwrap_or_default()
        .split(',')
        .filter_map(|part| {
            let mut fields = part.splitn(3, ':');
            let (signal, action, threshold) = (fields.next()?, fields.next()?, fields.next());
            Some(fraud_rule::Model {
                tenant_id: String::new(),
                signal: FraudSignal::iter().find(|s| s.as_str() == signal)?,
                action: FraudAction::iter().find(|a| a.as_str() == action)?,
                threshold: threshold.filter(|t| !t.is_empty()).map(str::to_owned),
            })
        })
        .collect();
    FraudSignal::iter()
        .map(|signal| match rows.iter().find(|r| r.signal == signal) {
            Some(row) => of_row(row.clone()),
            None => default(signal),
        })
        .collect()
}

/// The tenant's rule for `signal`.
pub async fn rule(
    conn: &impl ConnectionTrait,
    tenant_id: &str,
    signal: FraudSignal,
) -> ApiResult<Rule> {
    let row = fraud_rule::Entity::find_by_id((tenant_id.to_owned(), signal))
        .one(conn)
        .await?;
    Ok(row.map(of_row).unwrap_or_else(|| default(signal)))
}

/// Every signal's rule, in the schema's order.
pub async fn all(conn: &impl ConnectionTrait, tenant_id: &str) -> ApiResult<Vec<Rule>> {
    let rows = fraud_rule::Entity::find()
        .filter(fraud_rule::Column::TenantId.eq(tenant_id))
        .all(conn)
        .await?;
    Ok(FraudSignal::iter()
        .map(|signal| match rows.iter().find(|r| r.signal == signal) {
            Some(row) => of_row(row.clone()),
            None => default(signal),
        })
        .collect())
}

/// A rule as given to `setFraudPolicy`.
pub struct GivenRule {
    pub signal: FraudSignal,
    pub action: FraudAction,
    pub threshold: Option<Decimal>,
}

/// Sets the rules given (the others keep theirs), all or none; answers
/// every signal's rule.
pub async fn set(db: &Db, tenant_id: &str, given: Vec<GivenRule>) -> ApiResult<Vec<Rule>> {
    let mut rows = Vec::with_capacity(given.len());
    for (i, rule) in given.iter().enumerate() {
        let field = format!("input.rules[{i}].threshold");
        if given[..i].iter().any(|r| r.signal == rule.signal) {
            return Err(ApiError::bad_input(
                format!("input.rules[{i}].signal"),
                format!("{} is given twice", rule.signal.as_str()),
            ));
        }
        let threshold = match (rule.signal, rule.threshold) {
            (FraudSignal::ClickSpam, Some(t)) => {
                if t.fract() != Decimal::ZERO || t < Decimal::ONE || t > Decimal::from(100_000) {
                    return Err(ApiError::bad_input(
                        field,
                        "must be a whole number of clicks from 1 to 100000",
                    ));
                }
                Some(t)
            }
            (FraudSignal::HighRefundRate, Some(t)) => {
                if t <= Decimal::ZERO || t > Decimal::ONE || t.scale() > 4 {
                    return Err(ApiError::bad_input(
                        field,
                        "must be a share above 0 and at most 1, with at most 4 decimals",
                    ));
                }
                Some(t.normalize())
            }
            (_, Some(_)) => {
                return Err(ApiError::bad_input(
                    field,
                    format!("{} has no threshold", rule.signal.as_str()),
                ));
            }
            (_, None) => None,
        };
        rows.push(fraud_rule::ActiveModel {
            tenant_id: Set(tenant_id.to_owned()),
            signal: Set(rule.signal),
            action: Set(rule.action),
            threshold: Set(threshold.map(|t| t.to_string())),
        });
    }
    db.transaction(|txn| {
        let rows = rows.clone();
        Box::pin(async move {
            for row in rows {
                fraud_rule::Entity::insert(row)
                    .on_conflict(
                        OnConflict::columns([
                            fraud_rule::Column::TenantId,
                            fraud_rule::Column::Signal,
                        ])
                        .update_columns([fraud_rule::Column::Action, fraud_rule::Column::Threshold])
                        .to_owned(),
                    )
                    .exec_without_returning(&*txn)
                    .await?;
            }
            all(&*txn, tenant_id).await
        })
    })
    .await
}
