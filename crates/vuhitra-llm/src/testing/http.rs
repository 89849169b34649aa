//! The hostile server's HTTP/1.1 handling: one request per connection,
//! bodies sent with chunked transfer encoding and cut at random offsets.

use std::sync::Arc;
use std::time::Duration;

use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::{
    answer_pieces, base_name, embedding_for, is_listed, model_details, not_found, HostileOptions,
    Shared, LISTED_MODELS,
};

/// One request as the server received it.
#[derive(Debug, Clone, PartialEq)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    /// The JSON body; `Null` when there was none.
    pub body: Value,
    /// The `Authorization` header, when sent.
    pub authorization: Option<String>,
}

/// A small deterministic generator (xorshift64*) for chunk sizes.
struct Cuts(u64);

impl Cuts {
    fn next(&mut self, max: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        let value = self.0.wrapping_mul(0x2545_f491_4f6c_dd1d);
        1 + (value % max.max(1) as u64) as usize
    }
}

pub(super) async fn serve(
    listener: std::net::TcpListener,
    options: HostileOptions,
    shared: Arc<Shared>,
    mut stop: tokio::sync::oneshot::Receiver<()>,
) {
    let listener = TcpListener::from_std(listener).expect("the listener is non-blocking");
    let mut connection = 0u64;
    loop {
        tokio::select! {
            _ = &mut stop => return,
            accepted = listener.accept() => {
                let Ok((stream, _)) = accepted else { continue };
                connection += 1;
                let options = options.clone();
                let shared = Arc::clone(&shared);
                let seed = options.seed.wrapping_add(connection.wrapping_mul(0x9e37_79b9));
                tokio::spawn(async move {
                    let _ = handle(stream, options, shared, seed | 1).await;
                });
            }
        }
    }
}

async fn handle(
    mut stream: TcpStream,
    options: HostileOptions,
    shared: Arc<Shared>,
    seed: u64,
) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let Some(request) = read_request(&mut stream).await? else {
        return Ok(());
    };
    shared
        .requests
        .lock()
        .expect("request log")
        .push(request.clone());

    let mut writer = Writer {
        stream,
        cuts: Cuts(seed),
        options: options.clone(),
    };
    let model = request
        .body
        .get("model")
        .and_then(Value::as_str)
        .unwrap_or_default()
        .to_string();

    match (request.method.as_str(), request.path.as_str()) {
        ("GET", "/api/version") => writer.json(200, &json!({"version": "0.5.7"})).await,
        ("GET", "/api/tags") => {
            let models: Vec<Value> = LISTED_MODELS
                .iter()
                .map(|name| {
                    json!({
                        "name": name,
                        "model": name,
                        "modified_at": "2024-11-04T14:56:49.277302595-07:00",
                        "size": 1_234_567,
                        "digest": "9f438cb9cd581fc025612d27f7c1a6669ff83a8bb0ed86c94fcf4c5440555697",
                        "details": model_details(),
                    })
                })
                .collect();
            writer.json(200, &json!({ "models": models })).await
        }
        ("POST", "/api/show") => {
            if !is_listed(&model) {
                return writer.json(404, &not_found(&model)).await;
            }
            writer
                .json(
                    200,
                    &json!({
                        "modelfile": "FROM /models/blobs/sha256:00",
                        "parameters": "temperature 0.7\nstop \"<|end|>\"",
                        "template": "{{ .Prompt }}",
                        "details": model_details(),
                        "model_info": {
                            "general.architecture": "llama",
                            "general.parameter_count": 1_000_000,
                            "llama.context_length": 2048,
                            "llama.embedding_length": super::EMBEDDING_DIMS,
                        },
                    }),
                )
                .await
        }
        ("POST", "/api/pull") => pull(&mut writer, &model).await,
        ("POST", "/api/embed") => {
            if !is_listed(&model) {
                return writer.json(404, &not_found(&model)).await;
            }
            let inputs: Vec<String> = match request.body.get("input") {
                Some(Value::String(text)) => vec![text.clone()],
                Some(Value::Array(items)) => items
                    .iter()
                    .filter_map(|item| item.as_str().map(str::to_string))
                    .collect(),
                _ => {
                    return writer
                        .json(400, &json!({"error": "invalid input type"}))
                        .await
                }
            };
            let embeddings: Vec<Vec<f64>> = inputs.iter().map(|text| embedding_for(text)).collect();
            writer
                .json(
                    200,
                    &json!({
                        "model": model,
                        "embeddings": embeddings,
                        "total_duration": 14_143_917,
                        "prompt_eval_count": inputs.iter().map(|text| text.len() / 4 + 1).sum::<usize>(),
                    }),
                )
                .await
        }
        ("POST", "/api/chat") | ("POST", "/api/generate") => {
            answer(&mut writer, &request, &model, &shared).await
        }
        _ => {
            writer
                .raw(404, "text/plain", b"404 page not found".to_vec())
                .await
        }
    }
}

