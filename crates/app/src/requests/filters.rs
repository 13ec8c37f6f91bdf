//! The request list's filters as typed in a query string or on the
//! command line: a status list (`open`, `closed` or names separated by
//! commas) and comma-separated values.

use kept_domain::RequestStatus;

use crate::error::Error;

/// A comma-separated list of values of `T`, each parsed or refused as
/// `field`.
pub fn comma_list<T: std::str::FromStr<Err = String>>(
    field: &str,
    raw: &str,
) -> Result<Vec<T>, Error> {
    raw.split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(|s| s.parse().map_err(|e: String| Error::field(field, e)))
        .collect()
}

/// The statuses a `status` filter names.
pub fn parse_statuses(raw: &str) -> Result<Vec<RequestStatus>, Error> {
    Ok(match raw {
        "open" => RequestStatus::ALL
            .iter()
            .copied()
            .filter(|s| s.is_open())
            .collect(),
        "closed" => RequestStatus::ALL
            .iter()
            .copied()
            .filter(|s| !s.is_open())
            .collect(),
        other => comma_list("status", other)?,
    })
}
