//! `vuhitra analyze` through the real binary: output formats, options and bad input.
#![cfg(feature = "analytics")]

mod support;

use std::path::PathBuf;

use serde_json::Value;
use support::Sandbox;

const SALES: &str = "id,region,amount,when,code\n\
1,north,10.5,2024-01-01,001\n\
2,south,20.0,2024-01-02,002\n\
3,north,,2024-01-03,003\n\
4,north,40.25,2024-01-04,001\n\
4,north,40.25,2024-01-04,001\n";

fn analyze(sandbox: &Sandbox, args: &[&str]) -> std::process::Output {
    sandbox
        .command()
        .arg("--no-config")
        .arg("analyze")
        .args(args)
        .output()
        .unwrap()
}

fn json_of(output: &std::process::Output) -> Value {
    assert!(
        output.status.success(),
        "analyze failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).unwrap()
}

fn column<'a>(json: &'a Value, name: &str) -> &'a Value {
    json["columns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|column| column["name"] == name)
        .unwrap_or_else(|| panic!("no column {name} in {json}"))
}

#[test]
fn json_report_has_pandas_fields() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/sales.csv", SALES);
    let json = json_of(&analyze(
        &sandbox,
        &[file.to_str().unwrap(), "--format", "json"],
    ));

    assert_eq!(json["rows"], 5);
    assert_eq!(json["duplicate_rows"], 1);
    let amount = column(&json, "amount");
    assert_eq!(amount["dtype"], "float");
    assert_eq!(amount["count"], 4);
    assert_eq!(amount["missing"], 1);
    assert_eq!(amount["unique"], 3);
    assert_eq!(amount["mean"], 27.75);
    assert_eq!(amount["p50"], 30.125);
    assert_eq!(amount["top"], Value::Null);

    let region = column(&json, "region");
    assert_eq!(region["dtype"], "categorical");
    assert_eq!(region["top"], "north");
    assert_eq!(region["freq"], 4);
    assert_eq!(region["mean"], Value::Null);

    assert_eq!(column(&json, "when")["dtype"], "date");
    assert_eq!(column(&json, "when")["span"], "3d");
    assert_eq!(column(&json, "code")["top"], "001");

    let pearson = &json["correlations"]["pearson"];
    assert!(pearson["id"]["amount"].as_f64().unwrap() > 0.9);
    assert!(json["correlations"]["spearman"]["amount"]["id"].is_number());
}

#[test]
fn table_report_lists_sections() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/sales.csv", SALES);
    let output = analyze(&sandbox, &[file.to_str().unwrap()]);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("5 rows × 5 columns"), "{text}");
    assert!(text.contains("Numbers"), "{text}");
    assert!(text.contains("Dates"), "{text}");
    assert!(text.contains("Strongest correlations"), "{text}");

    // stderr is a pipe here, so no progress bar is drawn.
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(!errors.contains("profiling"), "{errors}");
}

#[test]
fn markdown_report_has_tables() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/sales.csv", SALES);
    let output = analyze(&sandbox, &[file.to_str().unwrap(), "--format", "markdown"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("# Profile of"), "{text}");
    assert!(text.contains("| column | type |"), "{text}");
}

#[test]
fn column_sample_and_limit_options() {
    let sandbox = Sandbox::new();
    let mut text = String::from("a,b\n");
    for row in 0..1000 {
        text.push_str(&format!("{row},{}\n", row % 7));
    }
    let file = sandbox.write("work/numbers.csv", &text);
    let path = file.to_str().unwrap();

    let json = json_of(&analyze(
        &sandbox,
        &[path, "--format", "json", "--columns", "b"],
    ));
    assert_eq!(json["column_count"], 1);
    assert_eq!(json["columns"][0]["name"], "b");

    let json = json_of(&analyze(
        &sandbox,
        &[path, "--format", "json", "--limit-rows", "10"],
    ));
    assert_eq!(json["rows"], 10);
    assert_eq!(column(&json, "a")["max"], 9);

    let first = json_of(&analyze(
        &sandbox,
        &[path, "--format", "json", "--sample", "50", "--seed", "3"],
    ));
    let second = json_of(&analyze(
        &sandbox,
        &[path, "--format", "json", "--sample", "50", "--seed", "3"],
    ));
    assert_eq!(first["rows"], 50);
    assert_eq!(first["read"]["sampled_rows"], 50);
    assert_eq!(column(&first, "a")["mean"], column(&second, "a")["mean"]);
}

