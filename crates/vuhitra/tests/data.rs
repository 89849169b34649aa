//! The frame cache through the real binary: `vuhitra analyze FILE --cache-key KEY`
//! followed by `vuhitra data list|get|drop|ttl`, against the embedded store in a
//! sandboxed cache directory and against the real Redis Stack named by
//! `VUHITRA_TEST_REDIS_URL` (started by `scripts/services/redis.sh start`).
//!
//! Without `VUHITRA_TEST_REDIS_URL` the Redis tests print a skip message, or fail when
//! `VUHITRA_CI=1`.

#![cfg(all(feature = "store", feature = "analytics"))]

mod support;

use std::path::{Path, PathBuf};
use std::process::Output;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use support::{closed_port, stdout_json, Sandbox};

const SALES_CSV: &str = "\
region,units,price,shipped
north,12,3.5,2024-01-03
south,7,4.25,2024-01-04
east,,2.0,2024-01-05
west,31,5.75,2024-01-09
";

fn write_sales(sandbox: &Sandbox) -> PathBuf {
    sandbox.write("work/sales.csv", SALES_CSV)
}

/// Writes the sales file and caches its frame under the key `sales` in the embedded store.
fn cache_sales(sandbox: &Sandbox) {
    write_sales(sandbox);
    assert_success(
        &run(
            sandbox,
            &[],
            &["analyze", "sales.csv", "--cache-key", "sales"],
        ),
        "analyze",
    );
}

/// Exports the cached frame `sales` as CSV to `output`, relative to the working folder.
fn export_sales_csv(sandbox: &Sandbox, output: &str) -> Output {
    run(
        sandbox,
        &[],
        &[
            "data", "get", "sales", "--format", "csv", "--output", output,
        ],
    )
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn assert_success(output: &Output, what: &str) {
    assert!(
        output.status.success(),
        "{what} failed with {}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        text(&output.stdout),
        text(&output.stderr)
    );
}

/// Runs `vuhitra --no-config ARGS` in the sandbox with extra environment variables.
fn run(sandbox: &Sandbox, env: &[(&str, &str)], args: &[&str]) -> Output {
    let mut command = sandbox.command();
    command.arg("--no-config").args(args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

fn embedded_store_dir(sandbox: &Sandbox) -> PathBuf {
    sandbox.root.path().join("cache/vuhitra/store/frames")
}

fn entry_files(dir: &Path) -> Vec<PathBuf> {
    match std::fs::read_dir(dir) {
        Ok(items) => items
            .map(|item| item.unwrap().path())
            .filter(|path| path.extension().is_some_and(|ext| ext == "entry"))
            .collect(),
        Err(_) => Vec::new(),
    }
}

/// A key no other test run uses, for tests that share one Redis server.
fn unique_key(label: &str) -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    format!("test-{label}-{}-{nanos}", std::process::id())
}

/// The test Redis URL, or `None` when the test is skipped (see the module docs).
fn redis_url(test: &str) -> Option<String> {
    match std::env::var("VUHITRA_TEST_REDIS_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ => {
            if std::env::var("VUHITRA_CI").as_deref() == Ok("1") {
                panic!(
                    "{test}: VUHITRA_TEST_REDIS_URL is not set but VUHITRA_CI=1; \
                     start Redis Stack with `scripts/services/redis.sh start` and export its URL"
                );
            }
            eprintln!("SKIPPED {test}: VUHITRA_TEST_REDIS_URL is not set");
            None
        }
    }
}

#[test]
fn analyze_caches_frame_in_embedded_store() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);

    let analyzed = run(
        &sandbox,
        &[],
        &["analyze", "sales.csv", "--cache-key", "sales"],
    );
    assert_success(&analyzed, "analyze --cache-key");
    assert!(
        text(&analyzed.stdout).contains("units"),
        "the analysis is printed"
    );
    assert_eq!(entry_files(&embedded_store_dir(&sandbox)).len(), 1);

    let listed = run(&sandbox, &[], &["data", "list", "--format", "json"]);
    assert_success(&listed, "data list");
    let report = stdout_json(&listed);
    assert_eq!(report["backend"], "embedded");
    let frames = report["frames"].as_array().unwrap();
    assert_eq!(frames.len(), 1);
    assert_eq!(frames[0]["key"], "sales");
    assert_eq!(frames[0]["rows"], 4);
    assert_eq!(frames[0]["columns"], 4);
    assert_eq!(frames[0]["ttl_seconds"], serde_json::Value::Null);
    assert!(frames[0]["size_bytes"].as_u64().unwrap() > 0);
    assert!(frames[0]["source"].as_str().unwrap().ends_with("sales.csv"));
}

