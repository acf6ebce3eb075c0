use super::shape::{has_volatile, line_key, mask, shape};
use super::*;

fn art(title: &str, body: &[&str]) -> Article {
    Article {
        title: title.into(),
        body: body.iter().map(|s| s.to_string()).collect(),
        ..Article::default()
    }
}

fn at() -> DateTime<Utc> {
    DateTime::from_timestamp(1_700_000_000, 0).expect("valid time")
}

const P1: &str = "The Springfield city council voted 5 to 2 on Tuesday night to close the old textile mill on River Street.";
const P2: &str =
    "At least 3 people were injured when the roof collapsed, the fire department said.";
const P3: &str = "Residents who spoke at the meeting were divided about the plan.";

#[test]
fn shapes_mask_numbers_and_punctuation() {
    assert_eq!(shape("Hits: 75,606"), "hits #");
    assert_eq!(shape("Hits: 1234"), "hits #");
    assert_eq!(
        shape("Printer friendly version | E-mail this story"),
        "printer friendly version e mail this story"
    );
    assert_eq!(line_key("Hits: 75606"), line_key("HITS 12"));
    assert_ne!(line_key("Hits: 75606"), line_key("Views: 75606"));
}

#[test]
fn masks_only_volatile_parts() {
    // relative times anywhere, whatever the unit
    assert_eq!(
        mask("Posted 9 min ago by Jane Roe"),
        mask("Posted 2 hours ago by Jane Roe")
    );
    assert_eq!(mask("Updated yesterday"), mask("Updated 3 days ago"));
    // counters and clocks in short lines
    assert_eq!(mask("Hits: 75606"), mask("Hits: 75611"));
    assert_eq!(
        mask("1,204 views · 12 comments"),
        mask("1,318 views · 15 comments")
    );
    assert_eq!(
        mask("Last updated 10:47 GMT"),
        mask("Last updated 11:02 GMT")
    );
    assert_eq!(mask("5 min read"), mask("7 min read"));
    // story numbers stay
    assert_ne!(mask("3 dead"), mask("5 dead"));
    assert_ne!(mask(P2), mask(&P2.replace('3', "5")));
    // a counter inside a long sentence is story text
    let long = "The video, posted by the mayor's office on Monday, had 300 views by the evening, according to the city's own figures.";
    assert_ne!(mask(long), mask(&long.replace("300", "500")));
    // punctuation is kept
    assert_ne!(mask("Let's eat, grandma"), mask("Let's eat grandma"));
    assert!(!has_volatile(P1));
    assert!(has_volatile("Posted 9 min ago"));
}

#[test]
fn real_edits_are_never_the_same_text() {
    let t = Template::from_rules(&[
        Rule::new(Origin::Recurring, "Printer friendly version", at()),
        Rule::new(Origin::Ticking, "Hits: 1", at()),
    ]);
    let base = art(
        "Council votes to close the mill",
        &[P1, P2, P3, "Printer friendly version", "Hits: 75606"],
    );
    // furniture only: same
    let furniture = art(
        "Council votes to close the mill",
        &[P1, P2, P3, "Hits: 80000"],
    );
    assert!(t.same_text(&base, &furniture));
    let ticking = art(
        "Council votes to close the mill",
        &[P1, P2, P3, "Printer friendly version", "Hits: 75612"],
    );
    assert!(t.same_text(&base, &ticking));
    // a changed number in the story
    let number = art(
        "Council votes to close the mill",
        &[P1, &P2.replace("At least 3", "At least 5"), P3],
    );
    assert!(!t.same_text(&base, &number));
    // one word
    let word = art(
        "Council votes to close the mill",
        &[P1, P2, &P3.replace("divided", "united")],
    );
    assert!(!t.same_text(&base, &word));
    // a removed sentence
    let removed = art("Council votes to close the mill", &[P1, P3]);
    assert!(!t.same_text(&base, &removed));
    // a changed headline
    let headline = art("Council votes to keep the mill", &[P1, P2, P3]);
    assert!(!t.same_text(&base, &headline));
    // an added paragraph
    let added = art(
        "Council votes to close the mill",
        &[
            P1,
            P2,
            P3,
            "The mill's owner said he would appeal the decision in court.",
        ],
    );
    assert!(!t.same_text(&base, &added));
}

