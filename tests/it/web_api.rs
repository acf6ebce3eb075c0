//! The review JSON API over a real listener on 127.0.0.1:0 with a real
//! sled store: watch list (status, last outcome, next due, filters,
//! pages), add and remove, versions, diffs between any two versions,
//! events, republication clusters, JSON errors, the token and the
//! loopback host guard.

use crate::webcommon;

use reqwest::StatusCode;
use serde_json::Value;
use webcommon::{art, client, fail, republish, seed, Site, STORY};

const P1: &str = "The city council approved the budget on Tuesday after a long debate.";
const P2: &str = "The plan includes new bus lines and repairs to two bridges.";
const P3: &str = "Critics said the spending would raise local taxes next year.";

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

async fn get(site: &Site, path: &str) -> (StatusCode, Value) {
    let r = client().get(site.url(path)).send().await.expect("GET");
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        ct.starts_with("application/json"),
        "{path}: content type {ct}"
    );
    (status, r.json().await.expect("JSON body"))
}

/// Three watches: one edited twice, one failing, one with a single version.
fn seeded() -> (Site, u64, u64, u64) {
    let site = Site::start(None);
    let s = site.store.as_ref();
    let a = seed(
        s,
        "https://news.example.com/budget",
        Some("Budget story"),
        &[
            art("Council approves budget", &[P1, P2]),
            art(
                "Council approves budget",
                &[P1, &P2.replace("two bridges", "three bridges")],
            ),
            art(
                "Council approves city budget",
                &[P1, &P2.replace("two bridges", "three bridges"), P3],
            ),
        ],
    );
    let b = seed(
        s,
        "https://www.other.example.org/storm",
        None,
        &[art("Storm", &[P3])],
    );
    fail(
        s,
        "https://www.other.example.org/storm",
        "HTTP 503 Service Unavailable",
    );
    let c = seed(
        s,
        "https://news.example.com/quiet",
        None,
        &[art("Quiet", &[P1])],
    );
    (site, a.id, b.id, c.id)
}

