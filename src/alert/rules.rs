//! Which events a sink wants: kinds, minimum change class, headline-only,
//! outlets, watched URLs and watch labels (each included or excluded).
//! Applied when an event is queued, so a dropped event never enters the
//! sink's outbox.

use crate::config::SinkCommon;
use crate::core::diff::ChangeClass;
use crate::core::event::Event;

/// A sink's rules.
#[derive(Debug, Clone, Default)]
pub struct SinkRules {
    pub events: Option<Vec<String>>,
    pub min_class: Option<ChangeClass>,
    pub headline_only: bool,
    pub outlets: Option<Vec<String>>,
    pub exclude_outlets: Vec<String>,
    /// Watched URLs, normalized as the store keeps them.
    pub watches: Option<Vec<String>>,
    pub exclude_watches: Vec<String>,
    pub labels: Option<Vec<String>>,
    pub exclude_labels: Vec<String>,
}

/// A URL as the store keys watches (parsed and re-serialized), or the text
/// itself when it does not parse.
fn normalize_url(u: &str) -> String {
    url::Url::parse(u.trim())
        .map(|u| u.to_string())
        .unwrap_or_else(|_| u.trim().to_string())
}

fn included(list: &Option<Vec<String>>, value: Option<&str>) -> bool {
    match list {
        None => true,
        Some(l) => value.is_some_and(|v| l.iter().any(|x| x == v)),
    }
}

fn excluded(list: &[String], value: Option<&str>) -> bool {
    value.is_some_and(|v| list.iter().any(|x| x == v))
}

impl SinkRules {
    pub fn from_config(c: &SinkCommon) -> SinkRules {
        SinkRules {
            events: c.events.clone(),
            min_class: c.min_class,
            headline_only: c.headline_only,
            outlets: c.outlets.clone(),
            exclude_outlets: c.exclude_outlets.clone(),
            watches: c
                .watches
                .as_ref()
                .map(|w| w.iter().map(|u| normalize_url(u)).collect()),
            exclude_watches: c.exclude_watches.iter().map(|u| normalize_url(u)).collect(),
            labels: c.labels.clone(),
            exclude_labels: c.exclude_labels.clone(),
        }
    }

    /// Does an event about a watch with this label pass these rules?
    pub fn accepts(&self, event: &Event, label: Option<&str>) -> bool {
        if !included(&self.events, Some(event.kind())) {
            return false;
        }
        let url = event.article_url();
        if !included(&self.watches, url) || excluded(&self.exclude_watches, url) {
            return false;
        }
        if !included(&self.labels, label) || excluded(&self.exclude_labels, label) {
            return false;
        }
        #[allow(unreachable_patterns)]
        match event {
            Event::Edit(e) => {
                let outlet = Some(e.article.outlet.as_str());
                self.min_class.is_none_or(|min| e.change.class >= min)
                    && (!self.headline_only || e.change.title_changed)
                    && included(&self.outlets, outlet)
                    && !excluded(&self.exclude_outlets, outlet)
            }
            // Kinds added later (republication): the edit-only rules do not
            // apply; outlets are checked on the payload's `article`/`copy`.
            #[allow(unreachable_patterns)]
            _ => {
                let p = event.to_payload();
                let outlet = p
                    .get("article")
                    .or_else(|| p.get("copy"))
                    .and_then(|a| a.get("outlet"))
                    .and_then(|o| o.as_str());
                included(&self.outlets, outlet) && !excluded(&self.exclude_outlets, outlet)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, DIFF};

    #[test]
    fn each_rule_includes_and_excludes() {
        let typo = edit("T", ChangeClass::Typo, DIFF);
        let headline = edit("T", ChangeClass::Headline, DIFF);
        let all = SinkRules::default();
        assert!(all.accepts(&typo, None));

        let r = SinkRules {
            min_class: Some(ChangeClass::Minor),
            ..Default::default()
        };
        assert!(!r.accepts(&typo, None), "typo dropped");
        assert!(r.accepts(&headline, None), "headline kept");

        let r = SinkRules {
            headline_only: true,
            ..Default::default()
        };
        assert!(!r.accepts(&typo, None) && r.accepts(&headline, None));

        let r = SinkRules {
            events: Some(vec!["republication".into()]),
            ..Default::default()
        };
        assert!(!r.accepts(&typo, None));

        let r = SinkRules {
            outlets: Some(vec!["other.example".into()]),
            ..Default::default()
        };
        assert!(!r.accepts(&typo, None));
        let r = SinkRules {
            exclude_outlets: vec!["news.example".into()],
            ..Default::default()
        };
        assert!(!r.accepts(&typo, None));

        let c = SinkCommon {
            watches: Some(vec!["https://NEWS.example/story".into()]),
            ..Default::default()
        };
        assert!(
            SinkRules::from_config(&c).accepts(&typo, None),
            "normalized URL"
        );
        let c = SinkCommon {
            exclude_watches: vec!["https://news.example/story".into()],
            ..Default::default()
        };
        assert!(!SinkRules::from_config(&c).accepts(&typo, None));

        let r = SinkRules {
            labels: Some(vec!["politics".into()]),
            ..Default::default()
        };
        assert!(r.accepts(&typo, Some("politics")));
        assert!(!r.accepts(&typo, Some("sport")));
        assert!(!r.accepts(&typo, None), "no label is not included");
        let r = SinkRules {
            exclude_labels: vec!["sport".into()],
            ..Default::default()
        };
        assert!(!r.accepts(&typo, Some("sport")));
        assert!(r.accepts(&typo, None) && r.accepts(&typo, Some("politics")));
    }
}
