//! The memory around `vuhitra chat`: keywords, session history, the prompt
//! cache before the model is called, and afterwards one heuristics entry,
//! the cached answer and the session's new turn.
//!
//! Only a session the user names can fail the command (its store is part of
//! what was asked for). Heuristics and the cache are side effects: their
//! failures become warnings and the chat goes on.
//!
//! Opening the store, loading the tokenizer and VADER's lexicon cost a few
//! milliseconds in a new process, so they run on other threads while the
//! model answers; recording then only builds the entry and inserts it.

use std::io::IsTerminal;
use std::thread::JoinHandle;
use std::time::Instant;

use serde::Serialize;
use vuhitra_config::Settings;
use vuhitra_llm::{ChatMessage, ChatRequest, ChatResponse, EmbedRequest, Role, Timings};
use vuhitra_memory::{
    classify, content_words, load_tokenizer, now_ms, parse_prompt, prompt_hash, prompt_sentiment,
    CacheDirective, CacheEntry, CacheHit, CacheQuery, HeuristicRecord, Intent, Memory,
    PromptSignature, RecordOutcome, SessionMessage, SessionRole, SessionStore, SignatureMethod,
};

use super::{memory_error, open_memory, open_sessions, runtime, seconds_to_ms, signature_method};
use crate::commands::llm::chat::ChatFormat;
use crate::commands::llm::ProviderArgs;
use crate::context::Context;
use crate::error::{CliError, CliResult, ErrorKind};

/// One prompt on its way to the model.
#[derive(Debug)]
pub struct Turn {
    /// The prompt without `@cache`/`@nocache`, as sent to the model.
    pub prompt: String,
    directive: CacheDirective,
    /// When the turn began, for the heuristics entry.
    timestamp_ms: i64,
    /// When the model call began, for the total time of a failed call.
    started: Instant,
    /// The prompt's embedding, computed once for lookup and storage.
    embedding: Option<Vec<f32>>,
    analysis: Analysis,
}

/// The facts about a prompt that heuristics and the cache use.
#[derive(Debug, Clone)]
struct PromptAnalysis {
    signature: PromptSignature,
    /// The content words, for text similarity.
    terms: Vec<String>,
    /// VADER's compound score.
    sentiment: f64,
    intent: Intent,
}

impl PromptAnalysis {
    fn compute(prompt: &str, method: SignatureMethod, model_dir: Option<&std::path::Path>) -> Self {
        let tokenizer = load_tokenizer(model_dir);
        PromptAnalysis {
            signature: PromptSignature::compute(prompt, method, tokenizer.as_ref()),
            terms: content_words(&tokenizer.words(prompt)),
            sentiment: prompt_sentiment(prompt),
            intent: classify(prompt),
        }
    }
}

/// A prompt analysis running on another thread, or its result.
#[derive(Debug)]
enum Analysis {
    Running {
        thread: JoinHandle<PromptAnalysis>,
        /// The thread's inputs, to compute again should it panic.
        inputs: (String, SignatureMethod, Option<std::path::PathBuf>),
    },
    /// Not started, because nothing may need it: computed on first use.
    Deferred((String, SignatureMethod, Option<std::path::PathBuf>)),
    Done(PromptAnalysis),
    /// Left behind while a result is taken out.
    Taken,
}

impl Turn {
    /// Returns the analysis of the prompt, waiting for its thread when needed.
    fn analysis(&mut self) -> &PromptAnalysis {
        let state = std::mem::replace(&mut self.analysis, Analysis::Taken);
        self.analysis = Analysis::Done(match state {
            Analysis::Done(analysis) => analysis,
            Analysis::Running { thread, inputs } => thread.join().unwrap_or_else(|_| {
                let (prompt, method, model_dir) = inputs;
                PromptAnalysis::compute(&prompt, method, model_dir.as_deref())
            }),
            Analysis::Deferred((prompt, method, model_dir)) => {
                PromptAnalysis::compute(&prompt, method, model_dir.as_deref())
            }
            Analysis::Taken => unreachable!("an analysis is never left taken"),
        });
        match &self.analysis {
            Analysis::Done(analysis) => analysis,
            _ => unreachable!("the analysis was completed above"),
        }
    }
}

