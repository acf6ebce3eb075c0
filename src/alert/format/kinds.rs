//! The readable parts of each kind of event ([`super::summarize`]): an
//! edit, a republication, an article removed, restored or moved.

use super::{
    class_name, excerpt, percent, plural, shorten, Linked, Summary, EXCERPT_LINES,
    EXCERPT_LINE_CHARS,
};
use crate::core::event::{
    EditEvent, MatchedArticle, MovedEvent, RemovedEvent, RepublicationEvent, RestoredEvent,
};

/// "HTTP 404" / "no HTTP answer".
fn status_words(status: Option<u16>) -> String {
    status.map_or_else(|| "no HTTP answer".into(), |s| format!("HTTP {s}"))
}

pub(super) fn summarize_removed(r: &RemovedEvent) -> Summary {
    let a = &r.answer;
    let mut facts = vec![
        format!("{} ({})", status_words(a.status), a.kind.replace('_', " ")),
        format!("gone since {}", r.gone_since),
        plural(r.checks as usize, "check", "checks"),
        format!("last version {}", r.last_version.number),
    ];
    if let Some(live) = &r.last_version.last_seen_live {
        facts.push(format!("last seen live {live}"));
    }
    if r.final_url != r.article.url {
        facts.push(format!("now at {}", r.final_url));
    }
    Summary {
        headline: format!("Removed: {}", r.article.title),
        title: r.article.title.clone(),
        outlet: r.article.outlet.clone(),
        url: r.article.url.clone(),
        facts: facts.join(" · "),
        excerpt: vec![shorten(&a.reason, EXCERPT_LINE_CHARS)],
        articles: Vec::new(),
        note: format!("{}, {}", r.article.outlet, a.kind.replace('_', " ")),
        id: r.id.clone(),
    }
}

pub(super) fn summarize_restored(r: &RestoredEvent) -> Summary {
    let text = if r.changed {
        "text changed (an edit follows)"
    } else {
        "text unchanged"
    };
    Summary {
        headline: format!("Restored: {}", r.article.title),
        title: r.article.title.clone(),
        outlet: r.article.outlet.clone(),
        url: r.article.url.clone(),
        facts: format!(
            "back after removal (gone since {}) · last version {} · {text}",
            r.gone_since, r.last_version.number
        ),
        excerpt: Vec::new(),
        articles: Vec::new(),
        note: r.article.outlet.clone(),
        id: r.id.clone(),
    }
}

pub(super) fn summarize_moved(m: &MovedEvent) -> Summary {
    let how = match (m.via.as_str(), m.status) {
        ("redirect", Some(s)) => format!("{s} redirect"),
        ("redirect", None) => "permanent redirect".into(),
        _ => "new canonical URL".into(),
    };
    Summary {
        headline: format!("Moved: {}", m.article.title),
        title: m.article.title.clone(),
        outlet: m.article.outlet.clone(),
        url: m.to_url.clone(),
        facts: format!(
            "{} → {} · {how} · version {}",
            m.from_url, m.to_url, m.version
        ),
        excerpt: Vec::new(),
        articles: Vec::new(),
        note: m.article.outlet.clone(),
        id: m.id.clone(),
    }
}

fn linked(role: &'static str, a: &MatchedArticle) -> Linked {
    Linked {
        role,
        title: a.title.clone(),
        outlet: a.outlet.clone(),
        url: a.url.clone(),
        first_seen: a.first_seen.clone(),
    }
}

pub(super) fn summarize_republication(r: &RepublicationEvent) -> Summary {
    let class = r.class.as_str();
    let similarity = percent(r.similarity);
    Summary {
        headline: format!(
            "Copied: «{}» ({}) republished by {}",
            r.original.title, r.original.outlet, r.copy.outlet
        ),
        title: r.original.title.clone(),
        outlet: r.copy.outlet.clone(),
        url: r.copy.url.clone(),
        facts: format!(
            "{class} · similarity {similarity} · containment {} · {}",
            percent(r.containment),
            plural(r.shared_paragraphs, "shared paragraph", "shared paragraphs")
        ),
        excerpt: Vec::new(),
        articles: vec![linked("Original", &r.original), linked("Copy", &r.copy)],
        note: format!("{class}, similarity {similarity}"),
        id: r.id.clone(),
    }
}

pub(super) fn summarize_edit(e: &EditEvent) -> Summary {
    let c = &e.change;
    let mut facts = vec![format!("version {} → {}", e.from_version, e.to_version)];
    if c.title_changed {
        facts.push("headline changed".into());
    }
    if c.paragraphs_changed > 0 {
        facts.push(format!(
            "{} changed",
            plural(c.paragraphs_changed, "paragraph", "paragraphs")
        ));
    }
    if c.paragraphs_added > 0 {
        facts.push(format!(
            "{} added",
            plural(c.paragraphs_added, "paragraph", "paragraphs")
        ));
    }
    if c.paragraphs_removed > 0 {
        facts.push(format!(
            "{} removed",
            plural(c.paragraphs_removed, "paragraph", "paragraphs")
        ));
    }
    facts.push(format!("+{} −{} words", c.words_added, c.words_removed));
    Summary {
        headline: format!("Edited ({}): {}", class_name(c.class), e.article.title),
        title: e.article.title.clone(),
        outlet: e.article.outlet.clone(),
        url: e.article.url.clone(),
        facts: facts.join(" · "),
        excerpt: excerpt(&e.diff, EXCERPT_LINES),
        articles: Vec::new(),
        note: e.article.outlet.clone(),
        id: e.id.clone(),
    }
}