#[test]
fn data_get_exports_csv() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    let got = run(&sandbox, &[], &["data", "get", "sales"]);
    assert_success(&got, "data get");
    let csv = text(&got.stdout);
    let lines: Vec<&str> = csv.lines().collect();
    assert_eq!(lines[0], "region,units,price,shipped");
    assert_eq!(lines.len(), 5, "{csv}");
    assert!(lines[1].starts_with("north,12,3.5,"), "{csv}");
    assert!(
        lines[3].starts_with("east,,2.0,"),
        "a missing value stays missing: {csv}"
    );
}

#[test]
fn data_get_exports_json_and_parquet() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    let json = run(&sandbox, &[], &["data", "get", "sales", "--format", "json"]);
    assert_success(&json, "data get --format json");
    let rows = stdout_json(&json);
    assert_eq!(rows.as_array().unwrap().len(), 4);
    assert_eq!(rows[3]["region"], "west");
    assert_eq!(rows[3]["units"], 31);

    let parquet = run(
        &sandbox,
        &[],
        &[
            "data",
            "get",
            "sales",
            "--format",
            "parquet",
            "--output",
            "out/sales.parquet",
        ],
    );
    assert!(
        !parquet.status.success(),
        "a missing output directory is an error"
    );
    assert!(
        text(&parquet.stderr).contains("cannot write"),
        "{}",
        text(&parquet.stderr)
    );

    std::fs::create_dir_all(sandbox.work_dir().join("out")).unwrap();
    let parquet = run(
        &sandbox,
        &[],
        &[
            "data",
            "get",
            "sales",
            "--format",
            "parquet",
            "--output",
            "out/sales.parquet",
        ],
    );
    assert_success(&parquet, "data get --format parquet");
    assert!(parquet.stdout.is_empty());
    let bytes = std::fs::read(sandbox.work_dir().join("out/sales.parquet")).unwrap();
    assert!(bytes.starts_with(b"PAR1"), "no Parquet magic at the start");
    assert!(bytes.ends_with(b"PAR1"), "no Parquet magic at the end");
    let leftovers: Vec<_> = std::fs::read_dir(sandbox.work_dir().join("out"))
        .unwrap()
        .map(|item| item.unwrap().file_name())
        .collect();
    assert_eq!(leftovers.len(), 1, "temporary files left: {leftovers:?}");
}

#[test]
fn data_ttl_reports_remaining() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let analyzed = run(
        &sandbox,
        &[],
        &[
            "analyze",
            "sales.csv",
            "--cache-key",
            "sales",
            "--ttl",
            "1h",
        ],
    );
    assert_success(&analyzed, "analyze --ttl 1h");

    let ttl = run(&sandbox, &[], &["data", "ttl", "sales", "--format", "json"]);
    assert_success(&ttl, "data ttl");
    let report = stdout_json(&ttl);
    assert_eq!(report["key"], "sales");
    assert_eq!(report["expires"], true);
    let seconds = report["ttl_seconds"].as_f64().unwrap();
    assert!(seconds > 3500.0, "{seconds}");
    assert!(seconds <= 3600.0, "{seconds}");

    let table = run(&sandbox, &[], &["data", "ttl", "sales"]);
    assert_success(&table, "data ttl");
    assert!(
        text(&table.stdout).starts_with("sales: expires in 59m"),
        "{}",
        text(&table.stdout)
    );
}

