//! Completes the OpenAPI document with the answers every operation of a
//! kind gives, so that the document lists every status the server can send
//! without each handler repeating them: 401 where a token is needed, 404
//! where the path names something, 400/413/415/422 where a JSON body is
//! read, 422 where a query is parsed, 403 on every change but to the
//! caller's own tokens, and the `Idempotency-Key` header with
//! its 409 and 422 on every POST authenticated by an API token (the
//! middleware in [`super::idempotency`] reads it on all of them). An
//! operation with a token of its own (the inbound email hook) gets neither.
//!
//! The rules work on the document as JSON, after utoipa has built it, and a
//! test (`robustness::openapi`) checks every `$ref` resolves.

use serde_json::{Map, Value, json};
use utoipa::openapi::OpenApi;

use super::constraints::{self, Limit};

/// A shared response: its name in `components.responses`, its status and
/// what it means.
struct Shared {
    name: &'static str,
    status: &'static str,
    description: &'static str,
}

const UNAUTHENTICATED: Shared = Shared {
    name: "Unauthenticated",
    status: "401",
    description: "No valid API token was sent (`unauthenticated`)",
};
const NOT_FOUND: Shared = Shared {
    name: "NotFound",
    status: "404",
    description: "Nothing with that id, or nothing the caller may see (`not-found`)",
};
const MALFORMED: Shared = Shared {
    name: "MalformedJson",
    status: "400",
    description: "The body is not JSON (`malformed-json`)",
};
const TOO_LARGE: Shared = Shared {
    name: "PayloadTooLarge",
    status: "413",
    description: "The body is over 1 MiB (`payload-too-large`)",
};
const MEDIA_TYPE: Shared = Shared {
    name: "UnsupportedMediaType",
    status: "415",
    description: "The body is not `application/json` (`unsupported-media-type`)",
};
const INVALID: Shared = Shared {
    name: "ValidationFailed",
    status: "422",
    description: "Some fields are invalid (`validation-failed`); `errors` names each",
};
const FORBIDDEN: Shared = Shared {
    name: "Forbidden",
    status: "403",
    description: "The caller may see this but their roles do not allow the change (`forbidden`)",
};
const KEY_IN_USE: Shared = Shared {
    name: "IdempotencyKeyInUse",
    status: "409",
    description: "A request with this `Idempotency-Key` is still running; retry (`idempotency-key-in-use`)",
};

/// Adds the shared responses and parameters, and what each operation
/// answers by its kind.
pub fn complete(spec: OpenApi) -> OpenApi {
    let Ok(mut doc) = serde_json::to_value(&spec) else {
        return spec;
    };
    add_components(&mut doc);
    constrain_properties(&mut doc);
    constrain_raw_bodies(&mut doc);
    if let Some(paths) = doc.get_mut("paths").and_then(Value::as_object_mut) {
        for (path, item) in paths.iter_mut() {
            let Some(item) = item.as_object_mut() else {
                continue;
            };
            for (method, operation) in item.iter_mut() {
                if let Some(operation) = operation.as_object_mut() {
                    constrain_query(path, operation);
                    complete_operation(path, method, operation);
                }
            }
        }
    }
    serde_json::from_value(doc).unwrap_or(spec)
}

fn add_components(doc: &mut Value) {
    let Some(components) = doc
        .as_object_mut()
        .map(|d| d.entry("components").or_insert_with(|| json!({})))
        .and_then(Value::as_object_mut)
    else {
        return;
    };
    let responses = components
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(responses) = responses {
        for shared in [
            &UNAUTHENTICATED,
            &NOT_FOUND,
            &MALFORMED,
            &TOO_LARGE,
            &MEDIA_TYPE,
            &INVALID,
            &FORBIDDEN,
            &KEY_IN_USE,
        ] {
            let mut response = json!({
                "description": shared.description,
                "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}},
            });
            if shared.status == "401" {
                response["headers"] = json!({"WWW-Authenticate": {
                    "description": "`Bearer`, the scheme to authenticate with",
                    "schema": {"type": "string"},
                }});
            }
            responses.insert(shared.name.to_owned(), response);
        }
    }
    let parameters = components
        .entry("parameters")
        .or_insert_with(|| json!({}))
        .as_object_mut();
    if let Some(parameters) = parameters {
        parameters.insert("IdempotencyKey".to_owned(), idempotency_parameter());
    }
}

/// The `Idempotency-Key` header as the middleware accepts it.
fn idempotency_parameter() -> Value {
    json!({
        "name": "Idempotency-Key",
        "in": "header",
        "required": false,
        "description": "Makes a retry of this POST return the first response instead of acting twice \
                        (per user, for 24 hours). The same key with another body is refused (422).",
        "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
    })
}

