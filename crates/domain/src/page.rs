//! Keyset pagination: a page of items and an opaque cursor to the next one.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::Serialize;

use crate::error::FieldError;

/// How many items a page holds: 1 to 200, 50 unless asked otherwise.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limit(u32);

impl Limit {
    /// The largest page served.
    pub const MAX: u32 = 200;
    /// The page size when none is asked for.
    pub const DEFAULT: Limit = Limit(50);
    /// The largest page, as a limit.
    pub const MAX_PAGE: Limit = Limit(Self::MAX);

    /// A page of `n` rows, kept within 1 and [`Self::MAX`] (for sizes
    /// chosen in code rather than asked for).
    pub const fn clamped(n: u32) -> Self {
        if n == 0 {
            Self(1)
        } else if n > Self::MAX {
            Self::MAX_PAGE
        } else {
            Self(n)
        }
    }

    /// Parses a requested page size, reporting failures against `field`.
    pub fn parse(field: &str, value: u32) -> Result<Self, FieldError> {
        if value == 0 || value > Self::MAX {
            return Err(FieldError::new(
                field,
                format!("must be between 1 and {}", Self::MAX),
            ));
        }
        Ok(Self(value))
    }

    /// The size as a number.
    pub fn get(self) -> u32 {
        self.0
    }
}

impl Default for Limit {
    fn default() -> Self {
        Self::DEFAULT
    }
}

/// Where the next page starts. Opaque to clients: the sort key of the last
/// item seen, encoded. Each list decides what its key is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct Cursor(String);

impl Cursor {
    /// Encodes the key parts of the last item of a page (joined by a NUL,
    /// which no key contains).
    pub fn encode(parts: &[&str]) -> Self {
        Self(URL_SAFE_NO_PAD.encode(parts.join("\0")))
    }

    /// Decodes a cursor a client sent back into its `n` key parts.
    pub fn decode(field: &str, raw: &str, n: usize) -> Result<Vec<String>, FieldError> {
        let invalid = || FieldError::new(field, "is not a cursor this list returned");
        let bytes = URL_SAFE_NO_PAD.decode(raw).map_err(|_| invalid())?;
        let text = String::from_utf8(bytes).map_err(|_| invalid())?;
        let parts: Vec<String> = text.split('\0').map(str::to_owned).collect();
        if parts.len() == n {
            Ok(parts)
        } else {
            Err(invalid())
        }
    }

    /// The encoded form.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// One page of a list.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Page<T> {
    /// The items, in the list's order.
    pub items: Vec<T>,
    /// Pass as `cursor` to get the next page; absent on the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` fetched rows: the extra row, if
    /// present, only tells that another page exists.
    pub fn from_overfetch(mut rows: Vec<T>, limit: Limit, key: impl Fn(&T) -> Cursor) -> Self {
        let limit = limit.get() as usize;
        let next_cursor = if rows.len() > limit {
            rows.truncate(limit);
            rows.last().map(key)
        } else {
            None
        };
        Self {
            items: rows,
            next_cursor,
        }
    }

    /// Applies `f` to every item.
    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let c = Cursor::encode(&["leeds store", "0191-abc"]);
        assert_eq!(
            Cursor::decode("cursor", c.as_str(), 2),
            Ok(vec!["leeds store".to_string(), "0191-abc".to_string()])
        );
        assert!(Cursor::decode("cursor", c.as_str(), 1).is_err());
        assert!(Cursor::decode("cursor", "%%%", 1).is_err());
    }

    #[test]
    fn overfetching_one_row_tells_whether_there_is_a_next_page() {
        let limit = Limit::parse("limit", 2).unwrap_or_default();
        let full =
            Page::from_overfetch(vec![1, 2, 3], limit, |n| Cursor::encode(&[&n.to_string()]));
        assert_eq!(full.items, vec![1, 2]);
        assert_eq!(full.next_cursor, Some(Cursor::encode(&["2"])));
        let last = Page::from_overfetch(vec![1, 2], limit, |n| Cursor::encode(&[&n.to_string()]));
        assert_eq!(last.next_cursor, None);
    }

    #[test]
    fn limits_are_bounded() {
        assert!(Limit::parse("limit", 0).is_err());
        assert!(Limit::parse("limit", 201).is_err());
        assert_eq!(Limit::parse("limit", 200).map(Limit::get), Ok(200));
    }
}
