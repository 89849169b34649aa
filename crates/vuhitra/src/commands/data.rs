//! `vuhitra data`: the frame cache. `vuhitra analyze FILE --cache-key KEY` stores the
//! frame it profiled ([`FrameSpill`]); `data list`, `data get`, `data drop` and `data ttl` read and manage
//! what was stored.
//!
//! Frames are kept in Redis when `REDIS_URL` is set and in files under the user's cache
//! directory otherwise, as Arrow IPC bytes with their row count, column count and
//! source file as metadata.

use std::fs;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

use serde::Serialize;
use vuhitra_analytics::{export_ipc_file, AnalyticsError, DataFrame, ExportFormat, FrameWriter};
use vuhitra_config::Settings;
use vuhitra_store::{
    temp_prefix, Backend, EmbeddedStore, Entry, Expiry, Key, Limits, Metadata, NamedTempFile,
    Namespace, RedisOptions, Store, StoreConfig, StoreError, ValueReader,
};

use crate::context::Context;
use crate::error::{CliError, CliResult};
use crate::interrupt;
use crate::output::{human_duration, OutputFormat};

/// Value of the `encoding` metadata field of frames stored by `analyze --cache-key`.
const FRAME_ENCODING: &str = "arrow-ipc";

/// Manage data frames cached by `vuhitra analyze FILE --cache-key KEY`.
///
/// Frames live in Redis when REDIS_URL is set, otherwise in the user's cache
/// directory. Expired frames are never returned.
#[derive(Debug, clap::Subcommand)]
#[command(
    after_help = "Examples:\n  vuhitra analyze sales.csv --cache-key sales --ttl 1h\n  vuhitra data list\n  vuhitra data get sales --format json"
)]
pub enum Command {
    List(ListArgs),
    Get(GetArgs),
    Drop(DropArgs),
    Ttl(TtlArgs),
}

/// List cached frames with their size, shape, age and time left.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:\n  vuhitra data list\n  vuhitra data list --format json")]
pub struct ListArgs {
    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Write a cached frame as CSV, JSON, NDJSON or Parquet.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra data get sales > sales.csv\n  vuhitra data get sales --format parquet --output sales.parquet"
)]
pub struct GetArgs {
    /// Key the frame was cached under.
    #[arg(value_name = "KEY", value_parser = parse_key)]
    pub key: Key,

    /// Export format.
    #[arg(long, value_enum, default_value_t = GetFormat::Csv)]
    pub format: GetFormat,

    /// Write to FILE (relative to WORKSPACE_PATH) instead of standard output. The file is
    /// replaced only once the whole frame is written.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// Remove a cached frame.
#[derive(Debug, clap::Args)]
#[command(after_help = "Example:\n  vuhitra data drop sales")]
pub struct DropArgs {
    /// Key of the frame to remove.
    #[arg(value_name = "KEY", value_parser = parse_key)]
    pub key: Key,
}

/// Show how long a cached frame has left before it expires.
#[derive(Debug, clap::Args)]
#[command(
    after_help = "Examples:\n  vuhitra data ttl sales\n  vuhitra data ttl sales --format json"
)]
pub struct TtlArgs {
    /// Key of the frame.
    #[arg(value_name = "KEY", value_parser = parse_key)]
    pub key: Key,

    /// Output format.
    #[arg(long, value_enum, default_value_t = OutputFormat::Table)]
    pub format: OutputFormat,
}

/// Export formats of `data get`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum GetFormat {
    /// Comma-separated values with a header row.
    Csv,
    /// A JSON array with one object per row.
    Json,
    /// One JSON object per line.
    Ndjson,
    /// Apache Parquet (binary: needs --output or a redirect).
    Parquet,
}

impl From<GetFormat> for ExportFormat {
    fn from(format: GetFormat) -> Self {
        match format {
            GetFormat::Csv => ExportFormat::Csv,
            GetFormat::Json => ExportFormat::Json,
            GetFormat::Ndjson => ExportFormat::Ndjson,
            GetFormat::Parquet => ExportFormat::Parquet,
        }
    }
}

