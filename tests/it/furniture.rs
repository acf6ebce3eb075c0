//! Page furniture through the real binary: an outlet whose pages re-roll
//! their furniture on every single request (relative times, a hit counter,
//! a rotating ad, a template disclaimer) makes no version and no alert,
//! while every kind of real edit comes through; the confirmation fetch is
//! recorded on the check; a person's "not an edit" rule is applied, listed,
//! exported and imported.

use crate::common;

use common::daemon::{eventually, Daemon};
use common::{Env, Reply, Server};
use serde_json::Value;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// A deterministic number from a seed and a request number.
fn roll(seed: u64, n: usize, modulo: u64) -> u64 {
    let mut x = seed ^ (n as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    x ^= x >> 33;
    x = x.wrapping_mul(0xff51_afd7_ed55_8ccd);
    x ^= x >> 33;
    x % modulo
}

const ADS: [&str; 6] = [
    "Cheap flights to anywhere in the world, book today and save",
    "Best mortgage rates",
    "Hot singles in your area want to meet you tonight, click here now",
    "Lose weight fast with this one weird trick doctors hate",
    "Your car insurance could be cheaper: compare quotes from twenty providers in minutes",
    "Sale",
];

/// What the site serves for one article; the test edits it.
#[derive(Clone)]
struct Story {
    title: String,
    paragraphs: Vec<String>,
    disclaimer: String,
}

/// A 2000s table-layout news page whose furniture is re-rolled on every
/// request `n`: "Posted N min ago", a rotating ad with a price, a hit counter.
fn table_page(s: &Story, seed: u64, n: usize) -> String {
    let ago = match roll(seed, n, 4) {
        0 => format!("{} min ago", 1 + roll(seed + 1, n, 59)),
        1 => format!("{} hours ago", 1 + roll(seed + 2, n, 23)),
        2 => "1 hour ago".to_string(),
        _ => format!("{} days ago", 1 + roll(seed + 3, n, 6)),
    };
    let ad = format!(
        "{} from ${}",
        ADS[roll(seed + 4, n, ADS.len() as u64) as usize],
        10 + roll(seed + 5, n, 990)
    );
    let hits = 10_000 + roll(seed + 6, n, 90_000);
    let body: String = s
        .paragraphs
        .iter()
        .map(|p| format!("{p}<BR><BR>\n"))
        .collect();
    format!(
        r#"<HTML><HEAD><TITLE>Springfield Gazette - {title}</TITLE></HEAD>
<BODY>
<TABLE width="100%"><TR>
<TD width="150" valign="top"><A href="/">Home</A><BR><A href="/news">News</A><BR><A href="/sports">Sports</A><BR><A href="/weather">Weather</A><BR><A href="/classifieds">Classifieds</A><BR><A href="/contact">Contact us</A></TD>
<TD valign="top">
<H2>{title}</H2>
<I>Posted {ago} by Jane Roe</I><BR><BR>
{body}
<P>{disclaimer}</P>
<FONT size="1">Printer friendly version | E-mail this story</FONT>
</TD>
<TD width="160" valign="top"><B>Advertisement</B><BR><A href="/ads/{hits}">{ad}</A><BR><BR>Hits: {hits}</TD>
</TR></TABLE>
<CENTER>Copyright 2006 Springfield Gazette. All rights reserved.</CENTER>
</BODY></HTML>"#,
        title = s.title,
        disclaimer = s.disclaimer,
    )
}

const DISCLAIMER: &str = "Reproduction of this story is permitted with a link to the Springfield Gazette; all other rights are reserved by the publisher.";

fn stories() -> Vec<(&'static str, Story)> {
    let s = |title: &str, ps: &[&str]| Story {
        title: title.into(),
        paragraphs: ps.iter().map(|p| p.to_string()).collect(),
        disclaimer: DISCLAIMER.into(),
    };
    vec![
        ("/news/mill", s("Council votes to close the old mill", &[
            "The Springfield city council voted 5 to 2 on Tuesday night to close the old textile mill on River Street, ending more than a century of production at the site.",
            "Mayor Ann Lee said the building had failed three safety inspections in the past year and that repairs, estimated at 4 million dollars, were beyond the city's means.",
            "At least 3 workers were injured last spring when part of the roof collapsed, the fire department said.",
            "Residents who spoke at the meeting were divided about what should replace the mill.",
        ])),
        ("/news/bridge", s("New bridge opens to traffic", &[
            "The new bridge over the Springfield River opened to traffic on Monday morning, two months ahead of schedule and slightly under budget.",
            "Engineers said the four-lane crossing would carry about 20,000 vehicles a day and cut the commute from the north side by a quarter of an hour.",
            "The old bridge, built in 1931, will be closed to cars and turned into a path for walkers and cyclists next year.",
        ])),
        ("/news/school", s("School board approves later start times", &[
            "The school board approved a plan on Thursday to start high school classes 45 minutes later from next autumn, citing research on teenagers' sleep.",
            "Parents were split: some welcomed the change, while others worried about after-school jobs and sports practice running late into the evening.",
            "The district will spend about 300,000 dollars on extra bus routes to make the new schedule work. Officials said the cost would be covered by savings elsewhere.",
            "A final review of the plan is scheduled for the spring.",
        ])),
        ("/news/library", s("Library to extend weekend hours", &[
            "The public library will stay open until 8 p.m. on Saturdays and open on Sunday afternoons starting next month, the library board announced on Wednesday.",
            "The longer hours are paid for by a grant from a local foundation and will be reviewed after a year.",
            "Librarians said weekend visits had doubled since the reading room was renovated last summer.",
        ])),
    ]
}

struct Site {
    server: Server,
    stories: Arc<Mutex<HashMap<String, Story>>>,
}

impl Site {
    fn start() -> Site {
        let server = Server::start();
        let stories = Arc::new(Mutex::new(HashMap::new()));
        for (i, (path, story)) in stories_list().into_iter().enumerate() {
            stories.lock().unwrap().insert(path.to_string(), story);
            let st = stories.clone();
            let p = path.to_string();
            server.set(
                path,
                Reply::dynamic(move |n| {
                    let s = st.lock().unwrap()[&p].clone();
                    Reply::html(table_page(&s, 1000 + i as u64, n))
                }),
            );
        }
        Site { server, stories }
    }

    fn edit(&self, path: &str, f: impl FnOnce(&mut Story)) {
        f(self.stories.lock().unwrap().get_mut(path).expect("a story"));
    }

    fn config(&self, extra: &str) -> String {
        let mut c: String = stories_list()
            .iter()
            .map(|(p, _)| format!("[[watch]]\nurl = \"{}\"\n\n", self.server.url(p)))
            .collect();
        c.push_str(&format!(
            "[[alert.webhook]]\nurl = \"{}\"\n\n{extra}",
            self.server.url("/hook")
        ));
        c
    }
}

fn stories_list() -> Vec<(&'static str, Story)> {
    stories()
}

fn versions(env: &Env, url: &str) -> Vec<Value> {
    env.json(&["history", url])
        .as_array()
        .expect("a list")
        .clone()
}

fn check_all(env: &Env) -> Value {
    env.json(&["check", "--all"])
}

#[test]
fn furniture_reroll_makes_no_version_and_every_real_edit_comes_through() {
    let site = Site::start();
    // a confirmation delay long enough for one pass's checks to see each
    // other's pages on a busy machine
    let env = Env::new(&site.config("[check]\nconfirm_delay = \"1s\"\n"));
    let s = env.json(&["check"]);
    assert_eq!(s["new_versions"], 4, "{s}");
    for round in 0..6 {
        let s = check_all(&env);
        assert_eq!(s["new_versions"], 0, "round {round}: {s}");
        assert_eq!(s["failed"], 0, "round {round}: {s}");
    }
    for (p, _) in stories_list() {
        let v = versions(&env, &site.server.url(p));
        assert_eq!(v.len(), 1, "{p}: {v:#?}");
    }

    // Every kind of real edit, one per article.
    site.edit("/news/mill", |s| {
        s.paragraphs[2] = s.paragraphs[2].replace("At least 3 workers", "At least 5 workers")
    });
    site.edit("/news/bridge", |s| {
        s.paragraphs[1] = s.paragraphs[1].replace("a quarter of an hour", "a third of an hour")
    });
    site.edit("/news/school", |s| {
        s.paragraphs[2] = s.paragraphs[2].replace(
            " Officials said the cost would be covered by savings elsewhere.",
            "",
        )
    });
    site.edit("/news/library", |s| {
        s.title = "Library to open on Sundays".into()
    });
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 4, "{s}");
    let hooks = site.server.hooks();
    assert_eq!(hooks.len(), 4, "{hooks:#?}");
    let diff_of = |path: &str| -> String {
        let url = site.server.url(path);
        let h = hooks
            .iter()
            .find(|h| h["article"]["url"] == url.as_str())
            .unwrap_or_else(|| panic!("no edit event for {path}: {hooks:#?}"));
        h["diff"].as_str().expect("a diff").to_string()
    };
    let mill = diff_of("/news/mill");
    assert!(mill.contains("At least [-3-]{+5+} workers"), "{mill}");
    let bridge = diff_of("/news/bridge");
    assert!(bridge.contains("[-quarter-]{+third+}"), "{bridge}");
    let school = diff_of("/news/school");
    assert!(
        school.contains("Officials said the cost would be covered by savings elsewhere-]"),
        "{school}"
    );
    let lib = hooks
        .iter()
        .find(|h| h["article"]["url"] == site.server.url("/news/library").as_str())
        .expect("library event");
    assert_eq!(lib["change"]["title_changed"], true, "{lib:#}");
    for h in &hooks {
        let d = h["diff"].as_str().unwrap_or("");
        for furniture in ["Hits", "ago by", "Advertisement", " from $"] {
            assert!(
                !d.contains(furniture),
                "furniture {furniture:?} in an edit diff:\n{d}"
            );
        }
    }
    // the change was confirmed by a second fetch, and that is on record
    let list = env.json(&["watch", "list"]);
    for w in list.as_array().expect("watches") {
        let c = &w["last_check"]["confirmation"];
        assert!(
            c["result"] == "agreed" || c["result"] == "noise_dropped",
            "{w:#}"
        );
    }

    // A new template line on every page of the outlet at once (and the
    // disclaimer's year ticking) is learned across the articles, not stored.
    for (p, _) in stories_list() {
        site.edit(p, |s| {
            s.disclaimer =
                "Reproduction permitted with a link. Contents copyright 2007 Springfield Gazette Media Group, all rights reserved.".into()
        });
    }
    for round in 0..4 {
        let s = check_all(&env);
        assert_eq!(s["new_versions"], 0, "round {round}: {s}");
    }
    assert_eq!(site.server.hooks().len(), 4, "no more alerts");

    // What was learned is listed for the outlet.
    let outlets = env.json(&["outlets", "--all"]);
    let outlet = site.server.addr.to_string();
    let t = outlets
        .as_array()
        .expect("outlets")
        .iter()
        .find(|t| t["outlet"] == outlet.as_str())
        .unwrap_or_else(|| panic!("outlet {outlet} in {outlets:#}"));
    assert_eq!(t["articles"], 4, "{t:#}");
    let rules = t["rules"].as_array().expect("rules");
    assert!(
        rules.iter().any(|r| r["origin"] == "recurring"
            && r["example"]
                .as_str()
                .is_some_and(|e| e.contains("Reproduction"))),
        "the disclaimer learned as recurring: {t:#}"
    );
    // the text of the stories is never a rule
    for r in rules {
        let e = r["example"].as_str().unwrap_or("");
        for (_, st) in stories_list() {
            assert!(
                !st.paragraphs.iter().any(|p| p == e),
                "a story paragraph became a rule: {r:#}"
            );
        }
    }
}

