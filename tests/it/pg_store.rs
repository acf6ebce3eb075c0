//! The PostgreSQL backend's own behaviour (the shared behaviour is the
//! conformance suite's): a schema newer than the binary is refused, tables
//! that are not copydesk's are left alone, an unreachable server and a bad
//! `[storage]` are clear errors, and a store moves from sled to PostgreSQL
//! with `copydesk export | copydesk --config pg.toml import`. Skipped (with
//! a notice) without `COPYDESK_TEST_PG`, failed in CI without it.

use crate::common::pg::{self, Schema};
use crate::common::*;
use copydesk::store::{StoreError, PG_SCHEMA_VERSION};

#[test]
fn a_newer_schema_is_refused_and_left_as_it_is() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let store = copydesk::store::open(&schema.storage(), Default::default()).unwrap();
    let id = store.store_id();
    drop(store);
    let newer = (PG_SCHEMA_VERSION + 1).to_string();
    schema
        .client()
        .execute(
            "UPDATE copydesk_meta SET value = $1 WHERE key = 'schema_version'",
            &[&newer],
        )
        .unwrap();
    match copydesk::store::open(&schema.storage(), Default::default()) {
        Err(e @ StoreError::NewerSchema { .. }) => {
            let StoreError::NewerSchema {
                found, supported, ..
            } = &e
            else {
                unreachable!()
            };
            assert_eq!(
                (*found, *supported),
                (PG_SCHEMA_VERSION + 1, PG_SCHEMA_VERSION)
            );
            assert!(e.to_string().contains("upgrade copydesk"), "{e}");
        }
        Err(e) => panic!("expected NewerSchema, got {e}"),
        Ok(_) => panic!("a newer schema was opened"),
    }
    let kept: String = schema
        .client()
        .query_one(
            "SELECT value FROM copydesk_meta WHERE key = 'schema_version'",
            &[],
        )
        .unwrap()
        .get(0);
    assert_eq!(kept, newer, "not downgraded");
    // back to this version: the same store again
    schema
        .client()
        .execute(
            "UPDATE copydesk_meta SET value = $1 WHERE key = 'schema_version'",
            &[&PG_SCHEMA_VERSION.to_string()],
        )
        .unwrap();
    let store = copydesk::store::open(&schema.storage(), Default::default()).unwrap();
    assert_eq!(store.store_id(), id);
}

#[test]
fn tables_that_are_not_copydesks_are_left_alone() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    schema
        .client()
        .batch_execute("CREATE TABLE watches (id int PRIMARY KEY)")
        .unwrap();
    match copydesk::store::open(&schema.storage(), Default::default()) {
        Err(StoreError::Foreign { .. }) => {}
        Err(e) => panic!("expected Foreign, got {e}"),
        Ok(_) => panic!("a foreign schema was opened"),
    }
}

#[test]
fn an_unreachable_server_is_named_without_its_password() {
    // a port nothing listens on: bound, then closed
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let storage = copydesk::config::StorageConfig {
        backend: copydesk::config::StorageBackend::Postgres,
        url: Some(format!(
            "postgres://copydesk:hunter2@127.0.0.1:{port}/copydesk"
        )),
        ..Default::default()
    };
    let Err(e) = copydesk::store::open(&storage, Default::default()) else {
        panic!("opened a store on a closed port")
    };
    let text = e.to_string();
    assert!(
        text.contains(&format!("postgres://copydesk@127.0.0.1:{port}/copydesk")),
        "{text}"
    );
    assert!(text.contains("cannot connect"), "{text}");
    assert!(!text.contains("hunter2"), "{text}");
}

#[test]
fn config_check_names_a_missing_url_and_a_sled_key() {
    let env = Env::new("");
    std::fs::write(&env.config, "[storage]\nbackend = \"postgres\"\n").unwrap();
    let out = env.run(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":2: key `storage.backend`"), "{err}");
    assert!(err.contains("needs `url"), "{err}");
    std::fs::write(
        &env.config,
        "[storage]\nbackend = \"postgres\"\nurl = \"postgres://u@h/d\"\npath = \"db\"\n",
    )
    .unwrap();
    let out = env.run(&["config", "check"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains(":4: key `storage.path`"), "{err}");
}