#[test]
fn watch_list_has_status_last_outcome_next_due_filters_and_pages() {
    let (site, a, b, c) = seeded();
    rt().block_on(async {
        let (st, page) = get(&site, "/api/v1/watches?limit=2").await;
        assert_eq!(st, StatusCode::OK);
        let items = page["items"].as_array().expect("items");
        assert_eq!(items.len(), 2);
        assert_eq!(items[0]["id"], a);
        assert_eq!(items[0]["status"], "ok");
        assert_eq!(items[0]["outlet"], "example.com");
        assert_eq!(items[0]["latest_version"], 3);
        assert_eq!(items[0]["last_check"]["outcome"], "new_version");
        assert!(items[0]["next_due"].is_string());
        assert_eq!(items[1]["id"], b);
        assert_eq!(items[1]["status"], "failing");
        assert_eq!(
            items[1]["last_check"]["reason"],
            "HTTP 503 Service Unavailable"
        );
        let cursor = page["next_cursor"].as_str().expect("a next page");

        let (_, page2) = get(&site, &format!("/api/v1/watches?limit=2&cursor={cursor}")).await;
        assert_eq!(page2["items"].as_array().map(Vec::len), Some(1));
        assert_eq!(page2["items"][0]["id"], c);
        assert!(page2["next_cursor"].is_null());

        let (_, failing) = get(&site, "/api/v1/watches?status=failing").await;
        assert_eq!(failing["items"].as_array().map(Vec::len), Some(1));
        let (_, outlet) = get(&site, "/api/v1/watches?outlet=example.com").await;
        assert_eq!(outlet["items"].as_array().map(Vec::len), Some(2));
        let (_, q) = get(&site, "/api/v1/watches?q=budget").await;
        assert_eq!(q["items"][0]["label"], "Budget story");

        for bad in [
            "limit=0",
            "limit=501",
            "limit=x",
            "cursor=x",
            "status=sleeping",
        ] {
            let (st, body) = get(&site, &format!("/api/v1/watches?{bad}")).await;
            assert_eq!(st, StatusCode::BAD_REQUEST, "{bad}");
            assert!(body["error"].is_string(), "{bad}: {body}");
        }

        let (st, one) = get(&site, &format!("/api/v1/watches/{b}")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(one["checks"][0]["outcome"], "failed");
        let (st, body) = get(&site, "/api/v1/watches/999999").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert!(body["error"].as_str().unwrap_or("").contains("999999"));
        let (st, _) = get(&site, "/api/v1/watches/notanumber").await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        let (st, _) = get(&site, "/api/v1/nothing-here").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    });
}

#[test]
fn versions_and_a_diff_between_any_two() {
    let (site, a, _, _) = seeded();
    rt().block_on(async {
        let (_, vs) = get(&site, &format!("/api/v1/watches/{a}/versions?limit=2")).await;
        assert_eq!(vs["items"][0]["number"], 1);
        assert_eq!(vs["items"][1]["number"], 2);
        assert_eq!(vs["next_cursor"], "2");
        let (_, rest) = get(&site, &format!("/api/v1/watches/{a}/versions?cursor=2")).await;
        assert_eq!(rest["items"][0]["title"], "Council approves city budget");

        let (st, v) = get(&site, &format!("/api/v1/watches/{a}/versions/2")).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(v["meta"]["number"], 2);
        assert!(v["article"]["body"][1]
            .as_str()
            .unwrap_or("")
            .contains("three bridges"));

        // default: the latest change
        let (_, d) = get(&site, &format!("/api/v1/watches/{a}/diff")).await;
        assert_eq!(
            (d["from"]["number"].clone(), d["to"]["number"].clone()),
            (2.into(), 3.into())
        );
        assert_eq!(d["summary"]["title_changed"], true);
        assert_eq!(d["paragraphs"][2]["op"], "added");
        assert!(
            d["unified"].as_str().unwrap_or("").contains("{+city +}"),
            "{}",
            d["unified"]
        );

        // any two: 1 -> 3, word ops inside the changed paragraph
        let (_, d) = get(&site, &format!("/api/v1/watches/{a}/diff?from=1&to=3")).await;
        let changed = &d["paragraphs"][1];
        assert_eq!(changed["op"], "changed");
        let words = changed["words"].as_array().expect("word ops");
        assert!(
            words
                .iter()
                .any(|w| w["op"] == "delete" && w["text"] == "two"),
            "{words:?}"
        );
        assert!(
            words
                .iter()
                .any(|w| w["op"] == "insert" && w["text"] == "three"),
            "{words:?}"
        );
        assert!(d["unified"]
            .as_str()
            .unwrap_or("")
            .contains("[-two-]{+three+}"));

        let (st, e) = get(&site, &format!("/api/v1/watches/{a}/diff?from=1&to=9")).await;
        assert_eq!(st, StatusCode::NOT_FOUND, "{e}");
        let (st, _) = get(&site, &format!("/api/v1/watches/{a}/diff?from=zero")).await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        let (st, _) = get(&site, &format!("/api/v1/watches/{a}/versions/7")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
    });
}

#[test]
fn events_newest_first_with_cursor_and_filters() {
    let (site, _, _, _) = seeded();
    rt().block_on(async {
        let (_, p1) = get(&site, "/api/v1/events?limit=1").await;
        assert_eq!(p1["items"][0]["event"]["to_version"], 3);
        assert_eq!(p1["items"][0]["event"]["event"], "edit");
        let cursor = p1["next_cursor"].as_str().expect("more events").to_string();
        let (_, p2) = get(&site, &format!("/api/v1/events?limit=1&cursor={cursor}")).await;
        assert_eq!(p2["items"][0]["event"]["to_version"], 2);
        // a full page may have more after it: the cursor says where, and
        // the page after the last event is empty and ends the walk
        let c = p2["next_cursor"]
            .as_str()
            .expect("a full page gives a cursor")
            .to_string();
        let (_, p3) = get(&site, &format!("/api/v1/events?limit=1&cursor={c}")).await;
        assert_eq!(p3["items"].as_array().map(Vec::len), Some(0), "{p3}");
        assert!(p3["next_cursor"].is_null(), "{p3}");
        let (_, none) = get(&site, "/api/v1/events?outlet=other.example.org").await;
        assert_eq!(none["items"].as_array().map(Vec::len), Some(0));
        let (_, by_url) = get(
            &site,
            "/api/v1/events?url=https%3A%2F%2Fnews.example.com%2Fbudget",
        )
        .await;
        assert_eq!(by_url["items"].as_array().map(Vec::len), Some(2));
    });
}

#[test]
fn add_and_remove_watches() {
    let site = Site::start(None);
    rt().block_on(async {
        let c = client();
        let r = c
            .post(site.url("/api/v1/watches"))
            .json(&serde_json::json!({"url": "https://added.example/x", "label": "Added"}))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::OK);
        let w: Value = r.json().await.expect("JSON");
        let id = w["id"].as_u64().expect("id");
        let (_, list) = get(&site, "/api/v1/watches").await;
        assert_eq!(list["items"][0]["status"], "new");

        let r = c
            .post(site.url("/api/v1/watches"))
            .json(&serde_json::json!({"url": "javascript:alert(1)"}))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);

        let r = c
            .delete(site.url(&format!("/api/v1/watches/{id}")))
            .send()
            .await
            .expect("DELETE");
        assert_eq!(r.status(), StatusCode::OK);
        let (st, _) = get(&site, &format!("/api/v1/watches/{id}")).await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        let r = c
            .delete(site.url(&format!("/api/v1/watches/{id}")))
            .send()
            .await
            .expect("DELETE");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    });
}