#[test]
fn an_edit_made_between_the_two_fetches_is_stored_at_the_next_check() {
    let server = Server::start();
    let story = Arc::new(Mutex::new(stories_list()[0].1.clone()));
    let st = story.clone();
    server.set(
        "/news/mill",
        Reply::dynamic(move |n| Reply::html(table_page(&st.lock().unwrap(), 7, n))),
    );
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{}\"\n",
        server.url("/news/mill")
    ));
    env.ok(&["check"]);
    let hits = server.hits("/news/mill");
    assert_eq!(hits, 2, "first version: a fetch and its confirmation");

    // The story changes on the next fetch and again right after it: the
    // two fetches of this check disagree on the paragraph.
    let st = story.clone();
    let base = hits;
    server.set(
        "/news/mill",
        Reply::dynamic(move |n| {
            let mut s = st.lock().unwrap().clone();
            let injured = if n == base + 1 { "4" } else { "5" };
            s.paragraphs[2] = s.paragraphs[2].replace("At least 3", &format!("At least {injured}"));
            Reply::html(table_page(&s, 7, n))
        }),
    );
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 0, "the fetches disagreed: {s}");
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 1, "the edit both fetches now show: {s}");
    let v = env.json(&["diff", &server.url("/news/mill")]);
    let text = v.to_string();
    assert!(text.contains("At least 5"), "{text}");
}

