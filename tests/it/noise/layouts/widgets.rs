//! Tokens and widgets: CSRF tokens and nonces, tickers and a weather
//! widget, reader comments.

use super::super::rng::{group, Rng};
use super::{esc, Ctx, HEADLINES, NAMES};

/// Cache-busting nonces and CSRF tokens: `?v=` asset URLs, hidden token
/// inputs in two forms, a visible "ref:" line in the article, a "Request
/// ID" and a "cache:" line in the footer.
pub fn nonces(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let v = rng.hex(8);
    let csrf = rng.hex(32);
    let csrf2 = rng.hex(32);
    let reference = rng.hex(6);
    let request_id = rng.uuid();
    let cache = rng.hex(12);
    let node = rng.range(1, 24);
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Civic Record</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Civic Record">
<meta name="csrf-token" content="{csrf}">
<link rel="stylesheet" href="/static/site.css?v={v}">
<script src="/static/app.js?v={v}" defer></script>
</head><body>
<header><a href="/">Civic Record</a>
<form class="search" action="/search" method="get"><input type="hidden" name="_t" value="{csrf2}"><input name="q" placeholder="Search"><button>Search</button></form></header>
<main><article class="story">
<h1>{title}</h1>
<p class="byline">By {byline}</p>
<img src="/media/lead.jpg?cb={v}" alt="">
{body}<p class="ref">ref: {reference}</p>
<form class="newsletter" action="/newsletter" method="post">
<input type="hidden" name="csrf_token" value="{csrf}"><input type="hidden" name="form_nonce" value="{cache}">
<label for="em">Get the morning briefing</label> <input id="em" type="email" name="email"> <button type="submit">Sign up</button>
</form>
</article></main>
<footer><p>Request ID: {request_id}</p><p>cache: {cache} &middot; served by web-{node}</p></footer>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}

/// A "Last updated" clock that ticks, a weather widget, a stock ticker and
/// a "Trending now" box between paragraphs.
pub fn tickers(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let clock = ctx.clock_secs(rng);
    let temp = rng.range(2, 14);
    let sky = rng.pick(&["Cloudy", "Light rain", "Sunny intervals", "Fog", "Showers"]);
    let mut ticker = String::new();
    for (name, base) in [("DAX", 15_234u64), ("FTSE 100", 7_401), ("CAC 40", 7_288)] {
        let up = rng.chance(1, 2);
        ticker.push_str(&format!(
            "<li>{name} {}.{:02} <span class=\"{}\">{}{}.{:02}%</span></li>",
            group(base + rng.range(0, 60)),
            rng.range(0, 99),
            if up { "up" } else { "down" },
            if up { "&#9650;" } else { "&#9660;" },
            rng.range(0, 1),
            rng.range(0, 99)
        ));
    }
    let up = rng.chance(1, 2);
    let quote = format!(
        "<div class=\"quote-box\"><p><a href=\"/markets/dax\">DAX</a> {}.{:02} <span>{}{}.{:02}%</span></p></div>\n",
        group(15_234 + rng.range(0, 60)),
        rng.range(0, 99),
        if up { "&#9650;" } else { "&#9660;" },
        rng.range(0, 1),
        rng.range(0, 99)
    );
    let mut trending: Vec<&str> = HEADLINES.to_vec();
    rng.shuffle(&mut trending);
    let trending: String = trending[..4]
        .iter()
        .map(|h| format!("<li><a href=\"/t\">{}</a></li>", esc(h)))
        .collect();
    let mut body = String::new();
    for (i, p) in ctx.paragraphs().iter().enumerate() {
        body.push_str(&format!("<p>{p}</p>\n"));
        if i == 0 {
            body.push_str(&quote);
        }
        if i == 2 {
            body.push_str(&format!(
                "<div class=\"trending-now\"><h3>Trending now</h3><ol>{trending}</ol></div>\n"
            ));
        }
    }
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Business Today</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Business Today">
</head><body>
<div class="ticker"><ul>{ticker}</ul></div>
<header><a href="/">Business Today</a> <span class="weather">Springfield {temp}&deg;C, {sky}</span></header>
<main><article>
<h1>{title}</h1>
<p class="byline">By {byline}</p>
<p class="last-updated">Last updated: {clock}</p>
{body}</article>
<aside class="markets"><h3>Markets</h3><ul>{ticker}</ul><p>Data delayed by 15 minutes. As of {clock}.</p></aside></main>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}

/// Reader comments (prose, like the article) re-sorted by votes on every
/// load, with more of them over time, and times that move.
pub const COMMENTS: &[&str] = &[
    "I have lived here for thirty years and I have never seen anything like this. The council should have acted much sooner.",
    "Good reporting, but I would like to know more about who made the decision and when they were warned.",
    "This is exactly what people were saying would happen last year, and nobody listened to them at the time.",
    "My neighbour works there and says the real story is very different from what the officials are telling the press.",
    "Can someone explain why this keeps happening? Every few years we read the same article with different names.",
    "Thoughts with everyone affected. The volunteers who turned up this morning deserve a medal.",
    "Another article without a single comment from the people who actually live with the consequences.",
    "The numbers in this story do not add up. I hope the paper follows up once the official report is published.",
];

pub fn comments(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let shown = (4 + ctx.request as usize / 3).min(COMMENTS.len());
    let mut list: Vec<(u64, usize)> = (0..shown).map(|i| (rng.range(0, 60), i)).collect();
    list.sort_by(|a, b| b.cmp(a));
    let mins = ctx.minutes_ago(rng);
    let comments: String = list
        .iter()
        .map(|&(votes, i)| {
            format!(
                "<div class=\"comment\"><div class=\"c-head\"><span class=\"c-user\">{}</span> <span class=\"c-time\">{} min ago</span></div><p class=\"c-text\">{}</p><div class=\"c-votes\">&#9650; {votes}</div></div>\n",
                NAMES[i % NAMES.len()],
                mins.saturating_sub(2 * i as u64),
                esc(COMMENTS[i])
            )
        })
        .collect();
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} - Town Crier</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Town Crier">
</head><body>
<header><a href="/">Town Crier</a></header>
<div class="main">
<div class="entry">
<h1 class="entry-title">{title}</h1>
<div class="entry-meta">By {byline}</div>
<div class="entry-content">
{body}</div>
</div>
<div id="comments" class="comments-area"><h3>{shown} thoughts on &ldquo;{title}&rdquo;</h3><p class="sort">Sorted by: Top</p>
{comments}</div>
</div>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}
