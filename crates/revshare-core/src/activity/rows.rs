//! Field-by-field changes read from the row itself, for the acts whose
//! services do not say what they changed: the object's row as the
//! transaction began and as it is about to commit, compared column by
//! column.
//!
//! Columns are named as clients name fields (`commission_rate` is
//! `commissionRate`); an amount in minor units beside its row's currency
//! is an amount (`amount_minor` 1250 in USD is `amount` `12.50`); a
//! moment is RFC 3339 in UTC. Left out: the row's identity and
//! bookkeeping (`id`, `tenant_id`, `created_at`, `updated_at`,
//! `created_by`), internal keys and leases (`…_key`, `…_lease…`), and
//! every column [`super::exposure`] does not list as shown; tax ids, IBANs
//! and account numbers keep their last 4.

use super::{Exposure, FieldChange, exposure, last_four, safe};
use chrono::{DateTime, SecondsFormat, Utc};
use revshare_engine::money::Currency;
use sea_orm::sea_query::{Alias, Expr, ExprTrait, Query, sea_value_to_json_value};
use sea_orm::{
    ConnectionTrait, DbErr, EntityTrait, FromQueryResult, IdenStatic, Iterable, JsonValue,
    ModelTrait, Value,
};
use std::collections::BTreeMap;

/// A row's columns, each as text (`None`: null).
pub type Row = BTreeMap<String, Option<String>>;

/// Longest value kept, in characters: a longer one ends with `…`.
const LONGEST: usize = 500;

/// The tenant's row `id` of `table`, if any (`tenants` is keyed by the
/// tenant's id alone).
pub async fn read(
    conn: &impl ConnectionTrait,
    table: &str,
    tenant_id: &str,
    id: &str,
) -> Result<Option<Row>, DbErr> {
    // Built by the query builder, which writes each backend's placeholders.
    let mut query = Query::select();
    query
        .expr(Expr::cust("*"))
        .from(Alias::new(table))
        .and_where(Expr::col(Alias::new("id")).eq(id));
    if table != "tenants" {
        query.and_where(Expr::col(Alias::new("tenant_id")).eq(tenant_id));
    }
    let statement = conn.get_database_backend().build(&query);
    let Some(JsonValue::Object(columns)) =
        JsonValue::find_by_statement(statement).one(conn).await?
    else {
        return Ok(None);
    };
    Ok(Some(
        columns
            .into_iter()
            .filter(|(column, _)| kept(column))
            .map(|(column, value)| (column, text(value)))
            .collect(),
    ))
}

/// The columns of a row a service holds, as [`read`] would have read
/// them (no statement).
pub fn of_model<M: ModelTrait>(model: &M) -> Row {
    <M::Entity as EntityTrait>::Column::iter()
        .filter_map(|column| {
            let name = column.as_str();
            let value = model.get(column);
            // Bytes are no field a person reads.
            if !kept(name) || matches!(value, Value::Bytes(_)) {
                return None;
            }
            Some((name.to_owned(), text(sea_value_to_json_value(&value))))
        })
        .collect()
}

/// Whether a column says something of the object (not its identity,
/// bookkeeping or internal keys).
fn kept(column: &str) -> bool {
    !matches!(
        column,
        "id" | "tenant_id" | "created_at" | "updated_at" | "created_by"
    ) && !column.ends_with("_key")
        && !column.contains("_lease")
}

/// A column's value as text: moments in RFC 3339 UTC, whatever the
/// database's form of them; a JSON document with its secrets scrubbed.
fn text(value: JsonValue) -> Option<String> {
    let text = match value {
        JsonValue::Null => return None,
        JsonValue::String(s) if s.starts_with('{') || s.starts_with('[') => {
            match serde_json::from_str::<JsonValue>(&s) {
                Ok(document) => scrubbed(document).to_string(),
                Err(_) => s,
            }
        }
        // A moment as a statement writes it is quoted (`'2026-…'`).
        JsonValue::String(s) => moment(s.trim_matches('\'')).unwrap_or(s),
        JsonValue::Bool(b) => b.to_string(),
        JsonValue::Number(n) => n.to_string(),
        other => scrubbed(other).to_string(),
    };
    Some(if text.chars().count() > LONGEST {
        let mut cut: String = text.chars().take(LONGEST).collect();
        cut.push('…');
        cut
    } else {
        text
    })
}

