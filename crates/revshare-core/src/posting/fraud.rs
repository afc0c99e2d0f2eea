//! Which commissions a fraud flag holds (SPEC §21): read, never written on
//! the ledger's rows, so recording a sale pays nothing for holds. A
//! commission is held while an open `HOLD` flag of its partner
//!
//! - names it and held it when it was raised (a named row a payout had
//!   taken already is named, not held), or
//! - covers every commission of the partner (`PARTNER`) or of its customer
//!   (`CUSTOMER`), and it is not approved yet.
//!
//! A flag raised while its partner was trusted (`acted_on` false, SPEC
//! §37) holds nothing.
//!
//! A held commission is not approved (by maturity or `approveCommissions`)
//! and no payout takes it. Flags are raised under the partner's lock and
//! with their named rows locked ([`super::locks`]), as payouts take rows,
//! so a payout and a hold never both have one row.

use crate::error::ApiResult;
use entity::commission;
use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};

/// The SQL that is true when flag `f` holds row `commissions`.
macro_rules! covers {
    () => {
        "f.partner_id = commissions.partner_id AND f.status = 'OPEN' AND f.action = 'HOLD' AND f.acted_on = TRUE \
   AND ((commissions.status = 'ACCRUED' AND (f.scope = 'PARTNER' OR (f.scope = 'CUSTOMER' \
     AND f.customer_external_id = (SELECT cu.external_id FROM events e \
       JOIN customers cu ON cu.id = e.customer_id WHERE e.id = commissions.event_id)))) \
   OR EXISTS (SELECT 1 FROM fraud_flag_commissions h \
     WHERE h.flag_id = f.id AND h.commission_id = commissions.id AND h.held))"
    };
}

/// The SQL that is true of a held row of `commissions` (unaliased).
const HELD: &str = concat!("EXISTS (SELECT 1 FROM fraud_flags f WHERE ", covers!(), ")");

/// True of a held commission, as a filter on `commissions`.
pub fn held() -> SimpleExpr {
    Expr::cust(HELD)
}

/// True of a commission no flag holds.
pub fn not_held() -> SimpleExpr {
    Expr::cust(format!("NOT {HELD}"))
}

/// Which of `ids` are held.
pub async fn held_among(conn: &impl ConnectionTrait, ids: &[&str]) -> ApiResult<Vec<String>> {
    if ids.is_empty() {
        return Ok(Vec::new());
    }
    let mut held = Vec::new();
    for chunk in ids.chunks(super::WRITE_CHUNK) {
        let rows: Vec<String> = commission::Entity::find()
            .select_only()
            .column(commission::Column::Id)
            .filter(commission::Column::Id.is_in(chunk.iter().copied()))
            .filter(self::held())
            .into_tuple()
            .all(conn)
            .await?;
        held.extend(rows);
    }
    Ok(held)
}

/// The open flags that hold each of `ids`, as (commission id, flag), in
/// the order the flags were raised.
pub async fn holding(
    conn: &impl ConnectionTrait,
    ids: &[&str],
) -> ApiResult<Vec<(String, entity::fraud_flag::Model)>> {
    use sea_orm::FromQueryResult;
    #[derive(FromQueryResult)]
    struct Pair {
        commission_id: String,
        flag_id: String,
    }
    let backend = conn.get_database_backend();
    let mut pairs = Vec::new();
    for chunk in ids.chunks(super::WRITE_CHUNK) {
        let marks = vec!["?"; chunk.len()];
        let sql = format!(
            "SELECT commissions.id AS commission_id, f.id AS flag_id FROM fraud_flags f \
             JOIN commissions ON commissions.id IN ({}) WHERE {}",
            marks.join(", "),
            covers!()
        );
        let values = chunk.iter().map(|id| sea_orm::Value::from(*id)).collect();
        pairs.extend(
            Pair::find_by_statement(crate::db::statement(backend, &sql, values))
                .all(conn)
                .await?,
        );
    }
    if pairs.is_empty() {
        return Ok(Vec::new());
    }
    let mut flag_ids: Vec<&str> = pairs.iter().map(|p| p.flag_id.as_str()).collect();
    flag_ids.sort();
    flag_ids.dedup();
    let mut flags = entity::fraud_flag::Entity::find()
        .filter(entity::fraud_flag::Column::Id.is_in(flag_ids))
        .all(conn)
        .await?;
    flags.sort_by(|a, b| (a.created_at, &a.id).cmp(&(b.created_at, &b.id)));
    let mut held = Vec::new();
    for flag in flags {
        for pair in pairs.iter().filter(|p| p.flag_id == flag.id) {
            held.push((pair.commission_id.clone(), flag.clone()));
        }
    }
    Ok(held)
}
