//! Writes a seeded, mixed CSV table for benchmarks: integers, floats with missing values,
//! categories, datetimes, booleans and free text.
//!
//! Usage: `cargo run --release -p vuhitra-analytics --example generate_table -- ROWS OUT [SEED]`
//!
//! The same ROWS and SEED always produce the same bytes (a SplitMix64 generator, no
//! dependency on platform randomness). Ten million rows make a file of about 1.1 GB.

use std::fs::File;
use std::io::{BufWriter, Write};

use vuhitra_analytics::random::SplitMix64;

const WORDS: [&str; 64] = [
    "data", "model", "local", "quick", "report", "value", "table", "column", "river", "stone",
    "light", "green", "market", "order", "price", "stock", "early", "late", "north", "south",
    "paper", "glass", "metal", "water", "field", "house", "window", "garden", "music", "story",
    "number", "letter", "travel", "friend", "summer", "winter", "energy", "signal", "random",
    "sample", "simple", "strong", "bright", "silent", "broken", "golden", "hidden", "modern",
    "open", "closed", "fast", "slow", "high", "low", "warm", "cold", "new", "old", "good", "bad",
    "small", "large", "first", "last",
];

const CATEGORIES: [&str; 12] = [
    "books", "garden", "toys", "music", "food", "tools", "sport", "health", "games", "office",
    "home", "travel",
];

fn main() -> std::io::Result<()> {
    let arguments: Vec<String> = std::env::args().skip(1).collect();
    if arguments.len() < 2 {
        eprintln!("usage: generate_table ROWS OUT [SEED]");
        std::process::exit(2);
    }
    let rows: u64 = arguments[0].parse().expect("ROWS must be a whole number");
    let seed: u64 = arguments
        .get(2)
        .map(|seed| seed.parse().expect("SEED must be a whole number"))
        .unwrap_or(42);
    let mut rng = SplitMix64::new(seed);
    let mut out = BufWriter::with_capacity(1 << 20, File::create(&arguments[1])?);

    writeln!(
        out,
        "id,amount,quantity,category,city,created_at,active,comment"
    )?;
    let start = 1_577_836_800i64; // 2020-01-01T00:00:00Z
    for id in 0..rows {
        write!(out, "{id},")?;

        // About 1% of amounts are missing; the rest are log-normal-like prices.
        if rng.below(100) == 0 {
            out.write_all(b",")?;
        } else {
            let amount = (rng.unit() * 4.0).exp() * 10.0 - 9.0;
            write!(out, "{amount:.2},")?;
        }

        let quantity = rng.below(106) as i64 - 5;
        let category = CATEGORIES[rng.below(CATEGORIES.len() as u64) as usize];
        // Skewed city popularity: squaring a uniform number favours low city numbers.
        let city = (rng.unit() * rng.unit() * 400.0) as u64;
        write!(out, "{quantity},{category},city {city:03},")?;

        let seconds = start + rng.below(4 * 365 * 86_400) as i64;
        let days = seconds.div_euclid(86_400);
        let rest = seconds.rem_euclid(86_400);
        let (year, month, day) = civil_from_days(days);
        write!(
            out,
            "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02},",
            rest / 3600,
            rest / 60 % 60,
            rest % 60
        )?;

        let active = if rng.below(3) == 0 { "false" } else { "true" };
        write!(out, "{active},")?;

        let words = 5 + rng.below(8);
        for index in 0..words {
            if index > 0 {
                out.write_all(b" ")?;
            }
            out.write_all(WORDS[rng.below(WORDS.len() as u64) as usize].as_bytes())?;
        }
        out.write_all(b"\n")?;
    }
    out.flush()
}

/// The (year, month, day) of a count of days since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let month_index = (5 * day_of_year + 2) / 153;
    let day = (day_of_year - (153 * month_index + 2) / 5 + 1) as u32;
    let month = if month_index < 10 {
        month_index + 3
    } else {
        month_index - 9
    } as u32;
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}