#[test]
fn expired_frame_is_gone() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let analyzed = run(
        &sandbox,
        &[],
        &[
            "analyze",
            "sales.csv",
            "--cache-key",
            "brief",
            "--ttl",
            "1s",
        ],
    );
    assert_success(&analyzed, "analyze --ttl 1s");

    std::thread::sleep(Duration::from_millis(1300));
    let got = run(&sandbox, &[], &["data", "get", "brief"]);
    assert_eq!(got.status.code(), Some(1));
    assert!(
        text(&got.stderr).contains("no cached frame named \"brief\""),
        "{}",
        text(&got.stderr)
    );

    let listed = run(&sandbox, &[], &["data", "list", "--format", "json"]);
    assert!(stdout_json(&listed)["frames"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(
        entry_files(&embedded_store_dir(&sandbox)).is_empty(),
        "the expired file is removed"
    );
}

#[test]
fn data_drop_then_missing() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    let dropped = run(&sandbox, &[], &["data", "drop", "sales"]);
    assert_success(&dropped, "data drop");
    assert_eq!(text(&dropped.stdout).trim(), "dropped sales");

    for args in [
        &["data", "drop", "sales"][..],
        &["data", "get", "sales"],
        &["data", "ttl", "sales"],
    ] {
        let output = run(&sandbox, &[], args);
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stderr = text(&output.stderr);
        assert!(
            stderr.contains("no cached frame named \"sales\""),
            "{args:?}: {stderr}"
        );
        assert!(
            stderr.contains("hint: `vuhitra data list`"),
            "{args:?}: {stderr}"
        );
    }
}

#[test]
fn data_list_table_and_empty() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);

    let empty = run(&sandbox, &[], &["data", "list"]);
    assert_success(&empty, "data list");
    assert!(
        text(&empty.stdout).starts_with("no cached frames (embedded store at "),
        "{}",
        text(&empty.stdout)
    );

    assert_success(
        &run(
            &sandbox,
            &[],
            &["analyze", "sales.csv", "--cache-key", "team/q1:sales"],
        ),
        "analyze",
    );
    let listed = run(&sandbox, &[], &["data", "list"]);
    assert_success(&listed, "data list");
    let table = text(&listed.stdout);
    assert!(table.contains("KEY"), "{table}");
    assert!(table.contains("EXPIRES IN"), "{table}");
    assert!(table.contains("team/q1:sales"), "{table}");
    assert!(table.contains("never"), "{table}");
}

#[test]
fn invalid_key_and_ttl_are_usage_errors() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);

    let cases: [&[&str]; 5] = [
        &["analyze", "sales.csv", "--cache-key", "bad key"],
        &["analyze", "sales.csv", "--cache-key", "-dash"],
        &["analyze", "sales.csv", "--cache-key", "k", "--ttl", "0"],
        &["analyze", "sales.csv", "--ttl", "1h"],
        &["data", "get", "a*b"],
    ];
    for args in cases {
        let output = run(&sandbox, &[], args);
        assert_eq!(
            output.status.code(),
            Some(2),
            "{args:?}: {}",
            text(&output.stderr)
        );
        assert!(output.stdout.is_empty(), "{args:?}: nothing is analysed");
    }
    assert!(entry_files(&embedded_store_dir(&sandbox)).is_empty());
}

#[test]
fn parquet_to_pipe_works() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    let piped = run(
        &sandbox,
        &[],
        &["data", "get", "sales", "--format", "parquet"],
    );
    assert_success(&piped, "data get --format parquet to a pipe");
    assert!(piped.stdout.starts_with(b"PAR1"));
}

