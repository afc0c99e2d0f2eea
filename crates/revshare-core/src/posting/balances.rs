//! The balances every ledger change keeps: each partner's and each payee
//! contact's sum and count per currency and status, and (through
//! [`super::stats`]) the reports' rollups — added in key order, so balance
//! rows are always locked in one order.

use super::{WRITE_CHUNK, stats};
use crate::error::ApiResult;
use entity::enums::CommissionStatus;
use entity::{commission, contact_balance, partner_balance};
use sea_orm::sea_query::{Alias, Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, ExprTrait};
use std::collections::BTreeMap;

/// Whose balance a row counts in.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Holder {
    Partner(String),
    Contact(String),
}

/// Changes to balances, by (holder, currency, status), kept in that order
/// so that balance rows are always locked in one order: partners' before
/// contacts'.
#[derive(Default)]
pub(crate) struct Deltas {
    by_key: BTreeMap<(Holder, String, CommissionStatus), Delta>,
    /// The reports' rollups, moved by the same changes.
    stats: stats::StatDeltas,
}

#[derive(Default)]
struct Delta {
    tenant_id: String,
    amount_minor: i64,
    count: i64,
}

impl Deltas {
    /// Deltas that start from the rollups' `stats` (what a posting
    /// recorded besides its rows).
    pub(crate) fn with_stats(stats: stats::StatDeltas) -> Deltas {
        Deltas {
            stats,
            ..Deltas::default()
        }
    }

    /// A row enters `status` (it was inserted, or moved there).
    pub(crate) fn add(&mut self, row: &commission::Model, status: CommissionStatus) {
        self.change(row, status, row.amount_minor, 1);
    }

    /// A row leaves `status`.
    pub(crate) fn remove(&mut self, row: &commission::Model, status: CommissionStatus) {
        self.change(row, status, -row.amount_minor, -1);
    }

    /// The row counts in its partner's balance unless it pays one of the
    /// tenant's staff, and in its recipient's when it has one.
    fn change(
        &mut self,
        row: &commission::Model,
        status: CommissionStatus,
        amount: i64,
        count: i64,
    ) {
        self.stats.commission(row, status, amount, count);
        let partner = (!row.staff_payee).then(|| Holder::Partner(row.partner_id.clone()));
        let contact = row.recipient_id.clone().map(Holder::Contact);
        for holder in partner.into_iter().chain(contact) {
            let delta = self
                .by_key
                .entry((holder, row.currency.clone(), status))
                .or_default();
            delta.tenant_id.clone_from(&row.tenant_id);
            delta.amount_minor += amount;
            delta.count += count;
        }
    }
}

/// Adds deltas to `partner_balances`, then `contact_balances`: one upsert
/// per table and chunk, rows in key order.
pub(crate) async fn add_to_balances(conn: &impl ConnectionTrait, deltas: Deltas) -> ApiResult<()> {
    let mut partners = Vec::new();
    let mut contacts = Vec::new();
    let deltas_by_key = deltas.by_key;
    for ((holder, currency, status), d) in deltas_by_key {
        if d.amount_minor == 0 && d.count == 0 {
            continue;
        }
        match holder {
            Holder::Partner(partner_id) => partners.push(partner_balance::ActiveModel {
                partner_id: Set(partner_id),
                currency: Set(currency),
                status: Set(status),
                tenant_id: Set(d.tenant_id),
                amount_minor: Set(d.amount_minor),
                commission_count: Set(d.count),
            }),
            Holder::Contact(contact_id) => contacts.push(contact_balance::ActiveModel {
                contact_id: Set(contact_id),
                currency: Set(currency),
                status: Set(status),
                tenant_id: Set(d.tenant_id),
                amount_minor: Set(d.amount_minor),
                commission_count: Set(d.count),
            }),
        }
    }
    use contact_balance::Column as C;
    use partner_balance::Column as P;
    let count = "commission_count";
    let key = [P::PartnerId, P::Currency, P::Status];
    add_totals::<partner_balance::Entity>(conn, partners, &key, count).await?;
    let key = [C::ContactId, C::Currency, C::Status];
    add_totals::<contact_balance::Entity>(conn, contacts, &key, count).await?;
    stats::add(conn, deltas.stats).await
}

/// Inserts rows of kept totals, or adds their `amount_minor` and `count`
/// column to the rows of the same key: the balances and the reports'
/// rollups alike.
pub(crate) async fn add_totals<E>(
    conn: &impl ConnectionTrait,
    rows: impl IntoIterator<Item = E::ActiveModel>,
    key: &[E::Column],
    count: &str,
) -> ApiResult<()>
where
    E: EntityTrait,
    E::ActiveModel: Send,
{
    let excluded = Alias::new("excluded");
    let sum = |column: &str| {
        let column = Alias::new(column);
        Expr::col((E::default(), column.clone())).add(Expr::col((excluded.clone(), column)))
    };
    let mut rows = rows.into_iter().peekable();
    while rows.peek().is_some() {
        let chunk: Vec<E::ActiveModel> = rows.by_ref().take(WRITE_CHUNK).collect();
        E::insert_many(chunk)
            .on_conflict(
                OnConflict::columns(key.iter().copied())
                    .value(Alias::new("amount_minor"), sum("amount_minor"))
                    .value(Alias::new(count), sum(count))
                    .to_owned(),
            )
            .exec_without_returning(conn)
            .await?;
    }
    Ok(())
}
