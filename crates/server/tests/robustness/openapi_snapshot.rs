//! The OpenAPI document as a file in the repository (`docs/openapi.json`),
//! so that every change to the API's contract shows in review as a diff of
//! that file. `UPDATE_DOCS=1 cargo test -p kept-server --test robustness
//! openapi_snapshot` rewrites it after a deliberate change.

/// The document as the server renders it.
fn rendered() -> String {
    let (_, spec) = kept_server::api::router();
    let mut json = spec.to_pretty_json().expect("the document renders as JSON");
    json.push('\n');
    json
}

#[test]
fn the_openapi_document_in_docs_is_the_servers() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let generated = rendered();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &generated).expect("write docs/openapi.json");
    }
    let current = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        current == generated,
        "docs/openapi.json is not the server's OpenAPI document: if the change to the API is \
         deliberate, run UPDATE_DOCS=1 cargo test -p kept-server --test robustness openapi_snapshot \
         and review the diff"
    );
}

#[test]
fn the_document_renders_the_same_every_time() {
    assert_eq!(rendered(), rendered());
}
