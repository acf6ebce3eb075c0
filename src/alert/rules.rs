//! Which events a sink wants: kinds, minimum change class, headline-only,
//! outlets, watched URLs and watch labels (each included or excluded).
//! Applied when an event is queued, so a dropped event never enters the
//! sink's outbox.

pub use crate::config::SinkRules;
use crate::core::event::Event;

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
    /// Does an event about a watch with this label pass these rules?
    ///
    /// An edit is about one article. A republication is about two, and
    /// `outlets`/`watches` include it when either article's outlet/URL is
    /// listed, `exclude_outlets`/`exclude_watches` drop it when either is
    /// listed (a desk following its own outlet hears of copies of its
    /// stories and of its copies of others'; an excluded outlet is never
    /// mentioned). `min_class` and `headline_only` are edit classes and
    /// do not apply to republications (use `events` to drop them).
    pub fn accepts(&self, event: &Event, label: Option<&str>) -> bool {
        if !included(&self.events, Some(event.kind())) {
            return false;
        }
        if !included(&self.labels, label) || excluded(&self.exclude_labels, label) {
            return false;
        }
        match event {
            Event::Edit(e) => {
                let url = Some(e.article.url.as_str());
                let outlet = Some(e.article.outlet.as_str());
                included(&self.watches, url)
                    && !excluded(&self.exclude_watches, url)
                    && self.min_class.is_none_or(|min| e.change.class >= min)
                    && (!self.headline_only || e.change.title_changed)
                    && included(&self.outlets, outlet)
                    && !excluded(&self.exclude_outlets, outlet)
            }
            // `removed`, `restored`, `moved`: about one article, like an
            // edit; `min_class` and `headline_only` are edit classes and do
            // not apply. A move is watched under either of its URLs.
            Event::Removed(_) | Event::Restored(_) | Event::Moved(_) => {
                let Some(a) = event.article() else {
                    return false;
                };
                let mut urls = vec![a.url.as_str()];
                if let Event::Moved(m) = event {
                    urls.push(m.from_url.as_str());
                }
                let outlet = Some(a.outlet.as_str());
                urls.iter().any(|u| included(&self.watches, Some(u)))
                    && !urls
                        .iter()
                        .any(|u| excluded(&self.exclude_watches, Some(u)))
                    && included(&self.outlets, outlet)
                    && !excluded(&self.exclude_outlets, outlet)
            }
            Event::Republication(r) => {
                let urls = [r.original.url.as_str(), r.copy.url.as_str()];
                let outlets = [r.original.outlet.as_str(), r.copy.outlet.as_str()];
                let any_included = |list: &Option<Vec<String>>, v: [&str; 2]| {
                    v.iter().any(|x| included(list, Some(x)))
                };
                let any_excluded =
                    |list: &[String], v: [&str; 2]| v.iter().any(|x| excluded(list, Some(x)));
                any_included(&self.watches, urls)
                    && !any_excluded(&self.exclude_watches, urls)
                    && any_included(&self.outlets, outlets)
                    && !any_excluded(&self.exclude_outlets, outlets)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    /// The rules of a `[[alert.log]]` sink with these keys, as the config
    /// parses them (watched URLs normalized there).
    fn rules_of(keys: &str) -> SinkRules {
        let text = format!("[[alert.log]]\n{keys}\n");
        let c = crate::config::Config::parse(&text, std::path::Path::new("t.toml"))
            .expect("a valid config");
        c.alert.sinks()[0].common().rules
    }

    // The sample republication: https://example.com/story (example.com)
    // copied as https://other.example.org/news/budget (example.org).

    #[test]
    fn a_republication_is_included_by_either_outlet_and_excluded_by_either() {
        let e = republication("T", MatchClass::Copy);
        let outlets = |l: &[&str]| SinkRules {
            outlets: Some(l.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        assert!(
            outlets(&["example.com"]).accepts(&e, None),
            "the original's outlet"
        );
        assert!(
            outlets(&["example.org"]).accepts(&e, None),
            "the copy's outlet"
        );
        assert!(!outlets(&["news.example"]).accepts(&e, None), "neither");
        let exclude = |l: &[&str]| SinkRules {
            exclude_outlets: l.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        };
        assert!(
            !exclude(&["example.com"]).accepts(&e, None),
            "the original's outlet"
        );
        assert!(
            !exclude(&["example.org"]).accepts(&e, None),
            "the copy's outlet"
        );
        assert!(exclude(&["news.example"]).accepts(&e, None), "neither");
        let both = SinkRules {
            outlets: Some(vec!["example.com".into()]),
            exclude_outlets: vec!["example.org".into()],
            ..Default::default()
        };
        assert!(!both.accepts(&e, None), "an exclusion wins");
    }

    #[test]
    fn a_republication_is_watched_by_either_url() {
        let e = republication("T", MatchClass::Partial);
        let watches = |l: &[&str]| rules_of(&format!("watches = {l:?}"));
        assert!(
            watches(&["https://EXAMPLE.com/story"]).accepts(&e, None),
            "the original"
        );
        assert!(
            watches(&["https://other.example.org/news/budget"]).accepts(&e, None),
            "the copy"
        );
        assert!(
            !watches(&["https://news.example/story"]).accepts(&e, None),
            "neither"
        );
        let exclude = |l: &[&str]| rules_of(&format!("exclude_watches = {l:?}"));
        assert!(
            !exclude(&["https://example.com/story"]).accepts(&e, None),
            "the original"
        );
        assert!(
            !exclude(&["https://other.example.org/news/budget"]).accepts(&e, None),
            "the copy"
        );
        assert!(
            exclude(&["https://news.example/story"]).accepts(&e, None),
            "neither"
        );
    }

    #[test]
    fn edit_only_rules_do_not_apply_to_republications_but_kinds_and_labels_do() {
        let e = republication("T", MatchClass::Partial);
        let r = SinkRules {
            min_class: Some(ChangeClass::Correction),
            headline_only: true,
            ..Default::default()
        };
        assert!(r.accepts(&e, None), "min_class and headline_only ignored");
        let r = SinkRules {
            events: Some(vec!["edit".into()]),
            ..Default::default()
        };
        assert!(!r.accepts(&e, None));
        let r = SinkRules {
            events: Some(vec!["republication".into()]),
            ..Default::default()
        };
        assert!(r.accepts(&e, None));
        assert!(!r.accepts(&edit("T", ChangeClass::Typo, DIFF), None));
        let r = SinkRules {
            labels: Some(vec!["politics".into()]),
            exclude_labels: vec!["sport".into()],
            ..Default::default()
        };
        assert!(r.accepts(&e, Some("politics")));
        assert!(!r.accepts(&e, Some("sport")) && !r.accepts(&e, None));
    }

    #[test]
    fn lifecycle_kinds_are_selected_by_kind_url_and_outlet() {
        use crate::alert::format::tests::{moved, removed};
        let only = |k: &[&str]| SinkRules {
            events: Some(k.iter().map(|s| s.to_string()).collect()),
            ..Default::default()
        };
        assert!(only(&["removed"]).accepts(&removed(), None));
        assert!(!only(&["removed"]).accepts(&moved(), None));
        assert!(!only(&["edit"]).accepts(&removed(), None));
        assert!(only(&["moved", "restored"]).accepts(&moved(), None));
        // edit classes do not apply
        let r = SinkRules {
            min_class: Some(ChangeClass::Correction),
            headline_only: true,
            ..Default::default()
        };
        assert!(r.accepts(&removed(), None));
        // a move is watched under its old and its new URL
        let old = rules_of(r#"watches = ["https://news.example/story"]"#);
        let new = rules_of(r#"watches = ["https://news.example/new-story"]"#);
        let other = rules_of(r#"watches = ["https://news.example/other"]"#);
        assert!(old.accepts(&moved(), None) && new.accepts(&moved(), None));
        assert!(!other.accepts(&moved(), None));
        assert!(old.accepts(&removed(), None) && !other.accepts(&removed(), None));
        let ex = rules_of(r#"exclude_watches = ["https://news.example/story"]"#);
        assert!(!ex.accepts(&moved(), None) && !ex.accepts(&removed(), None));
        let outlet = SinkRules {
            exclude_outlets: vec!["news.example".into()],
            ..Default::default()
        };
        assert!(!outlet.accepts(&removed(), None));
    }

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

        let c = rules_of(r#"watches = ["https://NEWS.example/story"]"#);
        assert!(c.accepts(&typo, None), "normalized URL");
        let c = rules_of(r#"exclude_watches = ["https://news.example/story"]"#);
        assert!(!c.accepts(&typo, None));

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