#[test]
fn dialect_options_respected() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/semi.txt", "1;NA\n2;x\n3;NA\n");
    let path = file.to_str().unwrap();
    let json = json_of(&analyze(
        &sandbox,
        &[
            path,
            "--format",
            "json",
            "--delimiter",
            ";",
            "--no-header",
            "--na-values",
            "NA",
        ],
    ));
    assert_eq!(json["rows"], 3);
    assert_eq!(column(&json, "column_1")["mean"], 2.0);
    assert_eq!(column(&json, "column_2")["missing"], 2);
}

#[test]
fn ragged_rows_fail_with_lines() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/ragged.csv", "a,b\n1,2\n3\n");
    let output = analyze(&sandbox, &[file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("line 3 has 1 field"), "{errors}");
    assert!(output.stdout.is_empty());
}

#[test]
fn invalid_utf8_suggests_latin1() {
    let sandbox = Sandbox::new();
    let path: PathBuf = sandbox.work_dir().join("latin.csv");
    std::fs::write(&path, b"name\ncaf\xe9\n").unwrap();
    let output = analyze(&sandbox, &[path.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("byte offset 8"), "{errors}");
    assert!(errors.contains("--encoding latin-1"), "{errors}");

    let json = json_of(&analyze(
        &sandbox,
        &[
            path.to_str().unwrap(),
            "--encoding",
            "latin-1",
            "--format",
            "json",
        ],
    ));
    assert_eq!(json["columns"][0]["top"], "café");
}

#[test]
fn empty_file_fails() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/empty.csv", "");
    let output = analyze(&sandbox, &[file.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("is empty"), "{errors}");
}

#[test]
fn size_limit_needs_force() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/sales.csv", SALES);
    let path = file.to_str().unwrap();
    let output = sandbox
        .command()
        .env("MAX_UPLOADED_FILE_SIZE", "16")
        .args(["--no-config", "analyze", path])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("--force"), "{errors}");

    let output = sandbox
        .command()
        .env("MAX_UPLOADED_FILE_SIZE", "16")
        .args([
            "--no-config",
            "analyze",
            path,
            "--force",
            "--format",
            "json",
        ])
        .output()
        .unwrap();
    assert_eq!(json_of(&output)["rows"], 5);
}

#[test]
fn relative_path_from_workspace() {
    let sandbox = Sandbox::new();
    sandbox.write("shared-files/numbers.csv", "x\n1\n2\n3\n");
    let workspace = sandbox.root.path().join("shared-files");

    let output = sandbox
        .command()
        .args(["--no-config", "analyze", "numbers.csv", "--format", "json"])
        .env("WORKSPACE_PATH", &workspace)
        .output()
        .unwrap();
    let json = json_of(&output);

    assert_eq!(json["rows"], 3);
    assert_eq!(column(&json, "x")["mean"], 2.0);
}

#[test]
fn missing_file_fails() {
    let sandbox = Sandbox::new();
    let output = analyze(&sandbox, &["does-not-exist.csv"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("does-not-exist.csv"), "{errors}");
}

#[test]
fn duplicate_columns_warned() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/dupes.csv", "a,a\n1,2\n");
    let output = analyze(&sandbox, &[file.to_str().unwrap(), "--format", "json"]);
    let errors = String::from_utf8(output.stderr.clone()).unwrap();
    let json = json_of(&output);
    assert_eq!(json["columns"][1]["name"], "a.1");
    assert_eq!(errors.matches("renamed to \"a.1\"").count(), 1, "{errors}");

    // The table report shows the warning itself, so stderr does not repeat it.
    let output = analyze(&sandbox, &[file.to_str().unwrap()]);
    let report = String::from_utf8(output.stdout).unwrap();
    let errors = String::from_utf8(output.stderr).unwrap();
    assert_eq!(report.matches("renamed to \"a.1\"").count(), 1, "{report}");
    assert!(!errors.contains("renamed to"), "{errors}");
}

#[test]
fn shared_weather_profiled() {
    let root = std::env::var_os("VUHITRA_SHARED_DATA")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../../shared/data"));
    let weather = root.join("tables/weather.csv");
    if !weather.is_file() {
        eprintln!(
            "skipping: {} not found (set VUHITRA_SHARED_DATA)",
            weather.display()
        );
        return;
    }
    let sandbox = Sandbox::new();
    let json = json_of(&analyze(
        &sandbox,
        &[
            weather.to_str().unwrap(),
            "--format",
            "json",
            "--na-values",
            "pandas",
        ],
    ));
    assert_eq!(json["rows"], 26115);
    assert_eq!(column(&json, "wind_gust")["missing"], 20778);
    assert_eq!(column(&json, "time_hour")["dtype"], "datetime");
}

const REVIEWS: &str = "id,stars,review,channel\n\
1,5,The soup was really good!,web\n\
2,1,Terrible service and cold food.,web\n\
3,3,\"We ate, we paid, we left.\",phone\n\
4,5,I love this place :),web\n\
5,1,,phone\n\
6,2,Not great.,web\n";