/// The stores `chat` uses, opened when first needed.
pub struct ChatMemory<'a> {
    context: &'a Context,
    /// The one runtime of every network call, so that the Redis connection
    /// opened for a session stays usable.
    runtime: tokio::runtime::Runtime,
    session: Option<(String, SessionStore)>,
    memory: Option<Memory>,
    /// The store being opened on another thread.
    opening: Option<JoinHandle<Result<Memory, CliError>>>,
    /// Whether opening the memory failed already (warned once).
    memory_failed: bool,
}

impl<'a> ChatMemory<'a> {
    /// Prepares the memory of one `chat` run; opens the session store when a
    /// session is named.
    pub fn open(context: &'a Context, session: Option<&str>) -> CliResult<ChatMemory<'a>> {
        let runtime = runtime()?;
        let session = match session {
            Some(name) => {
                let store = runtime.block_on(open_sessions(&context.settings))?;
                Some((name.to_string(), store))
            }
            None => None,
        };
        Ok(ChatMemory {
            context,
            runtime,
            session,
            memory: None,
            opening: None,
            memory_failed: false,
        })
    }

    fn settings(&self) -> &Settings {
        &self.context.settings
    }

    /// Reads the earlier messages of the named session, oldest first.
    pub fn history(&self) -> CliResult<Vec<ChatMessage>> {
        let Some((name, store)) = &self.session else {
            return Ok(Vec::new());
        };
        let session = self
            .runtime
            .block_on(store.load(name))
            .map_err(memory_error)?;
        let messages: Vec<ChatMessage> = session
            .map(|session| {
                session
                    .messages
                    .into_iter()
                    .map(|message| ChatMessage {
                        role: match message.role {
                            SessionRole::System => Role::System,
                            SessionRole::User => Role::User,
                            SessionRole::Assistant => Role::Assistant,
                        },
                        content: message.content,
                    })
                    .collect()
            })
            .unwrap_or_default();
        tracing::debug!(session = %name, messages = messages.len(), "continuing a chat session");
        Ok(messages)
    }

    /// Takes the keywords out of `prompt`, starts the clock, and starts the
    /// prompt's analysis and the opening of the store on other threads.
    pub fn begin(&mut self, prompt: &str) -> CliResult<Turn> {
        let parsed = parse_prompt(prompt).map_err(memory_error)?;
        if parsed.text.is_empty() {
            return Err(CliError::usage(
                "the prompt is empty once @cache or @nocache is removed",
            ));
        }

        let settings = self.settings();
        let inputs = (
            parsed.text.clone(),
            signature_method(settings),
            settings
                .nlp_model_path
                .clone()
                .or_else(vuhitra_memory::default_nlp_model_dir),
        );
        let needed = settings.enable_heuristics
            || settings.enable_prompt_cache
            || parsed.directive == CacheDirective::Store;
        let thread_inputs = inputs.clone();
        let analysis = if needed {
            match std::thread::Builder::new()
                .name("prompt-analysis".into())
                .spawn(move || {
                    let (prompt, method, model_dir) = thread_inputs;
                    PromptAnalysis::compute(&prompt, method, model_dir.as_deref())
                }) {
                Ok(thread) => Analysis::Running { thread, inputs },
                Err(_) => Analysis::Deferred(inputs),
            }
        } else {
            Analysis::Deferred(inputs)
        };

        if needed && self.memory.is_none() && self.opening.is_none() && !self.memory_failed {
            let settings = settings.clone();
            self.opening = std::thread::Builder::new()
                .name("memory-open".into())
                .spawn(move || open_memory(&settings))
                .ok();
        }

        Ok(Turn {
            prompt: parsed.text,
            directive: parsed.directive,
            timestamp_ms: now_ms(),
            started: Instant::now(),
            embedding: None,
            analysis,
        })
    }

    /// Opens the store unless it is open or failed to open; returns whether
    /// it is open.
    fn ensure_memory(&mut self) -> bool {
        if self.memory.is_none() && !self.memory_failed {
            let opened = match self.opening.take().map(JoinHandle::join) {
                Some(Ok(result)) => result,
                // Not started, or the thread panicked: open here.
                Some(Err(_)) | None => open_memory(self.settings()),
            };
            match opened {
                Ok(memory) => self.memory = Some(memory),
                Err(error) => {
                    self.memory_failed = true;
                    tracing::warn!(
                        error = %error.message,
                        "heuristics and the prompt cache are off for this run"
                    );
                }
            }
        }
        self.memory.is_some()
    }

    /// Whether the cache may answer or store this request: the cache is on
    /// (or `@cache` asks to store), `@nocache` is absent, and the request is
    /// the prompt alone. An answer that depends on a system prompt, a file or
    /// earlier turns would be wrong for the same prompt in another context.
    fn cache_applies(&self, turn: &Turn, request: &ChatRequest, storing: bool) -> bool {
        let enabled = self.settings().enable_prompt_cache
            || (storing && turn.directive == CacheDirective::Store);
        enabled && turn.directive != CacheDirective::Skip && request.messages.len() == 1
    }

    /// Looks the prompt up in the cache. On a hit, prints the answer as
    /// `chat` would, says on stderr where it came from, counts the hit and
    /// returns true; the model is not called.
    ///
    /// The same text is looked up first, by its hash: it needs neither the
    /// tokenizer (tens of milliseconds to load spaCy's) nor an embedding.
    pub fn answer_from_cache(
        &mut self,
        turn: &mut Turn,
        request: &ChatRequest,
        format: ChatFormat,
        provider_args: &ProviderArgs,
    ) -> CliResult<bool> {
        if !self.cache_applies(turn, request, false) || !self.ensure_memory() {
            turn.started = Instant::now();
            return Ok(false);
        }
        let looked_up = Instant::now();
        let Some(memory) = &self.memory else {
            unreachable!("ensure_memory returned true");
        };

        let text_hash = prompt_hash(&turn.prompt);
        let found = self.runtime.block_on(async {
            let hit = memory
                .find_by_prompt_hash(&request.model, &text_hash, now_ms())
                .await?;
            count_hit(memory, hit).await
        });
        let found = match found {
            Ok(None) => {
                turn.embedding = self.embed(&turn.prompt, provider_args);
                let analysis = turn.analysis().clone();
                let embedding_model = self.settings().embedding_model.clone();
                let query = CacheQuery {
                    model: &request.model,
                    signature: &analysis.signature,
                    prompt: &turn.prompt,
                    terms: &analysis.terms,
                    embedding: embedding_model.as_deref().zip(turn.embedding.as_deref()),
                    min_similarity: self.settings().prompt_cache_similarity,
                    now_ms: now_ms(),
                };
                self.runtime.block_on(async {
                    let hit = memory.find_cached(&query).await?;
                    count_hit(memory, hit).await
                })
            }
            other => other,
        };

        let hit = match found {
            Ok(Some(hit)) => hit,
            Ok(None) => {
                tracing::debug!(
                    elapsed_us = looked_up.elapsed().as_micros() as u64,
                    "prompt cache miss"
                );
                turn.started = Instant::now();
                return Ok(false);
            }
            Err(error) => {
                tracing::warn!(%error, "the prompt cache lookup failed; asking the model");
                turn.started = Instant::now();
                return Ok(false);
            }
        };

        announce_hit(self.context, &hit);
        let elapsed_ms = looked_up.elapsed().as_secs_f64() * 1000.0;
        print_cached(self.context, &hit, format, elapsed_ms)?;
        self.append_session(&turn.prompt, &hit.entry.answer);
        Ok(true)
    }

    /// Embeds the prompt with `EMBEDDING_MODEL`; `None` (with a warning)
    /// when no model is configured or the call fails, so that text
    /// similarity is used instead.
    fn embed(&self, prompt: &str, provider_args: &ProviderArgs) -> Option<Vec<f32>> {
        let model = self.settings().embedding_model.clone()?;
        let provider = match crate::commands::llm::provider(self.settings(), provider_args) {
            Ok(provider) => provider,
            Err(error) => {
                tracing::warn!(error = %error.message, "cannot embed the prompt; using text similarity");
                return None;
            }
        };
        let request = EmbedRequest {
            model: model.clone(),
            inputs: vec![prompt.to_string()],
        };
        match self.runtime.block_on(provider.embed(&request)) {
            Ok(embeddings) => embeddings.vectors.into_iter().next(),
            Err(error) => {
                tracing::warn!(%error, model = %model, "cannot embed the prompt; using text similarity");
                None
            }
        }
    }

    /// Records a failed model call.
    pub fn record_failure(&mut self, turn: &mut Turn, request: &ChatRequest, error: &CliError) {
        if error.kind == ErrorKind::BrokenPipe {
            return;
        }
        let timings = Timings {
            total_ms: turn.started.elapsed().as_secs_f64() * 1000.0,
            first_token_ms: None,
        };
        let kind = match error.kind {
            ErrorKind::User | ErrorKind::Usage => "rejected",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Interrupted => "interrupted",
            ErrorKind::Internal | ErrorKind::BrokenPipe => "internal",
        };
        self.record(turn, request, None, Some(kind), timings);
    }

    /// Records a successful call, stores the answer in the cache when it
    /// applies, and adds the turn to the session.
    pub fn record_answer(
        &mut self,
        turn: &mut Turn,
        request: &ChatRequest,
        response: &ChatResponse,
    ) {
        self.record(turn, request, Some(response), None, response.timings);
        self.store_answer(turn, request, response);
        self.append_session(&turn.prompt, &response.content);
    }

    fn record(
        &mut self,
        turn: &mut Turn,
        request: &ChatRequest,
        response: Option<&ChatResponse>,
        error_kind: Option<&str>,
        timings: Timings,
    ) {
        if !self.settings().enable_heuristics {
            return;
        }
        let started = Instant::now();
        let store_prompts = self.settings().heuristics_store_prompts;
        let provider = self.settings().llm_provider.as_str();
        let analysis = turn.analysis().clone();
        let signature = analysis.signature;
        let record = HeuristicRecord {
            id: vuhitra_memory::new_id(),
            timestamp_ms: turn.timestamp_ms,
            signature: signature.hex,
            signature_method: signature.method,
            prompt_hash: prompt_hash(&turn.prompt),
            prompt: store_prompts.then(|| turn.prompt.clone()),
            model: request.model.clone(),
            provider: provider.to_string(),
            success: response.is_some(),
            error_kind: error_kind.map(str::to_string),
            prompt_tokens: response
                .and_then(|r| r.usage)
                .map(|usage| usage.prompt_tokens),
            completion_tokens: response
                .and_then(|r| r.usage)
                .map(|usage| usage.completion_tokens),
            first_token_ms: timings.first_token_ms,
            total_ms: timings.total_ms,
            sentiment: Some(analysis.sentiment),
            intent: analysis.intent,
        };

        if !self.ensure_memory() {
            return;
        }
        let Some(memory) = &self.memory else {
            unreachable!("ensure_memory returned true");
        };
        let outcome = if memory.elastic().is_some() {
            self.runtime
                .block_on(memory.record(&record))
                .map_err(|error| error.to_string())
        } else {
            // The embedded store needs no runtime; building one would cost
            // more than the insert.
            memory
                .embedded()
                .insert_heuristic(&record, false)
                .map(|()| RecordOutcome::Stored)
                .map_err(|error| error.to_string())
        };
        match outcome {
            Ok(RecordOutcome::Deferred { reason }) => tracing::warn!(
                %reason,
                "Elasticsearch did not take the heuristics entry; it is kept locally for `vuhitra heuristics sync`"
            ),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "the heuristics entry was not recorded"),
        }
        tracing::debug!(
            elapsed_us = started.elapsed().as_micros() as u64,
            "recorded heuristics entry"
        );
    }

