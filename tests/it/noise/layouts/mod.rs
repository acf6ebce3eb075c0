//! The page layouts of the noise corpus: each renders a story with its own
//! furniture, re-rolled on every request from the request's [`Rng`].
//!
//! A layout is one outlet. [`Layout::render`] returns the page as chunks:
//! one chunk for an ordinary page, several for a streamed one (the server
//! sends them with `Transfer-Encoding: chunked`, a pause between each).

mod classic;
mod live;
mod modern;
mod promo;
mod widgets;

use super::rng::Rng;
use super::Story;

/// One outlet's page layout.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Layout {
    /// Furniture copydesk already handles (shuffled menu, "N views",
    /// "Updated <date time>", a most-read list, script nonces): the control.
    Control,
    /// A 2000s table layout with `<BR><BR>` paragraphs, "Posted N min ago
    /// by ...", a rotating ad link and a hit counter.
    Table2000,
    /// Nested divs with class names, share widgets, "N comments".
    DivSoup,
    /// `<article>`, `<header>`, `<time>`, a shuffled most-read `<aside>`.
    Html5,
    /// An AMP page: `<amp-img>`, `<amp-ad>`, AMP boilerplate and analytics.
    Amp,
    /// React/Next.js streamed SSR: "Loading..." in the shell, the article in
    /// `<div hidden id="S:0">` swapped in by `$RC("B:0","S:0")`.
    StreamedSsr,
    /// A live blog: timestamped entries with "N min ago".
    LiveBlog,
    /// A per-request ad slot inside the article container.
    InlineAd,
    /// Relative times everywhere ("Updated N hours ago", "N min read").
    RelativeTimes,
    /// View, share, comment and like counters in header and footer.
    Counters,
    /// Teaser and promo headlines that flip between two variants.
    AbTeasers,
    /// Forms with CSRF tokens, "ref:" and "Request ID" lines, `?v=` assets,
    /// a "cache:" footer line.
    Nonces,
    /// "Last updated" clock, weather widget, stock ticker, "Trending now".
    Tickers,
    /// Reader comments under the article, re-sorted by votes on each load.
    Comments,
    /// The article's own headline A/B-tested per request (reported apart:
    /// not in the zero target).
    AbOwnHeadline,
}

impl Layout {
    /// Every layout, the separately reported [`Layout::AbOwnHeadline`] last.
    pub const ALL: [Layout; 15] = [
        Layout::Control,
        Layout::Table2000,
        Layout::DivSoup,
        Layout::Html5,
        Layout::Amp,
        Layout::StreamedSsr,
        Layout::LiveBlog,
        Layout::InlineAd,
        Layout::RelativeTimes,
        Layout::Counters,
        Layout::AbTeasers,
        Layout::Nonces,
        Layout::Tickers,
        Layout::Comments,
        Layout::AbOwnHeadline,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Layout::Control => "control",
            Layout::Table2000 => "table-2000s",
            Layout::DivSoup => "div-soup",
            Layout::Html5 => "semantic-html5",
            Layout::Amp => "amp",
            Layout::StreamedSsr => "streamed-ssr",
            Layout::LiveBlog => "live-blog",
            Layout::InlineAd => "in-article-ad",
            Layout::RelativeTimes => "relative-times",
            Layout::Counters => "counters",
            Layout::AbTeasers => "ab-teasers",
            Layout::Nonces => "nonces-csrf",
            Layout::Tickers => "tickers-widgets",
            Layout::Comments => "reader-comments",
            Layout::AbOwnHeadline => "ab-own-headline",
        }
    }

    /// In the "0 false versions, 0 missed edits" target? Everything but the
    /// own-headline A/B test, where each variant is a real headline.
    pub fn in_zero_target(self) -> bool {
        self != Layout::AbOwnHeadline
    }

    /// Does the corpus schedule edits on this layout? (Not on the own
    /// headline A/B test: its headline already changes on every load.)
    pub fn takes_edits(self) -> bool {
        self != Layout::AbOwnHeadline
    }

    /// The page for one request.
    pub fn render(self, ctx: &Ctx<'_>, rng: &mut Rng) -> Vec<String> {
        let one = |s: String| vec![s];
        match self {
            Layout::Control => one(classic::control(ctx, rng)),
            Layout::Table2000 => one(classic::table_2000(ctx, rng)),
            Layout::DivSoup => one(classic::div_soup(ctx, rng)),
            Layout::Html5 => one(modern::html5(ctx, rng)),
            Layout::Amp => one(modern::amp(ctx, rng)),
            Layout::StreamedSsr => modern::streamed_ssr(ctx, rng),
            Layout::LiveBlog => one(live::live_blog(ctx, rng)),
            Layout::RelativeTimes => one(live::relative_times(ctx, rng)),
            Layout::Counters => one(live::counters(ctx, rng)),
            Layout::InlineAd => one(promo::inline_ad(ctx, rng)),
            Layout::AbTeasers => one(promo::ab_teasers(ctx, rng)),
            Layout::AbOwnHeadline => one(promo::ab_own_headline(ctx, rng)),
            Layout::Nonces => one(widgets::nonces(ctx, rng)),
            Layout::Tickers => one(widgets::tickers(ctx, rng)),
            Layout::Comments => one(widgets::comments(ctx, rng)),
        }
    }
}