#[test]
fn overruled_and_inactive_rules_do_not_apply() {
    let mut overruled = Rule::new(Origin::Recurring, "Printer friendly version", at());
    overruled.verdict = Verdict::Overruled;
    let t = Template::from_rules(&[overruled]);
    assert!(!t.is_furniture("Printer friendly version"));
    // a noise line needs a second disagreement
    let long = "Sponsored: the best mortgage rates in the country this week, compare offers from twenty banks and save money today with our free tool";
    let once = Rule::new(Origin::Noise, long, at());
    assert!(!once.active());
    let twice = once.clone().merge(&Rule::new(Origin::Noise, long, at()));
    assert!(twice.active());
    assert!(!Rule::new(Origin::Noise, "Request ID: 8f3a2c", at()).active());
    // a person's confirmation wins over the learned origin
    let person = Rule::new(Origin::Noise, long, at()).merge(&Rule::new(Origin::Person, long, at()));
    assert_eq!(person.verdict, Verdict::Confirmed);
    assert!(person.active());
}

#[test]
fn a_template_never_empties_an_article() {
    let t = Template::from_rules(&[Rule::new(Origin::Recurring, P1, at())]);
    let a = art("T", &[P1]);
    assert_eq!(t.apply(&a).article.body, vec![P1.to_string()]);
    let b = art("T", &[P1, P2]);
    assert_eq!(t.apply(&b).article.body, vec![P2.to_string()]);
    assert_eq!(t.apply(&b).dropped, 1);
}

#[test]
fn two_fetches_agree_on_what_both_have() {
    let t = Template::default();
    let a = art(
        "Mill closes",
        &[
            P1,
            "Advertisement: cheap flights to anywhere",
            P2,
            "Hits: 75606",
            P3,
        ],
    );
    let b = art(
        "Mill closes",
        &[
            P1,
            P2,
            "Hits: 75607",
            P3,
            "Advertisement: best mortgage rates",
        ],
    );
    // a first version: what both fetches have
    let g = agree(None, &a, &b, &t, &|_| false);
    // the counter's line is the same line with its number masked
    assert_eq!(g.article.body, vec![P1, P2, "Hits: 75606", P3]);
    let mut noise = g.noise.clone();
    noise.sort();
    assert_eq!(
        noise,
        vec![
            "Advertisement: best mortgage rates",
            "Advertisement: cheap flights to anywhere",
        ],
        "the counter ticked but its masked line is the same in both"
    );
    assert!(g.headlines.is_none());
    // against a stored version: only noise changed
    let stored = art("Mill closes", &[P1, P2, "Hits: 70000", P3]);
    let g = agree(Some(&stored), &a, &b, &t, &|_| false);
    assert!(t.same_text(&stored, &g.article), "{:?}", g.article.body);
}

#[test]
fn a_change_counts_only_where_both_fetches_make_it() {
    let t = Template::default();
    let s = art("Mill closes", &[P1, P2, P3]);
    let p2_4 = P2.replace("At least 3", "At least 4");
    let p2_5 = P2.replace("At least 3", "At least 5");
    // the story changed between the two fetches: keep what was stored
    let a = art("Mill closes", &[P1, &p2_4, P3]);
    let b = art("Mill closes", &[P1, &p2_5, P3, "Advertisement: sale"]);
    let g = agree(Some(&s), &a, &b, &t, &|_| false);
    assert_eq!(g.article.body, s.body);
    // both show it: the edit is taken
    let a = art("Mill closes", &[P1, &p2_5, P3, "Advertisement: shoes"]);
    let g = agree(Some(&s), &a, &b, &t, &|_| false);
    assert_eq!(g.article.body, vec![P1, p2_5.as_str(), P3]);
    // a stored ad that the fetches replace with others stays (not "removed")
    let s_ad = art("Mill closes", &[P1, "Advertisement: hats", P2, P3]);
    let a = art("Mill closes", &[P1, "Advertisement: shoes", P2, P3]);
    let b = art("Mill closes", &[P1, "Advertisement: coats", P2, P3]);
    assert!(t.same_text(&s_ad, &agree(Some(&s_ad), &a, &b, &t, &|_| false).article));
    // a paragraph removed in both fetches is removed; one fetch is not enough
    let a = art("Mill closes", &[P1, P3]);
    let b2 = art("Mill closes", &[P1, P3, "Advertisement: sale"]);
    assert_eq!(
        agree(Some(&s), &a, &b2, &t, &|_| false).article.body,
        vec![P1, P3]
    );
    let b3 = art("Mill closes", &[P1, P2, P3]);
    assert_eq!(
        agree(Some(&s), &a, &b3, &t, &|_| false).article.body,
        s.body
    );
    // an added paragraph needs both fetches
    let added = "The owner said he would appeal the decision in court next month.";
    let a = art("Mill closes", &[P1, P2, P3, added]);
    assert_eq!(
        agree(Some(&s), &a, &b3, &t, &|_| false).article.body,
        s.body
    );
    let b4 = art("Mill closes", &[P1, P2, P3, added]);
    assert_eq!(
        agree(Some(&s), &a, &b4, &t, &|_| false).article.body.len(),
        4
    );
    // headline A/B: the stored headline stays unless both show the new one
    let a = art("Mill shuts its doors", &[P1, P2, P3]);
    let g = agree(Some(&s), &a, &b3, &t, &|_| false);
    assert_eq!(g.article.title, "Mill closes");
    assert_eq!(
        g.headlines,
        Some(("Mill shuts its doors".into(), "Mill closes".into()))
    );
    // an ad from the outlet's pool that both fetches show by chance is not
    // added; the same line as story text of this article only would be
    let a6 = art("Mill closes", &[P1, P2, "Cheap flights!", P3]);
    let b6 = art("Mill closes", &[P1, P2, P3, "Cheap flights!"]);
    let pool = |l: &str| l == "Cheap flights!";
    assert_eq!(agree(Some(&s), &a6, &b6, &t, &pool).article.body, s.body);
    // ...nor removed when it was stored and both fetches lack it
    let s7 = art("Mill closes", &[P1, P2, "Cheap flights!", P3]);
    assert_eq!(agree(Some(&s7), &s, &s, &t, &pool).article.body, s7.body);
    assert_eq!(
        agree(Some(&s7), &s, &s, &t, &|_| false).article.body,
        s.body
    );
    assert_eq!(
        agree(Some(&s), &a6, &b6, &t, &|_| false).article.body.len(),
        4
    );
    let b5 = art("Mill shuts its doors", &[P1, P2, P3]);
    assert_eq!(
        agree(Some(&s), &a, &b5, &t, &|_| false).article.title,
        "Mill shuts its doors"
    );
}