/// A headline edit that lands between the two fetches of one check (the
/// first fetch shows the old headline with some other change, the second
/// the new headline) is not learned away as an A/B variant: the check
/// stores nothing, and the next check stores the new headline.
#[test]
fn a_headline_edited_between_the_two_fetches_is_stored_at_the_next_check() {
    let server = Server::start();
    let story = Arc::new(Mutex::new(stories_list()[3].1.clone()));
    let st = story.clone();
    server.set(
        "/h",
        Reply::dynamic(move |n| Reply::html(table_page(&st.lock().unwrap(), 13, n))),
    );
    let env = Env::new(&format!("[[watch]]\nurl = \"{}\"\n", server.url("/h")));
    env.ok(&["check"]);
    let base = server.hits("/h");
    let st = story.clone();
    server.set(
        "/h",
        Reply::dynamic(move |n| {
            let mut s = st.lock().unwrap().clone();
            if n == base + 1 {
                // the old headline, and a line that is gone a moment later
                s.paragraphs[0].push_str(" A correction notice was briefly shown.");
            } else {
                s.title = "Library to open on Sundays from March".into();
            }
            Reply::html(table_page(&s, 13, n))
        }),
    );
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 0, "the fetches disagreed: {s}");
    let s = check_all(&env);
    assert_eq!(
        s["new_versions"], 1,
        "the new headline both fetches show: {s}"
    );
    let v = versions(&env, &server.url("/h"));
    assert_eq!(v.len(), 2);
    assert_eq!(v[1]["title"], "Library to open on Sundays from March");
}

