//! What the fuzzer checks besides well-formed answers: that its table covers
//! the OpenAPI document, and that a success is plausible for what was sent.

use reqwest::Method;
use serde_json::Value;

use super::table::Resource;

/// Where the table is, for the messages that ask for an entry.
const TABLE: &str = "crates/server/tests/robustness/fuzz/table.rs";

/// One operation of the OpenAPI document.
#[derive(Clone)]
pub struct Operation {
    /// Its method.
    pub method: Method,
    /// Its path, with `{parameters}`.
    pub template: String,
    /// The names of its query parameters.
    pub query: Vec<String>,
    /// Whether it declares a request body.
    pub has_body: bool,
}

/// The operations of the document whose method is one of `methods`.
pub fn operations(spec: &Value, methods: &[&str]) -> Vec<Operation> {
    let mut found = Vec::new();
    for (path, item) in spec["paths"].as_object().expect("paths") {
        for method in methods {
            let Some(operation) = item.get(*method) else {
                continue;
            };
            let query = operation["parameters"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|p| p["in"] == "query")
                .filter_map(|p| p["name"].as_str().map(str::to_owned))
                .collect();
            found.push(Operation {
                method: Method::from_bytes(method.to_uppercase().as_bytes()).expect("a method"),
                template: path.clone(),
                query,
                has_body: operation.get("requestBody").is_some(),
            });
        }
    }
    found
}

/// Each `{parameter}` of a path template: its segment's index and the
/// template up to and including it (the item path of the resource it names).
pub fn parameters(template: &str) -> Vec<(usize, String)> {
    let segments: Vec<&str> = template.split('/').collect();
    segments
        .iter()
        .enumerate()
        .filter(|(_, s)| s.starts_with('{') && s.ends_with('}'))
        .map(|(i, _)| (i, segments[..=i].join("/")))
        .collect()
}

/// The resource whose ids fill the parameter ending `prefix`.
pub fn owner<'a>(resources: &'a [Resource], prefix: &str) -> Option<&'a Resource> {
    resources.iter().find(|r| r.item == prefix)
}

/// Fails, saying what to add where, unless the table covers the operations
/// (see [`gaps`]).
pub fn table_covers(operations: &[Operation], resources: &[Resource]) {
    let missing = gaps(operations, resources);
    assert!(
        missing.is_empty(),
        "the fuzzer's table ({TABLE}) does not cover the API:\n{}",
        missing.join("\n")
    );
}

/// What the table lacks, each saying what to add where: a resource for a
/// path parameter, a valid body for an operation with a body, an operation
/// for a valid body, a seed step that sends a valid body once unmutated.
fn gaps(operations: &[Operation], resources: &[Resource]) -> Vec<String> {
    let mut missing = Vec::new();
    for op in operations {
        for (_, prefix) in parameters(&op.template) {
            if owner(resources, &prefix).is_none() {
                missing.push(format!(
                    "{} {}: no resource's ids fill the parameter of `{prefix}`; add a Resource \
                     whose `item` is `{prefix}` to `resources()`",
                    op.method, op.template
                ));
            }
        }
        let has_valid = resources
            .iter()
            .flat_map(|r| &r.bodies)
            .any(|v| v.method == op.method && v.template == op.template);
        if op.has_body && !has_valid {
            missing.push(format!(
                "{} {}: takes a body but has no valid one; add it to the `bodies` of its \
                 resource",
                op.method, op.template
            ));
        }
    }
    for resource in resources {
        for body in &resource.bodies {
            let listed = operations
                .iter()
                .any(|op| op.has_body && op.method == body.method && op.template == body.template);
            if !listed {
                missing.push(format!(
                    "{} {}: a valid body for an operation the document does not list with a \
                     body; remove it",
                    body.method, body.template
                ));
            }
            let seeded = resources.iter().flat_map(|r| &r.seeds).any(|s| {
                s.body.is_none() && s.method == body.method && s.template == body.template
            });
            if !seeded {
                missing.push(format!(
                    "{} {}: no seed step sends its valid body, so nothing shows it is valid; \
                     add one to the `seeds` of {}",
                    body.method, body.template, resource.item
                ));
            }
        }
    }
    missing
}

/// An answer as the checks need it.
pub struct Answer {
    /// The status code.
    pub status: u16,
    /// The `Content-Type`, or empty.
    pub content_type: String,
    /// The `Location`, if any.
    pub location: Option<String>,
    /// The body as text.
    pub text: String,
}

