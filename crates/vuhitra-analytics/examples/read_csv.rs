//! Reads a CSV file once with Polars' CSV reader (types inferred from the first 100,000 rows)
//! and prints its shape: the "read the file once" baseline of `scripts/bench/analyze.sh`.
//!
//! Usage: `cargo run --release -p vuhitra-analytics --example read_csv -- FILE`

use polars::prelude::*;

fn main() -> PolarsResult<()> {
    let path = std::env::args().nth(1).expect("usage: read_csv FILE");
    let frame = CsvReadOptions::default()
        .with_has_header(true)
        .with_infer_schema_length(Some(100_000))
        .try_into_reader_with_file_path(Some(path.into()))?
        .finish()?;
    println!("{} rows x {} columns", frame.height(), frame.width());
    Ok(())
}
