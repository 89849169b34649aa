//! `vuhitra nlp sentiment` through the real binary: inputs, formats, errors and threads.
//!
//! Expected scores are those vaderSentiment 3.3.2 gives for the same sentences; the
//! library's own tests cover the scoring rules in depth.
#![cfg(feature = "nlp")]

mod support;

use serde_json::Value;
use support::{stdout_json, Sandbox};

/// Scores of sentences used below, as vaderSentiment 3.3.2 returns them:
/// (text, neg, neu, pos, compound).
const GOOD_SOUP: (&str, f64, f64, f64, f64) = ("The soup tasted good.", 0.0, 0.508, 0.492, 0.4404);
const BAD_SOUP: (&str, f64, f64, f64, f64) = ("The soup was not good.", 0.376, 0.624, 0.0, -0.3412);
const AWFUL_SERVICE: (&str, f64, f64, f64, f64) =
    ("The service was awful!!!", 0.564, 0.436, 0.0, -0.5962);

fn sentiment(sandbox: &Sandbox) -> assert_cmd::Command {
    let mut command = sandbox.command();
    command.args(["--no-config", "nlp", "sentiment"]);
    command
}

/// Parses JSON Lines output, showing the text when a line is not JSON.
fn stdout_jsonl(output: &std::process::Output) -> Vec<Value> {
    let text = String::from_utf8_lossy(&output.stdout);
    text.lines()
        .map(|line| {
            serde_json::from_str(line)
                .unwrap_or_else(|error| panic!("line {line:?} is not JSON ({error}):\n{text}"))
        })
        .collect()
}

fn stderr(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

fn assert_record(record: &Value, expected: (&str, f64, f64, f64, f64)) {
    let (text, neg, neu, pos, compound) = expected;
    assert_eq!(record["text"], text, "{record}");
    assert_eq!(record["neg"], neg, "{record}");
    assert_eq!(record["neu"], neu, "{record}");
    assert_eq!(record["pos"], pos, "{record}");
    assert_eq!(record["compound"], compound, "{record}");
}

#[test]
fn arguments_print_jsonl_in_order() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--format", "jsonl", GOOD_SOUP.0, BAD_SOUP.0])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let records = stdout_jsonl(&output);
    assert_eq!(records.len(), 2);
    assert_record(&records[0], GOOD_SOUP);
    assert_record(&records[1], BAD_SOUP);
    let keys: Vec<&String> = records[0].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 5, "only text and the four scores: {keys:?}");
}

#[test]
fn jsonl_is_default_in_a_pipe() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox).arg(GOOD_SOUP.0).output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], GOOD_SOUP);
}

#[test]
fn stdin_lines_keep_order_and_blanks() {
    let sandbox = Sandbox::new();
    let input = format!("{}\r\n\n{}\n{}", BAD_SOUP.0, AWFUL_SERVICE.0, GOOD_SOUP.0);
    let output = sentiment(&sandbox).write_stdin(input).output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let records = stdout_jsonl(&output);
    assert_eq!(records.len(), 4);
    assert_record(&records[0], BAD_SOUP);
    assert_record(&records[1], ("", 0.0, 0.0, 0.0, 0.0));
    assert_record(&records[2], AWFUL_SERVICE);
    assert_record(&records[3], GOOD_SOUP);
}

#[test]
fn empty_stdin_prints_nothing() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox).write_stdin("").output().unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn json_format_prints_one_array() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--format", "json", GOOD_SOUP.0, AWFUL_SERVICE.0])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let json = stdout_json(&output);
    let records = json.as_array().expect("a JSON array");
    assert_eq!(records.len(), 2);
    assert_record(&records[0], GOOD_SOUP);
    assert_record(&records[1], AWFUL_SERVICE);
}

#[test]
fn json_format_of_no_input_is_empty_array() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--format", "json"])
        .write_stdin("")
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_eq!(stdout_json(&output), serde_json::json!([]));
}

