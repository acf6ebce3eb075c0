//! The web UI in real headless Chromium (Debian's `chromium` and
//! `chromium-driver`, driven over WebDriver with fantoccini): open the
//! dashboard, follow an article to its diff, read the highlighted words,
//! open a republication's cluster page (first publisher, shared paragraphs
//! in `<mark>`), and check that an XSS payload in a title shows as text and
//! never runs; click "Not an edit" on a diff and overrule the rule it made
//! on the outlet's page.
//! Screenshots go to `target/test-artifacts/`.
//!
//! Without chromium or chromedriver the tests are skipped, and fail when
//! `CI=true` (CI installs both: see `.ci/run`). This binary has its own
//! `main` (`harness = false` in Cargo.toml) so that a skip shows in its
//! summary line ("0 passed; 2 skipped") instead of passing as a success.

// The helpers of tests/it/ this binary shares (it uses part of them).
#[path = "it/common/env.rs"]
#[allow(dead_code)]
mod env;
#[path = "it/webcommon/mod.rs"]
#[allow(dead_code)]
mod webcommon;

use fantoccini::{ClientBuilder, Locator};
use std::io::Write;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use webcommon::{art, republish, seed, Site, STORY};

const XSS_TITLE: &str =
    "<script>window.__xss=1</script>\"><img src=x onerror=\"window.__xss=2;document.title='pwned'\">";
const P1: &str = "The harbour authority said on Monday that the new pier would open in June.";
const P2: &str = "Fishing crews welcomed the plan but asked for lower mooring fees.";

fn find_program(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    names.iter().find_map(|n| {
        std::env::split_paths(&path)
            .map(|d| d.join(n))
            .find(|p| p.is_file())
    })
}

/// chromium and chromedriver, or a skip notice (a failure under CI=true).
fn browser() -> Option<(PathBuf, PathBuf)> {
    let chromium = find_program(&["chromium", "chromium-browser", "google-chrome"]);
    let driver = find_program(&["chromedriver"]);
    match (chromium, driver) {
        (Some(c), Some(d)) => Some((c, d)),
        (c, d) => {
            let msg = format!(
                "browser test needs chromium ({}) and chromedriver ({}): apt-get install -y chromium chromium-driver",
                if c.is_some() { "found" } else { "missing" },
                if d.is_some() { "found" } else { "missing" },
            );
            if env::in_ci() {
                panic!("{msg}");
            }
            let _ = writeln!(std::io::stderr(), "SKIPPED web_browser: {msg}");
            None
        }
    }
}

/// A chromedriver child on a free loopback port; killed on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn start_driver(path: &PathBuf) -> Driver {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a free port")
        .port();
    let child = Command::new(path)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("start chromedriver");
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "chromedriver did not listen"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    Driver {
        child,
        url: format!("http://127.0.0.1:{port}"),
    }
}

fn artifacts() -> PathBuf {
    let dir = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target"))
        .join("test-artifacts");
    std::fs::create_dir_all(&dir).expect("create target/test-artifacts");
    dir
}

