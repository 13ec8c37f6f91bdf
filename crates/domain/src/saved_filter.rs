//! A saved filter: a person's named view of the request queue.

use crate::error::{FieldError, ValidationErrors, single_line};

/// Longest name of a saved filter, in characters.
pub const MAX_NAME: usize = 100;
/// Longest query a saved filter keeps, in characters.
pub const MAX_QUERY: usize = 2000;

/// Checks a saved filter's name (required, one line) and query (one line),
/// each within its limit.
pub fn check(name: &str, query: &str) -> Result<(String, String), ValidationErrors> {
    let mut errors = ValidationErrors::new();
    let name = errors.check(single_line("name", name, MAX_NAME));
    if name.as_deref() == Some("") {
        errors.push(FieldError::new("name", "give the filter a name"));
    }
    let query = errors.check(single_line("query", query, MAX_QUERY));
    errors.finish(|| (name.unwrap_or_default(), query.unwrap_or_default()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_filter_needs_a_name_and_fits_its_limits() {
        assert!(check("Breached", "sla=breached").is_ok());
        let fields = |r: Result<(String, String), ValidationErrors>| {
            r.err()
                .map(|e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>())
                .unwrap_or_default()
        };
        assert_eq!(fields(check("  ", "")), ["name"]);
        assert_eq!(fields(check(&"n".repeat(MAX_NAME + 1), "")), ["name"]);
        assert_eq!(fields(check("ok", &"q".repeat(MAX_QUERY + 1))), ["query"]);
    }
}
