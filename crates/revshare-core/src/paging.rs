//! Keyset pagination (SPEC §4): rows are ordered by their ULID id, a cursor is
//! the id of the row it points at, and a page is `id > after` (or `id <
//! before`) with one extra row fetched to learn whether another page exists.
//! No OFFSET scans, so a page costs the same anywhere in a large table.
//!
//! A list may also be ordered by a time column ([`Order::ByTime`]): the
//! keyset is then the pair (time, id), and a cursor is
//! `<nanoseconds since the epoch>.<id>`, so that rows of the same instant
//! still page in a fixed order.

use crate::error::ApiError;
use chrono::{DateTime, Utc};
use sea_orm::{
    ColumnTrait, Condition, ConnectionTrait, DbErr, EntityTrait, QueryFilter, QueryOrder,
    QueryResult, QuerySelect, QueryTrait, Select,
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

/// What a list's pages follow: the id (recording order, the default of
/// every list), or a time column with the id breaking ties.
#[derive(Debug, Clone, Copy)]
pub enum Order<C> {
    ById(C),
    ByTime { time: C, id: C, newest_first: bool },
}

impl<C> Order<C> {
    fn timed(&self) -> bool {
        matches!(self, Order::ByTime { .. })
    }
}

/// The cursor of a row in an [`Order::ByTime`] list.
pub fn timed_cursor(at: DateTime<Utc>, id: &str) -> String {
    format!("{}.{id}", at.timestamp_nanos_opt().unwrap_or(i64::MAX))
}

/// A timed cursor's parts, if `cursor` is one.
fn timed_parts(cursor: &str) -> Option<(DateTime<Utc>, &str)> {
    let (nanos, id) = cursor.split_once('.')?;
    ulid::Ulid::from_string(id).ok()?;
    Some((DateTime::from_timestamp_nanos(nanos.parse().ok()?), id))
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

/// `cursor`, if it is one a list (`timed` or in id order) hands out.
fn check_cursor(
    field: &str,
    cursor: Option<String>,
    timed: bool,
) -> Result<Option<String>, ApiError> {
    match cursor {
        Some(c)
            if timed_parts(&c).is_some() != timed
                || !timed && ulid::Ulid::from_string(&c).is_err() =>
        {
            Err(ApiError::bad_input(
                field,
                "is not a cursor returned by this list (in this order)",
            ))
        }
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
    /// The page `args` ask of a list in id order.
    pub fn parse(args: PageArgs, limits: PageLimits) -> Result<PageRequest, ApiError> {
        PageRequest::parse_in(args, limits, &Order::ById(()))
    }

    /// The page `args` ask of a list in `order`.
    pub fn parse_in<C>(
        args: PageArgs,
        limits: PageLimits,
        order: &Order<C>,
    ) -> Result<PageRequest, ApiError> {
        let timed = order.timed();
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
                cursor: check_cursor("before", args.before, timed)?,
                backward: true,
            });
        }
        let size = match args.first {
            Some(first) => check_size("first", first, limits)?,
            None => limits.default,
        };
        Ok(PageRequest {
            size,
            cursor: check_cursor("after", args.after, timed)?,
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
        self.fetch_in(conn, select, Order::ById(id)).await
    }

    /// [`fetch`](Self::fetch) in `order` (a request parsed for it,
    /// [`parse_in`](Self::parse_in)).
    pub async fn fetch_in<E, C>(
        &self,
        conn: &C,
        select: Select<E>,
        order: Order<E::Column>,
    ) -> Result<Page<E::Model>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let rows = self.keyset(select, order).all(conn).await?;
        Ok(self.page(rows))
    }

    /// [`fetch`](Self::fetch), reading only `columns` (in that order) and
    /// making each row with `decode`: a reader that asks for a few fields
    /// of wide rows does not pay for decoding the others.
    pub async fn fetch_columns<E, C, M>(
        &self,
        conn: &C,
        select: Select<E>,
        order: Order<E::Column>,
        columns: &[E::Column],
        decode: impl Fn(&QueryResult, &[E::Column]) -> Result<M, DbErr>,
    ) -> Result<Page<M>, DbErr>
    where
        E: EntityTrait,
        C: ConnectionTrait,
    {
        let select = self
            .keyset(select, order)
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
    /// cursor, in `order`, one row more than the page holds.
    fn keyset<E: EntityTrait>(&self, select: Select<E>, order: Order<E::Column>) -> Select<E> {
        let (time, id, newest_first) = match order {
            Order::ById(id) => return self.id_keyset(select, id),
            Order::ByTime {
                time,
                id,
                newest_first,
            } => (time, id, newest_first),
        };
        // Walking towards later times: forward in oldest-first order, or
        // backward in newest-first order.
        let later = self.backward == newest_first;
        let mut select = select;
        match self.cursor.as_deref().and_then(timed_parts) {
            Some((at, cursor)) => {
                let (beyond, tie) = match later {
                    true => (time.gt(at), id.gt(cursor)),
                    false => (time.lt(at), id.lt(cursor)),
                };
                let same = Condition::all().add(time.eq(at)).add(tie);
                select = select.filter(Condition::any().add(beyond).add(same));
            }
            // Refused by `parse_in`: an id cursor in a timed list reads
            // nothing rather than a wrong page.
            None if self.cursor.is_some() => select = select.filter(id.is_null()),
            None => {}
        }
        select = match later {
            true => select.order_by_asc(time).order_by_asc(id),
            false => select.order_by_desc(time).order_by_desc(id),
        };
        select.limit(self.size + 1)
    }

    /// [`keyset`](Self::keyset) in id order.
    fn id_keyset<E: EntityTrait>(&self, select: Select<E>, id: E::Column) -> Select<E> {
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