fn dashboard_to_diff_with_highlights_and_an_inert_xss_title() {
    let Some((chromium, driver_path)) = browser() else {
        return;
    };
    let site = Site::start(None);
    let w = seed(
        site.store.as_ref(),
        "https://harbour.example/pier",
        None,
        &[
            art(XSS_TITLE, &[P1, P2]),
            art(XSS_TITLE, &[&P1.replace("June", "September"), P2]),
        ],
    );
    let driver = start_driver(&driver_path);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1200,900"],
            }),
        );
        let c = ClientBuilder::rustls()
            .expect("WebDriver client")
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session through chromedriver");

        c.goto(&site.url("/")).await.expect("open the dashboard");
        assert_eq!(c.title().await.expect("title"), "Dashboard · copydesk");
        let dir = artifacts();
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("dashboard.png"), png).expect("save dashboard.png");
        let link = c
            .find(Locator::Css("a.article"))
            .await
            .expect("a recent edit on the dashboard");
        assert_eq!(link.text().await.expect("link text"), XSS_TITLE);
        link.click().await.expect("follow the article");

        let here = c.current_url().await.expect("url");
        assert_eq!(here.path(), format!("/watches/{}/diff", w.id));
        let h1 = c.find(Locator::Css("h1")).await.expect("h1");
        assert_eq!(
            h1.text().await.expect("h1 text"),
            XSS_TITLE,
            "the title is shown as text"
        );
        let dels = c.find_all(Locator::Css("td.old del")).await.expect("del");
        let inss = c.find_all(Locator::Css("td.new ins")).await.expect("ins");
        assert_eq!(dels.len(), 1);
        assert_eq!(inss.len(), 1);
        assert_eq!(dels[0].text().await.expect("del text"), "June");
        assert_eq!(inss[0].text().await.expect("ins text"), "September");
        let bg = c
            .execute(
                "return getComputedStyle(document.querySelector('ins')).backgroundColor",
                vec![],
            )
            .await
            .expect("computed style");
        assert_ne!(
            bg,
            serde_json::json!("rgba(0, 0, 0, 0)"),
            "<ins> is highlighted (the stylesheet loaded)"
        );

        let xss = c
            .execute("return [typeof window.__xss, document.title]", vec![])
            .await
            .expect("read the page state");
        assert_eq!(xss[0], "undefined", "an XSS payload ran");
        assert_ne!(xss[1], "pwned", "an XSS payload ran");
        assert_eq!(
            c.find_all(Locator::Css("main img, main script"))
                .await
                .expect("query")
                .len(),
            0,
            "the payload made no elements"
        );

        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("diff.png"), png).expect("save diff.png");

        // "show only changes" is a plain link: no script needed
        let rows = c.find_all(Locator::Css("tr.eq")).await.expect("rows").len();
        assert_eq!(rows, 1, "one unchanged paragraph");
        c.find(Locator::Css("a.toggle"))
            .await
            .expect("the toggle link")
            .click()
            .await
            .expect("show only changes");
        let here = c.current_url().await.expect("url");
        assert!(
            here.query().unwrap_or("").contains("changes=only"),
            "{here}"
        );
        assert_eq!(
            c.find_all(Locator::Css("tr.eq")).await.expect("rows").len(),
            0
        );
        let gap = c.find(Locator::Css("tr.gap")).await.expect("the gap row");
        assert_eq!(gap.text().await.expect("text"), "1 unchanged paragraph");
        c.set_window_size(390, 844).await.expect("phone size");
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("diff-phone.png"), png).expect("save diff-phone.png");
        c.set_window_size(1200, 900).await.expect("desktop size");
        for (page, file) in [
            ("/watches".to_string(), "watches.png"),
            (format!("/watches/{}", w.id), "timeline.png"),
        ] {
            c.goto(&site.url(&page)).await.expect("open a page");
            let png = c.screenshot().await.expect("screenshot");
            std::fs::write(dir.join(file), png).expect("save a screenshot");
        }
        let xss = c
            .execute("return typeof window.__xss", vec![])
            .await
            .expect("read the page state");
        assert_eq!(xss, "undefined", "an XSS payload ran on the timeline");
        eprintln!("screenshots in {}", dir.display());

        // a republication (the copy's title is the XSS payload): the
        // dashboard's row leads to the cluster page
        let copy_body = [STORY[0], STORY[1], P2, STORY[2], STORY[3]];
        let (orig, _) = republish(
            site.store.as_ref(),
            ("https://first.example/flood", "Flood in the old town"),
            &STORY,
            ("https://second.example.net/flood", XSS_TITLE),
            &copy_body,
        );
        c.goto(&site.url("/")).await.expect("open the dashboard");
        c.find(Locator::Css("tr.republication a.article"))
            .await
            .expect("a republication row on the dashboard")
            .click()
            .await
            .expect("follow it to the cluster");
        let here = c.current_url().await.expect("url");
        assert!(here.path().starts_with("/clusters/"), "{here}");
        let first = c
            .find(Locator::Css("#first-publisher"))
            .await
            .expect("the first publisher");
        let text = first.text().await.expect("text");
        assert!(text.contains("Flood in the old town"), "{text}");
        assert!(text.contains("first.example"), "{text}");
        let h3 = c
            .find(Locator::Css("section.copy h3"))
            .await
            .expect("a copy");
        assert!(h3.text().await.expect("text").starts_with(XSS_TITLE));
        let marks = c
            .find_all(Locator::Css("section.copy mark"))
            .await
            .expect("marks");
        assert_eq!(marks.len(), 4, "four shared paragraphs highlighted");
        assert_eq!(marks[0].text().await.expect("mark text"), STORY[0]);
        let bg = c
            .execute(
                "return getComputedStyle(document.querySelector('mark')).backgroundColor",
                vec![],
            )
            .await
            .expect("computed style");
        assert_ne!(
            bg,
            serde_json::json!("rgba(0, 0, 0, 0)"),
            "<mark> is highlighted"
        );
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("cluster.png"), png).expect("save cluster.png");
        c.goto(&site.url(&format!("/clusters/{}", orig.id)))
            .await
            .expect("open the cluster by its id");
        let xss = c
            .execute("return [typeof window.__xss, document.title]", vec![])
            .await
            .expect("read the page state");
        assert_eq!(
            xss[0], "undefined",
            "an XSS payload ran on the cluster page"
        );
        assert_ne!(xss[1], "pwned", "an XSS payload ran on the cluster page");
        assert_eq!(
            c.find_all(Locator::Css("main img, main script"))
                .await
                .expect("query")
                .len(),
            0,
            "the payload made no elements"
        );

        c.close().await.expect("close the session");
    });
}

