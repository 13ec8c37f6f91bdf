//! Small helpers shared by the queries: parameter numbering, column decoding,
//! instants and LIKE patterns.

use std::str::FromStr;

use kept_domain::Timestamp;
use sqlx::AnyConnection;
use sqlx::any::{AnyArguments, AnyRow};
use sqlx::{Arguments, Encode, Row, Type};

use crate::error::{Result, StoreError};

/// The current instant, truncated to the microsecond the database keeps, so
/// a value returned by a write equals the value read back later.
pub(crate) fn now() -> Timestamp {
    let micros = Timestamp::now().as_microsecond();
    Timestamp::from_microsecond(micros).unwrap_or(Timestamp::UNIX_EPOCH)
}

/// An instant as the database keeps it: truncated to the microsecond.
pub(crate) fn to_micros(t: Timestamp) -> Timestamp {
    Timestamp::from_microsecond(t.as_microsecond()).unwrap_or(t)
}

/// An instant as stored: microseconds since the epoch.
pub(crate) fn micros(t: Timestamp) -> i64 {
    t.as_microsecond()
}

/// A query whose text is built at run time, with `$n` placeholders numbered
/// as values are bound (both SQLite and PostgreSQL read `$n`).
pub(crate) struct Sql {
    pub text: String,
    pub args: AnyArguments,
    count: usize,
    /// Placeholders are plain `?`, numbered by their order (SQLite only).
    anonymous: bool,
}

impl Sql {
    /// Starts a query with `text`.
    pub fn new(text: &str) -> Self {
        Self {
            text: text.to_owned(),
            args: AnyArguments::default(),
            count: 0,
            anonymous: false,
        }
    }

    /// Starts a query with `text` to run on `conn`. On SQLite its
    /// placeholders are plain `?`, numbered by their order: sqlx looks up
    /// the name of each `$n` in a list as long as the statement's
    /// parameters, which is quadratic in a group commit's multi-row
    /// `INSERT` (up to 1,728 parameters). Only for statements whose every
    /// placeholder comes from [`Sql::bind`].
    pub fn on(conn: &AnyConnection, text: &str) -> Self {
        let mut sql = Self::new(text);
        sql.anonymous = conn.backend_name() == "SQLite";
        sql
    }

    /// Appends SQL text.
    pub fn push(&mut self, text: &str) -> &mut Self {
        self.text.push_str(text);
        self
    }

    /// Appends a placeholder bound to `value`.
    pub fn bind<T>(&mut self, value: T) -> &mut Self
    where
        T: for<'q> Encode<'q, sqlx::Any> + Type<sqlx::Any> + Send + 'static,
    {
        self.count += 1;
        if self.anonymous {
            self.text.push('?');
        } else {
            self.text.push('$');
            self.text.push_str(&self.count.to_string());
        }
        // Encoding into AnyArguments only fails for types the Any driver
        // cannot carry, which the bound above already excludes.
        if let Err(e) = self.args.add(value) {
            tracing::error!(error = %e, "could not bind a query parameter");
        }
        self
    }

    /// Appends ` LIMIT n`, with `n` written into the text rather than bound:
    /// SQLite (3.53) plans with a bound LIMIT's value, so binding it again
    /// would make it parse and plan the statement on every run.
    pub fn limit(&mut self, n: u64) -> &mut Self {
        self.text.push_str(" LIMIT ");
        self.text.push_str(&n.to_string());
        self
    }

    /// Appends a comma-separated list of placeholders bound to `values`.
    pub fn bind_list<T>(&mut self, values: impl IntoIterator<Item = T>) -> &mut Self
    where
        T: for<'q> Encode<'q, sqlx::Any> + Type<sqlx::Any> + Send + 'static,
    {
        for (i, v) in values.into_iter().enumerate() {
            if i > 0 {
                self.push(", ");
            }
            self.bind(v);
        }
        self
    }

    /// The query, ready to run.
    pub fn query(self) -> sqlx::query::Query<'static, sqlx::Any, AnyArguments> {
        sqlx::query_with(sqlx::AssertSqlSafe(self.text), self.args)
    }
}

/// Typed access to columns, turning malformed stored values into
/// [`StoreError::Corrupt`] rather than panics.
pub(crate) trait RowExt {
    /// A text column.
    fn text(&self, col: &str) -> Result<String>;
    /// A nullable text column.
    fn opt_text(&self, col: &str) -> Result<Option<String>>;
    /// A text column parsed with `FromStr` (ids, enums).
    fn parsed<T: FromStr>(&self, col: &str) -> Result<T>;
    /// A nullable text column parsed with `FromStr`.
    fn opt_parsed<T: FromStr>(&self, col: &str) -> Result<Option<T>>;
    /// An instant column.
    fn instant(&self, col: &str) -> Result<Timestamp>;
    /// A nullable instant column.
    fn opt_instant(&self, col: &str) -> Result<Option<Timestamp>>;
    /// A boolean column.
    fn flag(&self, col: &str) -> Result<bool>;
    /// An integer column.
    fn int(&self, col: &str) -> Result<i64>;
    /// A nullable boolean (an integer on SQLite).
    fn opt_flag(&self, col: &str) -> Result<Option<bool>>;
    /// A nullable integer column.
    fn opt_int(&self, col: &str) -> Result<Option<i64>>;
}

