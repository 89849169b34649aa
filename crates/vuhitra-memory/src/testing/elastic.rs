//! [`ElasticTestServer`]: indices, mappings, `_bulk`, `_search`, `_refresh`
//! and the other endpoints the client uses, as Elasticsearch 8 answers them.
//!
//! Documents become visible to searches only after a refresh (`_refresh`, or
//! `?refresh=true` on the write), as in Elasticsearch. Mappings are checked
//! the way Elasticsearch checks them for the field types the client maps:
//! `dynamic: strict` rejects unknown fields, and a `dense_vector` of the wrong
//! length is rejected with Elasticsearch's message.

use std::collections::BTreeMap;
use std::net::{SocketAddr, TcpListener as StdTcpListener};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;

use serde_json::{json, Map, Value};

use super::http::{self, Request, Response};
use super::query::{Corpus, QueryError};

/// One index: its mapping, every document written, and what searches see.
#[derive(Debug, Clone, Default)]
struct Index {
    uuid: String,
    /// The `mappings` object: `properties` and optionally `dynamic`.
    mappings: Map<String, Value>,
    documents: BTreeMap<String, Value>,
    versions: BTreeMap<String, u64>,
    /// The documents as of the last refresh.
    searchable: BTreeMap<String, Value>,
}

impl Index {
    fn properties(&self) -> Map<String, Value> {
        self.mappings
            .get("properties")
            .and_then(Value::as_object)
            .cloned()
            .unwrap_or_default()
    }
}

#[derive(Debug, Default)]
struct State {
    indices: BTreeMap<String, Index>,
    requests: Vec<RecordedRequest>,
    next_seq_no: u64,
}

/// A request the server received: method and path with its query string.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
}

/// A local HTTP server that answers like a single-node Elasticsearch 8 for
/// index creation and mappings, `_bulk`, `_search` (term, range, bool,
/// more_like_this, kNN, sort, sum aggregation), `_refresh`,
/// `_delete_by_query` and `_stats/store`.
///
/// It runs on its own thread with its own runtime, so synchronous and async
/// tests can use it; dropping it stops it. Its state (indices and documents)
/// can be carried to a new server on the same port with
/// [`ElasticTestServer::restart`], to test a server that goes down and comes
/// back.
pub struct ElasticTestServer {
    address: SocketAddr,
    state: Arc<Mutex<State>>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    thread: Option<JoinHandle<()>>,
}

impl ElasticTestServer {
    /// Starts a server on a free port of 127.0.0.1.
    pub fn start() -> std::io::Result<ElasticTestServer> {
        let listener = StdTcpListener::bind("127.0.0.1:0")?;
        ElasticTestServer::run(listener, Arc::new(Mutex::new(State::default())))
    }

    /// Starts an empty server on `port` of 127.0.0.1.
    pub fn start_on(port: u16) -> std::io::Result<ElasticTestServer> {
        let listener = StdTcpListener::bind(("127.0.0.1", port))?;
        ElasticTestServer::run(listener, Arc::new(Mutex::new(State::default())))
    }

    /// Stops this server and starts another on the same port with the same
    /// indices and documents.
    pub fn restart(mut self) -> std::io::Result<ElasticTestServer> {
        let port = self.address.port();
        let state = Arc::clone(&self.state);
        self.shutdown();
        let listener = StdTcpListener::bind(("127.0.0.1", port))?;
        ElasticTestServer::run(listener, state)
    }

    /// A port on 127.0.0.1 where nothing listens now, for a server that is
    /// down; [`ElasticTestServer::start_on`] can later bring one up there.
    pub fn free_port() -> std::io::Result<u16> {
        Ok(StdTcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
    }

    fn run(
        listener: StdTcpListener,
        state: Arc<Mutex<State>>,
    ) -> std::io::Result<ElasticTestServer> {
        listener.set_nonblocking(true)?;
        let address = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handler_state = Arc::clone(&state);

        let thread = std::thread::Builder::new()
            .name("elastic-test-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a test runtime starts");
                runtime.block_on(async move {
                    let listener =
                        tokio::net::TcpListener::from_std(listener).expect("the listener converts");
                    let handle = Arc::new(move |request: Request| handle(&handler_state, request));
                    tokio::select! {
                        _ = http::serve(listener, handle) => {}
                        _ = stopped => {}
                    }
                });
            })?;