#[test]
fn headline_variants_are_the_same_for_their_article_only() {
    let mut r1 = Rule::new(Origin::Headline, "Mill closes", at());
    r1.group = Some(7);
    let mut r2 = Rule::new(Origin::Headline, "Mill shuts its doors", at());
    r2.group = Some(7);
    let t = Template::from_rules(&[r1, r2]);
    assert!(t.same_title("Mill closes", "Mill shuts its doors"));
    assert!(!t.same_title("Mill closes", "Mill reopens"));
    // not a body rule
    assert!(!t.is_furniture("Mill closes"));
}

#[test]
fn recurring_needs_several_articles_and_a_share() {
    let mut s = SeenLine::default();
    s = s.seen_on(1, 1).seen_on(1, 1).seen_on(2, 2);
    assert!(!s.recurring(2));
    s = s.seen_on(3, 3);
    assert!(s.recurring(3));
    // three sightings among a hundred articles observed since: story text
    let mut rare = SeenLine::default().seen_on(1, 10);
    rare = rare.seen_on(2, 60).seen_on(3, 110);
    assert!(!rare.recurring(110));
    // ids are capped
    let mut many = SeenLine::default();
    for i in 0..100 {
        many = many.seen_on(i, i);
    }
    assert_eq!(many.articles.len(), SEEN_IDS_KEPT);
}

#[test]
fn a_line_of_one_article_goes_stale_beyond_the_horizon_and_restarts() {
    let once = SeenLine::default().seen_on(7, 10);
    assert!(!once.stale(10 + SIGHTING_HORIZON));
    assert!(once.stale(11 + SIGHTING_HORIZON));
    // beyond the horizon the count could never reach a share: the line
    // is not recurring however often it is seen from the old record
    let mut kept = once.clone();
    for i in 0..SEEN_IDS_KEPT as u64 {
        kept.articles.push(100 + i);
    }
    kept.articles.truncate(SEEN_IDS_KEPT);
    assert!(!kept.recurring(11 + SIGHTING_HORIZON));
    // shared by two articles: never stale (other articles show it)
    let shared = once.clone().seen_on(8, 11);
    assert!(!shared.stale(1_000));
    // a new sighting of a stale line counts afresh, and the line the
    // outlet now repeats on every article is learned
    let mut late = once.seen_on(20, 50);
    assert_eq!(late.articles, vec![20]);
    assert_eq!(late.outlet_articles_at_first, 50);
    late = late.seen_on(21, 51).seen_on(22, 52);
    assert!(late.recurring(52));
}

#[test]
fn ticking_lines_are_found() {
    let t = Template::default();
    let s = art("T", &[P1, "Posted 9 min ago by Jane Roe", P2]);
    let f = art(
        "T",
        &[P1, "Posted 2 hours ago by Jane Roe", &P2.replace('3', "4")],
    );
    assert_eq!(
        t.ticking_lines(&s, &f),
        vec!["Posted 2 hours ago by Jane Roe".to_string()]
    );
}

#[test]
fn observed_lines_are_distinct_and_short() {
    let long = "word ".repeat(MAX_RECURRING_WORDS + 1);
    let a = art("T", &[P1, "Hits: 1", "Hits: 2", &long]);
    let o = observe(&a);
    assert_eq!(o.len(), 2);
}
