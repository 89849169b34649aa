//! Tests of the embedded store on real files: round trips, TTL expiry and lazy
//! removal, atomic replacement, corrupt files, and concurrent writers in several
//! threads and several processes.

mod common;

use std::fs::{self, File, OpenOptions};
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, SystemTime};

use common::{check_patterned, patterned_len, patterned_value};
use vuhitra_store::{EmbeddedStore, Expiry, Key, Limits, Metadata, Namespace, StoreError};

fn key(name: &str) -> Key {
    Key::new(name).unwrap()
}

fn open(root: &Path) -> EmbeddedStore {
    EmbeddedStore::open(root, &Namespace::frames(), Limits::default()).unwrap()
}

fn temp_files(dir: &Path) -> Vec<String> {
    fs::read_dir(dir)
        .unwrap()
        .map(|item| item.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.starts_with(".tmp-"))
        .collect()
}

#[test]
fn put_get_round_trip() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let metadata = Metadata::new()
        .with("encoding", "arrow-ipc")
        .unwrap()
        .with("rows", "3")
        .unwrap();

    let written = store
        .put(&key("sales"), b"hello frame", &metadata, None)
        .unwrap();
    assert_eq!(written.size, 11);
    assert_eq!(written.expiry, Expiry::Never);

    let blob = store.get(&key("sales")).unwrap().expect("value is present");
    assert_eq!(&blob.value[..], b"hello frame");
    assert_eq!(blob.entry.key, key("sales"));
    assert_eq!(blob.entry.size, 11);
    assert_eq!(blob.entry.metadata, metadata);
    assert_eq!(blob.entry.expiry, Expiry::Never);
    let age = SystemTime::now()
        .duration_since(blob.entry.created_at)
        .unwrap();
    assert!(age < Duration::from_secs(60), "created_at is {age:?} ago");

    assert!(store.dir().ends_with("frames"));
    assert!(store.get(&key("other")).unwrap().is_none());
}

#[test]
fn empty_value_round_trip() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    store
        .put(&key("empty"), b"", &Metadata::new(), None)
        .unwrap();
    let blob = store.get(&key("empty")).unwrap().unwrap();
    assert!(blob.value.is_empty());
    assert_eq!(blob.entry.size, 0);
}

#[test]
fn overwrite_replaces_value_and_ttl() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let first = Metadata::new().with("version", "1").unwrap();
    let second = Metadata::new().with("version", "2").unwrap();

    store
        .put(
            &key("k"),
            b"first value",
            &first,
            Some(Duration::from_secs(3600)),
        )
        .unwrap();
    store.put(&key("k"), b"second", &second, None).unwrap();

    let blob = store.get(&key("k")).unwrap().unwrap();
    assert_eq!(&blob.value[..], b"second");
    assert_eq!(blob.entry.metadata.get("version"), Some("2"));
    assert_eq!(store.ttl(&key("k")).unwrap(), Some(Expiry::Never));
    assert_eq!(store.list().unwrap().entries.len(), 1);
}

#[test]
fn ttl_reports_remaining_time() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    store
        .put(
            &key("short"),
            b"x",
            &Metadata::new(),
            Some(Duration::from_secs(3600)),
        )
        .unwrap();
    store
        .put(&key("forever"), b"y", &Metadata::new(), None)
        .unwrap();

    let remaining = store
        .ttl(&key("short"))
        .unwrap()
        .unwrap()
        .remaining()
        .unwrap();
    assert!(remaining <= Duration::from_secs(3600), "{remaining:?}");
    assert!(remaining > Duration::from_secs(3590), "{remaining:?}");
    assert_eq!(store.ttl(&key("forever")).unwrap(), Some(Expiry::Never));
    assert_eq!(store.ttl(&key("missing")).unwrap(), None);
}

#[test]
fn expired_value_is_absent_and_removed() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let path = store.entry_path(&key("brief"));

    store
        .put(
            &key("brief"),
            b"soon gone",
            &Metadata::new(),
            Some(Duration::from_millis(200)),
        )
        .unwrap();
    assert!(store.get(&key("brief")).unwrap().is_some());

    thread::sleep(Duration::from_millis(300));
    assert!(path.exists(), "expiry is lazy: the file stays until a read");
    assert!(store.get(&key("brief")).unwrap().is_none());
    assert!(!path.exists(), "the read removed the expired file");
    assert_eq!(store.ttl(&key("brief")).unwrap(), None);
    assert!(!store.delete(&key("brief")).unwrap());
}

