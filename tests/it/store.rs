//! The sled store's own behaviour on real databases in temp dirs: a newer
//! layout refused, the exclusive lock. The behaviour every backend shares
//! is in `conformance`.

use crate::common;
use common::reopen::{open_store, sled_storage, try_open_store};
use copydesk::store::*;

#[test]
fn a_newer_layout_is_a_clear_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    open_store(&path)
        .set_schema_version_for_tests(SCHEMA_VERSION + 1)
        .unwrap();
    let err = try_open_store(&path)
        .err()
        .expect("must refuse a newer layout");
    assert!(matches!(err, StoreError::NewerSchema { .. }), "{err:?}");
    assert!(err.to_string().contains("upgrade copydesk"), "{err}");
}

#[test]
fn a_second_opener_is_told_the_database_is_in_use() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("db");
    let _first = open_store(&path);
    let err = SledStore::open(&path, 16)
        .err()
        .expect("sled holds an exclusive lock");
    assert!(matches!(err, StoreError::Locked { .. }), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
    // and so does the store the commands open, in neutral words: another
    // process holds it, go through that one
    let err = copydesk::store::open(&sled_storage(&path, 16), Default::default())
        .err()
        .expect("sled holds an exclusive lock");
    assert!(err.held_elsewhere(), "{err:?}");
    assert!(err.to_string().contains("in use"), "{err}");
}
