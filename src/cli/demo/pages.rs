//! The demo's three sample outlets and what they serve as the demo runs:
//! pages whose furniture changes on every load, the original story (then
//! stealthily edited, then corrected), a whole copy at a second outlet and a
//! partial lift at a third, each listed in its outlet's feed once published.
//! Pure: an outlet, a load count and the time since the start in, HTML out.

use chrono::{DateTime, Utc};
use std::time::Duration;

/// When each step of the story happens, from the start of the demo.
pub const EDIT_AT: Duration = Duration::from_secs(6);
pub const CORRECTION_AT: Duration = Duration::from_secs(12);
pub const COPY_AT: Duration = Duration::from_secs(18);
pub const LIFT_AT: Duration = Duration::from_secs(24);
/// By then the last step has been checked, confirmed and alerted.
pub const STORY_TOLD: Duration = Duration::from_secs(32);
/// The original was published this long before the demo started (its
/// copies carry the time they appear).
pub const ORIGINAL_AGE: chrono::Duration = chrono::Duration::hours(3);

/// The three outlets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outlet {
    /// Publishes the story, edits it, corrects it.
    Harbour,
    /// Republishes it whole.
    Courier,
    /// Lifts two of its paragraphs into a column.
    Weekly,
}

impl Outlet {
    pub const ALL: [Outlet; 3] = [Outlet::Harbour, Outlet::Courier, Outlet::Weekly];

    pub fn name(self) -> &'static str {
        match self {
            Outlet::Harbour => "Daily Harbour",
            Outlet::Courier => "Coastal Courier",
            Outlet::Weekly => "Bay Weekly",
        }
    }

    /// Paths of the articles it has published by `elapsed`, oldest first
    /// (what its feed lists).
    pub fn articles(self, elapsed: Duration) -> Vec<&'static str> {
        match self {
            Outlet::Harbour => vec!["/bridge"],
            Outlet::Courier if elapsed >= COPY_AT => vec!["/cargo", "/bridge-closure"],
            Outlet::Courier => vec!["/cargo"],
            Outlet::Weekly if elapsed >= LIFT_AT => vec!["/festival", "/commute"],
            Outlet::Weekly => vec!["/festival"],
        }
    }
}

const TITLE: &str = "Harbour bridge to close for six months of repairs";
const TITLE_EDITED: &str = "Harbour bridge to close for a year of repairs";
const STORY: [&str; 5] = [
    "The harbour bridge will close to all traffic from March for repairs to its steel deck, the city's transport department said on Monday.",
    "Engineers found corrosion in several support beams during an inspection last autumn, and the department said the work could not wait.",
    "Buses will be diverted over the northern ring road, adding about fifteen minutes to journeys between the old town and the port.",
    "Shop owners near the bridge said they feared losing customers, and asked the city for help with rent during the closure.",
    "The department said it would publish a detailed timetable for the works and the diversions next week.",
];
const CORRECTION: &str =
    "Correction: An earlier version of this article said the closure would last six months. The department expects it to last a year.";
const CARGO: [&str; 2] = [
    "The port handled more containers in October than in any month on record, the port authority said, citing new routes to Asia and a busy harvest season.",
    "Officials expect volumes to stay high until the end of the year, although fuel prices remain a concern for shipping lines.",
];
const FESTIVAL: [&str; 2] = [
    "The autumn food festival returns to the fish market this weekend, with more than forty stalls and a cooking contest for local schools.",
    "Organisers said they expect about ten thousand visitors on Saturday alone and asked people to come by bicycle or on foot.",
];
const COLUMN: [&str; 3] = [
    "Every city has a piece of road that everyone takes for granted until it is gone, and for us it has always been the harbour bridge.",
    "Ask anyone at the bakery on Quay Street and they will tell you that the old town already feels further from the port than it did last year.",
    "Perhaps the closure is the push we needed to ride the ferry again; it was, after all, how our grandparents crossed the water every morning.",
];

/// A line inside the article that changes on every load (an unlabelled
/// promotion): only a second fetch tells it from the story.
const PROMOS: [&str; 5] = [
    "Ferry season tickets are on sale now at every harbour kiosk and online.",
    "Subscribe today and read every story from our newsroom for one euro.",
    "Our weekend market guide lists every stall, every band and every ferry time.",
    "Win two tickets to the harbour festival by answering one easy question today.",
    "The new city map shows every bus diversion and every cycle lane near you.",
];

/// An article: headline, published time and paragraphs.
struct Story {
    title: String,
    published: DateTime<Utc>,
    body: Vec<String>,
}

/// The story as the Daily Harbour shows it `elapsed` after the start.
fn original(elapsed: Duration, started: DateTime<Utc>) -> Story {
    let mut body: Vec<String> = STORY.iter().map(|s| s.to_string()).collect();
    let mut title = TITLE;
    if elapsed >= EDIT_AT {
        // the stealth edit: no note to readers
        title = TITLE_EDITED;
        body[0] = body[0].replace("for repairs", "for a full year of repairs");
    }
    if elapsed >= CORRECTION_AT {
        body.push(CORRECTION.into());
    }
    Story {
        title: title.into(),
        published: started - ORIGINAL_AGE,
        body,
    }
}

fn at(started: DateTime<Utc>, offset: Duration) -> DateTime<Utc> {
    started + chrono::Duration::from_std(offset).unwrap_or(chrono::Duration::zero())
}

