//! Ads and headline tests: an in-article ad slot, A/B-tested teasers and
//! the article's own headline A/B-tested.

use super::super::rng::Rng;
use super::{esc, Ctx, ADS};

/// An "Advertisement" slot inside the article container whose copy changes
/// on every request (of very different lengths), sometimes absent, and a
/// "Promoted" line at the end.
pub fn inline_ad(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let paras = ctx.paragraphs();
    let slots = [1usize, paras.len().saturating_sub(2).max(2)];
    let mut body = String::new();
    for (i, p) in paras.iter().enumerate() {
        body.push_str(&format!("<p>{p}</p>\n"));
        if slots.contains(&i) && rng.chance(2, 3) {
            body.push_str(&format!(
                "<div class=\"ad-slot\" data-ad-id=\"{}\"><p class=\"ad-label\">Advertisement</p><p class=\"ad-copy\">{}</p></div>\n",
                rng.hex(8),
                esc(rng.pick(ADS))
            ));
        }
    }
    let promoted = esc(rng.pick(ADS));
    let correlator = rng.range(1_000_000_000, 9_999_999_999);
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Harbor Gazette</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Harbor Gazette">
<meta name="author" content="{byline}">
<script>window.googletag = window.googletag || {{cmd: []}}; googletag.cmd.push(function() {{ googletag.pubads().set("correlator", "{correlator}"); }});</script>
</head><body>
<nav><a href="/">Harbor Gazette</a> <a href="/news">News</a> <a href="/harbor">Harbor</a></nav>
<div id="content"><div class="article-container">
<h1>{title}</h1>
<p class="byline">By {byline}</p>
{body}<p class="promoted">Promoted: {promoted}</p>
</div></div>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}

/// Teasers for other stories, each A/B-tested between two headlines and
/// two summaries on every request: one box inside the article, a list in
/// the sidebar.
pub const TEASERS: &[[(&str, &str); 2]] = &[
    [
        (
            "Why your rent could rise again next year",
            "Landlords say costs are up. Tenants say they cannot pay more.",
        ),
        (
            "Renters brace for another year of increases",
            "We asked five families how they are coping with the cost of housing.",
        ),
    ],
    [
        (
            "The village that refused to sell its river",
            "A small community has fought a water company for ten years.",
        ),
        (
            "Ten years of fighting for one river",
            "How a village took on a water company and what it cost them.",
        ),
    ],
    [
        (
            "Inside the race to build a better battery",
            "Engineers in three countries are chasing the same breakthrough.",
        ),
        (
            "The battery breakthrough everyone wants",
            "Who will win the race, and what it means for your next car.",
        ),
    ],
    [
        (
            "What the doctors did not tell you about sleep",
            "New research questions the eight-hour rule.",
        ),
        (
            "Is eight hours of sleep a myth?",
            "A new study suggests the answer depends on your age.",
        ),
    ],
];

pub fn ab_teasers(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mut flip = |t: &[(&'static str, &'static str); 2]| rng.pick(t);
    let (inline_h, inline_d) = flip(&TEASERS[(ctx.request % 2) as usize]);
    let side: Vec<(&str, &str)> = TEASERS.iter().map(&mut flip).collect();
    let paras = ctx.paragraphs();
    let mut body = String::new();
    for (i, p) in paras.iter().enumerate() {
        body.push_str(&format!("<p>{p}</p>\n"));
        if i == 0 {
            let (h, _) = flip(&TEASERS[2]);
            body.push_str(&format!(
                "<p class=\"read-next\"><strong>Read next:</strong> <a href=\"/p/2\">{}</a></p>\n",
                esc(h)
            ));
        }
        if i == 2 {
            body.push_str(&format!(
                "<aside class=\"promo-box\"><span class=\"promo-label\">Don't miss</span><a href=\"/p/1\"><h3>{}</h3><p>{}</p></a></aside>\n",
                esc(inline_h),
                esc(inline_d)
            ));
        }
    }
    let visitor = rng.uuid();
    let side: String = side
        .iter()
        .map(|(h, d)| {
            format!(
                "<li><a href=\"/p\"><h4>{}</h4><p>{}</p></a></li>",
                esc(h),
                esc(d)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Morning Star Online</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Morning Star Online">
<script>window.optimizely = window.optimizely || []; window.optimizely.push({{"type": "user", "visitorId": "{visitor}"}});</script>
</head><body>
<header><a href="/">Morning Star Online</a></header>
<div class="layout"><main><article>
<h1>{title}</h1><p class="byline">By {byline}</p>
{body}</article></main>
<aside class="recommended"><h2>Recommended for you</h2><ul>{side}</ul></aside></div>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}

/// A clean page whose own headline is A/B-tested: each request serves the
/// story's title or its alternative at random (in `<title>`, `og:title`,
/// JSON-LD and `<h1>` alike, as a headline-testing tool does).
pub fn ab_own_headline(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let title = if rng.chance(1, 2) {
        esc(&ctx.story.title)
    } else {
        esc(&ctx.story.alt_title)
    };
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Evening Express</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Evening Express">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}","datePublished":"{published}"}}</script>
<script>window.abVariant = "{variant}";</script>
</head><body>
<header><a href="/">Evening Express</a></header>
<article><h1>{title}</h1><p class="byline">By {byline}</p>
{body}</article>
</body></html>"#,
        byline = ctx.byline(),
        published = ctx.story.published,
        variant = rng.hex(6),
    )
}