#[test]
fn table_format_adds_label() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args([
            "--format",
            "table",
            GOOD_SOUP.0,
            BAD_SOUP.0,
            "The train left at noon.",
        ])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let table = String::from_utf8(output.stdout).unwrap();
    let lines: Vec<&str> = table.lines().collect();
    assert!(
        lines[0].contains("COMPOUND") && lines[0].contains("LABEL"),
        "{table}"
    );
    let good = lines
        .iter()
        .find(|line| line.contains(GOOD_SOUP.0))
        .unwrap();
    assert!(
        good.contains("0.4404") && good.contains("positive"),
        "{table}"
    );
    let bad = lines.iter().find(|line| line.contains(BAD_SOUP.0)).unwrap();
    assert!(
        bad.contains("-0.3412") && bad.contains("negative"),
        "{table}"
    );
    let neutral = lines.iter().find(|line| line.contains("noon")).unwrap();
    assert!(neutral.contains("neutral"), "{table}");
}

#[test]
fn csv_column_by_name() {
    let sandbox = Sandbox::new();
    // A byte order mark, a quoted comma and a quoted line break.
    let csv = format!(
        "\u{feff}id,review,stars\n1,\"{}\",5\n2,\"Slow, but fine\nin the end\",3\n3,{},1\n",
        GOOD_SOUP.0, AWFUL_SERVICE.0
    );
    let path = sandbox.write("work/reviews.csv", &csv);
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap(), "--column", "review"])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let records = stdout_jsonl(&output);
    assert_eq!(records.len(), 3);
    assert_record(&records[0], GOOD_SOUP);
    assert_eq!(records[1]["text"], "Slow, but fine\nin the end");
    assert_record(&records[2], AWFUL_SERVICE);
}

#[test]
fn csv_missing_column_lists_columns() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/reviews.csv", "id,review\n1,Fine\n");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap(), "--column", "body"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("reviews.csv"), "{message}");
    assert!(message.contains("\"body\""), "{message}");
    assert!(message.contains("\"id\", \"review\""), "{message}");
    assert!(message.contains("--column"), "{message}");
}

#[test]
fn csv_default_column_is_text() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/notes.csv", &format!("id,text\n7,{}\n", GOOD_SOUP.0));
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], GOOD_SOUP);
}

#[test]
fn csv_single_column_needs_no_name() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/one.csv", &format!("comment\n{}\n", BAD_SOUP.0));
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], BAD_SOUP);
}

#[test]
fn empty_csv_prints_nothing() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/empty.csv", "");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert!(output.stdout.is_empty());
}

#[test]
fn csv_from_stdin_with_dash() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--file", "-", "--column", "review"])
        .write_stdin(format!("id,review\n1,{}\n", GOOD_SOUP.0))
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], GOOD_SOUP);
}

#[test]
fn csv_short_row_names_line() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/short.csv", "id,text\n1,Fine\n2\n");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("short.csv line 3"), "{message}");
    assert!(message.contains("\"text\""), "{message}");
}

#[test]
fn csv_invalid_utf8_names_line_and_column() {
    let sandbox = Sandbox::new();
    let path = sandbox.root.path().join("work/latin1.csv");
    std::fs::write(&path, b"id,text\n1,ok\n2,caf\xe9\n").unwrap();
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("latin1.csv line 3"), "{message}");
    assert!(message.contains("column \"text\""), "{message}");
    assert!(message.contains("UTF-8"), "{message}");
}

#[test]
fn tsv_file_by_extension() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "work/reviews.tsv",
        &format!("text\tstars\n{}\t1\n", AWFUL_SERVICE.0),
    );
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], AWFUL_SERVICE);
}

#[test]
fn ndjson_field_by_name() {
    let sandbox = Sandbox::new();
    let ndjson = format!(
        "{{\"id\": 1, \"body\": \"{}\"}}\n\n{{\"body\": \"{}\", \"id\": 2}}\n",
        GOOD_SOUP.0, BAD_SOUP.0
    );
    let path = sandbox.write("work/reviews.jsonl", &ndjson);
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap(), "--column", "body"])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let records = stdout_jsonl(&output);
    assert_eq!(records.len(), 2);
    assert_record(&records[0], GOOD_SOUP);
    assert_record(&records[1], BAD_SOUP);
}

#[test]
fn ndjson_detected_without_extension() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "work/export.data",
        &format!("{{\"text\": \"{}\"}}\n", GOOD_SOUP.0),
    );
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    assert_record(&stdout_jsonl(&output)[0], GOOD_SOUP);
}