#[test]
fn a_sled_store_moves_to_postgres_with_export_and_import() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let server = Server::start();
    let url = server.url("/story");
    server.set("/story", budget_page(&story()[1]));
    let sled = Env::new(&format!("[[watch]]\nurl = \"{url}\"\n"));
    sled.ok(&["check", "--all"]);
    server.set(
        "/story",
        budget_page("Council members debated the proposal for six hours before the final vote."),
    );
    sled.ok(&["check", "--all"]);
    let dump = sled.ok(&["export"]);

    let target = Env::new("");
    std::fs::write(
        &target.config,
        format!(
            "[storage]\nbackend = \"postgres\"\nurl = \"{}\"\npool_size = 2\n",
            schema.url()
        ),
    )
    .unwrap();
    let file = target.dir.path().join("dump.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let out = target.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("1 watch added, 2 versions added"), "{out}");
    assert_eq!(
        sled.json(&["history", &url]),
        target.json(&["history", &url]),
        "same versions, times and hashes"
    );
    assert_eq!(
        sled.ok(&["diff", &url, "--format", "unified"]),
        target.ok(&["diff", &url, "--format", "unified"])
    );
    // and back: PostgreSQL's export imports into a new sled store
    let back = Env::new("");
    let file = back.dir.path().join("back.jsonl");
    std::fs::write(&file, target.ok(&["export"])).unwrap();
    let out = back.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("1 watch added, 2 versions added"), "{out}");
    assert_eq!(sled.json(&["history", &url]), back.json(&["history", &url]));
}

/// `copydesk check` beside another process on the same store: when the
/// other stores the watch's next version while this pass fetches the page,
/// this pass goes on (the version is stored once, by the other) instead of
/// stopping with the version conflict.
#[test]
fn a_version_another_process_stored_meanwhile_is_not_an_error() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let server = Server::start();
    let url = server.url("/story");
    let env = Env::new("");
    std::fs::write(
        &env.config,
        format!(
            "[storage]\nbackend = \"postgres\"\nurl = \"{}\"\npool_size = 2\n\n\
             [check]\nconfirm = false\n\n[[watch]]\nurl = \"{url}\"\n",
            schema.url()
        ),
    )
    .unwrap();
    server.set("/story", budget_page(&story()[1]));
    env.ok(&["check", "--all"]);

    // The second pass's fetch (the path's request 2) answers only after
    // another process has checked the same watch (request 3) and stored
    // the edited page as version 2.
    let edited =
        budget_page("Council members debated the proposal for six hours before the final vote.");
    let config = env.config.clone();
    let other = std::sync::Arc::new(std::sync::Mutex::new(None));
    let other_out = other.clone();
    server.set(
        "/story",
        Reply::dynamic(move |n| {
            if n == 2 {
                let out = run_binary(&config, &["check", "--all"]);
                *other_out.lock().unwrap() = Some(out);
            }
            edited.clone()
        }),
    );
    let out = env.run(&["check", "--all"]);
    let inner = other.lock().unwrap().take().expect("the other process ran");
    assert!(
        inner.status.success(),
        "the other process: {}",
        String::from_utf8_lossy(&inner.stderr)
    );
    assert!(
        out.status.success(),
        "this pass stopped: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let history = env.json(&["history", &url]);
    let versions = history.as_array().expect("a list of versions");
    assert_eq!(versions.len(), 2, "version 2 stored once: {history}");
}

/// The council story with `second` as its second paragraph.
fn budget_page(second: &str) -> Reply {
    let mut body = story();
    body[1] = second.to_string();
    Reply::html(article_page(
        "Council approves budget",
        &body,
        &Furniture::default(),
    ))
}