/// The options `vuhitra analyze` takes to store the frame it loaded.
#[derive(Debug, Clone, clap::Args)]
pub struct CacheArgs {
    /// Store the loaded frame in the frame cache under KEY (letters, digits and . _ - : /,
    /// up to 128 characters). Read it back with `vuhitra data get KEY`.
    #[arg(long, value_name = "KEY", value_parser = parse_key)]
    pub cache_key: Option<Key>,

    /// Time to live of the cached frame, such as 30m, 1h or 7d. Without it the frame
    /// stays until `vuhitra data drop KEY`.
    #[arg(long, value_name = "DURATION", value_parser = parse_ttl, requires = "cache_key")]
    pub ttl: Option<Duration>,
}

/// Runs one `vuhitra data` command.
pub fn run(command: &Command, context: &Context) -> CliResult {
    match command {
        Command::List(args) => list(args, context),
        Command::Get(args) => get(args, context),
        Command::Drop(args) => drop_frame(args, context),
        Command::Ttl(args) => ttl(args, context),
    }
}

/// The frame `vuhitra analyze --cache-key` profiles, written chunk by chunk to a staging
/// file in the cache directory and stored from there once the analysis is printed. Neither
/// step keeps the whole frame in memory.
pub struct FrameSpill {
    staging: Result<Staging, CliError>,
}

struct Staging {
    file: NamedTempFile,
    writer: FrameWriter<fs::File>,
    started: Instant,
    /// Also covers the embedded store's temporary entry file, named with the same prefix.
    _interrupt: interrupt::Registration,
}

impl FrameSpill {
    /// Creates the staging file. A failure is kept and reported by [`FrameSpill::store`],
    /// after the analysis, rather than stopping it.
    pub fn start(context: &Context) -> Self {
        let config = store_config(&context.settings);
        let staging = config
            .staging_file(&Namespace::frames())
            .map_err(store_error_without_key)
            .and_then(|file| {
                let sink = file
                    .as_file()
                    .try_clone()
                    .map_err(|error| unusable_cache_dir(&error))?;
                let interrupt = match file.path().parent() {
                    Some(dir) => interrupt::remove_prefixed_on_interrupt(dir, &temp_prefix()),
                    None => interrupt::remove_on_interrupt(file.path()),
                };
                Ok(Staging {
                    _interrupt: interrupt,
                    file,
                    writer: FrameWriter::new(sink),
                    started: Instant::now(),
                })
            });
        FrameSpill { staging }
    }

    /// Appends a profiled chunk. After a failed write the remaining chunks are skipped.
    pub fn write(&mut self, chunk: &DataFrame) {
        let Ok(staging) = &mut self.staging else {
            return;
        };
        if let Err(error) = staging.writer.write(chunk) {
            let path = staging.file.path().display().to_string();
            self.staging = Err(spill_error(&path, &error));
        }
    }

    /// Ends the staging file and stores it under `args.cache_key`, read from `source`.
    ///
    /// When Redis is configured but unreachable, the failure is logged as a warning and
    /// the command still succeeds, because the analysis it belongs to has been printed.
    /// Other failures (a frame above the size limit, a full or unwritable cache directory)
    /// are errors.
    pub fn store(self, context: &Context, args: &CacheArgs, source: &Path) -> CliResult {
        let Some(key) = &args.cache_key else {
            return Ok(());
        };
        let Staging {
            file,
            writer,
            started,
            _interrupt,
        } = self.staging.map_err(|failure| not_cached(key, failure))?;

        let (rows, columns) = writer.finish().map_err(|error| {
            not_cached(key, spill_error(&file.path().display().to_string(), &error))
        })?;
        tracing::debug!(
            rows,
            columns,
            elapsed_ms = started.elapsed().as_millis() as u64,
            "wrote the frame to the staging file"
        );
        let metadata = frame_metadata(rows, columns, source)?;
        let config = store_config(&context.settings);

        let stored = context.block_on(async {
            let store = Store::open(&config, &Namespace::frames()).await?;
            let entry = store.put_file(key, file.path(), metadata, args.ttl).await?;
            Ok::<_, StoreError>((entry, store.backend()))
        })?;

        match stored {
            Ok((entry, backend)) => {
                tracing::info!(
                    key = %key,
                    backend = %backend,
                    size = entry.size,
                    "cached the frame of {}",
                    source.display()
                );
                Ok(())
            }
            Err(error) if error.is_unavailable() => {
                tracing::warn!(
                    "the frame was not cached under {key:?}: {error}; the analysis above is complete. \
                     Start Redis or unset REDIS_URL to cache in the embedded store"
                );
                Ok(())
            }
            Err(error) => Err(not_cached(key, store_error(error, key))),
        }
    }
}