        Ok(ElasticTestServer {
            address,
            state,
            stop: Some(stop),
            thread: Some(thread),
        })
    }

    fn shutdown(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }

    /// The server's URL, `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        http::url_of(self.address)
    }

    /// Every document of `index` (refreshed or not), by id.
    pub fn documents(&self, index: &str) -> BTreeMap<String, Value> {
        self.lock()
            .indices
            .get(index)
            .map(|index| index.documents.clone())
            .unwrap_or_default()
    }

    /// The `mappings` object of `index`, if it exists.
    pub fn mappings(&self, index: &str) -> Option<Value> {
        self.lock()
            .indices
            .get(index)
            .map(|index| Value::Object(index.mappings.clone()))
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

impl Drop for ElasticTestServer {
    fn drop(&mut self) {
        self.shutdown();
    }
}

// --- Routing ----------------------------------------------------------------

fn handle(state: &Mutex<State>, request: Request) -> Response {
    let mut state = state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    let query_string = request
        .query
        .iter()
        .map(|(name, value)| format!("{name}={value}"))
        .collect::<Vec<_>>()
        .join("&");
    state.requests.push(RecordedRequest {
        method: request.method.clone(),
        path: if query_string.is_empty() {
            request.path.clone()
        } else {
            format!("{}?{query_string}", request.path)
        },
    });

    let segments: Vec<&str> = request
        .path
        .trim_matches('/')
        .split('/')
        .filter(|segment| !segment.is_empty())
        .collect();
    let method = request.method.as_str();

    match (method, segments.as_slice()) {
        ("GET", []) => ok(json!({
            "name": "vuhitra-test-node",
            "cluster_name": "vuhitra-test",
            "version": { "number": "8.15.0", "build_flavor": "default" },
            "tagline": "You Know, for Search",
        })),
        ("HEAD", [index]) => Response {
            status: if state.indices.contains_key(*index) {
                200
            } else {
                404
            },
            body: None,
        },
        ("PUT", ["_bulk"]) => bulk(&mut state, None, &request),
        ("PUT", [index]) => create_index(&mut state, index, &request),
        ("GET", [index, "_mapping"]) => get_mapping(&state, index),
        ("PUT" | "POST", [index, "_mapping"]) => put_mapping(&mut state, index, &request),
        ("POST", ["_bulk"]) => bulk(&mut state, None, &request),
        ("POST" | "PUT", [index, "_bulk"]) => bulk(&mut state, Some(index), &request),
        ("POST" | "GET", [index, "_search"]) => search(&state, index, &request),
        ("POST" | "GET", [index, "_refresh"]) => refresh(&mut state, index),
        ("POST", [index, "_delete_by_query"]) => delete_by_query(&mut state, index, &request),
        ("GET", [index, "_stats", "store"]) => store_stats(&state, index),
        _ => error_response(
            405,
            "illegal_argument_exception",
            &format!(
                "Incorrect HTTP method for uri [{}] and method [{method}]",
                request.path
            ),
            None,
        ),
    }
}

fn ok(body: Value) -> Response {
    Response {
        status: 200,
        body: Some(body.to_string()),
    }
}

/// Elasticsearch's error body: `{"error": {"root_cause": [...], "type",
/// "reason", ...}, "status"}`.
fn error_response(status: u16, error_type: &str, reason: &str, index: Option<&str>) -> Response {
    let mut cause = json!({ "type": error_type, "reason": reason });
    if let Some(index) = index {
        cause["index"] = json!(index);
        cause["index_uuid"] = json!("_na_");
    }
    let mut error = cause.clone();
    error["root_cause"] = json!([cause]);
    Response {
        status,
        body: Some(json!({ "error": error, "status": status }).to_string()),
    }
}

fn index_not_found(index: &str) -> Response {
    error_response(
        404,
        "index_not_found_exception",
        &format!("no such index [{index}]"),
        Some(index),
    )
}

fn parse_body(request: &Request) -> Result<Value, Response> {
    if request.body.is_empty() {
        return Ok(json!({}));
    }
    serde_json::from_slice(&request.body).map_err(|error| {
        error_response(
            400,
            "x_content_parse_exception",
            &format!("failed to parse the request body: {error}"),
            None,
        )
    })
}

// --- Indices and mappings -----------------------------------------------------

const FIELD_TYPES: &[&str] = &[
    "keyword",
    "text",
    "date",
    "long",
    "integer",
    "double",
    "float",
    "boolean",
    "dense_vector",
];

/// Checks field definitions as Elasticsearch does for the types listed in
/// `FIELD_TYPES`.
fn check_properties(properties: &Map<String, Value>) -> Result<(), Response> {
    for (field, definition) in properties {
        let field_type = definition
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("object");
        if !FIELD_TYPES.contains(&field_type) {
            return Err(error_response(
                400,
                "mapper_parsing_exception",
                &format!("No handler for type [{field_type}] declared on field [{field}]"),
                None,
            ));
        }
        if field_type == "dense_vector" {
            if let Some(dims) = definition.get("dims") {
                let dims = dims.as_u64().unwrap_or(0);
                if dims == 0 || dims > 4096 {
                    return Err(error_response(
                        400,
                        "mapper_parsing_exception",
                        &format!(
                            "Failed to parse mapping: The number of dimensions should be in the range [1, 4096] but was [{dims}]"
                        ),
                        None,
                    ));
                }
            }
            let similarity = definition
                .get("similarity")
                .and_then(Value::as_str)
                .unwrap_or("cosine");
            if !["cosine", "dot_product", "l2_norm", "max_inner_product"].contains(&similarity) {
                return Err(error_response(
                    400,
                    "mapper_parsing_exception",
                    &format!("Failed to parse mapping: Unknown value [{similarity}] for field [similarity]"),
                    None,
                ));
            }
        }
    }
    Ok(())
}

fn create_index(state: &mut State, name: &str, request: &Request) -> Response {
    if state.indices.contains_key(name) {
        let uuid = state.indices[name].uuid.clone();
        return error_response(
            400,
            "resource_already_exists_exception",
            &format!("index [{name}/{uuid}] already exists"),
            Some(name),
        );
    }
    if name.chars().any(|c| c.is_ascii_uppercase()) || name.starts_with(['_', '-', '+']) {
        return error_response(
            400,
            "invalid_index_name_exception",
            &format!("Invalid index name [{name}], must be lowercase"),
            Some(name),
        );
    }
    let body = match parse_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let mappings = body
        .get("mappings")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Some(properties) = mappings.get("properties").and_then(Value::as_object) {
        if let Err(response) = check_properties(properties) {
            return response;
        }
    }

    let uuid = format!("test{:016x}", state.indices.len() as u64 + 1);
    state.indices.insert(
        name.to_string(),
        Index {
            uuid,
            mappings,
            ..Index::default()
        },
    );
    ok(json!({ "acknowledged": true, "shards_acknowledged": true, "index": name }))
}

fn get_mapping(state: &State, name: &str) -> Response {
    match state.indices.get(name) {
        Some(index) => ok(json!({ name: { "mappings": Value::Object(index.mappings.clone()) } })),
        None => index_not_found(name),
    }
}

fn put_mapping(state: &mut State, name: &str, request: &Request) -> Response {
    let body = match parse_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(index) = state.indices.get_mut(name) else {
        return index_not_found(name);
    };
    let new_properties = body
        .get("properties")
        .and_then(Value::as_object)
        .cloned()
        .unwrap_or_default();
    if let Err(response) = check_properties(&new_properties) {
        return response;
    }

    let mut properties = index.properties();
    for (field, definition) in new_properties {
        if let Some(existing) = properties.get(&field) {
            if existing.get("type") != definition.get("type") {
                return error_response(
                    400,
                    "illegal_argument_exception",
                    &format!(
                        "mapper [{field}] cannot be changed from type [{}] to [{}]",
                        existing["type"].as_str().unwrap_or("object"),
                        definition["type"].as_str().unwrap_or("object")
                    ),
                    None,
                );
            }
            if existing.get("dims") != definition.get("dims") {
                return error_response(
                    400,
                    "illegal_argument_exception",
                    &format!(
                        "Mapper for [{field}] conflicts with existing mapper:\n\tCannot update parameter [dims] from [{}] to [{}]",
                        existing.get("dims").unwrap_or(&Value::Null),
                        definition.get("dims").unwrap_or(&Value::Null)
                    ),
                    None,
                );
            }
        }
        properties.insert(field, definition);
    }
    index
        .mappings
        .insert("properties".into(), Value::Object(properties));
    ok(json!({ "acknowledged": true }))
}

fn refresh(state: &mut State, name: &str) -> Response {
    let Some(index) = state.indices.get_mut(name) else {
        return index_not_found(name);
    };
    index.searchable = index.documents.clone();
    ok(json!({ "_shards": { "total": 2, "successful": 1, "failed": 0 } }))
}

fn store_stats(state: &State, name: &str) -> Response {
    let Some(index) = state.indices.get(name) else {
        return index_not_found(name);
    };
    // Estimated as the size of the JSON sources; Lucene's segments differ.
    let size: usize = index
        .documents
        .values()
        .map(|document| document.to_string().len())
        .sum();
    let store = json!({ "store": { "size_in_bytes": size, "total_data_set_size_in_bytes": size,
                                   "reserved_in_bytes": 0 } });
    ok(json!({
        "_shards": { "total": 2, "successful": 1, "failed": 0 },
        "_all": { "primaries": store, "total": store },
        "indices": { name: { "uuid": index.uuid, "primaries": store, "total": store } },
    }))
}

// --- Documents ----------------------------------------------------------------

/// Checks a document against the mapping; the error is Elasticsearch's
/// (type, reason) for the first field that does not fit.
fn check_document(index: &Index, id: &str, document: &Value) -> Result<(), (String, String)> {
    let Some(fields) = document.as_object() else {
        return Err((
            "document_parsing_exception".into(),
            "[1:1] failed to parse: the document is not an object".into(),
        ));
    };
    let properties = index.properties();
    let strict = index.mappings.get("dynamic").and_then(Value::as_str) == Some("strict");
    let raw = document.to_string();
    // The column Elasticsearch reports is where its parser stood; the field's
    // position in the serialised source is close to it.
    let column = |field: &str| raw.find(&format!("\"{field}\"")).map_or(1, |at| at + 1);

    for (field, value) in fields {
        let Some(definition) = properties.get(field) else {
            if strict {
                return Err((
                    "strict_dynamic_mapping_exception".into(),
                    format!(
                        "[1:{}] mapping set to strict, dynamic introduction of [{field}] within [_doc] is not allowed",
                        column(field)
                    ),
                ));
            }
            continue;
        };
        if value.is_null() {
            continue;
        }
        let field_type = definition
            .get("type")
            .and_then(Value::as_str)
            .unwrap_or("object");
        let values: Vec<&Value> = match (field_type, value) {
            ("dense_vector", _) => vec![value],
            (_, Value::Array(items)) => items.iter().collect(),
            _ => vec![value],
        };
        for value in values {
            let fits = match field_type {
                "keyword" | "text" => value.is_string() || value.is_number() || value.is_boolean(),
                "long" | "integer" => {
                    value.is_i64()
                        || value.is_u64()
                        || value
                            .as_str()
                            .is_some_and(|text| text.parse::<i64>().is_ok())
                }
                "double" | "float" => value.is_number(),
                "boolean" => value.is_boolean() || matches!(value.as_str(), Some("true" | "false")),
                "date" => value.is_i64() || value.is_u64() || value.is_string(),
                "dense_vector" => {
                    let Some(items) = value.as_array() else {
                        return Err((
                            "document_parsing_exception".into(),
                            format!(
                                "[1:{}] failed to parse field [{field}] of type [dense_vector] in document with id '{id}'",
                                column(field)
                            ),
                        ));
                    };
                    if let Some(dims) = definition.get("dims").and_then(Value::as_u64) {
                        if items.len() as u64 != dims {
                            return Err((
                                "document_parsing_exception".into(),
                                format!(
                                    "[1:{}] failed to parse: The [dense_vector] field [{field}] in doc [document with id '{id}'] has a different number of dimensions [{}] than defined in the mapping [{dims}]",
                                    column(field),
                                    items.len()
                                ),
                            ));
                        }
                    }
                    items.iter().all(Value::is_number)
                }
                _ => true,
            };
            if !fits {
                return Err((
                    "document_parsing_exception".into(),
                    format!(
                        "[1:{}] failed to parse field [{field}] of type [{field_type}] in document with id '{id}'. Preview of field's value: '{value}'",
                        column(field)
                    ),
                ));
            }
        }
    }
    Ok(())
}

/// Runs a `_bulk` body: pairs of action and source lines (one line for
/// `delete`), each answered in `items`; `errors` is true when any failed.
fn bulk(state: &mut State, path_index: Option<&str>, request: &Request) -> Response {
    let content_type = request.content_type.as_deref().unwrap_or("");
    if !content_type.starts_with("application/x-ndjson")
        && !content_type.starts_with("application/json")
    {
        return error_response(
            406,
            "illegal_argument_exception",
            &format!("Content-Type header [{content_type}] is not supported"),
            None,
        );
    }
    let text = String::from_utf8_lossy(&request.body).to_string();
    if !text.ends_with('\n') {
        return error_response(
            400,
            "illegal_argument_exception",
            "The bulk request must be terminated by a newline [\\n]",
            None,
        );
    }

    let mut lines = text.lines().filter(|line| !line.trim().is_empty());
    let mut items = Vec::new();
    let mut errors = false;
    let mut touched = Vec::new();

    while let Some(action_line) = lines.next() {
        let action: Value = match serde_json::from_str(action_line) {
            Ok(action) => action,
            Err(error) => {
                return error_response(
                    400,
                    "illegal_argument_exception",
                    &format!("Malformed action/metadata line: {error}"),
                    None,
                )
            }
        };
        let Some((kind, metadata)) = action.as_object().and_then(|object| object.iter().next())
        else {
            return error_response(
                400,
                "illegal_argument_exception",
                "Malformed action/metadata line, expected START_OBJECT",
                None,
            );
        };
        let kind = kind.clone();
        let index_name = metadata
            .get("_index")
            .and_then(Value::as_str)
            .or(path_index)
            .unwrap_or_default()
            .to_string();
        let id = metadata
            .get("_id")
            .and_then(Value::as_str)
            .map(str::to_string)
            .unwrap_or_else(|| format!("auto{}", state.next_seq_no));
        let source = if kind == "delete" {
            Value::Null
        } else {
            match lines.next().map(serde_json::from_str::<Value>) {
                Some(Ok(source)) => source,
                _ => {
                    return error_response(
                        400,
                        "illegal_argument_exception",
                        &format!(
                            "Validation Failed: 1: the [{kind}] action is missing its source line;"
                        ),
                        None,
                    )
                }
            }
        };

        // Elasticsearch creates a missing index on the first write, with
        // dynamic mappings.
        if !state.indices.contains_key(&index_name) && kind != "delete" && kind != "update" {
            let uuid = format!("test{:016x}", state.indices.len() as u64 + 1);
            state.indices.insert(
                index_name.clone(),
                Index {
                    uuid,
                    ..Index::default()
                },
            );
        }
        let seq_no = state.next_seq_no;
        state.next_seq_no += 1;
        let item = apply_bulk_item(state, &kind, &index_name, &id, source, seq_no);
        if item.get("error").is_some() {
            errors = true;
        } else {
            touched.push(index_name.clone());
        }
        items.push(json!({ kind: item }));
    }

    if matches!(request.param("refresh"), Some("true" | "" | "wait_for")) {
        for name in touched {
            if let Some(index) = state.indices.get_mut(&name) {
                index.searchable = index.documents.clone();
            }
        }
    }
    ok(json!({ "errors": errors, "took": 1, "items": items }))
}

fn apply_bulk_item(
    state: &mut State,
    kind: &str,
    index_name: &str,
    id: &str,
    source: Value,
    seq_no: u64,
) -> Value {
    let item_error = |status: u16, error_type: &str, reason: String| {
        json!({
            "_index": index_name, "_id": id, "status": status,
            "error": { "type": error_type, "reason": reason, "index": index_name,
                       "shard": "0", "index_uuid": "_na_" },
        })
    };
    let Some(index) = state.indices.get_mut(index_name) else {
        return item_error(
            404,
            "index_not_found_exception",
            format!("no such index [{index_name}]"),
        );
    };

    let exists = index.documents.contains_key(id);
    let document = match kind {
        "index" => source,
        "create" if exists => {
            return item_error(
                409,
                "version_conflict_engine_exception",
                format!("[{id}]: version conflict, document already exists (current version [{}])", index.versions[id]),
            )
        }
        "create" => source,
        "update" => {
            let Some(current) = index.documents.get(id) else {
                return item_error(404, "document_missing_exception", format!("[{id}]: document missing"));
            };
            let Some(partial) = source.get("doc").and_then(Value::as_object) else {
                return item_error(
                    400,
                    "action_request_validation_exception",
                    "Validation Failed: 1: script or doc is missing;".into(),
                );
            };
            let mut merged = current.clone();
            for (field, value) in partial {
                merged[field] = value.clone();
            }
            merged
        }
        "delete" => {
            let found = index.documents.remove(id).is_some();
            let version = index.versions.get(id).copied().unwrap_or(0) + 1;
            return json!({
                "_index": index_name, "_id": id, "_version": version,
                "result": if found { "deleted" } else { "not_found" },
                "_shards": { "total": 2, "successful": 1, "failed": 0 },
                "_seq_no": seq_no, "_primary_term": 1,
                "status": if found { 200 } else { 404 },
            });
        }
        other => {
            return item_error(
                400,
                "illegal_argument_exception",
                format!("Malformed action/metadata line, expected one of [create, delete, index, update] but found [{other}]"),
            )
        }
    };

    if let Err((error_type, reason)) = check_document(index, id, &document) {
        return item_error(400, &error_type, reason);
    }
    let version = index.versions.get(id).copied().unwrap_or(0) + 1;
    index.versions.insert(id.to_string(), version);
    index.documents.insert(id.to_string(), document);
    let (result, status) = match (kind, exists) {
        ("update", _) => ("updated", 200),
        (_, true) => ("updated", 200),
        (_, false) => ("created", 201),
    };
    json!({
        "_index": index_name, "_id": id, "_version": version, "result": result,
        "_shards": { "total": 2, "successful": 1, "failed": 0 },
        "_seq_no": seq_no, "_primary_term": 1, "status": status,
    })
}

// --- Search -------------------------------------------------------------------

fn search_error(error: QueryError, index: &str) -> Response {
    // A query that fails on every shard comes back as
    // search_phase_execution_exception with the shard's error as root cause.
    let cause = json!({ "type": error.error_type, "reason": error.reason });
    Response {
        status: 400,
        body: Some(
            json!({
                "error": {
                    "root_cause": [cause],
                    "type": "search_phase_execution_exception",
                    "reason": "all shards failed",
                    "phase": "query",
                    "grouped": true,
                    "failed_shards": [ { "shard": 0, "index": index, "node": "test-node",
                                         "reason": cause } ],
                    "caused_by": cause,
                },
                "status": 400,
            })
            .to_string(),
        ),
    }
}

fn search(state: &State, name: &str, request: &Request) -> Response {
    let Some(index) = state.indices.get(name) else {
        return index_not_found(name);
    };
    let body = match parse_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let properties = index.properties();
    let corpus = Corpus {
        properties: &properties,
        documents: &index.searchable,
    };

    // A query and a knn section both present are combined: a document
    // matching either is a hit, with the two scores added.
    let mut scores = match body.get("query") {
        Some(query) => match corpus.evaluate(query) {
            Ok(scores) => Some(scores),
            Err(error) => return search_error(error, name),
        },
        None => None,
    };
    if let Some(knn) = body.get("knn") {
        let knn_scores = match corpus.knn(knn) {
            Ok(scores) => scores,
            Err(error) => return search_error(error, name),
        };
        scores = Some(match scores {
            None => knn_scores,
            Some(mut query_scores) => {
                for (id, score) in knn_scores {
                    *query_scores.entry(id).or_insert(0.0) += score;
                }
                query_scores
            }
        });
    }
    let scores = scores.unwrap_or_else(|| {
        index
            .searchable
            .keys()
            .map(|id| (id.clone(), 1.0))
            .collect()
    });

    let mut hits: Vec<(String, f64)> = scores.into_iter().collect();
    let sort = body.get("sort").and_then(Value::as_array).and_then(|sort| {
        sort.first().and_then(Value::as_object).and_then(|spec| {
            spec.iter().next().map(|(field, order)| {
                let order = order
                    .as_str()
                    .or_else(|| order.get("order").and_then(Value::as_str))
                    .unwrap_or("asc");
                (field.clone(), order == "desc")
            })
        })
    });
    match &sort {
        Some((field, descending)) => hits.sort_by(|a, b| {
            let key = |id: &str| {
                index.searchable[id]
                    .get(field)
                    .and_then(Value::as_f64)
                    .unwrap_or(f64::MIN)
            };
            let ordering = key(&a.0).total_cmp(&key(&b.0));
            if *descending {
                ordering.reverse()
            } else {
                ordering
            }
        }),
        None => hits.sort_by(|a, b| b.1.total_cmp(&a.1).then_with(|| a.0.cmp(&b.0))),
    }

    let total = hits.len();
    let size = body.get("size").and_then(Value::as_u64).unwrap_or(10) as usize;
    let max_score = if sort.is_some() {
        Value::Null
    } else {
        hits.first().map_or(Value::Null, |hit| json!(hit.1))
    };
    let hit_documents: Vec<Value> = hits
        .iter()
        .take(size)
        .map(|(id, score)| {
            let mut hit = json!({
                "_index": name,
                "_id": id,
                "_score": if sort.is_some() { Value::Null } else { json!(score) },
                "_source": index.searchable[id],
            });
            if let Some((field, _)) = &sort {
                hit["sort"] = json!([index.searchable[id]
                    .get(field)
                    .cloned()
                    .unwrap_or(Value::Null)]);
            }
            hit
        })
        .collect();

    let mut response = json!({
        "took": 1,
        "timed_out": false,
        "_shards": { "total": 1, "successful": 1, "skipped": 0, "failed": 0 },
        "hits": {
            "total": { "value": total, "relation": "eq" },
            "max_score": max_score,
            "hits": hit_documents,
        },
    });
    if let Some(aggregations) = body.get("aggs").or_else(|| body.get("aggregations")) {
        let mut results = Map::new();
        for (name, definition) in aggregations.as_object().into_iter().flatten() {
            let Some(field) = definition.pointer("/sum/field").and_then(Value::as_str) else {
                return search_error(
                    QueryError {
                        error_type: "parsing_exception",
                        reason: format!(
                            "the test server supports only sum aggregations, not [{name}]"
                        ),
                    },
                    name,
                );
            };
            let sum: f64 = hits
                .iter()
                .filter_map(|(id, _)| index.searchable[id].get(field).and_then(Value::as_f64))
                .sum();
            results.insert(name.clone(), json!({ "value": sum }));
        }
        response["aggregations"] = Value::Object(results);
    }
    ok(response)
}

fn delete_by_query(state: &mut State, name: &str, request: &Request) -> Response {
    let body = match parse_body(request) {
        Ok(body) => body,
        Err(response) => return response,
    };
    let Some(index) = state.indices.get_mut(name) else {
        return index_not_found(name);
    };
    let Some(query) = body.get("query") else {
        return error_response(
            400,
            "action_request_validation_exception",
            "Validation Failed: 1: query is missing;",
            None,
        );
    };
    let properties = index.properties();
    let matched = {
        let corpus = Corpus {
            properties: &properties,
            documents: &index.searchable,
        };
        match corpus.evaluate(query) {
            Ok(scores) => scores,
            Err(error) => return search_error(error, name),
        }
    };
    let mut deleted = 0u64;
    for id in matched.keys() {
        if index.documents.remove(id).is_some() {
            deleted += 1;
        }
    }
    if matches!(request.param("refresh"), Some("true" | "")) {
        index.searchable = index.documents.clone();
    }
    ok(json!({
        "took": 1, "timed_out": false, "total": matched.len(), "deleted": deleted,
        "batches": 1, "version_conflicts": 0, "noops": 0,
        "retries": { "bulk": 0, "search": 0 }, "throttled_millis": 0,
        "requests_per_second": -1.0, "throttled_until_millis": 0, "failures": [],
    }))
}
