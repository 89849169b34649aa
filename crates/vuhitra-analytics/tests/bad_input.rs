//! Bad and unusual input: each case must end in a clear error or a correct profile, never a
//! panic.

mod common;

use std::io::Write;
use std::path::{Path, PathBuf};

use serde_json::Value;
use vuhitra_analytics::{
    load_frame, profile_file, AnalyticsError, ColumnKind, Encoding, LoadOptions, NoProgress,
    Profile, RaggedRow,
};

use common::column;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn fixture(name: &str, bytes: &[u8]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::File::create(&path)
        .unwrap()
        .write_all(bytes)
        .unwrap();
    Fixture { _dir: dir, path }
}

fn profile(path: &Path, options: &LoadOptions) -> Result<Profile, AnalyticsError> {
    profile_file(path, options, &NoProgress)
}

#[test]
fn empty_file_rejected() {
    let file = fixture("empty.csv", b"");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, AnalyticsError::Empty { .. }), "{error}");
    assert!(error.to_string().contains("empty.csv"), "{error}");
}

#[test]
fn empty_objects_rejected() {
    for (name, bytes) in [
        ("rows.json", &b"[{}, {}]"[..]),
        ("rows.ndjson", &b"{}\n{}\n"[..]),
    ] {
        let file = fixture(name, bytes);
        let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, AnalyticsError::Format { .. }), "{message}");
        assert!(message.contains("has 2 rows"), "{message}");
        assert!(message.contains("every object is empty"), "{message}");
    }

    let file = fixture("rows.json", b" [ ]\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, AnalyticsError::Format { .. }), "{error}");
    assert!(
        error.to_string().contains("contains an empty array"),
        "{error}"
    );

    let file = fixture("rows.ndjson", b"\n  \n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, AnalyticsError::Empty { .. }), "{error}");
}

#[test]
fn blank_file_rejected() {
    let file = fixture("blank.csv", b"\n\r\n  \n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, AnalyticsError::Empty { .. }), "{error}");
}

#[test]
fn header_only_rejected() {
    let file = fixture("header.csv", b"a,b,c\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(error, AnalyticsError::HeaderOnly { columns: 3, .. }),
        "{error}"
    );
    assert!(error.to_string().contains("no data rows"), "{error}");
}

#[test]
fn ragged_rows_listed_with_lines() {
    let file = fixture("ragged.csv", b"a,b,c\n1,2,3\n4,5\n6,7,8\n9,10,11,12\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::RaggedRows {
        expected,
        rows,
        more,
        ..
    } = &error
    else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(*expected, 3);
    assert_eq!(*more, 0);
    assert_eq!(rows[0], RaggedRow { line: 3, fields: 2 });
    assert_eq!(rows[1], RaggedRow { line: 5, fields: 4 });
    let message = error.to_string();
    assert!(message.contains("line 3 has 2 fields"), "{message}");
    assert!(message.contains("line 5 has 4 fields"), "{message}");
}

#[test]
fn ragged_rows_without_header_compared_to_first_row() {
    let file = fixture("rag.csv", b"a\n1,2\n");
    let options = LoadOptions {
        header: Some(false),
        ..LoadOptions::default()
    };
    let message = profile(&file.path, &options).unwrap_err().to_string();
    assert!(message.contains("than the first row (1)"), "{message}");
    assert!(message.contains("line 2 has 2 fields"), "{message}");
}

#[test]
fn ragged_line_counts_quoted_newlines() {
    let file = fixture("ragged.csv", b"a,b\n\"x\ny\",1\r\n2\r\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::RaggedRows { rows, .. } = &error else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(rows[0], RaggedRow { line: 4, fields: 1 });
}

#[test]
fn carriage_return_lines_read_and_counted() {
    // Lines ended by `\r` alone (classic Mac OS) are records, as csv-core reads them, and
    // each counts as a line in messages.
    let file = fixture("mac.csv", b"a,b\r1,x\r2,y\r3,z\r");
    let read = profile(&file.path, &LoadOptions::default()).unwrap();
    assert_eq!(read.rows, 3);
    assert_eq!(read.columns[0].mean, Some(2.0));

    let file = fixture("mac.csv", b"a,b\r1,x\r2,y,extra\r3,z\r");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::RaggedRows { rows, .. } = &error else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(rows[0], RaggedRow { line: 3, fields: 3 });

    let file = fixture("mixed.csv", b"a,b\n1,x\r2\r\n3,z\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::RaggedRows { rows, .. } = &error else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(rows[0], RaggedRow { line: 3, fields: 1 });
}

#[test]
fn many_ragged_rows_summarised() {
    let mut text = String::from("a,b\n");
    for _ in 0..25 {
        text.push_str("1\n");
    }
    let file = fixture("ragged.csv", text.as_bytes());
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::RaggedRows { rows, more, .. } = &error else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(rows.len(), 10);
    assert_eq!(*more, 15);
    assert!(error.to_string().contains("and 15 more"), "{error}");
}

#[test]
fn invalid_utf8_names_offset_and_line() {
    let file = fixture("latin.csv", b"name,city\nann,caf\xe9\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let AnalyticsError::InvalidUtf8 {
        offset,
        line,
        column,
        ..
    } = &error
    else {
        panic!("expected invalid UTF-8, got {error}");
    };
    assert_eq!(*offset, 17);
    assert_eq!(*line, 2);
    assert_eq!(*column, 8);
    assert!(error.to_string().contains("--encoding latin-1"), "{error}");
}

#[test]
fn latin1_option_decodes() {
    let file = fixture("latin.csv", b"name,city\nann,caf\xe9\nbob,caf\xe9\n");
    let options = LoadOptions {
        encoding: Encoding::Latin1,
        ..LoadOptions::default()
    };
    let profile = profile(&file.path, &options).unwrap();
    let city = column(&profile, "city");
    assert_eq!(city.top, Some(Value::from("café")));
    assert_eq!(city.freq, Some(2));
}

#[test]
fn quoted_newline_parsed() {
    let file = fixture("notes.csv", b"id,note\n1,\"line one\nline two\"\n2,plain\n");
    let (frame, info) = load_frame(&file.path, &LoadOptions::default(), &NoProgress).unwrap();
    assert_eq!(info.rows_read, 2);
    assert_eq!(frame.height(), 2);
    let notes = frame.column("note").unwrap().str().unwrap().clone();
    assert_eq!(notes.get(0), Some("line one\nline two"));
    assert_eq!(notes.get(1), Some("plain"));
}

#[test]
fn unclosed_quote_rejected() {
    let file = fixture("open.csv", b"a,b\n1,\"open\n2,3\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(
        matches!(error, AnalyticsError::UnclosedQuote { line: 2, .. }),
        "{error}"
    );
}

#[test]
fn duplicate_names_made_unique() {
    let file = fixture("dupes.csv", b"a,a,b,\n1,2,3,4\n");
    let profile = profile(&file.path, &LoadOptions::default()).unwrap();
    let names: Vec<&str> = profile.columns.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "a.1", "b", "Unnamed: 3"]);
    let warnings = &profile.read.warnings;
    assert!(
        warnings.iter().any(|w| w.contains("renamed to \"a.1\"")),
        "{warnings:?}"
    );
    assert!(
        warnings.iter().any(|w| w.contains("has no name")),
        "{warnings:?}"
    );
}

#[test]
fn malformed_ndjson_names_line() {
    let file = fixture("events.ndjson", b"{\"a\": 1}\n{\"a\": 2\n{\"a\": 3}\n");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(matches!(error, AnalyticsError::Format { .. }), "{message}");
    assert!(message.contains("events.ndjson"), "{message}");
    assert!(message.contains("line 2"), "{message}");
}

#[test]
fn json_faults_say_what_to_do() {
    let deep = format!("{{\"a\": {}1{}}}\n", "[".repeat(200), "]".repeat(200));
    let cases: [(&str, &[u8], &[&str]); 9] = [
        (
            "one.json",
            b"{\n  \"a\": 1,\n  \"b\": 2\n}\n",
            &[
                "line 1, column 2",
                "ends before its object does",
                "one whole object on each line",
            ],
        ),
        (
            "open.ndjson",
            b"{\"a\": \"hello\nworld\"}\n",
            &[
                "line 1, column 13",
                "ends inside a string",
                "escaped, as \\n",
            ],
        ),
        (
            "returns.ndjson",
            b"{\"a\": 1}\r{\"a\": 2}\r{\"a\": x}\r",
            &["line 2, column 1", "lone CR", "tr '\\r' '\\n'"],
        ),
        (
            "cut.ndjson",
            b"{\"a\": 1}\n{\"a\": 2",
            &["line 2, column 8", "may be truncated"],
        ),
        (
            "scalar.ndjson",
            b"{\"a\": 1}\n[1, 2]\n",
            &["line 2, column 1: the row is an array, not an object"],
        ),
        (
            "latin.ndjson",
            b"{\"a\": 1}\n{\"city\": \"caf\xe9\"}\n",
            &["line 2, column 14", "invalid UTF-8", "iconv"],
        ),
        (
            "latin.json",
            b"[{\"a\": 1},\n {\"city\": \"caf\xe9\"}]",
            &["line 2, column 15", "element 2", "invalid UTF-8"],
        ),
        ("deep.ndjson", deep.as_bytes(), &["line 1", "128 levels"]),
        (
            "break.json",
            b"[{\"a\": \"x\ny\"}]",
            &["line 1, column 10", "raw line break", "\\n"],
        ),
    ];
    for (name, bytes, expected) in cases {
        let file = fixture(name, bytes);
        let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
        let message = error.to_string();
        assert!(matches!(error, AnalyticsError::Format { .. }), "{message}");
        assert!(message.contains(name), "{message}");
        for part in expected {
            assert!(message.contains(part), "{name}: {part:?} not in {message}");
        }
    }
}

#[test]
fn utf16_named_with_what_to_do() {
    let text = "name,city\nann,paris\nbob,Ωμέγα Ölçü\n";
    let little: Vec<u8> = text.encode_utf16().flat_map(u16::to_le_bytes).collect();
    let big: Vec<u8> = text.encode_utf16().flat_map(u16::to_be_bytes).collect();
    let with_mark = [&[0xFF, 0xFE][..], &little].concat();
    let wide: Vec<u8> = [0xFF, 0xFE, 0, 0, b'a', 0, 0, 0].to_vec();
    let chinese: String = (0..20)
        .map(|row| format!("東京都渋谷区,大阪府{row}\n"))
        .collect();
    let chinese: Vec<u8> = format!("名前,都市\n{chinese}")
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let utf32_little: Vec<u8> = text
        .chars()
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect();
    let utf32_big: Vec<u8> = text
        .chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect();
    let json: Vec<u8> = "[{\"a\": 1}]"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    for (name, bytes, evidence, encoding) in [
        ("marked.csv", &with_mark, "byte order mark", "-f UTF-16 "),
        (
            "little.csv",
            &little,
            "zero byte after them",
            "-f UTF-16LE ",
        ),
        ("big.tsv", &big, "zero byte before them", "-f UTF-16BE "),
        ("rows.json", &json, "zero byte after them", "-f UTF-16LE "),
        ("wide.txt", &wide, "UTF-32 byte order mark", "-f UTF-32 "),
        (
            "wide32.csv",
            &utf32_little,
            "end with two zero bytes",
            "-f UTF-32LE ",
        ),
        (
            "big32.csv",
            &utf32_big,
            "start with two zero bytes",
            "-f UTF-32BE ",
        ),
        (
            "chinese.csv",
            &chinese,
            "every zero byte follows",
            "-f UTF-16LE ",
        ),
    ] {
        let file = fixture(name, bytes);
        let message = profile(&file.path, &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains(name), "{message}");
        assert!(message.contains(evidence), "{message}");
        assert!(message.contains(&format!("iconv {encoding}")), "{message}");
    }

    // The same text in UTF-8 is read.
    let rows: String = (0..20).map(|row| format!("東京都渋谷区,{row}\n")).collect();
    let file = fixture("chinese.csv", format!("名前,番号\n{rows}").as_bytes());
    let read = profile(&file.path, &LoadOptions::default()).unwrap();
    assert_eq!(read.rows, 20);

    // With Latin-1 requested, FF FE are the characters ÿþ.
    let file = fixture("latin.csv", b"\xff\xfeab,cd\n1,2\n");
    let options = LoadOptions {
        encoding: Encoding::Latin1,
        ..LoadOptions::default()
    };
    let latin = profile(&file.path, &options).unwrap();
    assert_eq!(latin.columns[0].name, "ÿþab");

    // Latin-1 does not apply to JSON, so there the mark still means UTF-16.
    let marked_json = [&[0xFF, 0xFE][..], &json].concat();
    let file = fixture("marked.json", &marked_json);
    let message = profile(&file.path, &options).unwrap_err().to_string();
    assert!(message.contains("iconv -f UTF-16 "), "{message}");
}

#[test]
fn special_file_rejected() {
    let error = profile(Path::new("/dev/null"), &LoadOptions::default()).unwrap_err();
    let message = error.to_string();
    assert!(message.contains("not a regular file"), "{message}");
    assert!(message.contains("save the data to a file"), "{message}");
}

#[test]
fn text_options_keep_csv() {
    let file = fixture("pairs.txt", b"{\"a\":1},5\n{\"a\":2},6\n");
    let options = LoadOptions {
        header: Some(false),
        ..LoadOptions::default()
    };
    let profile = profile(&file.path, &options).unwrap();
    assert_eq!(profile.rows, 2);
    assert_eq!(profile.read.format, vuhitra_analytics::InputFormat::Csv);
}

#[test]
fn json_array_in_text_file_read_as_json() {
    let rows = b"[\n {\"a\": 1, \"b\": \"x\"},\n {\"a\": 2, \"b\": \"y\"}\n]\n";
    let file = fixture("rows.txt", rows);
    let detected = profile(&file.path, &LoadOptions::default()).unwrap();
    assert_eq!(detected.rows, 2);
    assert_eq!(detected.read.format, vuhitra_analytics::InputFormat::Json);
    assert_eq!(column(&detected, "a").mean, Some(1.5));

    let file = fixture("rows.json", rows);
    let options = LoadOptions {
        encoding: Encoding::Latin1,
        ..LoadOptions::default()
    };
    let profile = profile(&file.path, &options).unwrap();
    assert_eq!(profile.rows, 2);
    let warnings = &profile.read.warnings;
    assert!(
        warnings
            .iter()
            .any(|w| w.contains("--encoding latin-1 applies to delimited text only")),
        "{warnings:?}"
    );
}

#[test]
fn repeated_keys_warned() {
    for (name, bytes) in [
        (
            "rows.ndjson",
            &b"{\"a\": 1, \"a\": 2}\n\n{\"b\": 1, \"b\": 5}\n{\"a\": 3}\n"[..],
        ),
        (
            "rows.json",
            b"[{\"a\": 1, \"a\": 2},\n\n{\"b\": 1, \"b\": 5}, {\"a\": 3}]",
        ),
    ] {
        let file = fixture(name, bytes);
        let profile = profile(&file.path, &LoadOptions::default()).unwrap();
        let warnings = &profile.read.warnings;
        let expected = "key \"a\" appears twice in the object on line 1 (and in 1 more object)";
        assert!(
            warnings.iter().any(|w| w.contains(expected)),
            "{name}: {warnings:?}"
        );

        // The first value of a repeated key is the one read.
        assert_eq!(column(&profile, "a").mean, Some(2.0), "{name}");
        assert_eq!(column(&profile, "b").mean, Some(1.0), "{name}");
    }
}

#[test]
fn inf_and_nan_text_handled() {
    let file = fixture("special.csv", b"x\n1\ninf\n-inf\nnan\n2\nNaN\n");
    let profile = profile(&file.path, &LoadOptions::default()).unwrap();
    let x = column(&profile, "x");
    assert_eq!(x.dtype, ColumnKind::Float);
    assert_eq!(x.count, 4);
    assert_eq!(x.missing, 2);
    assert_eq!(x.infinite, Some(2));
    assert!(x.mean.unwrap().is_nan());
    let json: Value = serde_json::to_value(&profile).unwrap();
    assert_eq!(json["columns"][0]["max"], "Infinity");
    assert_eq!(json["columns"][0]["min"], "-Infinity");
    assert_eq!(json["columns"][0]["mean"], "NaN");
}

#[test]
fn na_text_missing_only_when_asked() {
    let file = fixture("na.csv", b"x,y\n1,N/A\nNA,b\n3,c\n");
    let plain = profile(&file.path, &LoadOptions::default()).unwrap();
    assert!(column(&plain, "x").dtype.is_text());
    assert_eq!(column(&plain, "y").missing, 0);

    let options = LoadOptions::default().with_na_values(["NA", "N/A"]);
    let asked = profile(&file.path, &options).unwrap();
    let x = column(&asked, "x");
    assert_eq!(x.dtype, ColumnKind::Integer);
    assert_eq!(x.missing, 1);
    assert_eq!(x.mean, Some(2.0));
    assert_eq!(column(&asked, "y").missing, 1);
}

#[test]
fn leading_zero_codes_stay_text() {
    let file = fixture("codes.csv", b"code,n\n001,1\n002,2\n010,3\n001,4\n");
    let profile = profile(&file.path, &LoadOptions::default()).unwrap();
    let code = column(&profile, "code");
    assert!(code.dtype.is_text(), "{:?}", code.dtype);
    assert_eq!(code.top, Some(Value::from("001")));
    assert_eq!(code.unique, 3);
}

#[test]
fn oversized_file_rejected_unless_forced() {
    let file = fixture("big.csv", b"a\n1\n2\n3\n");
    let options = LoadOptions {
        max_file_size: Some(4),
        ..LoadOptions::default()
    };
    let error = profile(&file.path, &options).unwrap_err();
    assert!(
        matches!(
            error,
            AnalyticsError::TooLarge {
                size: 8,
                limit: 4,
                ..
            }
        ),
        "{error}"
    );
    assert!(error.to_string().contains("--force"), "{error}");

    let forced = LoadOptions {
        max_file_size: None,
        ..LoadOptions::default()
    };
    assert_eq!(profile(&file.path, &forced).unwrap().rows, 3);
}

#[test]
fn blank_lines_inside_chunk_skipped() {
    let with_blanks = fixture("blanks.csv", b"a,b\n1,x\n\n2,y\n\n\n3,x\n");
    let without = fixture("plain.csv", b"a,b\n1,x\n2,y\n3,x\n");
    let options = LoadOptions::default();
    let profile_with = profile(&with_blanks.path, &options).unwrap();
    let profile_without = profile(&without.path, &options).unwrap();
    assert_eq!(profile_with.rows, 3);
    assert_eq!(
        serde_json::to_value(&profile_with.columns).unwrap(),
        serde_json::to_value(&profile_without.columns).unwrap()
    );
}

#[test]
fn quote_inside_unquoted_field_kept() {
    let mut text = String::from("size,n\n");
    for row in 0..20 {
        let size = if row % 7 == 5 {
            "5\"inch".to_string()
        } else {
            format!("{row}inch")
        };
        text.push_str(&format!("{size},{row}\n"));
    }
    let file = fixture("inches.csv", text.as_bytes());
    let profile = profile(&file.path, &LoadOptions::default()).unwrap();
    assert_eq!(profile.rows, 20);
    let size = column(&profile, "size");
    assert_eq!(size.unique, 18);
    assert_eq!(size.top, Some(Value::from("5\"inch")));
    assert_eq!(size.freq, Some(3));
    assert_eq!(column(&profile, "n").mean, Some(9.5));
}

#[test]
fn crlf_and_blank_lines_read() {
    let file = fixture("crlf.csv", b"a,b\r\n1,x\r\n\r\n2,y\r\n3,x\r\n");
    let options = LoadOptions {
        chunk_bytes: 4,
        ..LoadOptions::default()
    };
    let profile = profile(&file.path, &options).unwrap();
    assert_eq!(profile.rows, 3);
    assert_eq!(column(&profile, "a").mean, Some(2.0));
    assert_eq!(column(&profile, "b").top, Some(Value::from("x")));
}

#[test]
fn unknown_column_lists_available() {
    let file = fixture("cols.csv", b"a,b\n1,2\n");
    let options = LoadOptions {
        columns: Some(vec!["c".to_string()]),
        ..LoadOptions::default()
    };
    let error = profile(&file.path, &options).unwrap_err();
    assert!(
        error.to_string().contains("available columns: a, b"),
        "{error}"
    );
}

#[test]
fn directory_rejected() {
    let dir = tempfile::tempdir().unwrap();
    let error = profile(dir.path(), &LoadOptions::default()).unwrap_err();
    assert!(error.to_string().contains("directory"), "{error}");
}

#[test]
fn missing_file_names_path() {
    let error = profile(Path::new("/nonexistent/file.csv"), &LoadOptions::default()).unwrap_err();
    assert!(matches!(error, AnalyticsError::Io { .. }), "{error}");
    assert!(
        error.to_string().contains("/nonexistent/file.csv"),
        "{error}"
    );
}

#[test]
fn broken_parquet_rejected() {
    let file = fixture("broken.parquet", b"PAR1 this is not parquet");
    let error = profile(&file.path, &LoadOptions::default()).unwrap_err();
    assert!(
        error.to_string().contains("cannot be read as Parquet"),
        "{error}"
    );
}

#[test]
fn record_end_on_read_block_boundary() {
    // Every line is 16 bytes, so each 1 MiB read block of the first pass ends exactly at the
    // end of a record; the scan must go on to the next block instead of stopping.
    let mut bytes = b"value,label_abc\n".to_vec();
    let rows = 3 * 65_536;
    for row in 0..rows {
        bytes.extend_from_slice(format!("{:06},label_ab\n", row % 1_000_000).as_bytes());
    }
    assert_eq!(bytes.len() % 16, 0);
    let file = fixture("blocks.csv", &bytes);
    let profile = profile(&file.path, &LoadOptions::default()).unwrap();
    assert_eq!(profile.rows, rows as u64);
}

/// Writes rows whose quoted notes contain line breaks, so cuts between threads often fall
/// inside a quoted field.
fn multiline_table(rows: usize) -> Vec<u8> {
    let mut bytes = b"id,note,score\n".to_vec();
    for row in 0..rows {
        let note = match row % 3 {
            0 => "\"first line\nsecond line\"".to_string(),
            1 => "\"one, \"\"quoted\"\" line\"".to_string(),
            _ => format!("plain {row}"),
        };
        bytes.extend_from_slice(format!("{row},{note},{}\r\n", row % 17).as_bytes());
    }
    bytes
}

#[test]
fn parallel_scan_matches_sequential() {
    let file = fixture("multiline.csv", &multiline_table(50_000));
    let sequential = LoadOptions {
        parallel_scan_bytes: u64::MAX,
        chunk_bytes: 100_000,
        ..LoadOptions::default()
    };
    let parallel = LoadOptions {
        parallel_scan_bytes: 0,
        chunk_bytes: 100_000,
        ..LoadOptions::default()
    };
    let one = profile(&file.path, &sequential).unwrap();
    let many = profile(&file.path, &parallel).unwrap();
    assert_eq!(one.rows, 50_000);
    assert_eq!(many.rows, 50_000);
    let mut one_json = serde_json::to_value(&one).unwrap();
    let mut many_json = serde_json::to_value(&many).unwrap();
    one_json["read"]["chunks"] = Value::Null;
    many_json["read"]["chunks"] = Value::Null;
    assert_eq!(one_json, many_json);
}

#[test]
fn parallel_scan_lists_ragged_rows_in_order() {
    let mut bytes = multiline_table(30_000);
    bytes.extend_from_slice(b"1,2\n");
    let mut with_early = b"id,note,score\n1,2\n".to_vec();
    with_early.extend_from_slice(&bytes[b"id,note,score\n".len()..]);
    let file = fixture("ragged.csv", &with_early);
    let options = LoadOptions {
        parallel_scan_bytes: 0,
        ..LoadOptions::default()
    };
    let error = profile(&file.path, &options).unwrap_err();
    let AnalyticsError::RaggedRows { rows, more, .. } = &error else {
        panic!("expected ragged rows, got {error}");
    };
    assert_eq!(*more, 0);
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0], RaggedRow { line: 2, fields: 2 });
    assert_eq!(rows[1].fields, 2);
    assert!(rows[1].line > 30_000, "{:?}", rows[1]);
}

