//! "Not an edit" in the review surface, over a real listener and store: the
//! diff page offers a form per changed line that posts a person's rule to
//! the article's outlet (from copydesk's own pages only), the outlet pages
//! list what was learned with confirm / overrule / forget forms, the
//! timeline marks a version whose change was only furniture, and the JSON
//! API answers bad input with JSON errors.

use crate::webcommon;

use reqwest::StatusCode;
use serde_json::Value;
use webcommon::{art, client, seed, Site};

const P1: &str = "The harbour authority approved the new pier on Monday after two years of planning and public hearings.";
const P2: &str = "Construction will start in the spring and is expected to take eighteen months.";

/// A urlencoded form body.
fn form(pairs: &[(&str, &str)]) -> String {
    url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(pairs)
        .finish()
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime")
}

/// A watch whose second version differs only by a view counter line.
fn counter_watch(site: &Site) -> u64 {
    seed(
        site.store.as_ref(),
        "https://harbour.example/pier",
        None,
        &[
            art(
                "New pier approved",
                &[P1, "Most read: tides and ferries", P2],
            ),
            art("New pier approved", &[P1, "Most read: the new marina", P2]),
        ],
    )
    .id
}

#[test]
fn the_diff_page_posts_not_an_edit_to_the_outlet_and_the_timeline_marks_the_version() {
    let site = Site::start(None);
    let id = counter_watch(&site);
    rt().block_on(async {
        let c = client();
        let diff = c
            .get(site.url(&format!("/watches/{id}/diff")))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        // one form per side of the changed line, posting to the outlet
        assert_eq!(
            diff.matches(r#"action="/outlets/harbour.example/rules""#)
                .count(),
            2,
            "{diff}"
        );
        assert!(
            diff.contains(r#"value="Most read: the new marina""#),
            "{diff}"
        );
        let back = format!("/watches/{id}/diff?from=1&to=2");

        // a form from another site is refused
        for headers in [
            vec![("origin", "http://evil.example")],
            vec![("origin", "null")],
            vec![("sec-fetch-site", "cross-site"), ("origin", "null")],
            vec![
                ("sec-fetch-site", "same-site"),
                ("origin", site.base.as_str()),
            ],
        ] {
            let mut r = c.post(site.url("/outlets/harbour.example/rules"));
            for (name, value) in &headers {
                r = r.header(*name, *value);
            }
            let r = r
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form(&[
                    ("text", "Most read: the new marina"),
                    ("back", &back),
                ]))
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status(), StatusCode::FORBIDDEN, "{headers:?}");
        }
        assert!(site
            .store
            .template_rules("harbour.example")
            .expect("rules")
            .is_empty());

        // from the page itself: both sides marked, back to the diff
        for line in ["Most read: tides and ferries", "Most read: the new marina"] {
            let r = c
                .post(site.url("/outlets/harbour.example/rules"))
                .header("origin", &site.base)
                .header("sec-fetch-site", "same-origin")
                .header("content-type", "application/x-www-form-urlencoded")
                .body(form(&[("text", line), ("back", &back)]))
                .send()
                .await
                .expect("POST");
            assert_eq!(r.status(), StatusCode::SEE_OTHER);
            assert_eq!(r.headers()["location"], back.as_str());
        }
        let rules = site.store.template_rules("harbour.example").expect("rules");
        assert_eq!(rules.len(), 2, "{rules:#?}");
        assert!(rules.iter().all(|r| r.active()));

        // the timeline marks version 2 as not an edit
        let timeline = c
            .get(site.url(&format!("/watches/{id}")))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        assert_eq!(timeline.matches("not an edit:").count(), 1, "{timeline}");

        // an open redirect is not possible through `back`
        let r = c
            .post(site.url("/outlets/harbour.example/rules"))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("text", "Share this"), ("back", "//evil.example/")]))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(r.headers()["location"], "/");
    });
}