/// A JSON document (a payer's details, a rule set) with each key the log
/// may not hold — any key not listed as shown — left out, and those it
/// may show the last 4 of masked, at any depth.
fn scrubbed(document: JsonValue) -> JsonValue {
    match document {
        JsonValue::Object(fields) => JsonValue::Object(
            fields
                .into_iter()
                .filter_map(|(key, value)| match (exposure(&key), value) {
                    (Exposure::Secret, _) => None,
                    (Exposure::LastFour, JsonValue::String(s)) => {
                        Some((key, JsonValue::String(last_four(&s))))
                    }
                    (Exposure::LastFour, _) => None,
                    (Exposure::Url, JsonValue::String(s)) => {
                        Some((key, JsonValue::String(masked_url(&s))))
                    }
                    (Exposure::Url, _) => None,
                    (Exposure::Plain, value) => Some((key, scrubbed(value))),
                })
                .collect(),
        ),
        JsonValue::Array(items) => JsonValue::Array(items.into_iter().map(scrubbed).collect()),
        other => other,
    }
}

/// A URL as the log may hold it: its user information (`user:password@`),
/// query and fragment each `…`, the rest as it is — read as text, so a
/// URL that does not parse is masked alike.
pub(super) fn masked_url(url: &str) -> String {
    let (scheme, rest) = match url.find("://") {
        Some(at) => url.split_at(at + 3),
        None => ("", url),
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(authority_end);
    let host = match authority.rfind('@') {
        Some(at) => format!("…@{}", &authority[at + 1..]),
        None => authority.to_owned(),
    };
    let path_end = tail.find(['?', '#']).unwrap_or(tail.len());
    let (path, after) = tail.split_at(path_end);
    let mut masked = format!("{scheme}{host}{path}");
    if after.starts_with('?') {
        masked.push_str("?…");
    }
    if after.contains('#') {
        masked.push_str("#…");
    }
    masked
}

/// `s` as an RFC 3339 moment in UTC, if it is one.
fn moment(s: &str) -> Option<String> {
    if s.len() < 19 || !s.as_bytes()[..4].iter().all(u8::is_ascii_digit) {
        return None;
    }
    let at = DateTime::parse_from_rfc3339(s)
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f %:z"))
        .or_else(|_| DateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f%:z"))
        .ok()?;
    Some(
        at.with_timezone(&Utc)
            .to_rfc3339_opts(SecondsFormat::AutoSi, true),
    )
}

/// Each field that differs between `before` and `after` (either absent:
/// a row created or deleted), named and shown as clients read it.
pub fn compare(before: Option<&Row>, after: Option<&Row>) -> Vec<FieldChange> {
    let empty = Row::new();
    let (was, is) = (before.unwrap_or(&empty), after.unwrap_or(&empty));
    let mut columns: Vec<&String> = was.keys().chain(is.keys()).collect();
    columns.sort();
    columns.dedup();
    columns
        .into_iter()
        .filter_map(|column| {
            let old = was.get(column).cloned().flatten();
            let new = is.get(column).cloned().flatten();
            if old == new {
                return None;
            }
            match column.strip_suffix("_minor") {
                Some(amount) => safe(
                    &field_name(amount),
                    in_currency(old, was),
                    in_currency(new, is),
                ),
                None => safe(&field_name(column), old, new),
            }
        })
        .collect()
}

/// Minor units as an amount in `row`'s currency (as they are without one).
fn in_currency(minor: Option<String>, row: &Row) -> Option<String> {
    let minor = minor?;
    let currency = row
        .get("currency")
        .cloned()
        .flatten()
        .and_then(|code| Currency::parse(&code).ok());
    match (currency, minor.parse::<i64>()) {
        (Some(currency), Ok(units)) => Some(currency.from_minor(units).to_string()),
        _ => Some(minor),
    }
}

/// `snake_case` as `camelCase`.
fn field_name(column: &str) -> String {
    let mut name = String::with_capacity(column.len());
    let mut upper = false;
    for c in column.chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            name.push(c.to_ascii_uppercase());
            upper = false;
        } else {
            name.push(c);
        }
    }
    name
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(columns: &[(&str, Option<&str>)]) -> Row {
        columns
            .iter()
            .map(|(c, v)| (c.to_string(), v.map(str::to_owned)))
            .collect()
    }

    #[test]
    fn rows_compare_field_by_field_as_clients_name_them() {
        let before = row(&[
            ("name", Some("Spring")),
            ("currency", Some("USD")),
            ("amount_minor", Some("1250")),
            ("payout_account_iban", Some("DE89370400440532013000")),
            ("signing_secret", Some("whsec_a")),
            ("ends_at", None),
        ]);
        let after = row(&[
            ("name", Some("Summer")),
            ("currency", Some("USD")),
            ("amount_minor", Some("1300")),
            ("payout_account_iban", Some("GB33BUKB20201555555555")),
            ("signing_secret", Some("whsec_b")),
            ("ends_at", Some("2026-12-31T00:00:00Z")),
        ]);
        let change = |field: &str, before: Option<&str>, after: Option<&str>| FieldChange {
            field: field.into(),
            before: before.map(str::to_owned),
            after: after.map(str::to_owned),
        };
        assert_eq!(
            compare(Some(&before), Some(&after)),
            vec![
                change("amount", Some("12.50"), Some("13.00")),
                change("endsAt", None, Some("2026-12-31T00:00:00Z")),
                change("name", Some("Spring"), Some("Summer")),
                change("payoutAccountIban", Some("…3000"), Some("…5555")),
            ]
        );
        assert_eq!(
            compare(None, Some(&row(&[("name", Some("New"))]))),
            vec![change("name", None, Some("New"))]
        );
        assert_eq!(compare(Some(&before), Some(&before)), vec![]);
    }

    #[test]
    fn a_column_or_key_nobody_listed_is_left_out() {
        // Made up: a `pin` and a `passphrase` no table has today, as a
        // column and as a key of a document at any depth.
        let before = row(&[
            ("name", Some("Spring")),
            ("pin", Some("1234")),
            ("passphrase", Some("correct horse")),
        ]);
        let after = row(&[
            ("name", Some("Summer")),
            ("pin", Some("9876")),
            ("passphrase", Some("battery staple")),
        ]);
        assert_eq!(
            compare(Some(&before), Some(&after)),
            vec![FieldChange {
                field: "name".into(),
                before: Some("Spring".into()),
                after: Some("Summer".into()),
            }]
        );
        assert_eq!(compare(None, Some(&row(&[("pin", Some("1234"))]))), vec![]);
        assert_eq!(
            text(JsonValue::String(
                r#"{"name":"Acme","pin":"1234","address":{"city":"Berlin","passphrase":"open sesame"}}"#
                    .into()
            ))
            .as_deref(),
            Some(r#"{"address":{"city":"Berlin"},"name":"Acme"}"#)
        );
    }

    #[test]
    fn moments_read_alike_from_either_database() {
        assert_eq!(
            moment("2026-11-28 13:00:00.5 +00:00").as_deref(),
            Some("2026-11-28T13:00:00.500Z")
        );
        assert_eq!(
            moment("2026-11-28T14:00:00+01:00").as_deref(),
            Some("2026-11-28T13:00:00Z")
        );
        assert_eq!(moment("ACTIVE"), None);
        assert_eq!(
            text(JsonValue::String(
                r#"{"legal_name":"Acme","tin_sealed":"c2VhbGVk","address":{"city":"Berlin","iban":"DE89370400440532013000"}}"#
                    .into()
            ))
            .as_deref(),
            Some(r#"{"address":{"city":"Berlin","iban":"…3000"},"legal_name":"Acme"}"#)
        );
        assert!(!kept("click_key") && !kept("rail_lease_until") && kept("status"));
        assert_eq!(field_name("minimum_payout"), "minimumPayout");
    }
}