#[test]
fn sentiment_summary_of_named_and_free_text_columns() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/reviews.csv", REVIEWS);
    let path = file.to_str().unwrap();

    // Free text gets a summary without asking; it scores all five texts, since they are
    // fewer than the sample's size.
    let json = json_of(&analyze(&sandbox, &[path, "--format", "json"]));
    let review = column(&json, "review");
    assert_eq!(review["dtype"], "text");
    let sentiment = &review["sentiment"];
    assert_eq!(sentiment["scored"], 5);
    assert_eq!(sentiment["sampled"], false);
    assert_eq!(sentiment["positive"], 2);
    assert_eq!(sentiment["negative"], 2);
    assert_eq!(sentiment["neutral"], 1);
    assert_eq!(sentiment["most_positive"]["row"], 3);
    assert_eq!(sentiment["most_positive"]["text"], "I love this place :)");
    assert_eq!(sentiment["most_negative"]["text"], "Not great.");
    assert_eq!(sentiment["most_negative"]["compound"], -0.5096);
    let histogram = sentiment["histogram"].as_array().unwrap();
    assert_eq!(histogram.len(), 20);
    assert_eq!(
        histogram.iter().map(|c| c.as_u64().unwrap()).sum::<u64>(),
        5
    );
    // Categories and numbers get none.
    assert!(column(&json, "channel")["sentiment"].is_null());
    assert!(column(&json, "stars")["sentiment"].is_null());

    // --sentiment scores a categorical column too; --no-sentiment drops the others.
    let json = json_of(&analyze(
        &sandbox,
        &[
            path,
            "--format",
            "json",
            "--sentiment",
            "channel",
            "--no-sentiment",
        ],
    ));
    assert_eq!(column(&json, "channel")["sentiment"]["scored"], 6);
    assert!(column(&json, "review")["sentiment"].is_null());

    // The terminal report has a section for it.
    let output = analyze(&sandbox, &[path]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("Sentiment (VADER compound score)"), "{text}");
    assert!(text.contains("I love this place :)"), "{text}");
}

#[test]
fn sentiment_of_unknown_or_number_column_fails() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/reviews.csv", REVIEWS);
    let path = file.to_str().unwrap();

    let output = analyze(&sandbox, &[path, "--sentiment", "comment"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("column \"comment\" not found"), "{errors}");
    assert!(errors.contains("id, stars, review, channel"), "{errors}");

    let output = analyze(&sandbox, &[path, "--sentiment", "stars"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("\"stars\" holds integers, not text"),
        "{errors}"
    );

    let output = analyze(
        &sandbox,
        &[path, "--columns", "id", "--sentiment", "review"],
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("not among the columns --columns"),
        "{errors}"
    );
    assert!(output.stdout.is_empty());
}

/// A quote that opens in one line and closes in a later one joins the lines into one row:
/// right for quoted CSV, wrong for text exports with stray quotes, so the report warns.
#[test]
fn rows_over_several_lines_warned() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "work/notes.tsv",
        "id\tnote\n1\t\"  odd start\n2\tnice\n3\tend\"\n4\tlast\n",
    );
    let path = file.to_str().unwrap();
    let output = analyze(&sandbox, &[path]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("quote \","), "{text}");
    assert!(
        text.contains("warning: 1 row(s) have a line break inside a field quoted with \" "),
        "{text}"
    );
    assert!(text.contains("(the first starts on line 2)"), "{text}");
    assert!(text.contains("pass --quote none"), "{text}");

    let output = analyze(&sandbox, &[path, "--quote", "none"]);
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.contains("4 rows"), "{text}");
    assert!(text.contains("no quoting"), "{text}");
    assert!(!text.contains("warning"), "{text}");

    // Apostrophes that start a text but close no field are not taken for quotes.
    let file = sandbox.write(
        "work/sayings.tsv",
        "id\ttext\n1\t'Tis the season, isn't it\n2\tnice day\n3\t'cause I said so\n",
    );
    let json = json_of(&analyze(
        &sandbox,
        &[file.to_str().unwrap(), "--format", "json"],
    ));
    assert_eq!(json["rows"], 3);
    assert_eq!(json["read"]["quote"], "\"");
    let texts: Vec<&str> = column(&json, "text")["top_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["value"].as_str().unwrap())
        .collect();
    assert!(texts.contains(&"'Tis the season, isn't it"), "{texts:?}");
}