#[test]
fn outlet_pages_list_rules_and_change_them_and_escape_lines() {
    let site = Site::start(None);
    let xss = "<script>window.__xss=1</script> Hits: 5";
    let rule = site
        .store
        .add_person_rule("harbour.example", xss)
        .expect("a rule");
    let key = copydesk::core::template::key_text(rule.key);
    rt().block_on(async {
        let c = client();
        let list = c
            .get(site.url("/outlets"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        assert!(
            list.contains(r#"href="/outlets/harbour.example""#),
            "{list}"
        );
        let page = c
            .get(site.url("/outlets/harbour.example"))
            .send()
            .await
            .expect("GET")
            .text()
            .await
            .expect("body");
        assert!(!page.contains("<script>window"), "escaped: {page}");
        assert!(page.contains("&lt;script&gt;"), "{page}");
        assert!(page.contains("marked by a person"), "{page}");
        let action = format!("/outlets/harbour.example/rules/{key}");
        assert!(page.contains(&format!(r#"action="{action}""#)), "{page}");

        let r = c
            .post(site.url(&action))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("action", "overrule")]))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        let rules = site.store.template_rules("harbour.example").expect("rules");
        assert_eq!(
            rules[0].verdict,
            copydesk::core::template::Verdict::Overruled
        );
        assert!(!rules[0].active());
        let r = c
            .post(site.url(&action))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("action", "explode")]))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::BAD_REQUEST);
        let r = c
            .post(site.url(&action))
            .header("content-type", "application/x-www-form-urlencoded")
            .body(form(&[("action", "remove")]))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert!(site
            .store
            .template_rules("harbour.example")
            .expect("rules")
            .is_empty());
        let r = c
            .get(site.url("/outlets/nobody.example"))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
        // an outlet name with a space and a slash (an [[outlet]] name)
        site.store
            .add_person_rule("Example News/Wire", "Share this story")
            .expect("a rule");
        let enc = copydesk::core::outlet::path_segment("Example News/Wire");
        let r = c
            .get(site.url(&format!("/outlets/{enc}")))
            .send()
            .await
            .expect("GET");
        assert_eq!(r.status(), StatusCode::OK);
    });
}

#[test]
fn the_outlets_api_answers_bad_input_with_json_errors() {
    let site = Site::start(None);
    rt().block_on(async {
        let c = client();
        let cases: Vec<(reqwest::RequestBuilder, StatusCode)> = vec![
            (
                c.post(site.url("/api/v1/outlets/harbour.example/rules"))
                    .json(&serde_json::json!({"text": "   "})),
                StatusCode::BAD_REQUEST,
            ),
            (
                c.post(site.url("/api/v1/outlets/harbour.example/rules"))
                    .json(&serde_json::json!({"text": "x".repeat(3000)})),
                StatusCode::BAD_REQUEST,
            ),
            (
                c.patch(site.url("/api/v1/outlets/harbour.example/rules/zz"))
                    .json(&serde_json::json!({"verdict": "confirmed"})),
                StatusCode::BAD_REQUEST,
            ),
            (
                c.patch(site.url("/api/v1/outlets/harbour.example/rules/00000000000000ff"))
                    .json(&serde_json::json!({"verdict": "confirmed"})),
                StatusCode::NOT_FOUND,
            ),
            (
                c.get(site.url("/api/v1/outlets/nobody.example")),
                StatusCode::NOT_FOUND,
            ),
        ];
        for (req, want) in cases {
            let r = req.send().await.expect("request");
            assert_eq!(r.status(), want);
            let body: Value = r.json().await.expect("JSON");
            assert!(
                body["error"].as_str().is_some_and(|e| !e.is_empty()),
                "{body}"
            );
        }
        let r = c
            .post(site.url("/api/v1/outlets/harbour.example/rules"))
            .json(&serde_json::json!({"text": "Hits: 75606"}))
            .send()
            .await
            .expect("POST");
        assert_eq!(r.status(), StatusCode::CREATED);
        let rule: Value = r.json().await.expect("JSON");
        assert_eq!(rule["origin"], "person");
        assert_eq!(rule["shape"], "hits #");
        let key = rule["key"].as_str().expect("key").to_string();
        assert_eq!(key.len(), 16);
        let page: Value = c
            .get(site.url("/api/v1/outlets"))
            .send()
            .await
            .expect("GET")
            .json()
            .await
            .expect("JSON");
        assert_eq!(page["items"][0]["outlet"], "harbour.example");
        assert_eq!(page["items"][0]["rules"][0]["key"], key.as_str());
    });
}