#[test]
fn without_confirmation_a_change_costs_no_extra_request() {
    let server = Server::start();
    let story = Arc::new(Mutex::new(stories_list()[1].1.clone()));
    let st = story.clone();
    server.set(
        "/b",
        Reply::dynamic(move |n| Reply::html(table_page(&st.lock().unwrap(), 9, n))),
    );
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{}\"\n\n[check]\nconfirm = false\n",
        server.url("/b")
    ));
    env.ok(&["check"]);
    assert_eq!(server.hits("/b"), 1);
    story.lock().unwrap().paragraphs[0].push_str(" It was raining.");
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 1, "{s}");
    assert_eq!(server.hits("/b"), 2);
    let list = env.json(&["watch", "list"]);
    assert!(list[0]["last_check"]["confirmation"].is_null(), "{list:#}");
}

/// A headline A/B test: the outlet serves one of two headlines. The first
/// switch is a version like any headline edit; once an earlier headline
/// comes back, both are learned as the article's variants and the rotation
/// stores nothing more, while a third headline is still an edit.
#[test]
fn a_headline_that_comes_back_is_learned_as_a_variant() {
    let server = Server::start();
    let story = Arc::new(Mutex::new(stories_list()[2].1.clone()));
    let st = story.clone();
    server.set(
        "/ab",
        Reply::dynamic(move |n| Reply::html(table_page(&st.lock().unwrap(), 11, n))),
    );
    let env = Env::new(&format!("[[watch]]\nurl = \"{}\"\n", server.url("/ab")));
    env.ok(&["check"]);
    let a = story.lock().unwrap().title.clone();
    let b = "Schools get new roofs after a wet winter".to_string();
    story.lock().unwrap().title = b.clone();
    assert_eq!(
        check_all(&env)["new_versions"],
        1,
        "the first switch is a version"
    );
    story.lock().unwrap().title = a.clone();
    assert_eq!(
        check_all(&env)["new_versions"],
        0,
        "headline A is back: learned, not stored"
    );
    for round in 0..4 {
        story.lock().unwrap().title = if round % 2 == 0 { b.clone() } else { a.clone() };
        let s = check_all(&env);
        assert_eq!(s["new_versions"], 0, "round {round}: {s}");
    }
    story.lock().unwrap().title = "Schools close for a week of repairs".into();
    assert_eq!(
        check_all(&env)["new_versions"],
        1,
        "a third headline is an edit"
    );
    assert_eq!(versions(&env, &server.url("/ab")).len(), 3);
    let outlets = env.json(&["outlets", "--all"]);
    assert!(
        outlets.to_string().contains("\"headline\""),
        "the variants are listed: {outlets:#}"
    );
}