#[test]
fn quote_none_keeps_quotes_as_text() {
    let sandbox = Sandbox::new();
    // The second text opens a quote it never closes; with quoting it would swallow the
    // line after it.
    let file = sandbox.write(
        "work/notes.tsv",
        "id\tnote\n1\tfine\n2\t\"  odd start\n3\tlast \"one\"\n",
    );
    let path = file.to_str().unwrap();
    let json = json_of(&analyze(
        &sandbox,
        &[path, "--format", "json", "--quote", "none"],
    ));
    assert_eq!(json["rows"], 3);
    assert_eq!(json["read"]["quote"], "none");
    let notes: Vec<&str> = column(&json, "note")["top_values"]
        .as_array()
        .unwrap()
        .iter()
        .map(|entry| entry["value"].as_str().unwrap())
        .collect();
    assert!(notes.contains(&"\"  odd start"), "{notes:?}");
    assert!(notes.contains(&"last \"one\""), "{notes:?}");

    let output = analyze(&sandbox, &[path, "--quote", "«"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("not one ASCII character"), "{errors}");

    let output = analyze(&sandbox, &[path, "--quote", "\t"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("both the delimiter and the quote"),
        "{errors}"
    );
}

/// A column name with a comma is given to `--columns` and `--sentiment` in double quotes,
/// and lists of columns in messages quote it the same way.
#[test]
fn quoted_column_names_with_commas() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "work/people.csv",
        "\"last, first\",age,note\n\"Doe, Jane\",41,great service\n\"Roe, Rick\",35,awful wait\n",
    );
    let path = file.to_str().unwrap();

    let output = analyze(
        &sandbox,
        &[
            path,
            "--format",
            "json",
            "--columns",
            "\"last, first\",note",
            "--sentiment",
            "\"last, first\"",
        ],
    );
    assert!(output.status.success(), "{output:?}");
    let report = json_of(&output);
    let names: Vec<&str> = report["columns"]
        .as_array()
        .unwrap()
        .iter()
        .map(|column| column["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["last, first", "note"]);
    assert_eq!(report["columns"][0]["sentiment"]["scored"], 2);

    let output = analyze(&sandbox, &[path, "--columns", "last"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("available columns: \"last, first\", age, note"),
        "{errors}"
    );

    let output = analyze(&sandbox, &[path, "--columns", "\"last, first"]);
    assert_eq!(output.status.code(), Some(2));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("does not close"), "{errors}");
}

/// `--sentiment` naming a JSON field whose values are objects explains why it cannot be
/// scored, instead of reporting the field as not found.
#[test]
fn sentiment_of_nested_field_rejected() {
    let sandbox = Sandbox::new();
    let file = sandbox.write(
        "work/events.ndjson",
        "{\"id\":1,\"meta\":{\"a\":1},\"text\":\"good\"}\n{\"id\":2,\"meta\":{\"a\":2},\"text\":\"bad\"}\n",
    );
    let path = file.to_str().unwrap();
    let output = analyze(&sandbox, &[path, "--sentiment", "meta"]);
    assert_eq!(output.status.code(), Some(1));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(errors.contains("\"meta\" has nested values"), "{errors}");
}

/// A file with more number columns than the correlations cover is still profiled whole, and
/// the report warns that the correlations leave columns out.
#[test]
fn correlations_capped_on_wide_files() {
    let sandbox = Sandbox::new();
    let width = 1_050;
    let header: Vec<String> = (0..width).map(|column| format!("c{column}")).collect();
    let mut csv = header.join(",") + "\n";
    for row in 0..3 {
        let values: Vec<String> = (0..width)
            .map(|column| (row * column).to_string())
            .collect();
        csv.push_str(&(values.join(",") + "\n"));
    }
    let file = sandbox.write("work/wide.csv", &csv);

    let output = analyze(&sandbox, &[file.to_str().unwrap(), "--format", "json"]);
    assert!(output.status.success(), "{output:?}");
    let report = json_of(&output);
    assert_eq!(report["columns"].as_array().unwrap().len(), width);
    assert_eq!(
        report["correlations"]["pearson"].as_object().unwrap().len(),
        1_000
    );
    let warnings = report["read"]["warnings"].to_string();
    assert!(
        warnings.contains("1050 columns can be correlated"),
        "{warnings}"
    );
}

/// A `--top-k` too large to reserve room for is a usage error, not an aborted allocation.
#[test]
fn huge_top_k_rejected() {
    let sandbox = Sandbox::new();
    let file = sandbox.write("work/small.csv", "a,b\n1,x\n2,y\n");
    let output = analyze(
        &sandbox,
        &[file.to_str().unwrap(), "--top-k", "100000000000"],
    );
    assert_eq!(output.status.code(), Some(2));
    let errors = String::from_utf8(output.stderr).unwrap();
    assert!(
        errors.contains("--top-k 100000000000 is more than"),
        "{errors}"
    );
}