fn complete_operation(path: &str, method: &str, operation: &mut Map<String, Value>) {
    let secured = match operation.get("security") {
        // `security: [{}]` marks an operation open to anyone.
        Some(Value::Array(requirements)) => !requirements
            .iter()
            .any(|r| r.as_object().is_some_and(Map::is_empty)),
        _ => true,
    };
    // An operation authenticated by a token of its own (the inbound email
    // hook's), not an API token, has no caller whose roles could forbid
    // it, and no user to keep idempotency keys for.
    let api_token = match operation.get("security") {
        Some(Value::Array(requirements)) => requirements.iter().any(|r| {
            r.as_object()
                .is_some_and(|o| o.is_empty() || o.contains_key("bearer"))
        }),
        _ => true,
    };
    let has_body = operation.contains_key("requestBody");
    let has_query = parameters(operation)
        .iter()
        .any(|p| p.get("in").and_then(Value::as_str) == Some("query"));
    let mut add = Vec::new();
    if secured {
        add.push(&UNAUTHENTICATED);
    }
    if path.contains('{') {
        add.push(&NOT_FOUND);
    }
    if has_body {
        add.extend([&MALFORMED, &TOO_LARGE, &MEDIA_TYPE, &INVALID]);
    }
    if has_query {
        add.push(&INVALID);
    }
    // Who may change what is decided by roles, so any change can be refused
    // to a caller who sees its target; a caller's own tokens are the
    // exception (another's are not found).
    if method != "get" && secured && api_token && !path.starts_with("/tokens") {
        add.push(&FORBIDDEN);
    }
    if method == "post" && secured && api_token {
        add_idempotency_key(operation);
        add.extend([&KEY_IN_USE, &INVALID]);
    }
    let Some(responses) = operation
        .entry("responses")
        .or_insert_with(|| json!({}))
        .as_object_mut()
    else {
        return;
    };
    for shared in add {
        responses
            .entry(shared.status)
            .or_insert_with(|| json!({"$ref": format!("#/components/responses/{}", shared.name)}));
    }
}

fn parameters(operation: &Map<String, Value>) -> Vec<Value> {
    operation
        .get("parameters")
        .and_then(Value::as_array)
        .cloned()
        .unwrap_or_default()
}

/// Replaces a hand-written `Idempotency-Key` parameter, or adds one, so
/// every POST carries the same constrained definition.
fn add_idempotency_key(operation: &mut Map<String, Value>) {
    let Some(parameters) = operation
        .entry("parameters")
        .or_insert_with(|| json!([]))
        .as_array_mut()
    else {
        return;
    };
    parameters.retain(|p| {
        !p.get("name")
            .and_then(Value::as_str)
            .is_some_and(|n| n.eq_ignore_ascii_case("idempotency-key"))
    });
    parameters.push(json!({"$ref": "#/components/parameters/IdempotencyKey"}));
}

/// Merges `limit`'s keywords into a schema: into its items when it is an
/// array, into its string or integer branch when it is a `oneOf`.
fn constrain(schema: &mut Value, limit: Limit) {
    // A set constrains the array itself (its items among them).
    if let (Limit::Set { .. }, Some(target), Value::Object(keywords)) =
        (limit, schema.as_object_mut(), limit.keywords())
    {
        target.extend(keywords);
        return;
    }
    if let Some(items) = schema.get_mut("items") {
        return constrain(items, limit);
    }
    if let Some(Value::Array(branches)) = schema.get_mut("oneOf") {
        for branch in branches.iter_mut().filter(|b| b.get("$ref").is_none()) {
            constrain(branch, limit);
        }
        return;
    }
    if let (Some(target), Value::Object(keywords)) = (schema.as_object_mut(), limit.keywords()) {
        target.extend(keywords);
    }
}

fn constrain_properties(doc: &mut Value) {
    for (schema, property, limit) in constraints::PROPERTIES {
        if let Some(target) = doc.pointer_mut(&format!(
            "/components/schemas/{schema}/properties/{property}"
        )) {
            constrain(target, *limit);
        }
    }
}

/// The size limit of each body that is not JSON, as the `maxLength` of
/// its schema (the message's bytes, sent as they are).
fn constrain_raw_bodies(doc: &mut Value) {
    for (path, media, max) in constraints::RAW_BODIES {
        let pointer = format!(
            "/paths/{}/post/requestBody/content/{}/schema",
            path.replace('/', "~1"),
            media.replace('/', "~1")
        );
        if let Some(Value::Object(schema)) = doc.pointer_mut(&pointer) {
            schema.insert("maxLength".into(), json!(max));
        }
    }
}

fn constrain_query(path: &str, operation: &mut Map<String, Value>) {
    let Some(Value::Array(parameters)) = operation.get_mut("parameters") else {
        return;
    };
    for parameter in parameters.iter_mut() {
        let name = parameter
            .get("name")
            .and_then(Value::as_str)
            .unwrap_or_default();
        let limit = constraints::QUERY
            .iter()
            .find(|(p, n, _)| *p == path && *n == name)
            .map(|(_, _, limit)| *limit);
        if let (Some(limit), Some(schema)) = (limit, parameter.get_mut("schema")) {
            constrain(schema, limit);
        }
    }
}

/// Every (schema, property) and (path, parameter) the constraint tables
/// name that the document lacks; empty when the tables are current.
pub fn unmatched_constraints(doc: &Value) -> Vec<String> {
    let mut missing: Vec<String> = constraints::PROPERTIES
        .iter()
        .filter(|(schema, property, _)| {
            doc.pointer(&format!(
                "/components/schemas/{schema}/properties/{property}"
            ))
            .is_none()
        })
        .map(|(schema, property, _)| format!("{schema}.{property}"))
        .collect();
    for (path, media, _) in constraints::RAW_BODIES {
        let pointer = format!(
            "/paths/{}/post/requestBody/content/{}/schema",
            path.replace('/', "~1"),
            media.replace('/', "~1")
        );
        if doc.pointer(&pointer).is_none() {
            missing.push(format!("{path} ({media})"));
        }
    }
    for (path, name, _) in constraints::QUERY {
        let found = doc
            .pointer(&format!(
                "/paths/{}/get/parameters",
                path.replace('/', "~1")
            ))
            .and_then(Value::as_array)
            .is_some_and(|ps| {
                ps.iter()
                    .any(|p| p.get("name").and_then(Value::as_str) == Some(*name))
            });
        if !found {
            missing.push(format!("{path}?{name}"));
        }
    }
    missing
}