#[test]
fn a_person_marks_a_line_as_not_an_edit() {
    let server = Server::start();
    let weather = Arc::new(Mutex::new("Weather today: sunny, light wind from the west"));
    let w = weather.clone();
    let story = stories_list()[2].1.clone();
    server.set(
        "/s",
        Reply::dynamic(move |_| {
            let mut s = story.clone();
            // furniture no generic rule knows, stable within a check
            s.paragraphs.insert(1, w.lock().unwrap().to_string());
            Reply::html(table_page(&s, 11, 1))
        }),
    );
    let env = Env::new(&format!("[[watch]]\nurl = \"{}\"\n", server.url("/s")));
    let url = server.url("/s");
    env.ok(&["check"]);
    *weather.lock().unwrap() = "Weather today: heavy rain, flood warning in the valley";
    env.ok(&["check", "--all"]);
    assert_eq!(versions(&env, &url).len(), 2, "copydesk could not know");

    // The reviewer marks both lines as furniture of the outlet.
    let outlet = server.addr.to_string();
    for line in [
        "Weather today: sunny, light wind from the west",
        "Weather today: heavy rain, flood warning in the valley",
    ] {
        let out = env.ok(&["outlets", "add", &outlet, line]);
        assert!(out.contains("marked as not an edit"), "{out}");
    }
    let h = versions(&env, &url);
    assert_eq!(h[1]["furniture_only"], true, "{h:#?}");
    assert_eq!(h[0]["furniture_only"], false);
    let text = env.ok(&["history", &url]);
    assert!(text.contains("not an edit"), "{text}");

    // Later flips make no version.
    *weather.lock().unwrap() = "Weather today: sunny, light wind from the west";
    let s = check_all(&env);
    assert_eq!(s["new_versions"], 0, "{s}");

    // Listed, exported, imported, removable.
    let listed = env.json(&["outlets", &outlet]);
    let rules = listed[0]["rules"].as_array().expect("rules").clone();
    assert_eq!(
        rules.iter().filter(|r| r["origin"] == "person").count(),
        2,
        "{listed:#}"
    );
    let dump = env.ok(&["export"]);
    let rule_lines = dump
        .lines()
        .filter(|l| l.contains("\"type\":\"outlet-rule\""))
        .count();
    assert!(rule_lines >= 2, "{dump}");
    let fresh = Env::new("");
    let file = fresh.dir.path().join("dump.jsonl");
    std::fs::write(&file, &dump).expect("write");
    let out = fresh.ok(&["import", file.to_str().expect("path")]);
    assert!(
        out.contains(&format!("{rule_lines} outlet rules added")),
        "{out}"
    );
    let imported = fresh.json(&["outlets", &outlet]);
    assert_eq!(
        imported[0]["rules"].as_array().map(Vec::len),
        Some(rules.len())
    );

    let id = rules[0]["key"].as_str().expect("key");
    let out = env.ok(&["outlets", "overrule", &outlet, id]);
    assert!(out.contains("overruled"), "{out}");
    let out = env.ok(&["outlets", "forget", &outlet, id]);
    assert!(out.contains("forgotten"), "{out}");
    let bad = env.run(&["outlets", "forget", &outlet, id]);
    assert_eq!(
        bad.status.code(),
        Some(1),
        "a rule that is gone is not found"
    );
    let bad = env.run(&["outlets", "confirm", &outlet, "xyz"]);
    assert_eq!(
        bad.status.code(),
        Some(2),
        "a malformed id is a usage error"
    );
    let bad = env.run(&["outlets", "add", &outlet, "   "]);
    assert_eq!(bad.status.code(), Some(2), "an empty line is a usage error");
}

#[test]
fn the_daemon_stores_no_furniture_and_alerts_the_real_edit() {
    let site = Site::start();
    let env = Env::new(&format!(
        "[schedule]\ndefault = \"*/2 * * * * *\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n{}",
        site.config("[check]\nconfirm_delay = \"300ms\"\n")
    ));
    let mut d = Daemon::start(&env);
    let paths: Vec<&str> = stories_list().iter().map(|(p, _)| *p).collect();
    let hits = |s: &Server| paths.iter().map(|p| s.hits(p)).min().unwrap_or(0);
    // first versions (two fetches each), then at least four scheduled checks
    eventually(
        Duration::from_secs(60),
        "six fetches of every article",
        || hits(&site.server) >= 6,
    );
    assert!(site.server.hooks().is_empty(), "{:#?}", site.server.hooks());
    site.edit("/news/mill", |s| {
        s.paragraphs[2] = s.paragraphs[2].replace("At least 3 workers", "At least 5 workers")
    });
    eventually(Duration::from_secs(30), "the edit's alert", || {
        !site.server.hooks().is_empty()
    });
    let after = hits(&site.server);
    eventually(Duration::from_secs(30), "four more checks", || {
        hits(&site.server) >= after + 4
    });
    let hooks = site.server.hooks();
    assert_eq!(hooks.len(), 1, "{hooks:#?}");
    assert_eq!(
        hooks[0]["article"]["url"],
        site.server.url("/news/mill").as_str()
    );
    assert!(hooks[0]["diff"]
        .as_str()
        .is_some_and(|d| d.contains("{+5+}")));
    d.signal("-TERM");
    assert_eq!(d.wait(Duration::from_secs(20)).0, Some(0));
}
