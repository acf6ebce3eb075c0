//! `copydesk import` into PostgreSQL writes batches of watches, one
//! transaction each: an export of several batches is imported whole,
//! importing it again adds nothing, and a batch the database refuses adds
//! nothing of itself, says which watches it held and that importing again
//! resumes (which it does, without duplicating the batches before it).
//! Skipped (with a notice) without `COPYDESK_TEST_PG`.

use crate::common::pg::{self, Schema};
use crate::common::*;
use copydesk::store::{CheckCommit, CheckRecord, NewVersion, NewWatch, Outcome, WatchSource};

/// More than two batches of the import (500 watches each).
const WATCHES: usize = 1_100;

/// An export of [`WATCHES`] watches, each with one version (the second of
/// every tenth with two), made in a sled store.
fn export() -> (Env, String) {
    let env = Env::new("");
    {
        let store = copydesk::store::open(
            &copydesk::config::StorageConfig {
                path: env.dir.path().join("db"),
                ..Default::default()
            },
            Default::default(),
        )
        .unwrap();
        for i in 0..WATCHES {
            let mut w = store
                .upsert_watch(NewWatch {
                    url: format!("https://outlet{}.example/news/{i:04}", i % 7),
                    label: None,
                    schedule: None,
                    source: WatchSource::Cli,
                })
                .unwrap();
            for n in 1..=(1 + u32::from(i % 10 == 0)) {
                let mut body = story();
                body[0] = format!("Story number {i}, version {n}. {}", body[0]);
                let article = copydesk::core::Article {
                    title: format!("Story {i}"),
                    body,
                    ..Default::default()
                };
                w.latest_version = n;
                let hash = copydesk::core::normalize::ContentHash::of(&article);
                store
                    .commit_check(CheckCommit {
                        watch: w.clone(),
                        record: CheckRecord {
                            at: chrono::Utc::now(),
                            outcome: Outcome::NewVersion,
                            http_status: Some(200),
                            failure: None,
                            reason: None,
                            version: Some(n),
                            duration_ms: 1,
                            final_url: None,
                            confirmation: None,
                        },
                        version: Some(NewVersion {
                            number: n,
                            article,
                            hash,
                            final_url: w.url.clone(),
                        }),
                        events: Vec::new(),
                    })
                    .unwrap();
            }
        }
        store.flush().unwrap();
    }
    let dump = env.ok(&["export"]);
    (env, dump)
}

fn pg_env(schema: &Schema) -> Env {
    let env = Env::new("");
    std::fs::write(
        &env.config,
        format!(
            "[storage]\nbackend = \"postgres\"\nurl = \"{}\"\npool_size = 2\n",
            schema.url()
        ),
    )
    .unwrap();
    env
}

fn count(schema: &Schema, sql: &str) -> i64 {
    schema.client().query_one(sql, &[]).unwrap().get(0)
}

#[test]
fn an_import_of_several_batches_is_whole_and_idempotent() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let (sled, dump) = export();
    let env = pg_env(&schema);
    let file = env.dir.path().join("dump.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(
        out.contains("1100 watches added, 1210 versions added, 0 versions already present"),
        "{out}"
    );
    assert_eq!(count(&schema, "SELECT count(*) FROM watches"), 1_100);
    assert_eq!(count(&schema, "SELECT count(*) FROM versions"), 1_210);
    let url = "https://outlet0.example/news/0070";
    assert_eq!(sled.json(&["history", url]), env.json(&["history", url]));
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(
        out.contains("0 watches added, 0 versions added, 1210 versions already present"),
        "{out}"
    );
    assert_eq!(count(&schema, "SELECT count(*) FROM versions"), 1_210);
}

#[test]
fn a_refused_batch_adds_nothing_and_importing_again_resumes() {
    let Some(cluster) = pg::cluster() else { return };
    let schema = Schema::new(cluster);
    let (_sled, dump) = export();
    let env = pg_env(&schema);
    env.ok(&["watch", "list"]); // makes the tables
                                // The database refuses one watch of the second batch (watches are
                                // written in URL order: outlet0's 158 first, then outlet1's, ...).
    let mut db = schema.client();
    db.batch_execute(
        "CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$ \
         BEGIN RAISE EXCEPTION 'refused for the test'; END $$; \
         CREATE TRIGGER refuse BEFORE INSERT ON watch_urls FOR EACH ROW \
         WHEN (NEW.url = 'https://outlet4.example/news/0704') EXECUTE FUNCTION refuse()",
    )
    .unwrap();
    let file = env.dir.path().join("dump.jsonl");
    std::fs::write(&file, &dump).unwrap();
    let out = env.run(&["import", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1), "{out:?}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("cannot write watches 501 to 1000 of 1100"),
        "{err}"
    );
    assert!(err.contains("the 500 before them are imported"), "{err}");
    assert!(err.contains("importing the same file again"), "{err}");
    assert!(err.contains("refused for the test"), "{err}");
    assert_eq!(count(&schema, "SELECT count(*) FROM watches"), 500);
    assert_eq!(
        count(&schema, "SELECT count(DISTINCT watch_id) FROM versions"),
        500
    );

    db.batch_execute("DROP TRIGGER refuse ON watch_urls")
        .unwrap();
    let out = env.ok(&["import", file.to_str().unwrap()]);
    assert!(out.contains("600 watches added"), "{out}");
    assert_eq!(count(&schema, "SELECT count(*) FROM watches"), 1_100);
    assert_eq!(count(&schema, "SELECT count(*) FROM versions"), 1_210);
}