    fn store_answer(&mut self, turn: &mut Turn, request: &ChatRequest, response: &ChatResponse) {
        if !self.cache_applies(turn, request, true) {
            return;
        }
        // A cut answer is cached only when @cache asks for this very answer.
        if response.finish_reason == Some(vuhitra_llm::FinishReason::Length)
            && turn.directive != CacheDirective::Store
        {
            tracing::debug!("the answer was cut at the token limit; not caching it");
            return;
        }
        let ttl_ms = seconds_to_ms(self.settings().prompt_cache_ttl);
        let embedding_model = self.settings().embedding_model.clone();
        let analysis = turn.analysis().clone();
        let mut entry = CacheEntry::new(
            &analysis.signature,
            &request.model,
            &turn.prompt,
            &response.content,
            analysis.terms,
            ttl_ms,
        );
        if let (Some(model), Some(vector)) = (embedding_model, &turn.embedding) {
            entry.embedding = Some(vector.clone());
            entry.embedding_model = Some(model);
        }

        if !self.ensure_memory() {
            return;
        }
        let Some(memory) = &self.memory else {
            unreachable!("ensure_memory returned true");
        };
        match self.runtime.block_on(memory.store_answer(&entry)) {
            Ok(RecordOutcome::Deferred { reason }) => tracing::warn!(
                %reason,
                "Elasticsearch did not take the cached answer; it is kept locally for `vuhitra heuristics sync`"
            ),
            Ok(_) => tracing::debug!(entry = %entry.id, "stored the answer in the prompt cache"),
            Err(error) => tracing::warn!(%error, "the answer was not cached"),
        }
    }