/// Prefixes `failure` with what it means for an analysis that was printed: nothing was cached,
/// and an earlier frame under `key` stays as it was.
fn not_cached(key: &Key, mut failure: CliError) -> CliError {
    failure.message = format!(
        "the analysis above is complete, but the frame was not cached under {:?} (a frame \
         cached earlier under that key is unchanged): {}",
        key.as_str(),
        failure.message
    );
    failure
}

/// The hint for a cache directory that cannot be written.
const CACHE_DIR_HINT: &str =
    "check the permissions and free space of the cache directory (`vuhitra info` shows it)";

/// Builds the error for a failed file operation in the cache directory.
fn unusable_cache_dir(error: &(dyn std::error::Error + 'static)) -> CliError {
    CliError::user("the frame cache's directory cannot be used")
        .with_source(error)
        .with_hint(CACHE_DIR_HINT)
}

/// Builds the error for a failed write to the staging file.
fn spill_error(path: &str, error: &AnalyticsError) -> CliError {
    CliError::user(format!("writing the frame to {path} failed"))
        .with_source(error)
        .with_hint(CACHE_DIR_HINT)
}

fn frame_metadata(rows: u64, columns: usize, source: &Path) -> CliResult<Metadata> {
    let build = || -> Result<Metadata, StoreError> {
        let mut metadata = Metadata::new();
        metadata.insert("encoding", FRAME_ENCODING)?;
        metadata.insert("rows", rows.to_string())?;
        metadata.insert("columns", columns.to_string())?;

        // A path longer than a metadata value allows is kept by its file name only.
        let path = source.display().to_string();
        if metadata.insert("source", path).is_err() {
            let name = source
                .file_name()
                .map(|name| name.to_string_lossy().into_owned())
                .unwrap_or_default();
            metadata.insert("source", name)?;
        }
        Ok(metadata)
    };
    build().map_err(|error| {
        CliError::internal("cannot describe the frame for the cache").with_source(&error)
    })
}

fn store_config(settings: &Settings) -> StoreConfig {
    StoreConfig {
        redis_url: settings.redis_url.clone(),
        embedded_root: settings.paths.cache_dir.join("store"),
        limits: Limits::default(),
        redis: RedisOptions::default(),
    }
}

/// Opens the frame store and runs `work` on it.
fn with_store<T>(
    context: &Context,
    key: Option<&Key>,
    work: impl AsyncFnOnce(&Store) -> Result<T, StoreError>,
) -> CliResult<(T, Store)> {
    let config = store_config(&context.settings);
    let outcome = context.block_on(async {
        let store = Store::open(&config, &Namespace::frames()).await?;
        let value = work(&store).await?;
        Ok::<_, StoreError>((value, store))
    })?;
    outcome.map_err(|error| match key {
        Some(key) => store_error(error, key),
        None => store_error_without_key(error),
    })
}

#[derive(Serialize)]
struct ListReport {
    backend: &'static str,
    location: String,
    frames: Vec<FrameReport>,
    problems: Vec<String>,
}

#[derive(Serialize)]
struct FrameReport {
    key: String,
    size_bytes: u64,
    rows: Option<u64>,
    columns: Option<u64>,
    created_at_unix_ms: u64,
    /// Seconds left, or `None` for a frame without expiry.
    ttl_seconds: Option<f64>,
    source: Option<String>,
    metadata: Metadata,
}

impl FrameReport {
    fn new(entry: &Entry) -> Self {
        let number = |name: &str| {
            entry
                .metadata
                .get(name)
                .and_then(|value| value.parse().ok())
        };
        FrameReport {
            key: entry.key.to_string(),
            size_bytes: entry.size,
            rows: number("rows"),
            columns: number("columns"),
            created_at_unix_ms: entry
                .created_at
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|elapsed| elapsed.as_millis() as u64)
                .unwrap_or(0),
            ttl_seconds: entry.expiry.remaining().map(|left| left.as_secs_f64()),
            source: entry.metadata.get("source").map(str::to_owned),
            metadata: entry.metadata.clone(),
        }
    }
}