#[test]
fn list_skips_and_removes_expired() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    store
        .put(&key("b-live"), b"1", &Metadata::new(), None)
        .unwrap();
    store
        .put(
            &key("a-live"),
            b"22",
            &Metadata::new(),
            Some(Duration::from_secs(60)),
        )
        .unwrap();
    store
        .put(
            &key("c-expiring"),
            b"333",
            &Metadata::new(),
            Some(Duration::from_millis(100)),
        )
        .unwrap();
    thread::sleep(Duration::from_millis(200));

    let listing = store.list().unwrap();
    let keys: Vec<&str> = listing.entries.iter().map(|e| e.key.as_str()).collect();
    assert_eq!(keys, ["a-live", "b-live"]);
    assert_eq!(listing.entries[0].size, 2);
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    assert!(!store.entry_path(&key("c-expiring")).exists());
}

#[test]
fn purge_expired_counts_removed() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    for name in ["x1", "x2", "x3"] {
        store
            .put(
                &key(name),
                b"v",
                &Metadata::new(),
                Some(Duration::from_millis(50)),
            )
            .unwrap();
    }
    store
        .put(&key("kept"), b"v", &Metadata::new(), None)
        .unwrap();
    thread::sleep(Duration::from_millis(120));

    assert_eq!(store.purge_expired().unwrap(), 3);
    assert_eq!(store.list().unwrap().entries.len(), 1);
}

#[test]
fn delete_reports_presence() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    store
        .put(&key("gone"), b"v", &Metadata::new(), None)
        .unwrap();
    assert!(store.delete(&key("gone")).unwrap());
    assert!(!store.delete(&key("gone")).unwrap());
    assert!(store.get(&key("gone")).unwrap().is_none());
}

#[test]
fn too_large_rejected_before_writing() {
    let root = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_value_bytes: 1000,
        ..Limits::default()
    };
    let store = EmbeddedStore::open(root.path(), &Namespace::frames(), limits).unwrap();

    store
        .put(&key("big"), &[7u8; 1000], &Metadata::new(), None)
        .unwrap();
    let err = store
        .put(&key("big"), &[7u8; 1001], &Metadata::new(), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooLarge {
                size: 1001,
                max: 1000,
                ..
            }
        ),
        "{err}"
    );
    assert!(err.to_string().contains("maximum"), "{err}");
    assert_eq!(store.get(&key("big")).unwrap().unwrap().value.len(), 1000);
    assert!(temp_files(store.dir()).is_empty());
}