#[test]
fn a_token_guards_the_api_ui_and_feeds() {
    let site = Site::start(Some("s3cret"));
    seed(
        site.store.as_ref(),
        "https://a.example/x",
        None,
        &[art("T", &[P1])],
    );
    rt().block_on(async {
        let c = client();
        let r = c
            .get(site.url("/api/v1/watches"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = c
            .get(site.url("/api/v1/watches"))
            .bearer_auth("s3cret")
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::OK);

        let r = c
            .get(site.url("/watches?status=ok"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let to = r.headers()["location"].to_str().unwrap_or("");
        assert_eq!(to, "/login?next=%2Fwatches%3Fstatus%3Dok");
        let r = c.get(site.url("/feed.atom")).send().await.expect("GET");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        // a feed reader is asked for a password, and the token is one
        let challenges: Vec<&str> = r
            .headers()
            .get_all("www-authenticate")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .collect();
        assert!(
            challenges.iter().any(|c| c.starts_with("Basic realm=")),
            "{challenges:?}"
        );
        for (user, password, want) in [
            ("reader", "s3cret", StatusCode::OK),
            ("reader", "wrong", StatusCode::UNAUTHORIZED),
        ] {
            let r = c
                .get(site.url("/feed.atom"))
                .basic_auth(user, Some(password))
                .send()
                .await
                .expect("GET");
            assert_eq!(r.status(), want, "{user}:{password}");
        }
        // Basic opens the feeds, not the API
        let r = c
            .get(site.url("/api/v1/watches"))
            .basic_auth("reader", Some("s3cret"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

        let r = c
            .post(site.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=wrong&next=%2Fwatches")
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        let r = c
            .post(site.url("/login"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body("token=s3cret&next=%2F%2Fevil.example%2F")
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/");
        let cookie = r.headers()["set-cookie"].to_str().unwrap_or("").to_string();
        assert!(cookie.contains("HttpOnly") && cookie.contains("SameSite=Strict"));
        assert!(
            !cookie.contains("s3cret"),
            "the cookie holds a digest, not the token"
        );
        let pair = cookie.split(';').next().unwrap_or("").to_string();
        let r = c
            .get(site.url("/watches"))
            .header("cookie", &pair)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::OK);
        let r = c
            .get(site.url("/feed.atom"))
            .header("cookie", &pair)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::OK);
        // the API does not take the cookie (CSRF)
        let r = c
            .get(site.url("/api/v1/watches"))
            .header("cookie", &pair)
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    });
}

#[test]
fn without_a_token_only_loopback_host_names_are_served() {
    let site = Site::start(None);
    rt().block_on(async {
        let c = client();
        for (host, want) in [
            ("rebound.example:80", StatusCode::MISDIRECTED_REQUEST),
            ("localhost:8765", StatusCode::OK),
            ("127.0.0.1", StatusCode::OK),
        ] {
            let r = c
                .get(site.url("/api/v1/watches"))
                .header("host", host)
                .send()
                .await
                .expect("GET");
            assert_eq!(r.status(), want, "{host}");
        }
    });
}

#[test]
fn the_openapi_description_names_every_route_and_each_answers() {
    let (site, a, _, _) = seeded();
    let (orig, _) = republish(
        site.store.as_ref(),
        ("https://first.example/flood", "Flood"),
        &STORY,
        ("https://second.example.net/flood", "Flood"),
        &STORY,
    );
    rt().block_on(async {
        let (st, doc) = get(&site, "/api/v1/openapi.json").await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(doc["openapi"], "3.1.0");
        let paths = doc["paths"].as_object().expect("paths");
        let documented: std::collections::BTreeSet<&str> =
            paths.keys().map(String::as_str).collect();
        // the review API's routes and the CLI's (tagged `cli` in the document)
        let source = concat!(
            include_str!("../../src/web/api/mod.rs"),
            include_str!("../../src/web/api/local.rs")
        );
        let routed: std::collections::BTreeSet<&str> = source
            .split(".route(")
            .skip(1)
            .filter_map(|r| r.trim_start().strip_prefix('"')?.split('"').next())
            .filter(|p| *p != "/api/v1/openapi.json")
            .collect();
        assert_eq!(documented, routed, "openapi.json and api::routes differ");

        let c = client();
        let rule = site
            .store
            .add_person_rule("first.example", "Printer friendly version")
            .expect("a rule");
        let key = copydesk::core::template::key_text(rule.key);
        for (path, item) in paths {
            let id = if path.starts_with("/api/v1/clusters") {
                orig.id
            } else {
                a
            };
            let url = site.url(
                &path
                    .replace("{id}", &id.to_string())
                    .replace("{n}", "1")
                    .replace("{outlet}", "first.example")
                    .replace("{key}", &key),
            );
            let outlets = path.starts_with("/api/v1/outlets");
            for (method, op) in item.as_object().expect("path item") {
                // the CLI's calls take a URL, not an id: tests/it/openapi.rs
                // and the CLI tests call them
                if op["tags"]
                    .as_array()
                    .is_some_and(|t| t.contains(&"cli".into()))
                {
                    continue;
                }
                let (req, want) = match method.as_str() {
                    "get" => (c.get(&url), StatusCode::OK),
                    "post" if outlets => (
                        c.post(&url)
                            .json(&serde_json::json!({"text": "E-mail this story"})),
                        StatusCode::CREATED,
                    ),
                    "post" => (
                        c.post(&url)
                            .json(&serde_json::json!({"url": "https://openapi.example/x"})),
                        StatusCode::OK,
                    ),
                    "patch" => (
                        c.patch(&url)
                            .json(&serde_json::json!({"verdict": "confirmed"})),
                        StatusCode::OK,
                    ),
                    // a rule that does not exist: routed, and a JSON 404
                    "delete" if outlets => (
                        c.delete(url.replace(&key, "0000000000000000")),
                        StatusCode::NOT_FOUND,
                    ),
                    // on a watch that does not exist: routed, and a JSON 404
                    "delete" => (
                        c.delete(url.replace(&format!("/{a}"), "/999999")),
                        StatusCode::NOT_FOUND,
                    ),
                    "parameters" => continue,
                    other => panic!("{path}: unexpected method {other}"),
                };
                let r = req.send().await.expect("request");
                assert_eq!(r.status(), want, "{method} {path}");
                let body: Value = r.json().await.expect("a JSON answer");
                assert!(body.is_object(), "{method} {path}: {body}");
            }
        }
    });
}

const SPORT: [&str; 4] = [
    "The national football team announced its squad for the spring qualifiers, including three uncapped players from the second division.",
    "The coach told reporters that the young players had earned their places with consistent performances throughout the autumn.",
    "Two veterans were left out after long injury spells, a decision the coach called difficult but necessary for the team's future.",
    "The first qualifier will be played at home in March against a side the team has not beaten in a decade.",
];

#[test]
fn clusters_list_and_detail_name_the_first_publisher_and_each_copy() {
    let site = Site::start(None);
    let s = site.store.as_ref();
    let (orig, copy) = republish(
        s,
        ("https://first.example/flood", "Flood in the old town"),
        &STORY,
        ("https://second.example.net/flood-copy", "Old town flooded"),
        &STORY[..4],
    );
    // a second story, later in id order
    let (orig2, _) = republish(
        s,
        ("https://a-third.example/flood", "Another"),
        &SPORT,
        ("https://b-fourth.example/flood", "Another copy"),
        &SPORT,
    );
    rt().block_on(async {
        let (st, page) = get(&site, "/api/v1/clusters").await;
        assert_eq!(st, StatusCode::OK, "{page}");
        let items = page["items"].as_array().expect("items");
        assert!(!items.is_empty(), "{page}");
        let c = &items[0];
        assert_eq!(c["id"], orig.id, "{page} {} {}", orig.id, copy.id);
        assert_eq!(c["first_publisher"]["url"], "https://first.example/flood");
        assert_eq!(c["first_publisher"]["outlet"], "first.example");
        assert_eq!(c["first_publisher"]["title"], "Flood in the old town");
        assert!(c["first_publisher"]["first_seen"].is_string());
        let members = c["members"].as_array().expect("members");
        assert_eq!(members.len(), 1, "{c}");
        let m = &members[0];
        assert_eq!(m["watch_id"], copy.id);
        assert_eq!(m["url"], "https://second.example.net/flood-copy");
        assert_eq!(m["outlet"], "example.net");
        assert_eq!(m["original_url"], "https://first.example/flood");
        assert_eq!(m["relation"], "republication");
        assert_eq!(m["shared_paragraphs"], 4);
        let sim = m["similarity"].as_f64().expect("similarity");
        let cont = m["containment"].as_f64().expect("containment");
        assert!(sim > 0.5 && sim < 1.0, "{sim}");
        assert!(cont > 0.5 && cont <= 1.0, "{cont}");
        assert!(m["class"] == "copy" || m["class"] == "partial", "{m}");

        // pages
        let (_, p1) = get(&site, "/api/v1/clusters?limit=1").await;
        assert_eq!(p1["items"].as_array().map(Vec::len), Some(1));
        let next = p1["next_cursor"].as_str().expect("a next page").to_string();
        let (_, p2) = get(&site, &format!("/api/v1/clusters?limit=1&cursor={next}")).await;
        assert_eq!(p2["items"][0]["id"], orig2.id);

        // detail, by its id and by a member's id
        let (st, one) = get(&site, &format!("/api/v1/clusters/{}", orig.id)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(&one, c);
        let (st, by_copy) = get(&site, &format!("/api/v1/clusters/{}", copy.id)).await;
        assert_eq!(st, StatusCode::OK);
        assert_eq!(by_copy["id"], orig.id);

        // unknown: a JSON 404; not a number: a JSON 400
        let (st, e) = get(&site, "/api/v1/clusters/999999").await;
        assert_eq!(st, StatusCode::NOT_FOUND);
        assert!(e["error"].is_string());
        let (st, e) = get(&site, "/api/v1/clusters/abc").await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
        assert!(e["error"].is_string());
        let (st, _) = get(&site, "/api/v1/clusters?limit=0").await;
        assert_eq!(st, StatusCode::BAD_REQUEST);
    });
}
