//! Validation failures, named by the field they concern.
//!
//! Parsing functions in this crate return [`FieldError`]s; callers gather them
//! into [`ValidationErrors`] so one response can name every bad field at once.

use std::fmt;

/// One field that failed validation, and why.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field's name as the caller wrote it (`name`, `parent_id`, `grants[0].role`).
    pub field: String,
    /// What is wrong, in words a user can act on.
    pub message: String,
}

impl FieldError {
    /// A failure of `field` with a message.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

impl std::error::Error for FieldError {}

/// A short single line of free text (a search term, a label, a filter):
/// trimmed, at most `max_chars`, no control characters (PostgreSQL cannot
/// even store a NUL, and no label needs a tab or a newline).
pub fn single_line(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    let text = raw.trim();
    if text.chars().any(char::is_control) {
        return Err(FieldError::new(
            field,
            "must not contain control characters",
        ));
    }
    if text.chars().count() > max_chars {
        return Err(FieldError::new(
            field,
            format!("must be at most {max_chars} characters"),
        ));
    }
    Ok(text.to_owned())
}

/// Every field that failed validation in one input.
#[derive(Debug, Clone, Default, PartialEq, Eq, thiserror::Error)]
pub struct ValidationErrors(pub Vec<FieldError>);

impl ValidationErrors {
    /// No errors yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Records a failure.
    pub fn push(&mut self, error: FieldError) {
        self.0.push(error);
    }

    /// Keeps the value of `result`, recording its error if it failed.
    pub fn check<T>(&mut self, result: Result<T, FieldError>) -> Option<T> {
        result.map_err(|e| self.push(e)).ok()
    }

    /// `Ok(value)` if nothing failed, the collected errors otherwise.
    pub fn finish<T>(self, value: impl FnOnce() -> T) -> Result<T, Self> {
        if self.0.is_empty() {
            Ok(value())
        } else {
            Err(self)
        }
    }

    /// `value` if no field failed, else these errors.
    pub fn into_result<T>(self, value: T) -> Result<T, Self> {
        if self.0.is_empty() {
            Ok(value)
        } else {
            Err(self)
        }
    }

    /// True when no field failed.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl From<FieldError> for ValidationErrors {
    fn from(error: FieldError) -> Self {
        Self(vec![error])
    }
}

impl fmt::Display for ValidationErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let parts: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        f.write_str(&parts.join("; "))
    }
}

/// Implements `Deserialize` for newtypes with a `parse(field, &str)`
/// constructor, so that input is validated as it is read and the message
/// names what is wrong (the caller's deserializer knows which field it is).
macro_rules! deserialize_by_parsing {
    ($($ty:ty),*) => {$(
        impl<'de> serde::Deserialize<'de> for $ty {
            fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let text = <String as serde::Deserialize>::deserialize(deserializer)?;
                Self::parse("", &text).map_err(|e| serde::de::Error::custom(e.message))
            }
        }
    )*};
}
pub(crate) use deserialize_by_parsing;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn single_lines_refuse_control_characters_and_length() {
        assert_eq!(
            single_line("q", "  leeds ", 10).ok(),
            Some("leeds".to_owned())
        );
        assert!(single_line("q", "a\u{0}b", 10).is_err());
        assert!(single_line("q", "a\nb", 10).is_err());
        assert!(single_line("q", "abcdefghijk", 10).is_err());
        assert!(single_line("q", "éééééééééé", 10).is_ok());
    }
}