fn story(outlet: Outlet, path: &str, elapsed: Duration, started: DateTime<Utc>) -> Option<Story> {
    let lines = |l: &[&str]| l.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    if !outlet.articles(elapsed).contains(&path) {
        return None;
    }
    Some(match (outlet, path) {
        (Outlet::Harbour, _) => original(elapsed, started),
        (Outlet::Courier, "/cargo") => Story {
            title: "Port authority reports record cargo volumes".into(),
            published: started - chrono::Duration::hours(5),
            body: lines(&CARGO),
        },
        (Outlet::Courier, _) => Story {
            // the edited story, copied whole under a headline of its own
            title: "Bridge closure: what drivers need to know".into(),
            published: at(started, COPY_AT),
            body: original(EDIT_AT, started).body,
        },
        (Outlet::Weekly, "/festival") => Story {
            title: "Food festival returns to the fish market".into(),
            published: started - chrono::Duration::hours(8),
            body: lines(&FESTIVAL),
        },
        (Outlet::Weekly, _) => Story {
            // a column of its own with two paragraphs of the story inside
            title: "Column: the bridge we took for granted".into(),
            published: at(started, LIFT_AT),
            body: vec![
                COLUMN[0].into(),
                STORY[1].into(),
                COLUMN[1].into(),
                STORY[2].into(),
                COLUMN[2].into(),
            ],
        },
    })
}

/// The page at `path` on load number `n`, `elapsed` after the start; `None`
/// is a 404. The menu order, the clock, the view counter, the "most read"
/// box and a promotion inside the article change on every load: none of
/// that is an edit.
pub fn page(
    outlet: Outlet,
    path: &str,
    n: u64,
    elapsed: Duration,
    started: DateTime<Utc>,
) -> Option<String> {
    let s = story(outlet, path, elapsed, started)?;
    let menu = ["News", "City", "Business", "Sport", "Culture"];
    let shift = (n as usize) % menu.len();
    let menu: String = menu[shift..]
        .iter()
        .chain(&menu[..shift])
        .map(|m| format!("<li><a href=\"/{m}\">{m}</a></li>"))
        .collect();
    let paras: String = s.body.iter().map(|p| format!("<p>{p}</p>")).collect();
    Some(format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title} | {name}</title>\
         <meta property=\"article:published_time\" content=\"{published}\"></head>\
         <body><nav><ul>{menu}</ul></nav><div class=\"clock\">Updated {secs} seconds ago</div>\
         <article><h1>{title}</h1><div class=\"meta\">{views} views</div>{paras}\
         <p>{promo}</p></article>\
         <aside><h2>Most read</h2><ol><li>Story {a}</li><li>Story {b}</li></ol></aside>\
         <footer>© {name}</footer></body></html>",
        title = s.title,
        name = outlet.name(),
        published = s.published.to_rfc3339(),
        secs = elapsed.as_secs(),
        views = 1000 + n * 37,
        promo = PROMOS[(n as usize) % PROMOS.len()],
        a = n % 7,
        b = (n + 3) % 7,
    ))
}

/// The outlet's RSS feed: its articles, newest first.
pub fn feed(outlet: Outlet, base: &str, elapsed: Duration, started: DateTime<Utc>) -> String {
    let items: String = outlet
        .articles(elapsed)
        .iter()
        .rev()
        .filter_map(|path| {
            let s = story(outlet, path, elapsed, started)?;
            Some(format!(
                "<item><title>{}</title><link>{base}{path}</link><pubDate>{}</pubDate></item>",
                s.title,
                s.published.to_rfc2822()
            ))
        })
        .collect();
    format!(
        "<?xml version=\"1.0\"?><rss version=\"2.0\"><channel><title>{}</title>\
         <link>{base}/</link><description>demo feed</description>{items}</channel></rss>",
        outlet.name()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_story_unfolds_in_order() {
        let t0 = Utc::now();
        let at = |s| Duration::from_secs(s);
        let h = |s| page(Outlet::Harbour, "/bridge", 1, at(s), t0).unwrap();
        assert!(h(0).contains(TITLE) && !h(0).contains("Correction"));
        assert!(h(EDIT_AT.as_secs()).contains(TITLE_EDITED));
        assert!(!h(EDIT_AT.as_secs()).contains("Correction"));
        assert!(h(CORRECTION_AT.as_secs()).contains("Correction"));
        assert!(page(Outlet::Courier, "/bridge-closure", 1, at(1), t0).is_none());
        let copy = page(Outlet::Courier, "/bridge-closure", 1, COPY_AT, t0).unwrap();
        assert!(copy.contains("a full year of repairs") && !copy.contains("Correction"));
        assert!(page(Outlet::Weekly, "/commute", 1, COPY_AT, t0).is_none());
        let lift = page(Outlet::Weekly, "/commute", 1, LIFT_AT, t0).unwrap();
        assert!(lift.contains(STORY[1]) && !lift.contains(STORY[0]));
        assert!(feed(Outlet::Courier, "http://x", COPY_AT, t0).contains("http://x/bridge-closure"));
        assert!(!feed(Outlet::Weekly, "http://x", COPY_AT, t0).contains("/commute"));
        assert!(EDIT_AT < CORRECTION_AT && CORRECTION_AT < COPY_AT && COPY_AT < LIFT_AT);
        assert!(LIFT_AT < STORY_TOLD);
    }

    #[test]
    fn furniture_changes_on_every_load_and_the_story_does_not() {
        let t0 = Utc::now();
        let a = page(Outlet::Harbour, "/bridge", 1, Duration::from_secs(1), t0).unwrap();
        let b = page(Outlet::Harbour, "/bridge", 2, Duration::from_secs(2), t0).unwrap();
        assert_ne!(a, b);
        for p in STORY {
            assert!(a.contains(p) && b.contains(p));
        }
    }
}
