//! Saved queue filters: a person's named views of the request queue.

use kept_domain::{Principal, SavedFilterId, saved_filter};
use kept_store::SavedFilter;

use crate::Context;
use crate::error::Error;

/// The queue's own parameters: only these are kept, so that the link
/// replays the filter and nothing else.
const KEPT: [&str; 6] = [
    "contract=",
    "customer=",
    "status=",
    "sla=",
    "due_before=",
    "order=",
];

/// The part of a query string a saved filter keeps.
pub fn kept_query(query: &str) -> String {
    query
        .split('&')
        .filter(|kv| KEPT.iter().any(|p| kv.starts_with(p)))
        .collect::<Vec<_>>()
        .join("&")
}

/// Saves the caller's filter `query` (a queue query string) as `name`.
pub async fn save(
    ctx: &Context,
    caller: &Principal,
    name: &str,
    query: &str,
) -> Result<SavedFilter, Error> {
    let (name, query) = saved_filter::check(name, &kept_query(query))?;
    Ok(ctx.store.save_filter(caller.user_id, &name, &query).await?)
}

/// Deletes one of the caller's saved filters.
pub async fn delete(ctx: &Context, caller: &Principal, id: SavedFilterId) -> Result<(), Error> {
    Ok(ctx.store.delete_saved_filter(caller.user_id, id).await?)
}

/// The caller's saved filters.
pub async fn list(ctx: &Context, caller: &Principal) -> Result<Vec<SavedFilter>, Error> {
    Ok(ctx.store.saved_filters(caller.user_id).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_queues_own_parameters_are_kept() {
        assert_eq!(
            kept_query("status=open&csrf=x&order=due&evil=1&sla=breached"),
            "status=open&order=due&sla=breached"
        );
        assert_eq!(kept_query(""), "");
    }
}
