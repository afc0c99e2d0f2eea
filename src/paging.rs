//! Keyset pagination (SPEC §4): rows are ordered by their ULID id, a cursor is
//! the id of the row it points at, and a page is `id > after` (or `id <
//! before`) with one extra row fetched to learn whether another page exists.
//! No OFFSET scans, so a page costs the same anywhere in a large table.

use crate::error::ApiError;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder, QueryResult,
    QuerySelect, QueryTrait, Select,
};

/// The allowed and default `first`/`last` of one kind of list.
#[derive(Debug, Clone, Copy)]
pub struct PageLimits {
    pub default: u64,
    pub max: u64,
}

/// Lists in general: 1–100, 50 when omitted.
pub const DEFAULT_LIMITS: PageLimits = PageLimits {
    default: 50,
    max: 100,
};

/// `commissions` pages: 1–500, 100 when omitted (seed 002). The largest
/// page of any list.
pub const COMMISSION_LIMITS: PageLimits = PageLimits {
    default: 100,
    max: 500,
};

#[derive(Debug, Clone, Default)]
pub struct PageArgs {
    pub first: Option<i32>,
    pub after: Option<String>,
    pub last: Option<i32>,
    pub before: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageRequest {
    pub size: u64,
    pub cursor: Option<String>,
    pub backward: bool,
}

#[derive(Debug, Clone)]
pub struct Page<M> {
    pub rows: Vec<M>,
    pub has_previous: bool,
    pub has_next: bool,
}

impl<M> Page<M> {
    pub fn empty() -> Page<M> {
        Page {
            rows: Vec::new(),
            has_previous: false,
            has_next: false,
        }
    }
}

fn check_cursor(field: &str, cursor: Option<String>) -> Result<Option<String>, ApiError> {
    match cursor {
        Some(c) if ulid::Ulid::from_string(&c).is_err() => Err(ApiError::bad_input(
            field,
            "is not a cursor returned by this list",
        )),
        other => Ok(other),
    }
}

fn check_size(field: &str, value: i32, limits: PageLimits) -> Result<u64, ApiError> {
    if value < 1 || value as u64 > limits.max {
        return Err(ApiError::bad_input(
            field,
            format!("must be between 1 and {}", limits.max),
        ));
    }
    Ok(value as u64)
}

impl PageRequest {
    pub fn parse(args: PageArgs, limits: PageLimits) -> Result<PageRequest, ApiError> {
        if args.first.is_some() && args.last.is_some() {
            return Err(ApiError::bad_input("last", "cannot be combined with first"));
        }
        if args.after.is_some() && args.before.is_some() {
            return Err(ApiError::bad_input(
                "before",
                "cannot be combined with after",
            ));
        }
        if args.last.is_some() || args.before.is_some() {
            if args.after.is_some() {
                return Err(ApiError::bad_input("after", "cannot be combined with last"));
            }
            let size = match args.last {
                Some(last) => check_size("last", last, limits)?,
                None => limits.default,
            };
            return Ok(PageRequest {
                size,
                cursor: check_cursor("before", args.before)?,
                backward: true,
            });
        }
        let size = match args.first {
            Some(first) => check_size("first", first, limits)?,
            None => limits.default,
        };
        Ok(PageRequest {
            size,
            cursor: check_cursor("after", args.after)?,
            backward: false,
        })
    }

    /// Fetches one page of `select`, keyed by the string id column `id`.
    pub async fn fetch<E, C>(
        &self,
        conn: &C,
        select: Select<E>,
        id: E::Column,
    ) -> Result<Page<E::Model>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let rows = self.keyset(select, id).all(conn).await?;
        Ok(self.page(rows))
    }

    /// [`fetch`](Self::fetch), reading only `columns` (in that order) and
    /// making each row with `decode`: a reader that asks for a few fields
    /// of wide rows does not pay for decoding the others.
    pub async fn fetch_columns<E, C, M>(
        &self,
        conn: &C,
        select: Select<E>,
        id: E::Column,
        columns: &[E::Column],
        decode: impl Fn(&QueryResult, &[E::Column]) -> Result<M, DbErr>,
    ) -> Result<Page<M>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let select = self
            .keyset(select, id)
            .select_only()
            .columns(columns.iter().copied());
        let rows = conn
            .query_all_raw(select.build(conn.get_database_backend()))
            .await?;
        let rows = rows
            .iter()
            .map(|row| decode(row, columns))
            .collect::<Result<Vec<M>, DbErr>>()?;
        Ok(self.page(rows))
    }

    /// `select` narrowed to the page's keyset: after (or before) the
    /// cursor, in id order, one row more than the page holds.
    fn keyset<E: EntityTrait>(&self, select: Select<E>, id: E::Column) -> Select<E> {
        let mut select = select;
        if let Some(cursor) = &self.cursor {
            select = if self.backward {
                select.filter(id.lt(cursor.as_str()))
            } else {
                select.filter(id.gt(cursor.as_str()))
            };
        }
        select = if self.backward {
            select.order_by_desc(id)
        } else {
            select.order_by_asc(id)
        };
        select.limit(self.size + 1)
    }

    /// The page of the rows [`keyset`](Self::keyset) read.
    fn page<M>(&self, mut rows: Vec<M>) -> Page<M> {
        let more = rows.len() as u64 > self.size;
        rows.truncate(self.size as usize);
        if self.backward {
            rows.reverse();
            Page {
                rows,
                has_previous: more,
                has_next: self.cursor.is_some(),
            }
        } else {
            Page {
                rows,
                has_previous: self.cursor.is_some(),
                has_next: more,
            }
        }
    }
}

/// Escapes `%`, `_` and `\` so user text matches literally inside LIKE.
pub fn like_pattern(text: &str) -> String {
    let mut pattern = String::with_capacity(text.len() + 2);
    pattern.push('%');
    for c in text.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            pattern.push('\\');
        }
        pattern.push(c);
    }
    pattern.push('%');
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_bounded() {
        let parse = |first| {
            PageRequest::parse(
                PageArgs {
                    first: Some(first),
                    ..Default::default()
                },
                DEFAULT_LIMITS,
            )
        };
        assert_eq!(parse(1).unwrap().size, 1);
        assert_eq!(parse(100).unwrap().size, 100);
        assert_eq!(
            parse(0).unwrap_err(),
            ApiError::bad_input("first", "must be between 1 and 100")
        );
        assert!(parse(101).is_err());
        assert_eq!(
            PageRequest::parse(PageArgs::default(), DEFAULT_LIMITS)
                .unwrap()
                .size,
            50
        );
    }

    #[test]
    fn like_patterns_are_literal_and_lowercase() {
        assert_eq!(like_pattern("50%_A\\"), "%50\\%\\_a\\\\%");
    }
}