/// "Not an edit" clicked in Chromium: the form on the diff page posts the
/// changed line to its outlet (the browser sends its own Origin and
/// Sec-Fetch-Site, which the server checks), comes back to the diff, and
/// the outlet page lists the rule, which a click overrules.
fn not_an_edit_from_the_diff_page_in_chromium() {
    let Some((chromium, driver_path)) = browser() else {
        return;
    };
    let site = Site::start(None);
    let w = seed(
        site.store.as_ref(),
        "https://harbour.example/pier",
        None,
        &[
            art("Pier approved", &[P1, "Views today: 1,204 readers", P2]),
            art("Pier approved", &[P1, "Views today: 9,876 readers", P2]),
        ],
    );
    let driver = start_driver(&driver_path);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    rt.block_on(async {
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": chromium,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1200,900"],
            }),
        );
        let c = ClientBuilder::rustls()
            .expect("WebDriver client")
            .capabilities(caps)
            .connect(&driver.url)
            .await
            .expect("a Chromium session through chromedriver");
        let diff = site.url(&format!("/watches/{}/diff", w.id));
        c.goto(&diff).await.expect("open the diff");
        let buttons = c
            .find_all(Locator::Css("tr.chg form.nae button"))
            .await
            .expect("buttons");
        assert_eq!(buttons.len(), 2, "one per side of the changed line");
        let dir = artifacts();
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("diff-not-an-edit.png"), png).expect("save a screenshot");
        // the new side's line
        buttons[1].clone().click().await.expect("click Not an edit");
        let here = c.current_url().await.expect("url");
        let src = c.source().await.unwrap_or_default();
        assert_eq!(
            here.path(),
            format!("/watches/{}/diff", w.id),
            "back to the diff: {src}"
        );
        // the form posts and redirects back to the same diff URL, so the
        // URL alone does not say the post is done: wait for the rule
        let mut rules = Vec::new();
        for _ in 0..100 {
            rules = site.store.template_rules("harbour.example").expect("rules");
            if !rules.is_empty() {
                break;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        assert_eq!(rules.len(), 1, "{rules:#?}");
        assert_eq!(rules[0].example, "Views today: 9,876 readers");
        assert_eq!(rules[0].shape, "views today # readers");

        c.goto(&site.url("/outlets"))
            .await
            .expect("open the outlets");
        c.find(Locator::Css("a[href='/outlets/harbour.example']"))
            .await
            .expect("the outlet's link")
            .click()
            .await
            .expect("open the outlet");
        let row = c
            .find(Locator::Css("table.rules tbody tr"))
            .await
            .expect("the rule's row");
        assert!(row
            .text()
            .await
            .expect("text")
            .contains("marked by a person"));
        let png = c.screenshot().await.expect("screenshot");
        std::fs::write(dir.join("outlet.png"), png).expect("save outlet.png");
        c.find(Locator::Css("button[value='overrule']"))
            .await
            .expect("the overrule button")
            .click()
            .await
            .expect("overrule");
        // the form's answer replaces the page: read the row of the new page
        // (one found before the navigation ends goes stale)
        let mut shown = String::new();
        let t = Instant::now();
        while t.elapsed() < Duration::from_secs(10) {
            if let Ok(row) = c.find(Locator::Css("table.rules tbody tr")).await {
                if let Ok(text) = row.text().await {
                    shown = text;
                    if shown.contains("overruled") {
                        break;
                    }
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        assert!(
            shown.contains("overruled"),
            "the page shows the new status: {shown:?}"
        );
        let rules = site.store.template_rules("harbour.example").expect("rules");
        assert!(!rules[0].active());
        c.close().await.expect("close the session");
    });
}

/// The tests of this binary, run as libtest would (a name filter as the
/// first free argument), with skips counted apart.
fn main() -> std::process::ExitCode {
    let tests: [(&str, fn()); 2] = [
        (
            "dashboard_to_diff_with_highlights_and_an_inert_xss_title",
            dashboard_to_diff_with_highlights_and_an_inert_xss_title,
        ),
        (
            "not_an_edit_from_the_diff_page_in_chromium",
            not_an_edit_from_the_diff_page_in_chromium,
        ),
    ];
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--list") {
        for (name, _) in &tests {
            println!("{name}: test");
        }
        return std::process::ExitCode::SUCCESS;
    }
    let filter = args.iter().find(|a| !a.starts_with('-'));
    let chosen: Vec<_> = tests
        .iter()
        .filter(|(name, _)| filter.is_none_or(|f| name.contains(f.as_str())))
        .collect();
    println!("\nrunning {} tests", chosen.len());
    if chosen.is_empty() {
        println!("\ntest result: ok. 0 passed; 0 failed; 0 skipped\n");
        return std::process::ExitCode::SUCCESS;
    }
    if browser().is_none() {
        for (name, _) in &chosen {
            println!("test {name} ... SKIPPED (no chromium or chromedriver)");
        }
        println!(
            "\ntest result: ok. 0 passed; 0 failed; {} skipped (chromium or chromedriver missing: the web UI was not tested in a browser)\n",
            chosen.len()
        );
        return std::process::ExitCode::SUCCESS;
    }
    let mut failed = Vec::new();
    for (name, test) in &chosen {
        let ok = std::panic::catch_unwind(*test).is_ok();
        println!("test {name} ... {}", if ok { "ok" } else { "FAILED" });
        if !ok {
            failed.push(*name);
        }
    }
    println!(
        "\ntest result: {}. {} passed; {} failed; 0 skipped\n",
        if failed.is_empty() { "ok" } else { "FAILED" },
        chosen.len() - failed.len(),
        failed.len()
    );
    if failed.is_empty() {
        std::process::ExitCode::SUCCESS
    } else {
        std::process::ExitCode::from(101)
    }
}