/// Streams (or returns whole) a chat or generate answer, with the failures
/// the special model names ask for.
async fn answer(
    writer: &mut Writer,
    request: &RecordedRequest,
    model: &str,
    shared: &Shared,
) -> std::io::Result<()> {
    let name = base_name(model);
    if !is_listed(model) {
        return writer.json(404, &not_found(model)).await;
    }
    if name == "slow" {
        tokio::time::sleep(writer.options.slow_first_byte).await;
    }
    if name == "flaky" {
        let attempt = {
            let mut attempts = shared.attempts.lock().expect("attempt counter");
            let count = attempts.entry(request.path.clone()).or_insert(0);
            *count += 1;
            *count
        };
        if attempt <= writer.options.failures_before_success {
            return writer
                .json(503, &json!({"error": "server busy, please try again"}))
                .await;
        }
    }

    let chat = request.path == "/api/chat";
    let prompt = if chat {
        request
            .body
            .get("messages")
            .and_then(Value::as_array)
            .and_then(|messages| {
                messages
                    .iter()
                    .rev()
                    .find(|message| message.get("role").and_then(Value::as_str) == Some("user"))
            })
            .and_then(|message| message.get("content").and_then(Value::as_str))
            .unwrap_or_default()
            .to_string()
    } else {
        request
            .body
            .get("prompt")
            .and_then(Value::as_str)
            .unwrap_or_default()
            .to_string()
    };
    let pieces = answer_pieces(&prompt);
    let prompt_tokens = request.body.to_string().len() / 4 + 1;
    let done_reason = if name == "long" { "length" } else { "stop" };
    let streaming = request.body.get("stream").and_then(Value::as_bool) != Some(false);

    let piece_object = |text: &str, done: bool| -> Value {
        if chat {
            json!({
                "model": model,
                "created_at": "2024-11-04T08:52:19.385406455-07:00",
                "message": {"role": "assistant", "content": text},
                "done": done,
            })
        } else {
            json!({
                "model": model,
                "created_at": "2024-11-04T08:52:19.385406455-07:00",
                "response": text,
                "done": done,
            })
        }
    };
    let final_object = |text: &str| -> Value {
        let mut object = piece_object(text, true);
        let fields = object.as_object_mut().expect("an object");
        fields.insert("done_reason".into(), json!(done_reason));
        fields.insert("total_duration".into(), json!(4_883_583_458u64));
        fields.insert("load_duration".into(), json!(1_334_875));
        fields.insert("prompt_eval_count".into(), json!(prompt_tokens));
        fields.insert("prompt_eval_duration".into(), json!(342_546_000));
        fields.insert("eval_count".into(), json!(pieces.len()));
        fields.insert("eval_duration".into(), json!(4_535_599_000u64));
        object
    };

    if !streaming {
        return writer.json(200, &final_object(&pieces.concat())).await;
    }

    writer.start_stream("application/x-ndjson").await?;
    match name {
        "broken" => {
            let mut body = String::new();
            for piece in pieces.iter().take(2) {
                body.push_str(&format!("{}\n", piece_object(piece, false)));
            }
            body.push_str("{\"error\":\"an error was encountered while running the model: unexpected EOF\"}\n");
            writer.send_cut(body.as_bytes()).await?;
        }
        "stall" => {
            let first = format!("{}\n", piece_object(&pieces[0], false));
            writer.send_cut(first.as_bytes()).await?;
            tokio::time::sleep(writer.options.stall).await;
            let mut rest = String::new();
            for piece in &pieces[1..] {
                rest.push_str(&format!("{}\n", piece_object(piece, false)));
            }
            rest.push_str(&format!("{}\n", final_object("")));
            writer.send_cut(rest.as_bytes()).await?;
        }
        "truncated" => {
            let mut body = String::new();
            for piece in &pieces {
                body.push_str(&format!("{}\n", piece_object(piece, false)));
            }
            writer.send_cut(body.as_bytes()).await?;
        }
        _ => {
            let mut body = String::new();
            for piece in &pieces {
                body.push_str(&format!("{}\n", piece_object(piece, false)));
            }
            body.push_str(&format!("{}\n", final_object("")));
            writer.send_cut(body.as_bytes()).await?;
        }
    }
    writer.end_stream().await
}