/// A value written to a staging file is stored by copying the file and reads back equal.
/// The staging file is gone once dropped, and a missing file is named in the error.
#[test]
fn put_file_round_trip() {
    let root = tempfile::tempdir().unwrap();
    let limits = Limits {
        max_value_bytes: 3_000_000,
        ..Limits::default()
    };
    let store = EmbeddedStore::open(root.path(), &Namespace::frames(), limits).unwrap();
    let value = patterned_value(3, 1, 2_500_000);
    let metadata = Metadata::new().with("rows", "7").unwrap();

    let mut staging = store.staging_file().unwrap();
    staging.write_all(&value).unwrap();
    staging.flush().unwrap();
    let written = store
        .put_file(
            &key("spilled"),
            staging.path(),
            &metadata,
            Some(Duration::from_secs(600)),
        )
        .unwrap();
    assert_eq!(written.size, value.len() as u64);

    let blob = store
        .get(&key("spilled"))
        .unwrap()
        .expect("value is present");
    assert!(blob.value[..] == value[..], "value read back differs");
    assert_eq!(blob.entry.metadata, metadata);
    assert!(matches!(blob.entry.expiry, Expiry::In(_)));

    let (entry, mut in_place) = store.open_value(&key("spilled")).unwrap().unwrap();
    assert_eq!(entry.size, value.len() as u64);
    let mut read = Vec::new();
    in_place.read_to_end(&mut read).unwrap();
    assert!(read == value, "value read in place differs");
    in_place.seek(SeekFrom::End(-10)).unwrap();
    let mut tail = [0u8; 10];
    in_place.read_exact(&mut tail).unwrap();
    assert_eq!(tail, value[value.len() - 10..]);
    assert!(store.open_value(&key("absent")).unwrap().is_none());

    let output = root.path().join("read-back");
    fs::write(&output, "older and longer contents than nothing").unwrap();
    let entry = store.get_file(&key("spilled"), &output).unwrap().unwrap();
    assert_eq!(entry.size, value.len() as u64);
    assert!(
        fs::read(&output).unwrap() == value,
        "value written to the file differs"
    );
    assert!(store.get_file(&key("absent"), &output).unwrap().is_none());

    assert_eq!(
        temp_files(store.dir()).len(),
        1,
        "the staging file stays until dropped"
    );
    drop(staging);
    assert!(temp_files(store.dir()).is_empty());

    let mut too_large = store.staging_file().unwrap();
    too_large.write_all(&[1u8; 3_000_001]).unwrap();
    let err = store
        .put_file(&key("spilled"), too_large.path(), &Metadata::new(), None)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::TooLarge {
                size: 3_000_001,
                ..
            }
        ),
        "{err}"
    );
    assert_eq!(
        store.get(&key("spilled")).unwrap().unwrap().value.len(),
        value.len()
    );

    let missing = root.path().join("no-such-file");
    let err = store
        .put_file(&key("spilled"), &missing, &Metadata::new(), None)
        .unwrap_err();
    assert!(err.to_string().contains("no-such-file"), "{err}");
}

#[test]
fn zero_ttl_rejected() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    let err = store
        .put(&key("k"), b"v", &Metadata::new(), Some(Duration::ZERO))
        .unwrap_err();
    assert!(matches!(err, StoreError::InvalidTtl { .. }), "{err}");
    assert!(store.get(&key("k")).unwrap().is_none());
}

#[test]
fn namespaces_are_separate() {
    let root = tempfile::tempdir().unwrap();
    let frames = open(root.path());
    let sessions = EmbeddedStore::open(
        root.path(),
        &Namespace::new("sessions").unwrap(),
        Limits::default(),
    )
    .unwrap();

    frames
        .put(&key("same"), b"frame", &Metadata::new(), None)
        .unwrap();
    sessions
        .put(&key("same"), b"session", &Metadata::new(), None)
        .unwrap();

    assert_eq!(
        &frames.get(&key("same")).unwrap().unwrap().value[..],
        b"frame"
    );
    assert_eq!(
        &sessions.get(&key("same")).unwrap().unwrap().value[..],
        b"session"
    );
    assert_eq!(frames.list().unwrap().entries.len(), 1);
}

#[test]
fn keys_differing_in_case_are_distinct() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    store
        .put(&key("Data"), b"upper", &Metadata::new(), None)
        .unwrap();
    store
        .put(&key("data"), b"lower", &Metadata::new(), None)
        .unwrap();

    assert_eq!(
        &store.get(&key("Data")).unwrap().unwrap().value[..],
        b"upper"
    );
    assert_eq!(
        &store.get(&key("data")).unwrap().unwrap().value[..],
        b"lower"
    );
}

/// Writes a well-formed value, lets `damage` change its file, and returns the error
/// that `get` reports.
fn damaged_get_error(damage: impl FnOnce(&Path)) -> (StoreError, EmbeddedStore, tempfile::TempDir) {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let value: Vec<u8> = (0..4096u32).map(|i| (i % 251) as u8).collect();
    store
        .put(
            &key("victim"),
            &value,
            &Metadata::new().with("a", "b").unwrap(),
            None,
        )
        .unwrap();

    damage(&store.entry_path(&key("victim")));
    let err = store
        .get(&key("victim"))
        .expect_err("damaged entry must be reported");
    (err, store, root)
}