fn list(args: &ListArgs, context: &Context) -> CliResult {
    let (listing, store) = with_store(context, None, async |store| store.list().await)?;

    for problem in &listing.problems {
        tracing::warn!("{problem}");
    }
    let report = ListReport {
        backend: store.backend().name(),
        location: store.location(),
        frames: listing.entries.iter().map(FrameReport::new).collect(),
        problems: listing.problems.iter().map(ToString::to_string).collect(),
    };

    match args.format {
        OutputFormat::Json => context.output.json(&report),
        OutputFormat::Table => {
            let output = &context.output;
            if listing.entries.is_empty() {
                return output.line(format!(
                    "no cached frames ({} store at {})",
                    report.backend, report.location
                ));
            }

            let now = SystemTime::now();
            let mut table = output.table();
            table.set_header([
                "KEY",
                "SIZE",
                "ROWS",
                "COLUMNS",
                "AGE",
                "EXPIRES IN",
                "SOURCE",
            ]);
            for (entry, frame) in listing.entries.iter().zip(&report.frames) {
                let age = now.duration_since(entry.created_at).unwrap_or_default();
                let optional =
                    |value: Option<u64>| value.map_or_else(|| "-".to_owned(), |n| n.to_string());
                table.add_row([
                    frame.key.clone(),
                    human_size(frame.size_bytes),
                    optional(frame.rows),
                    optional(frame.columns),
                    human_duration(age),
                    expiry_text(entry.expiry),
                    frame.source.clone().unwrap_or_else(|| "-".to_owned()),
                ]);
            }
            output.print_table(&table)
        }
    }
}

fn get(args: &GetArgs, context: &Context) -> CliResult {
    if args.format == GetFormat::Parquet && args.output.is_none() && context.output.is_terminal() {
        return Err(CliError::usage(
            "Parquet is a binary format and standard output is a terminal",
        )
        .with_hint("pass --output FILE, or redirect the output to a file"));
    }

    // The frame is exported batch by batch, read in place from the embedded store or copied
    // from Redis to a staging file, so no step keeps all of it in memory.
    let config = store_config(&context.settings);
    let (entry, ipc) = match config.backend() {
        Backend::Embedded => {
            let opened =
                EmbeddedStore::open(&config.embedded_root, &Namespace::frames(), config.limits)
                    .and_then(|store| store.open_value(&args.key))
                    .map_err(|error| store_error(error, &args.key))?;
            let (entry, value) = opened.ok_or_else(|| missing(&args.key))?;
            (entry, FrameBytes::InPlace(value))
        }
        Backend::Redis => {
            let staging = config
                .staging_file(&Namespace::frames())
                .map_err(store_error_without_key)?;
            let _interrupt = interrupt::remove_on_interrupt(staging.path());
            let (entry, _) = with_store(context, Some(&args.key), async |store| {
                store.get_file(&args.key, staging.path()).await
            })?;
            let entry = entry.ok_or_else(|| missing(&args.key))?;
            (entry, FrameBytes::Staged(staging))
        }
    };

    let encoding = entry.metadata.get("encoding");
    if encoding != Some(FRAME_ENCODING) {
        return Err(CliError::user(format!(
            "the value under {:?} is not a cached frame (encoding {})",
            args.key.as_str(),
            encoding.unwrap_or("not recorded")
        ))
        .with_hint("store frames with `vuhitra analyze FILE --cache-key KEY`"));
    }

    let format = ExportFormat::from(args.format);
    let export = |writer: &mut dyn Write| match ipc {
        FrameBytes::InPlace(value) => export_ipc_file(value, format, writer),
        FrameBytes::Staged(staging) => {
            let file = staging.reopen().map_err(|source| AnalyticsError::Io {
                path: staging.path().to_path_buf(),
                source,
            })?;
            export_ipc_file(file, format, writer)
        }
    };
    match &args.output {
        None => {
            let mut writer = context.output.writer();
            export(&mut writer).map_err(|error| export_error(error, &args.key, None))?;
            writer.flush().map_err(CliError::output)
        }
        Some(output) => {
            let path = context.settings.workspace_path.join(output);
            let mut rows = None;
            write_file_atomically(&path, &args.key, |file| {
                rows = Some(export(file)?);
                Ok(())
            })?;
            if let Some(rows) = rows {
                tracing::info!(
                    key = %args.key,
                    rows,
                    "wrote the cached frame to {}",
                    path.display()
                );
            }
            Ok(())
        }
    }
}