    /// Adds the prompt and its answer to the named session; a failure is a
    /// warning because the answer was already printed.
    fn append_session(&self, prompt: &str, answer: &str) {
        let Some((name, store)) = &self.session else {
            return;
        };
        let now = now_ms();
        let messages = [
            SessionMessage {
                role: SessionRole::User,
                content: prompt.to_string(),
                created_ms: now,
            },
            SessionMessage {
                role: SessionRole::Assistant,
                content: answer.to_string(),
                created_ms: now,
            },
        ];
        if let Err(error) = self.runtime.block_on(store.append(name, &messages)) {
            tracing::warn!(session = %name, %error, "this turn was not saved to the session");
        }
    }
}

/// Counts the hit, if there is one, and passes it on.
async fn count_hit(
    memory: &Memory,
    hit: Option<CacheHit>,
) -> Result<Option<CacheHit>, vuhitra_memory::MemoryError> {
    if let Some(hit) = &hit {
        memory.record_cache_hit(hit, now_ms()).await?;
    }
    Ok(hit)
}

/// Tells on stderr that the answer came from the cache, and from which prompt.
fn announce_hit(context: &Context, hit: &CacheHit) {
    if context.quiet {
        return;
    }
    let how = match hit.kind {
        vuhitra_memory::MatchKind::Exact => "same prompt signature".to_string(),
        kind => format!("{} similarity {:.2}", kind.as_str(), hit.similarity),
    };
    let prompt = super::excerpt(&hit.entry.prompt, 60);
    let stored = super::format_time(hit.entry.created_ms);
    if std::io::stderr().is_terminal() {
        note!("(answer from the prompt cache: {how}, prompt \"{prompt}\" stored {stored})");
    } else {
        note!("answer from the prompt cache: {how}, prompt \"{prompt}\" stored {stored}");
    }
}

/// The JSON `chat --format json` prints, for an answer from the cache:
/// no token counts, and the lookup time as total and first-token time.
#[derive(Debug, Serialize)]
struct CachedJson<'a> {
    model: &'a str,
    response: &'a str,
    done_reason: &'a str,
    prompt_tokens: Option<u64>,
    completion_tokens: Option<u64>,
    total_ms: f64,
    first_token_ms: f64,
    cached: bool,
}

fn print_cached(
    context: &Context,
    hit: &CacheHit,
    format: ChatFormat,
    elapsed_ms: f64,
) -> CliResult {
    match format {
        ChatFormat::Text => context.output.line(&hit.entry.answer),
        ChatFormat::Json => {
            let elapsed_ms = (elapsed_ms * 1000.0).round() / 1000.0;
            context.output.json(&CachedJson {
                model: &hit.entry.model,
                response: &hit.entry.answer,
                done_reason: "stop",
                prompt_tokens: None,
                completion_tokens: None,
                total_ms: elapsed_ms,
                first_token_ms: elapsed_ms,
                cached: true,
            })
        }
    }
}
