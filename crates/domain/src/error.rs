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

/// Whether `text` shows nothing: it holds only whitespace, control
/// characters and characters drawn as nothing (Unicode's default-ignorable
/// code points, such as zero-width spaces, joiners, direction marks, soft
/// hyphens and variation selectors, and the blank fillers). A name, subject
/// or reason like that is refused as empty: it would be an invisible entry
/// in every list.
pub fn is_blank(text: &str) -> bool {
    text.chars()
        .all(|c| c.is_whitespace() || c.is_control() || draws_nothing(c))
}

/// Default_Ignorable_Code_Point (Unicode 16), plus the Braille blank, which
/// is drawn as an empty cell.
fn draws_nothing(c: char) -> bool {
    matches!(c,
        '\u{00AD}' | '\u{034F}' | '\u{061C}' | '\u{115F}' | '\u{1160}' | '\u{17B4}' | '\u{17B5}'
        | '\u{180B}'..='\u{180F}' | '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}'
        | '\u{2060}'..='\u{206F}' | '\u{2800}' | '\u{3164}' | '\u{FE00}'..='\u{FE0F}'
        | '\u{FEFF}' | '\u{FFA0}' | '\u{FFF0}'..='\u{FFF8}' | '\u{1BCA0}'..='\u{1BCA3}'
        | '\u{1D173}'..='\u{1D17A}' | '\u{E0000}'..='\u{E0FFF}')
}

/// A [`single_line`] that must show something: blank text (see
/// [`is_blank`]) is refused as empty, before any other check.
pub fn required_line(field: &str, raw: &str, max_chars: usize) -> Result<String, FieldError> {
    if is_blank(raw) {
        return Err(FieldError::new(field, "must not be empty"));
    }
    single_line(field, raw, max_chars)
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

    #[test]
    fn text_of_only_invisible_or_control_characters_is_blank() {
        for blank in [
            "",
            "   ",
            "\u{200B}",
            "\u{0007}",
            " \u{200B}\t\u{0007} ",
            "\u{FEFF}\u{2060}\u{200D}",
            "\u{3164}\u{2800}\u{00AD}",
            "\u{E0041}\u{FE0F}",
        ] {
            assert!(is_blank(blank), "{blank:?} is blank");
            assert_eq!(
                required_line("name", blank, 10).map_err(|e| e.message),
                Err("must not be empty".to_owned()),
                "{blank:?}"
            );
        }
        for shown in [
            "a",
            "\u{200B}a\u{200B}",
            "é",
            "\u{1F600}",
            "\u{2014}",
            "\u{00A0}x",
        ] {
            assert!(!is_blank(shown), "{shown:?} shows something");
        }
        assert_eq!(
            required_line("name", " Leeds ", 10).ok(),
            Some("Leeds".into())
        );
        assert!(
            required_line("name", "a\u{7}", 10).is_err(),
            "controls still refused"
        );
    }
}