#[test]
fn parquet_to_terminal_rejected() {
    // `script` (util-linux) runs the command with a pseudo-terminal as its stdout.
    if std::process::Command::new("script")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("SKIPPED parquet_to_terminal_rejected: `script` (util-linux) is not installed");
        return;
    }
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    let binary = assert_cmd::cargo::cargo_bin("vuhitra");
    let inner = format!(
        "{} --no-config data get sales --format parquet",
        binary.display()
    );
    let result = std::process::Command::new("script")
        .args(["--quiet", "--return", "--command", &inner, "/dev/null"])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", sandbox.root.path().join("home"))
        .env("XDG_CACHE_HOME", sandbox.root.path().join("cache"))
        .env("XDG_CONFIG_HOME", sandbox.root.path().join("config"))
        .env("XDG_DATA_HOME", sandbox.root.path().join("data"))
        .env("NO_COLOR", "1")
        .current_dir(sandbox.work_dir())
        .output()
        .unwrap();

    assert_eq!(result.status.code(), Some(2), "{}", text(&result.stdout));
    let screen = text(&result.stdout);
    assert!(screen.contains("Parquet is a binary format"), "{screen}");
    assert!(!screen.contains("PAR1"), "binary data reached the terminal");
}

#[test]
fn unreachable_redis_warns_but_analysis_prints() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let url = format!("redis://127.0.0.1:{}", closed_port());

    let started = std::time::Instant::now();
    let analyzed = run(
        &sandbox,
        &[("REDIS_URL", &url)],
        &[
            "analyze",
            "sales.csv",
            "--cache-key",
            "sales",
            "--format",
            "json",
        ],
    );
    assert_success(&analyzed, "analyze with Redis down");
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    let profile = stdout_json(&analyzed);
    assert_eq!(profile["rows"], 4);
    let stderr = text(&analyzed.stderr);
    assert!(stderr.contains("WARN"), "{stderr}");
    assert!(stderr.contains("not cached"), "{stderr}");
    assert!(stderr.contains(&url), "{stderr}");
    assert!(
        entry_files(&embedded_store_dir(&sandbox)).is_empty(),
        "no silent fallback to disk"
    );

    // Commands whose whole job is the cache fail with the service-unavailable code.
    let listed = run(&sandbox, &[("REDIS_URL", &url)], &["data", "list"]);
    assert_eq!(listed.status.code(), Some(3), "{}", text(&listed.stderr));
    assert!(
        text(&listed.stderr).contains("unset REDIS_URL"),
        "{}",
        text(&listed.stderr)
    );
}

