//! Extraction tests on small hand-written pages.

use super::*;

mod table_layout;

const PAGE: &str = r#"<!doctype html><html lang="en"><head>
    <title>Council approves new bridge | Springfield Times</title>
    <meta name="author" content="Ann Lee">
    <meta property="article:published_time" content="2024-01-05T10:00:00Z">
    <link rel="canonical" href="/2024/bridge">
    </head><body>
    <nav><a href="/">Home</a> <a href="/world">World</a> <a href="/sports">Sports</a></nav>
    <article>
      <h1>Council approves new bridge</h1>
      <p>The city council voted on Tuesday night to approve the construction of a new bridge over the river, ending years of debate about the crossing.</p>
      <p>The bridge, which will cost an estimated $40 million, is expected to open in 2027. Supporters said it would ease traffic in the downtown area.</p>
      <p class="promo">Subscribe to our newsletter for daily updates from the council and the city.</p>
      <p>Opponents argued that the money would be better spent on public transport, and several residents spoke against the plan during the meeting.</p>
    </article>
    <footer>Copyright 2024 Springfield Times</footer>
    </body></html>"#;

#[test]
fn extracts_body_and_metadata() {
    let a = extract(
        PAGE,
        Some("https://times.example/x?y=1"),
        &OutletRules::default(),
    )
    .unwrap();
    assert_eq!(a.title, "Council approves new bridge");
    assert_eq!(a.byline.as_deref(), Some("Ann Lee"));
    assert_eq!(a.published.as_deref(), Some("2024-01-05T10:00:00+00:00"));
    assert_eq!(
        a.canonical_url.as_deref(),
        Some("https://times.example/2024/bridge")
    );
    assert_eq!(a.language.as_deref(), Some("en"));
    assert!(
        a.body[0].starts_with("The city council voted"),
        "{:?}",
        a.body
    );
    assert!(a.body.iter().all(|p| !p.contains("Home World")));
    assert!(a.body.iter().all(|p| !p.trim().is_empty()));
}

#[test]
fn outlet_rules_refine() {
    let rules = OutletRules {
        body: vec!["article".into()],
        remove: vec!["h1".into(), ".promo".into()],
        ignore: vec![regex::Regex::new("^Opponents").unwrap()],
    };
    let a = extract(PAGE, None, &rules).unwrap();
    assert_eq!(a.body.len(), 2, "{:?}", a.body);
    assert!(a.body[1].starts_with("The bridge, which"));
    // An invalid selector is ignored, not a panic.
    let rules = OutletRules {
        body: vec!["[[[".into()],
        remove: vec!["::nonsense(".into()],
        ignore: vec![],
    };
    assert!(extract(PAGE, None, &rules).is_ok());
}

#[test]
fn repeated_captions_are_dropped() {
    let caption = "The mayor and the chief engineer walk across the old bridge before the vote on Tuesday evening";
    let quote = "We will not let the river cut this town in two again, the mayor told the packed hall on Monday";
    let recipe = "Portion: 1 cup rice, 2 eggs, 1 tsp oil, 3 tbsp sauce, 1 onion";
    let body: Vec<String> = vec![
        caption.into(),
        "The council approved the bridge.".into(),
        quote.into(),
        caption.into(),
        recipe.into(),
        recipe.into(),
        quote.into(),
        caption.into(),
        "Work starts next year.".into(),
    ];
    let (out, _) = clean_body(body, "", &[]);
    // The caption (three times) goes entirely, the pull quote (twice)
    // stays once, the repeated numeric line is content and stays twice.
    assert_eq!(
        out,
        vec![
            "The council approved the bridge.",
            quote,
            recipe,
            recipe,
            "Work starts next year.",
        ]
    );
}

#[test]
fn empty_page_is_no_article() {
    assert_eq!(
        extract("", None, &OutletRules::default()),
        Err(ExtractError::NoArticle)
    );
    assert_eq!(
        extract(
            "<html><body><div></div></body></html>",
            None,
            &OutletRules::default()
        ),
        Err(ExtractError::NoArticle)
    );
}

#[test]
fn guarded_runs_on_its_own_thread() {
    let a = extract_guarded(PAGE.to_string(), None, Arc::new(OutletRules::default())).unwrap();
    assert_eq!(a.title, "Council approves new bridge");
}

/// The comparison key keeps lowercase letters and digits only, for any
/// script (the ASCII fast path agrees with the general rule).
#[test]
fn keys_fold_case_and_drop_punctuation() {
    let general = |s: &str| -> String {
        s.chars()
            .filter(|c| c.is_alphanumeric())
            .flat_map(char::to_lowercase)
            .collect()
    };
    for s in [
        "Council Approves: New Bridge!",
        "İstanbul ÇAĞRI Ωmega",
        "ＦＵＬＬ width 123 ½",
        "日本語 — テキスト",
        "",
    ] {
        assert_eq!(key(s), general(s), "{s:?}");
    }
    assert_eq!(key("A-b C!"), "abc");
}

/// The word floor stops counting once reached and agrees with a full count.
#[test]
fn word_floor() {
    let body = vec!["one two three".to_string(), "four, five; six".to_string()];
    assert!(has_words(&body, 6));
    assert!(!has_words(&body, 7));
    assert!(!has_words(&[], 1));
}

/// An author box, form labels and a star-rating line inside the story's
/// container stay out of the body; the story's paragraphs stay in.
#[test]
fn author_box_labels_and_ratings_are_left_out() {
    let para = "The city council voted on Tuesday night to approve the construction of a new bridge over the river, ending years of debate about the crossing and the traffic it carries.";
    let html = format!(
        r#"<html><head><title>Bridge</title></head><body><article class="post">
        <p>{para}</p><p>{para} Supporters said it would ease traffic downtown.</p>
        <p>4.8 out of 5 stars 193 total reviews</p>
        <p>{para} Opponents said the money should go to buses.</p>
        <form><label for="n">Your first name and surname*</label><input id="n"></form>
        <div class="author-bio"><h4>Ann Lee</h4><p>Ann Lee is a reporter who has covered the city hall beat for ten years and lives in Springfield with two cats.</p><p>She was a teacher in Springfield before she joined the paper as a night editor.</p></div>
        </article></body></html>"#
    );
    let a = extract(&html, None, &OutletRules::default()).unwrap();
    assert_eq!(a.body.len(), 3, "{:?}", a.body);
    assert!(a.body.iter().all(|p| p.contains("city council")));
}

/// A page whose story is too short for readability's strict attempt goes
/// through its looser retries and still yields the story.
#[test]
fn short_story_goes_through_the_retry() {
    let html = r#"<html><head><title>Short</title></head><body>
        <div class="sidebar"><p>The council met on Tuesday to vote on the new bridge over the river.</p></div>
        </body></html>"#;
    let a = extract(html, None, &OutletRules::default()).unwrap();
    assert_eq!(
        a.body,
        vec!["The council met on Tuesday to vote on the new bridge over the river."]
    );
}

#[test]
fn readability_body_leaves_out_marked_teasers_and_complementary_columns() {
    let doc = Document::from(
        r#"<body><div id="a" role="complementary">More news</div><div id="b" role="Tooltip">A note</div>
        <div id="c" data-copydesk-teasers="">Cards</div><div id="d" role="main">Story</div><p id="e">Text</p></body>"#,
    );
    let skip = |id: &str| {
        let sel = doc.select(id);
        sel.nodes().first().is_some_and(readability_skip)
    };
    assert!(skip("#a"));
    assert!(skip("#b"));
    assert!(skip("#c"));
    assert!(!skip("#d"));
    assert!(!skip("#e"));
}