/// Top-level members a success echoes as sent, give or take surrounding
/// white space (and case, for emails).
const ECHOED: &[&str] = &[
    "name",
    "email",
    "title",
    "rationale",
    "subject",
    "label",
    "reference",
];

/// Checks that a 2xx answer to `method template` (its parameters filled
/// with `values`, its body `sent` if that was JSON) is plausible, and
/// returns the resource and path values of the item it created, if any: a
/// creation answers 201 naming a new item of its resource (under the same
/// parents); a change to an item answers that item; members such as names
/// come back as sent.
pub fn plausible(
    resources: &[Resource],
    method: &Method,
    template: &str,
    values: &[String],
    sent: Option<&Value>,
    answer: &Answer,
) -> Result<Option<(&'static str, Vec<String>)>, String> {
    let body: Value = serde_json::from_str(&answer.text).map_err(|e| {
        format!(
            "success {} is not JSON ({e}): {}",
            answer.status, answer.text
        )
    })?;
    if !body.is_object() {
        return Err(format!(
            "success {} is not an object: {body}",
            answer.status
        ));
    }
    if answer.status == 201 && *method != Method::POST {
        return Err(format!("201 to a {method}"));
    }
    if let (Some(Value::Object(sent)), Value::Object(got)) = (sent, &body) {
        for field in ECHOED {
            if let (Some(Value::String(s)), Some(Value::String(g))) =
                (sent.get(*field), got.get(*field))
            {
                let expected = if *field == "email" {
                    s.trim().to_lowercase()
                } else {
                    s.trim().to_owned()
                };
                if *g != expected {
                    return Err(format!(
                        "`{field}` was sent as {s:?} but came back as {g:?}"
                    ));
                }
            }
        }
    }
    if let Some(resource) = resources.iter().find(|r| r.item == template) {
        // A change to an item answers that item.
        let id = values.last().map(String::as_str).unwrap_or_default();
        if id_of(&body, resource.id_field).as_deref() != Some(id) {
            return Err(format!("a {method} of {id} answered another item: {body}"));
        }
    }
    let Some(resource) = resources
        .iter()
        .find(|r| *method == Method::POST && r.created_by.contains(&template))
    else {
        return Ok(None);
    };
    if answer.status != 201 {
        return Err(format!("a creation answered {}", answer.status));
    }
    let created = match &answer.location {
        Some(location) => located(resource.item, template, values, location)?,
        None => {
            // The parents are those the request named; the id is in the body.
            let id = id_of(&body, resource.id_field)
                .ok_or_else(|| format!("a 201 without a Location nor `{}`", resource.id_field))?;
            let params = parameters(resource.item);
            let sent = parameters(template);
            let mut created = Vec::new();
            for (_, prefix) in &params[..params.len() - 1] {
                let k = sent.iter().position(|(_, p)| p == prefix).ok_or_else(|| {
                    format!("a 201 without a Location: which {prefix} is its parent?")
                })?;
                created.push(values[k].clone());
            }
            created.push(id);
            created
        }
    };
    let id = created.last().cloned().unwrap_or_default();
    if id_of(&body, resource.id_field).is_some_and(|inside| inside != id) {
        return Err(format!("the Location names {id}, the body another: {body}"));
    }
    Ok(Some((resource.item, created)))
}