fn drop_frame(args: &DropArgs, context: &Context) -> CliResult {
    let (removed, _) = with_store(context, Some(&args.key), async |store| {
        store.delete(&args.key).await
    })?;
    if !removed {
        return Err(missing(&args.key));
    }
    context.output.line(format!("dropped {}", args.key))
}

#[derive(Serialize)]
struct TtlReport {
    key: String,
    /// Seconds left, or `None` for a frame without expiry.
    ttl_seconds: Option<f64>,
    expires: bool,
}

fn ttl(args: &TtlArgs, context: &Context) -> CliResult {
    let (expiry, _) = with_store(context, Some(&args.key), async |store| {
        store.ttl(&args.key).await
    })?;
    let expiry = expiry.ok_or_else(|| missing(&args.key))?;

    let report = TtlReport {
        key: args.key.to_string(),
        ttl_seconds: expiry.remaining().map(|left| left.as_secs_f64()),
        expires: expiry != Expiry::Never,
    };
    match args.format {
        OutputFormat::Json => context.output.json(&report),
        OutputFormat::Table => match expiry {
            Expiry::Never => context.output.line(format!("{}: no expiry", args.key)),
            Expiry::In(left) => {
                context
                    .output
                    .line(format!("{}: expires in {}", args.key, human_duration(left)))
            }
        },
    }
}