/// Streams download progress; an unknown model fails under HTTP 200, as
/// Ollama reports registry errors inside the stream.
async fn pull(writer: &mut Writer, model: &str) -> std::io::Result<()> {
    writer.start_stream("application/x-ndjson").await?;
    let mut body = String::from("{\"status\":\"pulling manifest\"}\n");
    if !is_listed(model) {
        body.push_str("{\"error\":\"pull model manifest: file does not exist\"}\n");
        writer.send_cut(body.as_bytes()).await?;
        return writer.end_stream().await;
    }

    let digest = "sha256:6a0746a1ec1aef3e7ec53868f220ff6e389f6f8ef87a01d77c96807de94ca2aa";
    let total = 4_000_000u64;
    for step in 0..=8u64 {
        let completed = total * step / 8;
        body.push_str(&format!(
            "{}\n",
            json!({"status": format!("pulling {}", &digest[7..19]), "digest": digest, "total": total, "completed": completed})
        ));
    }
    for status in ["verifying sha256 digest", "writing manifest", "success"] {
        body.push_str(&format!("{}\n", json!({ "status": status })));
    }
    writer.send_cut(body.as_bytes()).await?;
    writer.end_stream().await
}

/// Reads one request: the request line, headers and a `Content-Length` body.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<RecordedRequest>> {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let header_end = loop {
        if let Some(position) = buffer.windows(4).position(|window| window == b"\r\n\r\n") {
            break position;
        }
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..read]);
    };

    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_string();
    let path = request_line.next().unwrap_or_default().to_string();
    let mut content_length = 0usize;
    let mut authorization = None;
    for line in lines {
        if let Some((name, value)) = line.split_once(':') {
            let value = value.trim();
            if name.eq_ignore_ascii_case("content-length") {
                content_length = value.parse().unwrap_or(0);
            } else if name.eq_ignore_ascii_case("authorization") {
                authorization = Some(value.to_string());
            }
        }
    }

    let mut body = buffer[header_end + 4..].to_vec();
    while body.len() < content_length {
        let read = stream.read(&mut chunk).await?;
        if read == 0 {
            break;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let body = if body.is_empty() {
        Value::Null
    } else {
        serde_json::from_slice(&body).unwrap_or(Value::Null)
    };
    Ok(Some(RecordedRequest {
        method,
        path,
        body,
        authorization,
    }))
}

/// Writes responses, streamed ones in randomly sized chunks.
struct Writer {
    stream: TcpStream,
    cuts: Cuts,
    options: HostileOptions,
}

impl Writer {
    async fn raw(&mut self, status: u16, content_type: &str, body: Vec<u8>) -> std::io::Result<()> {
        let reason = match status {
            200 => "OK",
            400 => "Bad Request",
            404 => "Not Found",
            503 => "Service Unavailable",
            _ => "Unknown",
        };
        let head = format!(
            "HTTP/1.1 {status} {reason}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.write_all(&body).await?;
        self.stream.shutdown().await
    }

    async fn json(&mut self, status: u16, value: &Value) -> std::io::Result<()> {
        self.raw(
            status,
            "application/json; charset=utf-8",
            value.to_string().into_bytes(),
        )
        .await
    }

    async fn start_stream(&mut self, content_type: &str) -> std::io::Result<()> {
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: {content_type}\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n"
        );
        self.stream.write_all(head.as_bytes()).await?;
        self.stream.flush().await
    }

    /// Sends `body` as HTTP chunks of random sizes with a pause after each.
    async fn send_cut(&mut self, body: &[u8]) -> std::io::Result<()> {
        let mut rest = body;
        while !rest.is_empty() {
            let size = self.cuts.next(self.options.max_chunk).min(rest.len());
            let (piece, tail) = rest.split_at(size);
            self.stream
                .write_all(format!("{size:x}\r\n").as_bytes())
                .await?;
            self.stream.write_all(piece).await?;
            self.stream.write_all(b"\r\n").await?;
            self.stream.flush().await?;
            if self.options.chunk_pause > Duration::ZERO {
                tokio::time::sleep(self.options.chunk_pause).await;
            }
            rest = tail;
        }
        Ok(())
    }

    async fn end_stream(&mut self) -> std::io::Result<()> {
        self.stream.write_all(b"0\r\n\r\n").await?;
        self.stream.flush().await?;
        self.stream.shutdown().await
    }
}
