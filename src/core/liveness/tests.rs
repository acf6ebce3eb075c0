use super::*;
use chrono::TimeZone;

fn article(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        ..Article::default()
    }
}

fn story() -> Article {
    article(
        "Council approves the harbour budget",
        &[
            "The city council approved the harbour budget on Tuesday after a long debate about dredging costs and the new ferry terminal.",
            "Opposition members argued that the plan leaves too little for maintenance of the old quay walls, which engineers called fragile.",
            "The mayor said the vote ends two years of delay and that work on the terminal will start in the spring if contracts are signed.",
            "Residents of the waterfront district had asked for noise limits during construction, and the council added them in an amendment.",
        ],
    )
}

fn lightly_edited() -> Article {
    let mut a = story();
    a.body[2] = a.body[2].replace("spring", "early spring");
    a
}

fn front_page() -> Article {
    article(
        "Harbour Times",
        &[
            "Weather: sunny spells with a chance of showers in the afternoon across the region, milder than yesterday.",
            "Sport: the local club won its third match in a row and now leads the table by two points ahead of the derby.",
            "Culture: the summer festival announced its programme with forty concerts over three weekends in the old town.",
        ],
    )
}

fn seen<'a>(a: Option<&'a Article>) -> PageSeen<'a> {
    PageSeen {
        status: 200,
        final_url: "https://news.example/story",
        redirected: false,
        permanent: None,
        same_outlet: true,
        to_front_page: false,
        article: a,
    }
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 0, 0, 0).unwrap()
}

#[test]
fn statuses_that_say_gone_and_those_that_say_nothing() {
    for (code, kind) in [
        (404, GoneKind::NotFound),
        (410, GoneKind::Gone),
        (451, GoneKind::Legal),
    ] {
        match failure_sighting(Some(code), "https://x.example/a", "HTTP") {
            Sighting::Gone(g) => {
                assert_eq!(g.kind, kind);
                assert_eq!(g.status, Some(code));
                assert_eq!(g.final_url, "https://x.example/a");
            }
            other => panic!("{code}: {other:?}"),
        }
    }
    for code in [
        Some(500),
        Some(502),
        Some(503),
        Some(504),
        Some(429),
        Some(403),
        None,
    ] {
        assert_eq!(
            failure_sighting(code, "https://x.example/a", "r"),
            Sighting::Unknown,
            "{code:?}"
        );
    }
}

#[test]
fn the_same_article_is_live_and_a_light_edit_too() {
    let t = Thresholds::default();
    let latest = story();
    assert_eq!(
        page_sighting(&seen(Some(&story())), Some(&latest), &t),
        Sighting::Live
    );
    let edited = lightly_edited();
    assert_eq!(
        page_sighting(&seen(Some(&edited)), Some(&latest), &t),
        Sighting::Live
    );
    // a complete rewrite at the same address is an edit, not a removal
    let other = front_page();
    assert_eq!(
        page_sighting(&seen(Some(&other)), Some(&latest), &t),
        Sighting::Live
    );
    // before the first version nothing can be gone
    assert_eq!(page_sighting(&seen(None), None, &t), Sighting::Live);
}

#[test]
fn a_page_without_article_or_a_soft_404_is_gone() {
    let t = Thresholds::default();
    let latest = story();
    match page_sighting(&seen(None), Some(&latest), &t) {
        Sighting::Gone(g) => assert_eq!(g.kind, GoneKind::NoArticle),
        o => panic!("{o:?}"),
    }
    let soft = article(
        "Page not found",
        &["Sorry, the page you were looking for could not be found. Try the search or go back to the home page."],
    );
    match page_sighting(&seen(Some(&soft)), Some(&latest), &t) {
        Sighting::Gone(g) => {
            assert_eq!(g.kind, GoneKind::SoftNotFound);
            assert_eq!(g.status, Some(200));
        }
        o => panic!("{o:?}"),
    }
    // a long article that quotes "not found" is an article
    let mut long = story();
    long.title = "Missing hiker not found after two days".into();
    for _ in 0..10 {
        long.body.push(story().body[0].clone());
    }
    assert!(!looks_not_found(&long));
}

#[test]
fn redirects_away_are_gone_and_permanent_ones_to_the_same_text_are_moves() {
    let t = Thresholds::default();
    let latest = story();
    let front = front_page();
    let mut p = seen(Some(&front));
    p.redirected = true;
    p.to_front_page = true;
    p.final_url = "https://news.example/";
    match page_sighting(&p, Some(&latest), &t) {
        Sighting::Gone(g) => {
            assert_eq!(g.kind, GoneKind::RedirectedAway);
            assert_eq!(g.final_url, "https://news.example/");
            assert!(g.reason.contains("front page"), "{}", g.reason);
        }
        o => panic!("{o:?}"),
    }
    let edited = lightly_edited();
    let mut p = seen(Some(&edited));
    p.redirected = true;
    p.final_url = "https://news.example/new-slug";
    // a temporary redirect to the same text: still live here
    assert_eq!(page_sighting(&p, Some(&latest), &t), Sighting::Live);
    p.permanent = Some(301);
    assert_eq!(
        page_sighting(&p, Some(&latest), &t),
        Sighting::Moved {
            to: "https://news.example/new-slug".into(),
            status: 301
        }
    );
    // to another outlet it is not a move of this watch
    p.same_outlet = false;
    assert_eq!(page_sighting(&p, Some(&latest), &t), Sighting::Live);
}

#[test]
fn removal_needs_the_configured_run_and_is_announced_once() {
    let gone = failure_sighting(Some(404), "https://x.example/a", "HTTP 404");
    let live_at = Some(t0() - chrono::Duration::hours(1));
    let (s1, e1) = step(None, &gone, t0(), live_at, 2);
    assert_eq!(e1, Transition::None);
    let s1 = s1.unwrap();
    assert_eq!((s1.checks, s1.removed, s1.since), (1, false, t0()));
    // a transient failure in between neither counts nor breaks the run
    let (s2, e2) = step(Some(&s1), &Sighting::Unknown, t0(), None, 2);
    assert_eq!((s2.as_ref(), e2), (Some(&s1), Transition::None));
    let later = t0() + chrono::Duration::hours(1);
    let (s3, e3) = step(Some(&s1), &gone, later, None, 2);
    assert_eq!(e3, Transition::Removed);
    let s3 = s3.unwrap();
    assert_eq!((s3.checks, s3.removed, s3.since), (2, true, t0()));
    assert_eq!(s3.last_live, live_at);
    // still gone: nothing more to say
    let (s4, e4) = step(Some(&s3), &gone, later, None, 2);
    assert_eq!(e4, Transition::None);
    assert_eq!(s4.as_ref().map(|s| s.checks), Some(3));
    // back
    let (s5, e5) = step(s4.as_ref(), &Sighting::Live, later, None, 2);
    assert_eq!(s5, None);
    assert!(matches!(e5, Transition::Restored(ref s) if s.since == t0()));
}

#[test]
fn a_live_sighting_ends_a_run_before_it_is_a_removal() {
    let gone = failure_sighting(Some(410), "u", "r");
    let (s1, _) = step(None, &gone, t0(), None, 3);
    let (s2, e2) = step(s1.as_ref(), &Sighting::Live, t0(), None, 3);
    assert_eq!((s2, e2), (None, Transition::None));
    // removed_after = 0 is read as 1
    let (_, e) = step(None, &gone, t0(), None, 0);
    assert_eq!(e, Transition::Removed);
}