fn assert_corrupt(err: &StoreError, expected_detail: &str) {
    match err {
        StoreError::Corrupt { location, detail } => {
            assert!(location.ends_with(".entry"), "location {location}");
            assert!(
                detail.contains(expected_detail),
                "detail {detail:?} lacks {expected_detail:?}"
            );
        }
        other => panic!("expected a Corrupt error, got {other}"),
    }
}

#[test]
fn corrupt_truncated_file() {
    let (err, ..) = damaged_get_error(|path| {
        let len = fs::metadata(path).unwrap().len();
        OpenOptions::new()
            .write(true)
            .open(path)
            .unwrap()
            .set_len(len - 100)
            .unwrap();
    });
    assert_corrupt(&err, "implies");
}

#[test]
fn corrupt_flipped_value_byte() {
    let (err, ..) = damaged_get_error(|path| {
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .open(path)
            .unwrap();
        let end = file.seek(SeekFrom::End(-10)).unwrap();
        let mut byte = [0u8; 1];
        file.read_exact(&mut byte).unwrap();
        file.seek(SeekFrom::Start(end)).unwrap();
        file.write_all(&[byte[0] ^ 0xFF]).unwrap();
    });
    assert_corrupt(&err, "checksum mismatch");
}

#[test]
fn corrupt_bad_magic() {
    let (err, ..) = damaged_get_error(|path| {
        let mut file = OpenOptions::new().write(true).open(path).unwrap();
        file.write_all(b"NOTMAGIC").unwrap();
    });
    assert_corrupt(&err, "magic");
}

#[test]
fn corrupt_header_json() {
    let (err, ..) = damaged_get_error(|path| {
        let mut file = OpenOptions::new().write(true).open(path).unwrap();
        file.seek(SeekFrom::Start(12)).unwrap();
        file.write_all(b"#").unwrap();
    });
    assert_corrupt(&err, "not valid JSON");
}

#[test]
fn corrupt_huge_header_length() {
    let (err, ..) = damaged_get_error(|path| {
        let mut file = OpenOptions::new().write(true).open(path).unwrap();
        file.seek(SeekFrom::Start(8)).unwrap();
        file.write_all(&u32::MAX.to_le_bytes()).unwrap();
    });
    assert_corrupt(&err, "header length");
}

#[test]
fn corrupt_short_file() {
    let (err, ..) = damaged_get_error(|path| {
        fs::write(path, b"VHS").unwrap();
    });
    assert_corrupt(&err, "only 3 bytes");
}

#[test]
fn corrupt_header_for_other_key() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    store
        .put(&key("one"), b"1", &Metadata::new(), None)
        .unwrap();
    store
        .put(&key("two"), b"2", &Metadata::new(), None)
        .unwrap();

    // Put key "one"'s file where key "two"'s belongs.
    fs::copy(store.entry_path(&key("one")), store.entry_path(&key("two"))).unwrap();

    let err = store.get(&key("two")).unwrap_err();
    assert_corrupt(&err, "names key \"one\"");
    let listing = store.list().unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.problems.len(), 1);
}

#[test]
fn corrupt_entries_listed_and_deletable() {
    let (_, store, _root) = damaged_get_error(|path| {
        fs::write(path, b"garbage that is long enough to have a header length").unwrap();
    });
    store
        .put(&key("healthy"), b"ok", &Metadata::new(), None)
        .unwrap();

    let listing = store.list().unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.entries[0].key, key("healthy"));
    assert_eq!(listing.problems.len(), 1);
    assert_corrupt(&listing.problems[0], "magic");

    assert!(store.stat(&key("victim")).is_err());
    assert!(store.delete(&key("victim")).unwrap());
    assert!(store.get(&key("victim")).unwrap().is_none());
    assert!(store.list().unwrap().problems.is_empty());
}

/// An entry path that cannot be read, here a folder, is listed as a problem, and the other
/// entries are still listed.
#[test]
fn unreadable_entry_listed_as_problem() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    store
        .put(&key("good"), b"value", &Metadata::new(), None)
        .unwrap();
    fs::create_dir(store.dir().join("00000000000000000000000000000000.entry")).unwrap();

    let listing = store.list().unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert_eq!(listing.entries[0].key, key("good"));
    assert_eq!(listing.problems.len(), 1, "{:?}", listing.problems);
    assert!(
        listing.problems[0].to_string().contains("00000000"),
        "{}",
        listing.problems[0]
    );
}