#[test]
fn concurrent_analyze_processes_share_store() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);

    let children: Vec<_> = (0..6)
        .map(|i| {
            let mut command = sandbox.process();
            command
                .args([
                    "--no-config",
                    "analyze",
                    "sales.csv",
                    "--format",
                    "json",
                    "--cache-key",
                ])
                .arg(if i % 2 == 0 { "shared" } else { "other" })
                .stdout(std::process::Stdio::piped())
                .stderr(std::process::Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for child in children {
        assert_success(&child.wait_with_output().unwrap(), "concurrent analyze");
    }

    let listed = run(&sandbox, &[], &["data", "list", "--format", "json"]);
    let report = stdout_json(&listed);
    let keys: Vec<&str> = report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .map(|frame| frame["key"].as_str().unwrap())
        .collect();
    assert_eq!(keys, ["other", "shared"]);
    assert!(report["problems"].as_array().unwrap().is_empty());
    let got = run(&sandbox, &[], &["data", "get", "shared"]);
    assert_success(&got, "data get");
    assert_eq!(text(&got.stdout).lines().count(), 5);
}

#[test]
fn redis_frame_cache_round_trip() {
    let Some(url) = redis_url("redis_frame_cache_round_trip") else {
        return;
    };
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let key = unique_key("round-trip");
    let env = [("REDIS_URL", url.as_str())];

    let analyzed = run(
        &sandbox,
        &env,
        &["analyze", "sales.csv", "--cache-key", &key, "--ttl", "10m"],
    );
    assert_success(&analyzed, "analyze with Redis");
    assert!(text(&analyzed.stdout).contains("units"));
    assert!(
        entry_files(&embedded_store_dir(&sandbox)).is_empty(),
        "the frame goes to Redis, not to disk"
    );

    let listed = run(&sandbox, &env, &["data", "list", "--format", "json"]);
    assert_success(&listed, "data list");
    let report = stdout_json(&listed);
    assert_eq!(report["backend"], "redis");
    let frame = report["frames"]
        .as_array()
        .unwrap()
        .iter()
        .find(|frame| frame["key"] == key.as_str())
        .expect("the frame is listed")
        .clone();
    assert_eq!(frame["rows"], 4);
    let listed_ttl = frame["ttl_seconds"].as_f64().unwrap();
    assert!(listed_ttl > 500.0, "{listed_ttl}");
    assert!(listed_ttl <= 600.0, "{listed_ttl}");

    let got = run(&sandbox, &env, &["data", "get", &key]);
    assert_success(&got, "data get");
    assert_eq!(
        text(&got.stdout).lines().next(),
        Some("region,units,price,shipped")
    );
    assert_eq!(text(&got.stdout).lines().count(), 5);

    let ttl = run(&sandbox, &env, &["data", "ttl", &key, "--format", "json"]);
    assert_success(&ttl, "data ttl");
    assert_eq!(stdout_json(&ttl)["expires"], true);

    assert_success(&run(&sandbox, &env, &["data", "drop", &key]), "data drop");
    let gone = run(&sandbox, &env, &["data", "get", &key]);
    assert_eq!(gone.status.code(), Some(1), "{}", text(&gone.stderr));
}

#[test]
fn redis_frame_cache_expires() {
    let Some(url) = redis_url("redis_frame_cache_expires") else {
        return;
    };
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let key = unique_key("expires");
    let env = [("REDIS_URL", url.as_str())];

    let analyzed = run(
        &sandbox,
        &env,
        &["analyze", "sales.csv", "--cache-key", &key, "--ttl", "1s"],
    );
    assert_success(&analyzed, "analyze with Redis");
    assert_success(
        &run(&sandbox, &env, &["data", "get", &key]),
        "data get before expiry",
    );

    std::thread::sleep(Duration::from_millis(1300));
    let got = run(&sandbox, &env, &["data", "get", &key]);
    assert_eq!(got.status.code(), Some(1), "{}", text(&got.stderr));
    let ttl = run(&sandbox, &env, &["data", "ttl", &key]);
    assert_eq!(ttl.status.code(), Some(1), "{}", text(&ttl.stderr));
}

#[test]
fn shared_weather_csv_round_trip() {
    let Some(weather) = shared_table("weather.csv") else {
        return;
    };
    let sandbox = Sandbox::new();

    let path = weather.display().to_string();
    let analyzed = run(
        &sandbox,
        &[],
        &[
            "analyze",
            &path,
            "--cache-key",
            "weather",
            "--format",
            "json",
        ],
    );
    assert_success(&analyzed, "analyze weather.csv");
    let rows = stdout_json(&analyzed)["rows"].as_u64().unwrap();

    let got = run(
        &sandbox,
        &[],
        &["data", "get", "weather", "--format", "ndjson"],
    );
    assert_success(&got, "data get --format ndjson");
    assert_eq!(text(&got.stdout).lines().count() as u64, rows);
}

/// A table from the shared data folder (`VUHITRA_SHARED_DATA`, default
/// `<workspace>/../shared/data`), or `None` with a printed message when it is absent.
fn shared_table(name: &str) -> Option<PathBuf> {
    let root = std::env::var_os("VUHITRA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let path = root.join("tables").join(name);
    if path.is_file() {
        Some(path)
    } else {
        eprintln!(
            "SKIPPED: {} is absent; set VUHITRA_SHARED_DATA to the shared data folder",
            path.display()
        );
        None
    }
}

/// A frame profiled in many chunks is written to the cache chunk by chunk: it reads back
/// equal to the same file cached in one chunk, its report equals the report without
/// `--cache-key`, and no staging file is left behind.
#[test]
fn frame_cached_chunk_by_chunk() {
    let sandbox = Sandbox::new();
    let mut csv = String::from("id,amount,city,day,active\n");
    for row in 0..3_000 {
        let amount = if row % 17 == 0 {
            String::new()
        } else {
            format!("{}.{}", row * 3 % 1000, row % 10)
        };
        let city = ["Lagos", "Lyon", "Osaka", "Quito"][row % 4];
        let day = format!("2024-{:02}-{:02}", row % 12 + 1, row % 28 + 1);
        let active = if row % 3 == 0 { "true" } else { "false" };
        csv.push_str(&format!("{row},{amount},{city},{day},{active}\n"));
    }
    sandbox.write("work/orders.csv", &csv);

    let chunked = [
        "analyze",
        "orders.csv",
        "--chunk-bytes",
        "1024",
        "--format",
        "json",
    ];
    let plain = run(&sandbox, &[], &chunked);
    assert_success(&plain, "analyze without --cache-key");
    let cached = run(
        &sandbox,
        &[],
        &[&chunked[..], &["--cache-key", "orders-chunked"]].concat(),
    );
    assert_success(&cached, "analyze --cache-key in 1 KiB chunks");
    assert_eq!(stdout_json(&cached), stdout_json(&plain));
    assert_success(
        &run(
            &sandbox,
            &[],
            &["analyze", "orders.csv", "--cache-key", "orders-whole"],
        ),
        "analyze --cache-key in one chunk",
    );

    let listed = stdout_json(&run(&sandbox, &[], &["data", "list", "--format", "json"]));
    for frame in listed["frames"].as_array().unwrap() {
        assert_eq!(frame["rows"], 3_000, "{frame}");
        assert_eq!(frame["columns"], 5, "{frame}");
    }
    let chunked_csv = run(&sandbox, &[], &["data", "get", "orders-chunked"]);
    let whole_csv = run(&sandbox, &[], &["data", "get", "orders-whole"]);
    assert_success(&chunked_csv, "data get orders-chunked");
    assert_eq!(text(&chunked_csv.stdout), text(&whole_csv.stdout));
    assert_eq!(text(&chunked_csv.stdout).lines().count(), 3_001);

    let leftovers: Vec<_> = std::fs::read_dir(embedded_store_dir(&sandbox))
        .unwrap()
        .map(|item| item.unwrap().file_name())
        .filter(|name| name.to_string_lossy().starts_with(".tmp-"))
        .collect();
    assert!(leftovers.is_empty(), "staging files left: {leftovers:?}");
}

/// When the cache directory cannot be used, the analysis still prints, and the command
/// then fails with a message naming the problem and what to check.
#[test]
fn unusable_cache_directory_fails_after_analysis() {
    let sandbox = Sandbox::new();
    write_sales(&sandbox);
    let store_root = sandbox.root.path().join("cache/vuhitra/store");
    std::fs::create_dir_all(store_root.parent().unwrap()).unwrap();
    std::fs::write(&store_root, "a file where the store's folder should be").unwrap();

    let analyzed = run(
        &sandbox,
        &[],
        &["analyze", "sales.csv", "--cache-key", "sales"],
    );
    assert_eq!(
        analyzed.status.code(),
        Some(1),
        "{}",
        text(&analyzed.stderr)
    );
    assert!(
        text(&analyzed.stdout).contains("units"),
        "the analysis is printed"
    );
    let stderr = text(&analyzed.stderr);
    assert!(stderr.contains("cache directory"), "{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
}

/// A failed write of the exported frame is reported as a problem of the output, with exit
/// code 1, never as a damaged frame.
#[cfg(target_os = "linux")]
#[test]
fn full_output_is_not_damaged_frame() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);

    for format in ["csv", "json", "parquet"] {
        let full = std::fs::OpenOptions::new()
            .write(true)
            .open("/dev/full")
            .unwrap();
        let mut command = sandbox.process();
        command
            .args(["--no-config", "data", "get", "sales", "--format", format])
            .stdout(full);
        let output = command.output().unwrap();
        let stderr = text(&output.stderr);
        assert_eq!(output.status.code(), Some(1), "{format}: {stderr}");
        assert!(stderr.contains("No space left"), "{format}: {stderr}");
        assert!(!stderr.contains("drop it"), "{format}: {stderr}");
        assert!(
            !stderr.contains("out of specification"),
            "{format}: {stderr}"
        );
    }
}

/// `--output` naming a named pipe writes into the pipe, which stays a pipe: renaming a
/// temporary file over it, as for a plain file, would replace it.
#[cfg(unix)]
#[test]
fn output_to_named_pipe_keeps_pipe() {
    use std::os::unix::fs::FileTypeExt;

    let sandbox = Sandbox::new();
    cache_sales(&sandbox);
    let pipe = sandbox.work_dir().join("frame.pipe");
    let mkfifo = std::process::Command::new("mkfifo")
        .arg(&pipe)
        .status()
        .unwrap();
    assert!(mkfifo.success(), "mkfifo failed");

    let reader = {
        let pipe = pipe.clone();
        std::thread::spawn(move || std::fs::read_to_string(pipe).unwrap())
    };
    let output = export_sales_csv(&sandbox, "frame.pipe");
    assert_success(&output, "data get into a pipe");
    let received = reader.join().unwrap();
    assert!(
        received.starts_with("region,units,price,shipped\n"),
        "{received}"
    );
    assert_eq!(received.lines().count(), 5, "{received}");
    let file_type = std::fs::symlink_metadata(&pipe).unwrap().file_type();
    assert!(file_type.is_fifo(), "the pipe was replaced: {file_type:?}");
}

/// A reader that stops early, like `head -c` on standard output, ends a Parquet export as it
/// ends a CSV one: exit 0 and nothing on stderr. The Parquet writer reports the closed pipe as a
/// Thrift transport error, so the export keeps the first write error to report instead.
#[cfg(unix)]
#[test]
fn parquet_export_to_closed_pipe_succeeds() {
    use std::io::Read;

    let sandbox = Sandbox::new();
    // Distinct values, so that the Parquet file is much larger than a pipe's buffer.
    let mut csv = String::from("id,code\n");
    for row in 0..300_000u64 {
        csv.push_str(&format!(
            "{row},{}\n",
            row.wrapping_mul(2_654_435_761) % 1_000_003
        ));
    }
    sandbox.write("work/wide.csv", &csv);
    assert_success(
        &run(
            &sandbox,
            &[],
            &["analyze", "wide.csv", "--cache-key", "wide"],
        ),
        "analyze",
    );

    for format in ["parquet", "csv"] {
        let mut child = sandbox
            .process()
            .args(["--no-config", "data", "get", "wide", "--format", format])
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap();
        let mut first = [0u8; 16];
        child.stdout.take().unwrap().read_exact(&mut first).unwrap();
        let output = child.wait_with_output().unwrap();
        assert_success(&output, &format!("{format} into a closed pipe"));
        assert_eq!(text(&output.stderr), "", "{format}");
    }
}

/// `--output` replacing an existing file keeps its permissions, and through a symbolic link
/// replaces the file the link points to, leaving the link in place.
#[cfg(unix)]
#[test]
fn output_keeps_permissions_and_links() {
    use std::os::unix::fs::PermissionsExt;

    let sandbox = Sandbox::new();
    cache_sales(&sandbox);
    let target = sandbox.write("work/private.csv", "old\n");
    std::fs::set_permissions(&target, std::fs::Permissions::from_mode(0o600)).unwrap();
    let link = sandbox.work_dir().join("link.csv");
    std::os::unix::fs::symlink(&target, &link).unwrap();

    let output = export_sales_csv(&sandbox, "link.csv");
    assert_success(&output, "data get through a link");
    let written = std::fs::read_to_string(&target).unwrap();
    assert!(
        written.starts_with("region,units,price,shipped\n"),
        "{written}"
    );
    assert!(std::fs::symlink_metadata(&link).unwrap().is_symlink());
    let mode = std::fs::metadata(&target).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);

    // A link to a file that does not exist yet gets that file, and stays a link.
    let dangling = sandbox.work_dir().join("dangling.csv");
    std::os::unix::fs::symlink("made/by-export.csv", &dangling).unwrap();
    std::fs::create_dir(sandbox.work_dir().join("made")).unwrap();
    let output = export_sales_csv(&sandbox, "dangling.csv");
    assert_success(&output, "data get through a dangling link");
    let created = sandbox.work_dir().join("made/by-export.csv");
    assert!(std::fs::read_to_string(&created)
        .unwrap()
        .starts_with("region,units,price,shipped\n"));
    assert!(std::fs::symlink_metadata(&dangling).unwrap().is_symlink());

    // Links in a loop fail with a message, not a hang.
    std::os::unix::fs::symlink("loop-b.csv", sandbox.work_dir().join("loop-a.csv")).unwrap();
    std::os::unix::fs::symlink("loop-a.csv", sandbox.work_dir().join("loop-b.csv")).unwrap();
    let output = export_sales_csv(&sandbox, "loop-a.csv");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("cannot follow the symbolic link") && stderr.contains("loop-a.csv"),
        "{stderr}"
    );
}