#[test]
fn ndjson_missing_field_names_line() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "work/reviews.ndjson",
        "{\"text\": \"Fine\"}\n{\"body\": \"Fine\", \"id\": 2}\n",
    );
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("reviews.ndjson line 2"), "{message}");
    assert!(message.contains("no field \"text\""), "{message}");
    assert!(message.contains("\"body\", \"id\""), "{message}");
    // The line before the error was scored and printed.
    assert_eq!(stdout_jsonl(&output).len(), 1);
}

#[test]
fn ndjson_invalid_json_names_line() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/broken.jsonl", "{\"text\": \"Fine\"}\n{\"text\": \n");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("broken.jsonl line 2"), "{message}");
    assert!(message.contains("invalid JSON"), "{message}");
}

#[test]
fn ndjson_number_field_is_rejected() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/numbers.jsonl", "{\"text\": 42}\n");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("numbers.jsonl line 1"), "{message}");
    assert!(
        message.contains("is a number, expected a string"),
        "{message}"
    );
}

#[test]
fn text_file_one_per_line() {
    let sandbox = Sandbox::new();
    let path = sandbox.write(
        "work/lines.txt",
        &format!("{}\n{}\n", GOOD_SOUP.0, BAD_SOUP.0),
    );
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap()])
        .output()
        .unwrap();

    assert!(output.status.success(), "{}", stderr(&output));
    let records = stdout_jsonl(&output);
    assert_record(&records[0], GOOD_SOUP);
    assert_record(&records[1], BAD_SOUP);
}

#[test]
fn text_file_rejects_column() {
    let sandbox = Sandbox::new();
    let path = sandbox.write("work/lines.txt", "Fine\n");
    let output = sentiment(&sandbox)
        .args(["--file", path.to_str().unwrap(), "--column", "text"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--column"), "{}", stderr(&output));
}

#[test]
fn stdin_invalid_utf8_names_line() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .write_stdin(&b"fine\nna\xefve\n"[..])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("standard input line 2"), "{message}");
    assert!(message.contains("UTF-8"), "{message}");
}

#[test]
fn missing_file_is_user_error() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--file", "no-such-file.csv"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(1));
    let message = stderr(&output);
    assert!(message.contains("no-such-file.csv"), "{message}");
    assert!(message.contains("hint:"), "{message}");
}

#[test]
fn column_without_file_is_usage_error() {
    let sandbox = Sandbox::new();
    let output = sentiment(&sandbox)
        .args(["--column", "text", "Fine"])
        .output()
        .unwrap();

    assert_eq!(output.status.code(), Some(2));
    assert!(stderr(&output).contains("--file"), "{}", stderr(&output));
}

#[test]
fn threads_keep_order_on_large_input() {
    let sandbox = Sandbox::new();
    // 40,000 distinct lines: more than two batches, each scored in parallel.
    let sentences = [
        GOOD_SOUP.0,
        BAD_SOUP.0,
        AWFUL_SERVICE.0,
        "The train left at noon.",
    ];
    let lines: Vec<String> = (0..40_000)
        .map(|index| format!("{} #{index}", sentences[index % sentences.len()]))
        .collect();
    let input = lines.join("\n");

    let single = sentiment(&sandbox)
        .args(["--threads", "1"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let parallel = sentiment(&sandbox)
        .args(["--threads", "2"])
        .write_stdin(input.clone())
        .output()
        .unwrap();
    let all_cores = sentiment(&sandbox).write_stdin(input).output().unwrap();

    assert!(single.status.success(), "{}", stderr(&single));
    assert!(parallel.status.success(), "{}", stderr(&parallel));
    assert!(all_cores.status.success(), "{}", stderr(&all_cores));
    assert!(
        single.stdout == parallel.stdout,
        "--threads 2 changed the output"
    );
    assert!(
        single.stdout == all_cores.stdout,
        "all cores changed the output"
    );

    let records = stdout_jsonl(&parallel);
    assert_eq!(records.len(), lines.len());
    for (record, line) in records.iter().zip(&lines) {
        assert_eq!(record["text"], line.as_str());
    }
    assert_eq!(records[1]["compound"], BAD_SOUP.4);
}