/// Writes a file through `write` into a temporary file beside `path`, then renames it
/// over `path`, so an existing file is replaced only by a complete one, and keeps its
/// permissions. A symbolic link is followed, so the file it points to is replaced. A path that
/// exists and is neither a file nor a folder, such as a device or a named pipe, is written
/// directly, because renaming over it would replace it with a plain file.
fn write_file_atomically(
    path: &Path,
    key: &Key,
    write: impl FnOnce(&mut fs::File) -> Result<(), AnalyticsError>,
) -> CliResult {
    let cannot_write = |error: &(dyn std::error::Error + 'static)| {
        CliError::user(format!("cannot write {}", path.display()))
            .with_source(error)
            .with_hint("check that the directory exists and is writable, and its free space")
    };
    let target = link_target(path).map_err(|error| {
        CliError::user(format!(
            "cannot follow the symbolic link {}",
            path.display()
        ))
        .with_source(&error)
        .with_hint("point the link at a file, or pass another --output path")
    })?;
    let existing = fs::metadata(&target).ok();

    if existing
        .as_ref()
        .is_some_and(|metadata| !metadata.is_file() && !metadata.is_dir())
    {
        tracing::debug!(path = %target.display(), "writing to a device or pipe directly");
        let mut file = fs::OpenOptions::new()
            .write(true)
            .open(&target)
            .map_err(|error| cannot_write(&error))?;
        let written = write(&mut file).and_then(|()| file.flush().map_err(AnalyticsError::Write));
        return match written {
            // A reader that stops early, like `head` on a pipe, is not a failure, as for
            // standard output.
            Err(AnalyticsError::Write(error)) if error.kind() == std::io::ErrorKind::BrokenPipe => {
                tracing::info!(
                    path = %target.display(),
                    "the reader of the pipe stopped before the end of the frame"
                );
                Ok(())
            }
            other => other.map_err(|error| export_error(error, key, Some(path))),
        };
    }

    if existing.as_ref().is_some_and(fs::Metadata::is_dir) {
        return Err(CliError::usage(format!(
            "--output {} is a folder; name a file in it, for example {}",
            path.display(),
            path.join(format!("{key}.csv")).display()
        )));
    }
    let file_name = target.file_name().ok_or_else(|| {
        CliError::usage(format!("--output {} does not name a file", path.display()))
    })?;

    // The temporary file is created anew under a random name, never opened through an
    // existing file or link, and removed when anything fails.
    let folder = match target.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    let prefix = format!(".{}.vuhitra-", file_name.to_string_lossy());
    let mut builder = tempfile::Builder::new();
    builder.prefix(&prefix).suffix(".tmp");
    // Mode 0666 before the umask, as a shell's `>` creates a file; the default of temporary
    // files (0600) would make a new export private.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(fs::Permissions::from_mode(0o666));
    }
    let mut temp = builder
        .tempfile_in(folder)
        .map_err(|error| cannot_write(&error))?;
    let _interrupt = interrupt::remove_on_interrupt(temp.path());
    write(temp.as_file_mut()).map_err(|error| export_error(error, key, Some(path)))?;
    if let Some(metadata) = &existing {
        temp.as_file()
            .set_permissions(metadata.permissions())
            .map_err(|error| cannot_write(&error))?;
    }
    temp.as_file()
        .sync_all()
        .map_err(|error| cannot_write(&error))?;
    temp.persist(&target)
        .map_err(|error| cannot_write(&error.error))?;
    Ok(())
}

/// Follows `path` through symbolic links to the path they end at, which need not exist yet:
/// a link to a missing file gets that file, as a shell's `>` would create it.
fn link_target(path: &Path) -> std::io::Result<PathBuf> {
    /// Links followed at most, as Linux does before it reports a loop.
    const MAX_LINKS: usize = 40;

    let mut current = path.to_path_buf();
    for _ in 0..MAX_LINKS {
        let is_link = fs::symlink_metadata(&current).is_ok_and(|metadata| metadata.is_symlink());
        if !is_link {
            return Ok(current);
        }
        let next = fs::read_link(&current)?;
        current = match current.parent() {
            Some(folder) if next.is_relative() => folder.join(next),
            _ => next,
        };
    }
    Err(std::io::Error::other(format!(
        "more than {MAX_LINKS} symbolic links in a row, probably a loop"
    )))
}

/// The source of the Arrow IPC bytes that `data get` exports.
enum FrameBytes {
    /// The embedded store's entry file, read in place.
    InPlace(ValueReader),
    /// A staging file the frame was copied to from Redis.
    Staged(NamedTempFile),
}

/// Maps a failed export of the frame under `key` to `output` (standard output when `None`):
/// frame bytes that cannot be decoded, or a failed write.
fn export_error(error: AnalyticsError, key: &Key, output: Option<&Path>) -> CliError {
    if let AnalyticsError::Undecodable(_) = error {
        return CliError::user(format!(
            "the cached frame {:?} cannot be decoded",
            key.as_str()
        ))
        .with_source(&error)
        .with_hint(format!(
            "drop it with `vuhitra data drop {key}` and cache the file again"
        ));
    }
    if let (AnalyticsError::Write(io), None) = (&error, output) {
        return CliError::output(std::io::Error::new(io.kind(), io.to_string()));
    }
    let target = output.map_or("standard output".to_string(), |path| {
        path.display().to_string()
    });
    CliError::user(format!(
        "cannot write the cached frame {:?} to {target}",
        key.as_str()
    ))
    .with_source(&error)
    .with_hint("check the free space and permissions where the output goes")
}

