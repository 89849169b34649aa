//! The individual checks behind `vuhitra doctor`.
//!
//! Local checks touch only the filesystem and the binary's own data. Server
//! checks speak each server's protocol (HTTP for the language model and
//! Elasticsearch, RESP for Redis, TCP for Spark Connect) with a timeout.

use std::path::Path;
use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
#[cfg(not(feature = "llm"))]
use vuhitra_config::LlmProvider;
use vuhitra_config::{InvalidSettings, Resolved, Settings, SETTINGS};

#[cfg(feature = "llm")]
use super::llm::llm_endpoint;

use super::{Check, Finding, Scope};

/// Checks that cannot run without valid settings, listed as skipped when the
/// configuration is invalid.
pub const DEPENDENT_CHECKS: &[&str] = &[
    "data directory",
    "cache directory",
    "workspace",
    "llm endpoint",
    "redis",
    "elasticsearch",
    "spark",
];

pub fn configuration(
    resolved: &Resolved,
    settings: Result<&Settings, &InvalidSettings>,
) -> Finding {
    match settings {
        Ok(_) => {
            let file = resolved
                .config_file
                .as_ref()
                .map_or("no config file".to_string(), |path| {
                    format!("config file {}", path.display())
                });
            let dotenv = resolved
                .dotenv_file
                .as_ref()
                .map_or("no .env".to_string(), |path| {
                    format!(".env {}", path.display())
                });
            Finding::ok(format!(
                "{} settings valid; {file}; {dotenv}",
                SETTINGS.len()
            ))
        }
        Err(invalid) => Finding::fail(
            invalid
                .0
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; "),
        ),
    }
}

/// Checks that need no server.
pub fn local_checks(settings: &Settings) -> Vec<Check> {
    vec![
        Check::local("data directory", || writable_dir(&settings.paths.data_dir)),
        Check::local("cache directory", || {
            writable_dir(&settings.paths.cache_dir)
        }),
        Check::local("workspace", || {
            let path = &settings.workspace_path;
            if path.is_dir() {
                Finding::ok(format!("{} exists", path.display()))
            } else {
                Finding::warn(format!(
                    "{} is not a directory; set WORKSPACE_PATH to an existing directory",
                    path.display()
                ))
            }
        }),
    ]
}

/// Creates the directory when missing and proves it writable with a probe file.
fn writable_dir(path: &Path) -> Finding {
    if let Err(error) = std::fs::create_dir_all(path) {
        return Finding::fail(format!("cannot create {}: {error}", path.display()));
    }
    let probe = path.join(format!(".vuhitra-doctor-{}", std::process::id()));
    match std::fs::write(&probe, b"probe") {
        Ok(()) => {
            let _ = std::fs::remove_file(&probe);
            Finding::ok(format!("{} is writable", path.display()))
        }
        Err(error) => Finding::fail(format!(
            "{} is not writable: {error}; fix its permissions or set XDG_DATA_HOME / XDG_CACHE_HOME",
            path.display()
        )),
    }
}

/// Checks every server concurrently; unconfigured ones are skipped.
pub async fn server_checks(settings: &Settings, timeout: Duration) -> Vec<Check> {
    let llm = timed("llm endpoint", timeout, llm_endpoint(settings, timeout));
    let redis = timed("redis", timeout, redis(settings.redis_url.clone(), timeout));
    let elasticsearch = timed(
        "elasticsearch",
        timeout,
        elasticsearch(settings.elasticsearch_url.clone(), timeout),
    );
    let spark = timed("spark", timeout, spark(settings.spark_master.clone()));
    let (mut llm, redis, elasticsearch, spark) = tokio::join!(llm, redis, elasticsearch, spark);

    // The default endpoint is only a guess at where a model might run: failing
    // to reach it is a warning, not a failure of something the user configured.
    if llm.status == super::Status::Fail && !settings.is_user_set("OLLAMA_IP") {
        llm.status = super::Status::Warn;
        llm.message = format!(
            "{} (OLLAMA_IP is the default; set it to your model server)",
            llm.message
        );
    }
    vec![llm, redis, elasticsearch, spark]
}

async fn timed(
    name: &'static str,
    timeout: Duration,
    check: impl std::future::Future<Output = Finding>,
) -> Check {
    let started = Instant::now();
    let finding = match tokio::time::timeout(timeout, check).await {
        Ok(finding) => finding,
        Err(_) => Finding::fail(format!("timed out after {:.1} s", timeout.as_secs_f64())),
    };
    Check::from_finding(name, Scope::Server, finding, started)
}

fn http_client(timeout: Duration) -> Result<reqwest::Client, Finding> {
    reqwest::Client::builder()
        .connect_timeout(timeout)
        .timeout(timeout)
        .build()
        .map_err(|error| Finding::fail(format!("cannot build an HTTP client: {error}")))
}

/// Checks the endpoint with one HTTP request; builds with the `llm` feature
/// speak the protocol through the provider instead (`doctor/llm.rs`).
#[cfg(not(feature = "llm"))]
async fn llm_endpoint(settings: &Settings, timeout: Duration) -> Finding {
    let client = match http_client(timeout) {
        Ok(client) => client,
        Err(finding) => return finding,
    };
    let path = match settings.llm_provider {
        LlmProvider::Ollama => "/api/version",
        LlmProvider::OpenAi => "/v1/models",
    };
    let url = format!("{}{path}", settings.ollama_ip);
    let mut request = client.get(&url);
    if let Some(key) = &settings.llm_api_key {
        request = request.bearer_auth(key.expose());
    }
    match request.send().await {
        Ok(response) if response.status().is_success() => Finding::ok(format!(
            "{} answered {} ({} API)",
            settings.ollama_ip,
            response.status(),
            settings.llm_provider.as_str()
        )),
        Ok(response) => Finding::fail(format!(
            "{url} answered {}; check LLM_PROVIDER ({}) matches the server",
            response.status(),
            settings.llm_provider.as_str()
        )),
        Err(error) => Finding::fail(format!(
            "cannot reach {}: {}",
            settings.ollama_ip,
            describe_reqwest_error(&error)
        )),
    }
}