/// The id in a member of an item, whether text or a number.
fn id_of(body: &Value, field: &str) -> Option<String> {
    match &body[field] {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The path values of the item a `Location` names, if it is an item of
/// `item` whose parents are those the request was sent with (where it named
/// them).
fn located(
    item: &str,
    template: &str,
    values: &[String],
    location: &str,
) -> Result<Vec<String>, String> {
    let bad = || format!("the Location {location} is not a {item}");
    let path = location.strip_prefix("/api/v1").ok_or_else(bad)?;
    let got: Vec<&str> = path.split('/').collect();
    let want: Vec<&str> = item.split('/').collect();
    if got.len() != want.len() {
        return Err(bad());
    }
    let sent = parameters(template);
    let mut found = Vec::new();
    for (i, (g, w)) in got.iter().zip(&want).enumerate() {
        if !w.starts_with('{') {
            if g != w {
                return Err(bad());
            }
            continue;
        }
        if g.is_empty() {
            return Err(bad());
        }
        if i + 1 < want.len() {
            let prefix = want[..=i].join("/");
            let named = sent
                .iter()
                .position(|(_, p)| *p == prefix)
                .and_then(|k| values.get(k));
            if named.is_some_and(|v| v != g) {
                return Err(format!("the Location {location} is under another parent"));
            }
        }
        found.push((*g).to_owned());
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fuzz::table::resources;
    use serde_json::json;

    /// An operation with a body at `template`.
    fn with_body(method: Method, template: &str) -> Operation {
        Operation {
            method,
            template: template.to_owned(),
            query: Vec::new(),
            has_body: true,
        }
    }

    /// The operations the table's valid bodies are for.
    fn covered() -> Vec<Operation> {
        resources()
            .iter()
            .flat_map(|r| &r.bodies)
            .map(|v| with_body(v.method.clone(), v.template))
            .collect()
    }

    #[test]
    fn the_table_covers_the_operations_of_its_own_bodies() {
        assert_eq!(gaps(&covered(), &resources()), Vec::<String>::new());
    }

    #[test]
    fn a_new_resource_without_an_entry_is_named_with_where_to_add_it() {
        let mut operations = covered();
        operations.push(with_body(Method::PUT, "/widgets/{id}"));

        let missing = gaps(&operations, &resources());

        assert_eq!(missing.len(), 2, "{missing:?}");
        assert!(
            missing[0].starts_with("PUT /widgets/{id}: no resource's ids fill")
                && missing[0].contains("`item` is `/widgets/{id}`"),
            "{missing:?}"
        );
        assert!(
            missing[1].starts_with("PUT /widgets/{id}: takes a body but has no valid one"),
            "{missing:?}"
        );
    }

    fn answer(status: u16, location: Option<&str>, body: Value) -> Answer {
        Answer {
            status,
            content_type: "application/json".to_owned(),
            location: location.map(str::to_owned),
            text: body.to_string(),
        }
    }

    #[test]
    fn a_created_terms_version_is_remembered_with_its_contract() {
        let created = answer(
            201,
            Some("/api/v1/contracts/c1/terms/versions/2"),
            json!({"version": 2}),
        );
        let template = "/contracts/{id}/terms/versions";

        let found = plausible(
            &resources(),
            &Method::POST,
            template,
            &["c1".into()],
            None,
            &created,
        );

        assert_eq!(
            found,
            Ok(Some((
                "/contracts/{id}/terms/versions/{version}",
                vec!["c1".to_owned(), "2".to_owned()]
            )))
        );
    }

    #[test]
    fn implausible_successes_are_told_apart() {
        let resources = resources();
        let contract = ["c1".to_owned()];
        let versions = "/contracts/{id}/terms/versions";
        let elsewhere = answer(
            201,
            Some("/api/v1/contracts/c2/terms/versions/2"),
            json!({"version": 2}),
        );
        let other_item = answer(200, None, json!({"id": "p2", "name": "Acme"}));
        let renamed = answer(200, None, json!({"id": "p1", "name": "Other"}));
        let sent = json!({"name": "  Acme "});
        let party = ["p1".to_owned()];

        let under_another = plausible(
            &resources,
            &Method::POST,
            versions,
            &contract,
            None,
            &elsewhere,
        );
        let not_created = plausible(
            &resources,
            &Method::POST,
            versions,
            &contract,
            None,
            &other_item,
        );
        let another = plausible(
            &resources,
            &Method::PATCH,
            "/parties/{id}",
            &party,
            None,
            &other_item,
        );
        let not_echoed = plausible(
            &resources,
            &Method::PATCH,
            "/parties/{id}",
            &party,
            Some(&sent),
            &renamed,
        );
        let echoed = plausible(
            &resources,
            &Method::PATCH,
            "/parties/{id}",
            &party,
            Some(&sent),
            &answer(200, None, json!({"id": "p1", "name": "Acme"})),
        );

        assert!(under_another.is_err_and(|e| e.contains("under another parent")));
        assert!(not_created.is_err_and(|e| e.contains("a creation answered 200")));
        assert!(another.is_err_and(|e| e.contains("answered another item")));
        assert!(not_echoed.is_err_and(|e| e.contains("came back as")));
        assert_eq!(echoed, Ok(None));
    }

    #[test]
    fn a_valid_body_for_a_route_the_document_dropped_is_named() {
        let mut operations = covered();
        operations.retain(|op| op.template != "/contracts/{id}/scope-check");

        let missing = gaps(&operations, &resources());

        assert_eq!(
            missing,
            [
                "POST /contracts/{id}/scope-check: a valid body for an operation the document \
              does not list with a body; remove it"
            ]
        );
    }
}