/// What a layout renders from.
pub struct Ctx<'a> {
    pub story: &'a Story,
    /// Headlines of the outlet's other articles (for its own teasers).
    pub siblings: Vec<&'a str>,
    /// The article's path on the outlet ("/news/2026/11/30/slug").
    pub path: &'a str,
    /// How many times this article was requested before (0 first).
    pub request: u64,
}

impl Ctx<'_> {
    /// Title and paragraphs HTML-escaped.
    pub fn title(&self) -> String {
        esc(&self.story.title)
    }
    pub fn paragraphs(&self) -> Vec<String> {
        self.story.paragraphs.iter().map(|p| esc(p)).collect()
    }
    pub fn byline(&self) -> String {
        esc(&self.story.byline)
    }
    /// Minutes since publication as a page shows them "now": grows with
    /// every request, by a random step, so two loads never agree.
    pub fn minutes_ago(&self, rng: &mut Rng) -> u64 {
        7 + self.request * 4 + rng.range(0, 3)
    }
    /// A wall clock that moves on between requests ("14:32").
    pub fn clock(&self, rng: &mut Rng) -> String {
        let m = 9 * 60 + 12 + self.request * 3 + rng.range(0, 2);
        format!("{:02}:{:02}", (m / 60) % 24, m % 60)
    }
    /// The same with seconds ("14:32:07").
    pub fn clock_secs(&self, rng: &mut Rng) -> String {
        format!("{}:{:02}", self.clock(rng), rng.range(0, 59))
    }
}

/// HTML-escape text for element content and attribute values.
pub fn esc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// Headlines of other stories, for most-read lists and teasers.
pub const HEADLINES: &[&str] = &[
    "Storm hits the coast as thousands lose power",
    "Markets rally on hopes of lower interest rates",
    "New bridge opens downtown after two years of works",
    "Local team wins the cup in extra time",
    "Five things to know about the new pension rules",
    "Celebrity chef opens restaurant in old fire station",
    "Why your energy bill could go up in January",
    "Police appeal for witnesses after jewellery shop raid",
    "Museum returns stolen paintings to their owners",
    "Airport strike: what travellers need to know",
    "The best walks to take this winter",
    "Scientists spot rare whale off the northern coast",
    "Minister under pressure over hospital waiting lists",
    "Concert hall to reopen after fire damage repaired",
    "How the city plans to plant ten thousand trees",
    "Review: a bold new staging of a classic opera",
];

/// Ad copy of very different lengths, as ad servers rotate it.
pub const ADS: &[&str] = &[
    "Cheap flights!",
    "Win a new car",
    "Refinance your mortgage today at rates as low as 3.9% APR. Click here for a free quote from our partners.",
    "Hot singles in your area",
    "This one weird trick cuts your heating bill in half - energy companies hate it!",
    "Discover the new Horizon SUV. Book a test drive at your local dealer today and get three years of free servicing included.",
    "Buy 2 get 1 free on all winter jackets",
    "Learn a language in 3 weeks. Start your free trial now and speak with confidence on your next trip abroad.",
    "Sale ends Sunday",
    "Local plumbers near you: compare quotes from trusted, reviewed tradespeople in minutes.",
];

/// Reader names for comments.
pub const NAMES: &[&str] = &[
    "jsmith42",
    "Marianne K.",
    "oldtimer",
    "RiverWatcher",
    "Dev P.",
    "anon_reader",
    "Greta",
    "TheRealBob",
    "Lucia M.",
    "NightOwl",
];