/// Parquet columns of a type this build of Polars cannot hold are rejected with the column and
/// its type named, instead of stopping the program. The fixtures were written by pyarrow 26:
/// `decimal.parquet` has a decimal128(10, 2) column, `fixed-size-list.parquet` a list of two
/// int64 values per row.
#[test]
fn unsupported_parquet_types_named() {
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (name, column, kind) in [
        ("decimal.parquet", "price", "decimal(10, 2)"),
        ("fixed-size-list.parquet", "pair", "fixed-size list of 2"),
    ] {
        let message = profile(&fixtures.join(name), &LoadOptions::default())
            .unwrap_err()
            .to_string();
        assert!(message.contains(name), "{message}");
        assert!(message.contains(&format!("column {column:?}")), "{message}");
        assert!(message.contains(kind), "{message}");
        assert!(message.contains("supported type"), "{message}");
    }
}

/// A Parquet binary column whose values are not UTF-8 is a problem of the input, named with
/// its column. `binary.parquet` was written by pyarrow 26 with the values FF FE 00 and "ok".
#[test]
fn binary_parquet_column_named() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/binary.parquet");
    let error = profile(&path, &LoadOptions::default()).unwrap_err();
    assert!(error.is_user_error(), "{error}");
    let message = error.to_string();
    assert!(message.contains("column \"blob\""), "{message}");
    assert!(message.contains("not UTF-8"), "{message}");
    assert!(message.contains("--columns"), "{message}");

    let options = LoadOptions {
        columns: Some(vec!["id".to_string()]),
        ..LoadOptions::default()
    };
    assert_eq!(profile(&path, &options).unwrap().rows, 2);
}

/// A nested column is left out of both the profile and the loaded frame, and the warning
/// names both.
#[test]
fn nested_column_left_out_and_warned() {
    let file = fixture(
        "nested.ndjson",
        b"{\"id\": 1, \"tags\": [1, 2]}\n{\"id\": 2, \"tags\": [3]}\n",
    );
    let read = profile(&file.path, &LoadOptions::default()).unwrap();
    let names: Vec<&str> = read
        .columns
        .iter()
        .map(|column| column.name.as_str())
        .collect();
    assert_eq!(names, ["id"]);
    let warning = read.read.warnings.join("\n");
    assert!(warning.contains("column \"tags\""), "{warning}");
    assert!(
        warning.contains("left out of the profile and of the loaded frame"),
        "{warning}"
    );

    let (frame, _) = load_frame(&file.path, &LoadOptions::default(), &NoProgress).unwrap();
    assert_eq!(frame.width(), 1);
}
