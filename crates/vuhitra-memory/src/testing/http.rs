//! A minimal HTTP/1.1 server loop: requests with `Content-Length` bodies,
//! keep-alive connections, one JSON answer per request.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};

/// One parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub method: String,
    /// The path without the query string.
    pub path: String,
    /// The query string's `name=value` pairs.
    pub query: Vec<(String, String)>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl Request {
    /// The value of the query parameter `name`.
    pub fn param(&self, name: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
    }
}

/// One answer: a status and an optional JSON body.
#[derive(Debug, Clone)]
pub(crate) struct Response {
    pub status: u16,
    pub body: Option<String>,
}

/// Accepts connections on `listener` and answers each request with `handle`
/// until the task is dropped.
pub(crate) async fn serve<H>(listener: TcpListener, handle: Arc<H>)
where
    H: Fn(Request) -> Response + Send + Sync + 'static,
{
    loop {
        let Ok((stream, peer)) = listener.accept().await else {
            continue;
        };
        let handle = Arc::clone(&handle);
        tokio::spawn(async move {
            if let Err(error) = serve_connection(stream, handle).await {
                tracing::debug!(%peer, %error, "test Elasticsearch connection ended");
            }
        });
    }
}

async fn serve_connection<H>(stream: TcpStream, handle: Arc<H>) -> std::io::Result<()>
where
    H: Fn(Request) -> Response + Send + Sync + 'static,
{
    let (reader, mut writer) = stream.into_split();
    let mut reader = BufReader::new(reader);

    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).await? == 0 {
            return Ok(());
        }
        let mut parts = request_line.split_whitespace();
        let method = parts.next().unwrap_or_default().to_string();
        let target = parts.next().unwrap_or("/").to_string();

        let mut content_length = 0usize;
        let mut content_type = None;
        let mut close = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).await? == 0 {
                return Ok(());
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((name, value)) = line.split_once(':') {
                let value = value.trim();
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => content_length = value.parse().unwrap_or(0),
                    "content-type" => content_type = Some(value.to_string()),
                    "connection" => close = value.eq_ignore_ascii_case("close"),
                    _ => {}
                }
            }
        }
        let mut body = vec![0u8; content_length];
        reader.read_exact(&mut body).await?;

        let (path, query) = split_target(&target);
        let is_head = method == "HEAD";
        let response = handle(Request {
            method,
            path,
            query,
            content_type,
            body,
        });

        let body = response.body.unwrap_or_default();
        let head = format!(
            "HTTP/1.1 {} {}\r\ncontent-type: application/json\r\ncontent-length: {}\r\nx-elastic-product: Elasticsearch\r\n\r\n",
            response.status,
            reason_phrase(response.status),
            body.len()
        );
        writer.write_all(head.as_bytes()).await?;
        if !is_head {
            writer.write_all(body.as_bytes()).await?;
        }
        writer.flush().await?;
        if close {
            return Ok(());
        }
    }
}

fn split_target(target: &str) -> (String, Vec<(String, String)>) {
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let query = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (name.to_string(), value.to_string())
        })
        .collect();
    (path.to_string(), query)
}

fn reason_phrase(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        400 => "Bad Request",
        404 => "Not Found",
        405 => "Method Not Allowed",
        406 => "Not Acceptable",
        _ => "Status",
    }
}

/// The address a listener bound, for URLs.
pub(crate) fn url_of(address: SocketAddr) -> String {
    format!("http://{address}")
}
