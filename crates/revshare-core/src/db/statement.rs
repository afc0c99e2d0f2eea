//! One SQL text for both databases.

use sea_orm::{DbBackend, Statement};

/// `sql` with `values`, its placeholders written `?` (numbered for
/// PostgreSQL): one text for both databases.
pub fn statement(backend: DbBackend, sql: &str, values: Vec<sea_orm::Value>) -> Statement {
    let mut text = String::with_capacity(sql.len() + 16);
    for (n, part) in sql.split('?').enumerate() {
        if n > 0 {
            match backend {
                DbBackend::Postgres => text.push_str(&format!("${n}")),
                _ => text.push('?'),
            }
        }
        text.push_str(part);
    }
    Statement::from_sql_and_values(backend, text, values)
}