fn corrupt(col: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Corrupt(format!("column {col}: {e}"))
}

fn to_instant(col: &str, v: i64) -> Result<Timestamp> {
    Timestamp::from_microsecond(v).map_err(|e| corrupt(col, e))
}

impl RowExt for AnyRow {
    fn text(&self, col: &str) -> Result<String> {
        self.try_get(col).map_err(|e| corrupt(col, e))
    }

    fn opt_text(&self, col: &str) -> Result<Option<String>> {
        self.try_get(col).map_err(|e| corrupt(col, e))
    }

    fn parsed<T: FromStr>(&self, col: &str) -> Result<T> {
        let raw = self.text(col)?;
        raw.parse()
            .map_err(|_| corrupt(col, format!("unexpected value {raw:?}")))
    }

    fn opt_parsed<T: FromStr>(&self, col: &str) -> Result<Option<T>> {
        match self.opt_text(col)? {
            Some(raw) => raw
                .parse()
                .map(Some)
                .map_err(|_| corrupt(col, format!("unexpected value {raw:?}"))),
            None => Ok(None),
        }
    }

    fn instant(&self, col: &str) -> Result<Timestamp> {
        to_instant(col, self.int(col)?)
    }

    fn opt_instant(&self, col: &str) -> Result<Option<Timestamp>> {
        let v: Option<i64> = self.try_get(col).map_err(|e| corrupt(col, e))?;
        v.map(|v| to_instant(col, v)).transpose()
    }

    fn flag(&self, col: &str) -> Result<bool> {
        // SQLite reports an expression's boolean as an integer.
        self.try_get::<bool, _>(col)
            .or_else(|_| self.try_get::<i64, _>(col).map(|v| v != 0))
            .map_err(|e| corrupt(col, e))
    }

    fn int(&self, col: &str) -> Result<i64> {
        self.try_get(col).map_err(|e| corrupt(col, e))
    }

    fn opt_flag(&self, col: &str) -> Result<Option<bool>> {
        self.try_get::<Option<bool>, _>(col)
            .or_else(|_| {
                self.try_get::<Option<i64>, _>(col)
                    .map(|v| v.map(|v| v != 0))
            })
            .map_err(|e| corrupt(col, e))
    }

    fn opt_int(&self, col: &str) -> Result<Option<i64>> {
        self.try_get(col).map_err(|e| corrupt(col, e))
    }
}

/// A `LIKE` pattern matching `needle` anywhere, with `%`, `_` and `\`
/// escaped (use with `ESCAPE '\'`), lower-cased for case-insensitive search
/// against a lower-cased column.
pub(crate) fn contains_pattern(needle: &str) -> String {
    let mut p = String::with_capacity(needle.len() + 2);
    p.push('%');
    for c in needle.to_lowercase().chars() {
        if matches!(c, '%' | '_' | '\\') {
            p.push('\\');
        }
        p.push(c);
    }
    p.push('%');
    p
}

/// Appends the keyset condition, order and limit of a page of rows by name
/// (`alias.sort_name`, then `alias.id`), after `cursor` if given.
pub(crate) fn push_name_page(
    sql: &mut Sql,
    alias: &str,
    cursor: Option<&str>,
    limit: kept_domain::Limit,
) -> Result<()> {
    if let Some(c) = cursor {
        let key = kept_domain::Cursor::decode("cursor", c, 2)?;
        sql.push(&format!(" AND ({alias}.sort_name > "))
            .bind(key[0].clone())
            .push(&format!(" OR ({alias}.sort_name = "))
            .bind(key[0].clone())
            .push(&format!(" AND {alias}.id > "))
            .bind(key[1].clone())
            .push("))");
    }
    sql.push(&format!(" ORDER BY {alias}.sort_name, {alias}.id"))
        .limit(u64::from(limit.get()) + 1);
    Ok(())
}

/// The cursor after a row listed by name.
pub(crate) fn name_cursor(
    name: &kept_domain::PartyName,
    id: impl std::fmt::Display,
) -> kept_domain::Cursor {
    kept_domain::Cursor::encode(&[&name.as_str().to_lowercase(), &id.to_string()])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn like_patterns_escape_wildcards() {
        assert_eq!(contains_pattern("Leeds"), "%leeds%");
        assert_eq!(contains_pattern("50%_off\\"), "%50\\%\\_off\\\\%");
    }

    #[test]
    fn placeholders_are_numbered_in_order() {
        let mut sql = Sql::new("SELECT 1 WHERE a = ");
        sql.bind(1_i64)
            .push(" AND b IN (")
            .bind_list(["x".to_string(), "y".to_string()])
            .push(")");
        assert_eq!(sql.text, "SELECT 1 WHERE a = $1 AND b IN ($2, $3)");
    }
}