/// Interrupting `analyze --cache-key` removes its temporary files (the staging file, and the
/// entry file if the store had started it) and exits with 130, and the store stays usable.
#[cfg(unix)]
#[test]
fn interrupted_cache_removes_staging_file() {
    let sandbox = Sandbox::new();
    let mut csv = String::from("id,amount,city\n");
    for row in 0..200_000 {
        csv.push_str(&format!("{row},{}.5,city {}\n", row % 977, row % 31));
    }
    sandbox.write("work/big.csv", &csv);
    let frames = embedded_store_dir(&sandbox);
    let staging_files = || -> Vec<String> {
        std::fs::read_dir(&frames)
            .map(|items| {
                items
                    .map(|item| item.unwrap().file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with(".tmp-"))
                    .collect()
            })
            .unwrap_or_default()
    };

    let mut command = sandbox.process();
    command.args([
        "--no-config",
        "analyze",
        "big.csv",
        "--chunk-bytes",
        "4096",
        "--cache-key",
        "big",
    ]);
    command.stdout(std::process::Stdio::null());
    command.stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();

    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    while staging_files().is_empty() {
        assert!(
            std::time::Instant::now() < deadline,
            "no staging file appeared"
        );
        assert!(
            child.try_wait().unwrap().is_none(),
            "analyze ended too soon"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
    let killed = std::process::Command::new("kill")
        .args(["-INT", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(killed.success());

    let output = child.wait_with_output().unwrap();
    assert_eq!(output.status.code(), Some(130), "{}", text(&output.stderr));
    assert!(
        text(&output.stderr).contains("interrupted"),
        "{}",
        text(&output.stderr)
    );
    assert!(staging_files().is_empty(), "left: {:?}", staging_files());
    assert_success(&run(&sandbox, &[], &["data", "list"]), "data list");
}

/// `--output` naming a folder fails before anything is written, with a file name to use, and
/// an export leaves no temporary file behind.
#[test]
fn output_to_folder_rejected() {
    let sandbox = Sandbox::new();
    cache_sales(&sandbox);
    std::fs::create_dir(sandbox.work_dir().join("exports")).unwrap();

    let output = export_sales_csv(&sandbox, "exports");
    assert_eq!(output.status.code(), Some(2));
    let stderr = text(&output.stderr);
    assert!(
        stderr.contains("is a folder; name a file in it"),
        "{stderr}"
    );

    assert_success(&export_sales_csv(&sandbox, "exports/sales.csv"), "export");
    // A new file gets the umask's permissions (the tests run with 022), not 0600.
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let metadata = std::fs::metadata(sandbox.work_dir().join("exports/sales.csv")).unwrap();
        assert_eq!(metadata.permissions().mode() & 0o044, 0o044);
    }
    let names: Vec<String> = std::fs::read_dir(sandbox.work_dir().join("exports"))
        .unwrap()
        .map(|item| item.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, ["sales.csv"]);
}