#[test]
fn interrupted_write_leaves_old_value() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    store
        .put(&key("k"), b"complete value", &Metadata::new(), None)
        .unwrap();

    // What a writer that died mid-write leaves: a partial temporary file.
    let leftover = store.dir().join(".tmp-deadwriter.entry");
    fs::write(&leftover, b"VHSTORE1\x10\x00\x00\x00{\"partial").unwrap();

    assert_eq!(
        &store.get(&key("k")).unwrap().unwrap().value[..],
        b"complete value"
    );
    let listing = store.list().unwrap();
    assert_eq!(listing.entries.len(), 1);
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    assert!(
        leftover.exists(),
        "a recent temporary file may belong to a live writer"
    );

    // Once it is older than an hour, a sweep removes it.
    let old = SystemTime::now() - Duration::from_secs(2 * 3600);
    File::options()
        .write(true)
        .open(&leftover)
        .unwrap()
        .set_modified(old)
        .unwrap();
    store.list().unwrap();
    assert!(!leftover.exists());
}

#[test]
fn writes_leave_no_temp_files() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());

    for i in 0..20 {
        store
            .put(&key("k"), &vec![i as u8; 1000 + i], &Metadata::new(), None)
            .unwrap();
    }
    assert!(temp_files(store.dir()).is_empty());
}

#[test]
fn threads_write_one_key_concurrently() {
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let shared = key("shared");
    store
        .put(
            &shared,
            &patterned_value(99, 0, 1000),
            &Metadata::new(),
            None,
        )
        .unwrap();

    let stop = Arc::new(AtomicBool::new(false));
    let reader = {
        let (store, shared, stop) = (store.clone(), shared.clone(), stop.clone());
        thread::spawn(move || {
            let mut reads = 0u64;
            while !stop.load(Ordering::Relaxed) {
                let blob = store
                    .get(&shared)
                    .unwrap()
                    .expect("the key always has a value");
                check_patterned(&blob.value).unwrap();
                assert_eq!(blob.entry.size as usize, blob.value.len());
                reads += 1;
            }
            reads
        })
    };

    let writers: Vec<_> = (0..6u64)
        .map(|writer| {
            let (store, shared) = (store.clone(), shared.clone());
            thread::spawn(move || {
                for iteration in 0..30u64 {
                    let value = patterned_value(
                        writer,
                        iteration,
                        patterned_len(writer, iteration, 10_000),
                    );
                    let metadata = Metadata::new().with("writer", writer.to_string()).unwrap();
                    store.put(&shared, &value, &metadata, None).unwrap();
                    store
                        .put(&key(&format!("own-{writer}")), &value, &metadata, None)
                        .unwrap();
                }
            })
        })
        .collect();
    for writer in writers {
        writer.join().unwrap();
    }
    stop.store(true, Ordering::Relaxed);
    let reads = reader.join().unwrap();
    assert!(reads > 0);

    let blob = store.get(&shared).unwrap().unwrap();
    let (writer, iteration) = check_patterned(&blob.value).unwrap();
    assert_eq!(iteration, 29, "the last write of some writer wins");
    assert_eq!(
        blob.entry.metadata.get("writer"),
        Some(writer.to_string().as_str())
    );
    for writer in 0..6u64 {
        let own = store.get(&key(&format!("own-{writer}"))).unwrap().unwrap();
        assert_eq!(check_patterned(&own.value).unwrap(), (writer, 29));
    }
    assert_eq!(store.list().unwrap().entries.len(), 7);
    assert!(temp_files(store.dir()).is_empty());
}

/// Environment variables that turn this test binary into one writer process of
/// `processes_write_concurrently`.
const CHILD_ROOT_VAR: &str = "VUHITRA_STORE_TEST_CHILD_ROOT";
const CHILD_ID_VAR: &str = "VUHITRA_STORE_TEST_CHILD_ID";
const CHILD_WRITES: u64 = 25;