async fn elasticsearch(url: Option<String>, timeout: Duration) -> Finding {
    let Some(url) = url else {
        return Finding::skipped(
            "ELASTICSEARCH_URL unset: heuristics and the prompt cache use the embedded store",
        );
    };
    let client = match http_client(timeout) {
        Ok(client) => client,
        Err(finding) => return finding,
    };
    let shown = vuhitra_config::redact_url(&url);
    let response = match client.get(&url).send().await {
        Ok(response) => response,
        Err(error) => {
            return Finding::fail(format!(
                "cannot reach {shown}: {}",
                describe_reqwest_error(&error)
            ))
        }
    };
    if !response.status().is_success() {
        return Finding::fail(format!("{shown} answered {}", response.status()));
    }
    match response.json::<serde_json::Value>().await {
        Ok(body) => match body.pointer("/version/number").and_then(|v| v.as_str()) {
            Some(version) => Finding::ok(format!("Elasticsearch {version} at {shown}")),
            None => Finding::fail(format!(
                "{shown} answered, but not as Elasticsearch (no version.number in its root document)"
            )),
        },
        Err(error) => Finding::fail(format!("{shown} answered with invalid JSON: {error}")),
    }
}

async fn redis(url: Option<String>, timeout: Duration) -> Finding {
    let Some(url) = url else {
        return Finding::skipped("REDIS_URL unset: frames and sessions use the embedded store");
    };
    let shown = vuhitra_config::redact_url(&url);
    let parsed = match url::Url::parse(&url) {
        Ok(parsed) => parsed,
        Err(error) => return Finding::fail(format!("invalid REDIS_URL {shown}: {error}")),
    };
    if parsed.scheme() != "redis" {
        return Finding::skipped(format!(
            "{shown}: only redis:// URLs are checked here; {} is used as configured",
            parsed.scheme()
        ));
    }
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let port = parsed.port().unwrap_or(6379);

    let mut stream =
        match tokio::time::timeout(timeout, TcpStream::connect((host.as_str(), port))).await {
            Ok(Ok(stream)) => stream,
            Ok(Err(error)) => return Finding::fail(format!("cannot connect to {shown}: {error}")),
            Err(_) => return Finding::fail(format!("connecting to {shown} timed out")),
        };

    if let Some(password) = parsed.password() {
        let user = parsed.username();
        let command = if user.is_empty() {
            resp_command(&["AUTH", password])
        } else {
            resp_command(&["AUTH", user, password])
        };
        match exchange(&mut stream, &command).await {
            Ok(reply) if reply.starts_with("+OK") => {}
            Ok(reply) => return Finding::fail(format!("{shown} rejected AUTH: {}", reply.trim())),
            Err(error) => return Finding::fail(format!("{shown}: {error}")),
        }
    }

    match exchange(&mut stream, &resp_command(&["PING"])).await {
        Ok(reply) if reply.starts_with("+PONG") => Finding::ok(format!("{shown} answered PING")),
        Ok(reply) => Finding::fail(format!("{shown} answered PING with {}", reply.trim())),
        Err(error) => Finding::fail(format!("{shown}: {error}")),
    }
}

fn resp_command(parts: &[&str]) -> Vec<u8> {
    let mut command = format!("*{}\r\n", parts.len()).into_bytes();
    for part in parts {
        command.extend_from_slice(format!("${}\r\n{part}\r\n", part.len()).as_bytes());
    }
    command
}

/// Sends one RESP command and reads the first line of the reply.
async fn exchange(stream: &mut TcpStream, command: &[u8]) -> std::io::Result<String> {
    stream.write_all(command).await?;
    let mut buffer = vec![0u8; 512];
    let read = stream.read(&mut buffer).await?;
    if read == 0 {
        return Err(std::io::Error::new(
            std::io::ErrorKind::UnexpectedEof,
            "the server closed the connection",
        ));
    }
    Ok(String::from_utf8_lossy(&buffer[..read]).into_owned())
}

async fn spark(master: Option<String>) -> Finding {
    let Some(master) = master else {
        return Finding::skipped("SPARK_MASTER unset: heavy work runs in-process");
    };
    if master.starts_with("local") {
        return Finding::skipped(format!(
            "{master} runs in-process; there is no server to check"
        ));
    }
    let parsed = match url::Url::parse(&master) {
        Ok(parsed) => parsed,
        Err(error) => return Finding::fail(format!("invalid SPARK_MASTER {master}: {error}")),
    };
    let default_port = if parsed.scheme() == "sc" { 15002 } else { 7077 };
    let host = parsed.host_str().unwrap_or("127.0.0.1").to_string();
    let port = parsed.port().unwrap_or(default_port);
    match TcpStream::connect((host.as_str(), port)).await {
        Ok(_) => Finding::ok(format!("{host}:{port} accepts connections")),
        Err(error) => Finding::fail(format!("cannot connect to {host}:{port}: {error}")),
    }
}

/// Names the innermost cause, which says more than reqwest's outer message.
fn describe_reqwest_error(error: &reqwest::Error) -> String {
    let mut message = error.to_string();
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        message = cause.to_string();
        source = cause.source();
    }
    if error.is_timeout() {
        format!("timed out ({message})")
    } else {
        message
    }
}
