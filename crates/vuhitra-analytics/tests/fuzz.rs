//! Random bytes and garbled CSV fed to the loader: every input must give a profile or an
//! error, never a panic. The generator is seeded, so a failure names a reproducible case.

use std::io::Write;
use std::panic::{catch_unwind, AssertUnwindSafe};

use vuhitra_analytics::random::SplitMix64;
use vuhitra_analytics::{load_frame, profile_file, Encoding, LoadOptions, NoProgress};

const ALPHABET: &[u8] = b",,,;\t\"\"'\n\n\r 0123456789.-+eEinfaNT abcxyz\xff\xc3\xa9\xe2\x82";

fn garbled_csv(rng: &mut SplitMix64) -> Vec<u8> {
    let mut bytes = Vec::new();
    if rng.below(2) == 0 {
        bytes.extend_from_slice(b"a,b,c\n");
    }
    let length = rng.below(200);
    for _ in 0..length {
        let byte = if rng.below(8) == 0 {
            rng.below(256) as u8
        } else {
            ALPHABET[rng.below(ALPHABET.len() as u64) as usize]
        };
        bytes.push(byte);
    }
    bytes
}

fn options_for(case: u64) -> LoadOptions {
    let mut options = LoadOptions::default();
    match case % 4 {
        1 => {
            options.chunk_bytes = 7;
            options.parallel_scan_bytes = 0;
        }
        2 => {
            options.header = Some(false);
            options.encoding = Encoding::Latin1;
        }
        3 => {
            options.na_values = vec!["NA".into(), "n".into()];
            options.sample = Some(2);
            options.limit_rows = Some(5);
        }
        _ => {}
    }
    options
}

#[test]
fn garbage_never_panics() {
    let dir = tempfile::tempdir().unwrap();
    let mut rng = SplitMix64::new(7);
    let extensions = ["csv", "tsv", "json", "ndjson", "parquet", "dat"];
    for case in 0..1500u64 {
        let bytes = garbled_csv(&mut rng);
        let extension = extensions[(case % extensions.len() as u64) as usize];
        let path = dir.path().join(format!("case{case}.{extension}"));
        std::fs::File::create(&path)
            .unwrap()
            .write_all(&bytes)
            .unwrap();
        let options = options_for(case);

        let outcome = catch_unwind(AssertUnwindSafe(|| {
            let _ = profile_file(&path, &options, &NoProgress);
            let _ = load_frame(&path, &options, &NoProgress);
        }));
        assert!(
            outcome.is_ok(),
            "case {case} ({extension}, options {options:?}) panicked on bytes {bytes:?}"
        );
    }
}