/// The work of one writer process: overwrite a shared key, write an own key, and
/// check every value read back from the shared key.
fn run_child_writer(root: &Path, writer: u64) {
    let store = open(root);
    let shared = key("shared");

    for iteration in 0..CHILD_WRITES {
        let value = patterned_value(writer, iteration, patterned_len(writer, iteration, 20_000));
        store.put(&shared, &value, &Metadata::new(), None).unwrap();
        store
            .put(
                &key(&format!("proc-{writer}")),
                &value,
                &Metadata::new(),
                Some(Duration::from_secs(600)),
            )
            .unwrap();

        let blob = store.get(&shared).unwrap().expect("shared key has a value");
        check_patterned(&blob.value).unwrap();
    }
}

#[test]
fn processes_write_concurrently() {
    if let (Ok(root), Ok(id)) = (std::env::var(CHILD_ROOT_VAR), std::env::var(CHILD_ID_VAR)) {
        run_child_writer(Path::new(&root), id.parse().unwrap());
        return;
    }

    let root = tempfile::tempdir().unwrap();
    let processes = 6u64;
    let children: Vec<_> = (0..processes)
        .map(|writer| {
            Command::new(std::env::current_exe().unwrap())
                .args([
                    "processes_write_concurrently",
                    "--exact",
                    "--nocapture",
                    "--test-threads=1",
                ])
                .env(CHILD_ROOT_VAR, root.path())
                .env(CHILD_ID_VAR, writer.to_string())
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    for (writer, child) in children.into_iter().enumerate() {
        let output = child.wait_with_output().unwrap();
        assert!(
            output.status.success(),
            "writer process {writer} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    let store = open(root.path());
    let shared = store.get(&key("shared")).unwrap().unwrap();
    let (_, iteration) = check_patterned(&shared.value).unwrap();
    assert_eq!(iteration, CHILD_WRITES - 1);
    for writer in 0..processes {
        let own = store.get(&key(&format!("proc-{writer}"))).unwrap().unwrap();
        assert_eq!(
            check_patterned(&own.value).unwrap(),
            (writer, CHILD_WRITES - 1)
        );
    }
    let listing = store.list().unwrap();
    assert_eq!(listing.entries.len(), processes as usize + 1);
    assert!(listing.problems.is_empty(), "{:?}", listing.problems);
    assert!(temp_files(store.dir()).is_empty());
}

#[test]
fn expiry_removal_keeps_fresh_rewrite() {
    // The race: a reader finds the value expired, and before it removes the file
    // another process renames a fresh value into place. The removal must re-check
    // under the directory lock and keep the fresh value.
    let root = tempfile::tempdir().unwrap();
    let store = open(root.path());
    let k = key("flip");
    let path = store.entry_path(&k);

    // Prepare the fresh value's file elsewhere, as another process would.
    let staging_root = tempfile::tempdir().unwrap();
    let staging = open(staging_root.path());
    staging
        .put(&k, &patterned_value(1, 0, 100), &Metadata::new(), None)
        .unwrap();
    let fresh_file = store.dir().join("fresh.staged");
    fs::copy(staging.entry_path(&k), &fresh_file).unwrap();

    store
        .put(
            &k,
            &patterned_value(0, 0, 100),
            &Metadata::new(),
            Some(Duration::from_millis(100)),
        )
        .unwrap();
    thread::sleep(Duration::from_millis(150));
    assert!(
        path.exists(),
        "the expired file is still in place before the read"
    );

    // Hold the directory lock so the reader stops right before removing the file.
    let lock = File::options()
        .create(true)
        .truncate(false)
        .write(true)
        .open(store.dir().join(".lock"))
        .unwrap();
    lock.lock().unwrap();
    let reader = {
        let (store, k) = (store.clone(), k.clone());
        thread::spawn(move || store.get(&k).unwrap())
    };
    thread::sleep(Duration::from_millis(200));

    fs::rename(&fresh_file, &path).unwrap();
    lock.unlock().unwrap();
    assert!(
        reader.join().unwrap().is_none(),
        "the reader saw the expired value"
    );

    let blob = store
        .get(&k)
        .unwrap()
        .expect("the fresh value must not be removed");
    assert_eq!(check_patterned(&blob.value).unwrap(), (1, 0));
}