fn missing(key: &Key) -> CliError {
    CliError::user(format!("no cached frame named {:?}", key.as_str()))
        .with_hint("`vuhitra data list` shows the cached frames; expired frames are removed")
}

/// Maps a store failure on `key` to the binary's error kinds.
fn store_error(error: StoreError, key: &Key) -> CliError {
    match &error {
        StoreError::Corrupt { .. } => {
            CliError::user(format!("the cached frame {:?} is damaged", key.as_str()))
                .with_source(&error)
                .with_hint(format!(
                    "drop it with `vuhitra data drop {key}` and cache the file again"
                ))
        }
        _ => store_error_without_key(error),
    }
}

fn store_error_without_key(error: StoreError) -> CliError {
    if error.is_unavailable() {
        return CliError::unavailable("the frame cache's Redis server is unavailable")
            .with_source(&error)
            .with_hint(
                "start Redis, or unset REDIS_URL to use the embedded store in the cache directory",
            );
    }

    match &error {
        StoreError::Redis { .. } => {
            CliError::unavailable("the frame cache's Redis server failed a command")
                .with_source(&error)
                .with_hint("check the Redis server's log; `vuhitra doctor` checks the connection")
        }
        StoreError::InvalidUrl { .. } => CliError::user("REDIS_URL is not a valid Redis URL")
            .with_source(&error)
            .with_hint("fix REDIS_URL, or unset it to use the embedded store"),
        StoreError::TooLarge { .. } => {
            CliError::user("the frame is too large for the frame cache").with_source(&error)
        }
        StoreError::Io { .. } => unusable_cache_dir(&error),
        StoreError::Contended { .. } => {
            CliError::user("the cached frame kept changing while it was read")
                .with_source(&error)
                .with_hint("run the command again")
        }
        StoreError::Corrupt { .. } => CliError::user("a cached frame is damaged")
            .with_source(&error)
            .with_hint("drop it with `vuhitra data drop KEY`"),
        StoreError::InvalidKey { .. } | StoreError::InvalidTtl { .. } => {
            CliError::usage(error.to_string())
        }
        StoreError::InvalidNamespace { .. }
        | StoreError::InvalidMetadata { .. }
        | StoreError::InvalidLimits(_)
        | StoreError::Unavailable { .. }
        | StoreError::Task(_) => CliError::internal("the frame cache failed").with_source(&error),
    }
}

fn parse_key(text: &str) -> Result<Key, String> {
    Key::new(text).map_err(|error| match error {
        StoreError::InvalidKey { reason, .. } => reason,
        other => other.to_string(),
    })
}

fn parse_ttl(text: &str) -> Result<Duration, String> {
    let ttl = vuhitra_config::values::parse_duration(text)?;
    if ttl.is_zero() {
        return Err(
            "a TTL must be above zero; leave --ttl out to keep the frame until it is dropped"
                .into(),
        );
    }
    Ok(ttl)
}

/// `1.5 KiB`, `12.0 MiB`: sizes in binary units with one decimal.
fn human_size(bytes: u64) -> String {
    const UNITS: [&str; 5] = ["B", "KiB", "MiB", "GiB", "TiB"];
    if bytes < 1024 {
        return format!("{bytes} B");
    }
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

fn expiry_text(expiry: Expiry) -> String {
    match expiry {
        Expiry::Never => "never".to_owned(),
        Expiry::In(left) => human_duration(left),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_size_units() {
        assert_eq!(human_size(0), "0 B");
        assert_eq!(human_size(1023), "1023 B");
        assert_eq!(human_size(1536), "1.5 KiB");
        assert_eq!(human_size(12 * 1024 * 1024), "12.0 MiB");
    }

    #[test]
    fn parse_ttl_rejects_zero() {
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        assert!(parse_ttl("0").is_err());
        assert!(parse_ttl("soon").is_err());
    }

    #[test]
    fn parse_key_reports_rule() {
        assert!(parse_key("sales-2024").is_ok());
        let reason = parse_key("a b").unwrap_err();
        assert!(reason.contains("not allowed"), "{reason}");
    }
}
