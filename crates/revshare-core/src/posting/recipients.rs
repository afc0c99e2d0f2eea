//! Naming the contact a spiff pays, and moving its amounts to that
//! payee's balance.

use super::{Deltas, add_to_balances, locks};
use crate::error::ApiResult;
use entity::commission;
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter};

/// Names the contact a spiff waiting for one pays (`staff`: one of the
/// tenant's own people), on the locked spiff and its clawbacks; their
/// amounts move to the payee's balance (and out of the partner's, for a
/// staff payee).
pub(crate) async fn name_recipient(
    conn: &impl ConnectionTrait,
    spiff: commission::Model,
    contact_id: &str,
    staff: bool,
) -> ApiResult<commission::Model> {
    let rows = locks::commissions_where(
        conn,
        Condition::any()
            .add(commission::Column::Id.eq(spiff.id.as_str()))
            .add(commission::Column::OriginalId.eq(spiff.id.as_str())),
    )
    .await?;
    commission::Entity::update_many()
        .col_expr(commission::Column::RecipientId, Expr::value(contact_id))
        .col_expr(commission::Column::RecipientPending, Expr::value(false))
        .col_expr(commission::Column::StaffPayee, Expr::value(staff))
        .filter(commission::Column::Id.is_in(rows.iter().map(|r| r.id.as_str())))
        .exec(conn)
        .await?;
    let mut deltas = Deltas::default();
    for row in rows {
        deltas.remove(&row, row.status);
        let named = commission::Model {
            recipient_id: Some(contact_id.to_owned()),
            recipient_pending: false,
            staff_payee: staff,
            ..row
        };
        deltas.add(&named, named.status);
    }
    add_to_balances(conn, deltas).await?;
    Ok(commission::Model {
        recipient_id: Some(contact_id.to_owned()),
        recipient_pending: false,
        staff_payee: staff,
        ..spiff
    })
}
