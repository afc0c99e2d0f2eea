//! A replica's hold on rows of work, said once for every table that is
//! leased (imports, backtests, payouts on a rail): claimed only when
//! nobody holds them (no lease, or one run out), renewed while the work
//! goes on, released when it ends or the replica stops. Every write the
//! holder makes is conditioned on [`Lease::held`] — the fencing token — so
//! a replica whose lease ran out and was taken over writes nothing.
//!
//! A table keeps its lease in its own columns (no migration): a
//! `lease_until` time, and, where several rows are taken all or none, a
//! token naming the claim ([`Leased::TOKEN`]). Without a token, the time
//! itself is the fence: renewing moves it.
//!
//! The queues (webhook deliveries, the mail outbox) lease their due rows
//! by their next attempt instead: [`super::queue`].

use crate::error::ApiResult;
use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, UpdateMany};
use std::marker::PhantomData;

/// A table whose rows a replica leases.
pub trait Leased: EntityTrait {
    /// The row's id.
    const ID: Self::Column;
    /// Until when the row is held (`NULL`: by nobody).
    const UNTIL: Self::Column;
    /// Who holds it, where rows are taken together.
    const TOKEN: Option<Self::Column>;
}

impl Leased for entity::import::Entity {
    const ID: Self::Column = entity::import::Column::Id;
    const UNTIL: Self::Column = entity::import::Column::LeaseUntil;
    const TOKEN: Option<Self::Column> = None;
}

impl Leased for entity::backtest::Entity {
    const ID: Self::Column = entity::backtest::Column::Id;
    const UNTIL: Self::Column = entity::backtest::Column::LeaseUntil;
    const TOKEN: Option<Self::Column> = None;
}

impl Leased for entity::payout::Entity {
    const ID: Self::Column = entity::payout::Column::Id;
    const UNTIL: Self::Column = entity::payout::Column::RailLeaseUntil;
    const TOKEN: Option<Self::Column> = Some(entity::payout::Column::RailLease);
}

/// A hold on rows of `E`.
#[derive(Debug)]
pub struct Lease<E: Leased> {
    ids: Vec<String>,
    until: DateTime<Utc>,
    token: Option<String>,
    length: chrono::Duration,
    table: PhantomData<E>,
}

/// Rows nobody holds at `now`.
pub fn free<E: Leased>(now: DateTime<Utc>) -> Condition {
    Condition::any()
        .add(E::UNTIL.is_null())
        .add(E::UNTIL.lt(now))
}

/// `update`, taking the rows from whoever holds them (a cancel): the
/// holder's next write finds its lease gone and writes nothing.
pub fn revoking<E: Leased>(update: UpdateMany<E>) -> UpdateMany<E> {
    let update = update.col_expr(E::UNTIL, Expr::value(Option::<DateTime<Utc>>::None));
    match E::TOKEN {
        Some(column) => update.col_expr(column, Expr::value(Option::<String>::None)),
        None => update,
    }
}

impl<E: Leased> Lease<E> {
    /// Takes the row `id` if `condition` admits it and nobody holds it.
    pub async fn take_one(
        conn: &impl ConnectionTrait,
        id: &str,
        condition: Condition,
        length: chrono::Duration,
    ) -> ApiResult<Option<Lease<E>>> {
        Lease::take(conn, &[id.to_owned()], condition, length).await
    }

    /// Takes every one of `ids` that `condition` admits and nobody holds
    /// — all or none.
    pub async fn take(
        conn: &impl ConnectionTrait,
        ids: &[String],
        condition: Condition,
        length: chrono::Duration,
    ) -> ApiResult<Option<Lease<E>>> {
        let now = crate::db::now();
        let lease = Lease {
            ids: ids.to_vec(),
            until: now + length,
            token: E::TOKEN.map(|_| crate::input::new_id()),
            length,
            table: PhantomData,
        };
        let mut update = E::update_many().col_expr(E::UNTIL, Expr::value(lease.until));
        if let (Some(column), Some(token)) = (E::TOKEN, &lease.token) {
            update = update.col_expr(column, Expr::value(token.as_str()));
        }
        let taken = update
            .filter(E::ID.is_in(ids.iter().map(String::as_str)))
            .filter(condition)
            .filter(free::<E>(now))
            .exec(conn)
            .await?
            .rows_affected;
        if taken as usize != ids.len() {
            lease.release(conn).await?;
            return Ok(None);
        }
        Ok(Some(lease))
    }

    /// How long it lasts unrenewed.
    pub fn length(&self) -> chrono::Duration {
        self.length
    }

    /// Until when it holds (the fence of a table without a token).
    pub fn until(&self) -> DateTime<Utc> {
        self.until
    }

    /// The rows this lease still holds: the filter of every write its
    /// holder makes.
    pub fn held(&self) -> Condition {
        match (E::TOKEN, &self.token) {
            // The token names the claim alone.
            (Some(column), Some(token)) => Condition::all().add(column.eq(token.as_str())),
            _ => Condition::all()
                .add(E::ID.is_in(self.ids.iter().map(String::as_str)))
                .add(E::UNTIL.eq(self.until)),
        }
    }

    /// `update`, made only while this lease holds, and renewing it: the
    /// caller keeps [`Lease::renewed`] once it has committed.
    pub fn renewing(&self, update: UpdateMany<E>) -> (UpdateMany<E>, DateTime<Utc>) {
        let until = crate::db::now() + self.length;
        (
            update
                .col_expr(E::UNTIL, Expr::value(until))
                .filter(self.held()),
            until,
        )
    }

    /// Notes the lease renewed to `until` by a committed write.
    pub fn renewed(&mut self, until: DateTime<Utc>) {
        self.until = until;
    }

    /// `update`, made only while this lease holds, ending it.
    pub fn ending(&self, update: UpdateMany<E>) -> UpdateMany<E> {
        update
            .col_expr(E::UNTIL, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(self.held())
    }

    /// Renews it: answers whether it still held.
    pub async fn renew(&mut self, conn: &impl ConnectionTrait) -> ApiResult<bool> {
        let (update, until) = self.renewing(E::update_many());
        let held = update.exec(conn).await?.rows_affected > 0;
        if held {
            self.until = until;
        }
        Ok(held)
    }

    /// Lets go of whatever rows it still holds, so any replica may take
    /// them at once.
    pub async fn release(self, conn: &impl ConnectionTrait) -> ApiResult<()> {
        let mut update = self.ending(E::update_many());
        if let Some(column) = E::TOKEN {
            update = update.col_expr(column, Expr::value(Option::<String>::None));
        }
        update.exec(conn).await?;
        Ok(())
    }
}
