//! The planner's statistics during a bulk write. A table grown from
//! nothing within minutes (a program imported into a new database) is
//! unknown to the planner until something analyses it, and a plan made
//! blind reads every row of the tenant where one index entry would do:
//! PostgreSQL planned each commission's composite foreign-key check on
//! the tenant's index alone, SQLite the look for a customer's earlier
//! sales on the tenant's time index — each page slower than the last. A
//! bulk writer analyses the tables it grows each time its rows written
//! double, as PostgreSQL's guide to populating a database advises: a
//! handful of `ANALYZE`s for a million rows.

use super::Db;
use sea_orm::{ConnectionTrait, DbBackend};

/// Rows written before the first `ANALYZE`.
const FIRST: u64 = 2_000;

/// The rows a bulk writer has written, and when it analyses next.
#[derive(Debug)]
pub struct Growth {
    tables: &'static [&'static str],
    written: u64,
    next: u64,
}

impl Growth {
    /// For a writer growing `tables`.
    pub fn new(tables: &'static [&'static str]) -> Growth {
        Growth {
            tables,
            written: 0,
            next: FIRST,
        }
    }

    /// Counts `rows` more written and, when they have doubled since the
    /// last time, analyses the tables. A failed `ANALYZE` costs speed, not
    /// correctness: it is logged, never raised.
    pub async fn wrote(&mut self, db: &Db, rows: u64) {
        if !self.due(rows) {
            return;
        }
        if let Err(err) = self.analyse(db).await {
            tracing::warn!(error = ?err, "analysing the tables of a bulk write failed");
        }
    }

    /// One `ANALYZE` of every table on PostgreSQL; one a table on SQLite
    /// (its `ANALYZE` names one), under the write lock.
    async fn analyse(&self, db: &Db) -> Result<(), sea_orm::DbErr> {
        if db.backend() == DbBackend::Postgres {
            let statement = format!("ANALYZE {}", self.tables.join(", "));
            return db.conn().execute_unprepared(&statement).await.map(|_| ());
        }
        let txn = db.write().await?;
        for table in self.tables {
            txn.execute_unprepared(&format!("ANALYZE {table}")).await?;
        }
        txn.commit().await
    }

    /// Counts `rows` more: whether the rows written have doubled since
    /// the last analysis.
    fn due(&mut self, rows: u64) -> bool {
        self.written = self.written.saturating_add(rows);
        if self.written < self.next {
            return false;
        }
        self.next = self.written.saturating_mul(2);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn it_analyses_each_time_the_rows_double() {
        let mut growth = Growth::new(&["events"]);
        let at: Vec<u64> = (1..=1_000u64)
            .filter(|_| growth.due(100))
            .map(|page| page * 100)
            .collect();
        assert_eq!(at, [2_000, 4_000, 8_000, 16_000, 32_000, 64_000]);
    }
}
