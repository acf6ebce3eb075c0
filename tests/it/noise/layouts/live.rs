//! A live blog, a page full of relative times, a page full of counters.

use super::super::rng::{group, Rng};
use super::{esc, Ctx, HEADLINES, NAMES};

/// A live blog: entries newest first, each with its clock time and "N min
/// ago", a "Last updated" line, a readers-now counter and, on some loads,
/// a "new updates" bar. A real edit is a new entry or a corrected one.
pub fn live_blog(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let now = ctx.minutes_ago(rng);
    let n = ctx.story.paragraphs.len() as u64;
    let mut entries = String::new();
    for (j, p) in ctx.paragraphs().iter().enumerate().rev() {
        let at = 8 * 60 + 19 * j as u64;
        let ago = now + 19 * (n - 1 - j as u64);
        let ago = if ago >= 60 {
            format!("{}h {}m ago", ago / 60, ago % 60)
        } else {
            format!("{ago} min ago")
        };
        entries.push_str(&format!(
            "<div class=\"lb-entry\" id=\"e{j}\"><div class=\"lb-time\"><time datetime=\"2026-11-30T{:02}:{:02}:00Z\">{:02}:{:02}</time> <span class=\"lb-ago\">{ago}</span></div><div class=\"lb-body\"><p>{p}</p></div><div class=\"lb-share\">Share</div></div>\n",
            at / 60, at % 60, at / 60, at % 60
        ));
    }
    let readers = group(rng.range(800, 25_000));
    let bar = if rng.chance(1, 2) {
        format!(
            "<div class=\"lb-new\"><button>{} new updates - click to refresh</button></div>",
            rng.range(1, 9)
        )
    } else {
        String::new()
    };
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>LIVE: {title} - Capital Live</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Capital Live">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"LiveBlogPosting","headline":"{title}","coverageStartTime":"{published}","author":{{"@type":"Person","name":"{byline}"}}}}</script>
</head><body>
<header><a href="/">Capital Live</a></header>
<main class="liveblog">
<div class="lb-head"><span class="badge">LIVE</span><h1>{title}</h1>
<p class="lb-meta">By {byline} &middot; Last updated {now} min ago &middot; {readers} reading now</p></div>
{bar}
<div class="lb-entries">
{entries}</div>
</main>
<footer>&copy; Capital Live</footer>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
        published = ctx.story.published,
    )
}

/// Relative times everywhere: "Updated N minutes ago", "Published N hours
/// ago", comment times, related stories "N days ago". The reading time is
/// computed from the text, as sites do, so it moves only with an edit.
pub fn relative_times(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mins = ctx.minutes_ago(rng);
    let hours = 2 + (ctx.request + rng.range(0, 3)) / 3;
    let words: usize = ctx
        .story
        .paragraphs
        .iter()
        .map(|p| p.split_whitespace().count())
        .sum();
    let read = words.div_ceil(200).max(1);
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    let mut comments = String::new();
    for (i, text) in [
        "Thanks for the clear reporting on this.",
        "I was there this morning and it was much worse than the pictures show.",
        "Who is going to pay for all of this in the end?",
    ]
    .iter()
    .enumerate()
    {
        comments.push_str(&format!(
            "<li class=\"c\"><b>{}</b> <span class=\"c-when\">{} min ago</span><p>{text}</p></li>",
            NAMES[(i + ctx.story.paragraphs.len()) % NAMES.len()],
            mins / 2 + 3 * i as u64 + rng.range(0, 4)
        ));
    }
    let related: String = HEADLINES[..4]
        .iter()
        .map(|h| {
            format!(
                "<li><a href=\"/r\">{}</a> <span class=\"ago\">{} days ago</span></li>",
                esc(h),
                rng.range(1, 9)
            )
        })
        .collect();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} | Daily Bulletin</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Daily Bulletin">
<meta property="article:published_time" content="{published}">
</head><body>
<div class="top"><a href="/">Daily Bulletin</a> <span class="edition">Updated {mins} minutes ago</span></div>
<div class="article">
<h1>{title}</h1>
<div class="byline">By {byline} &middot; Published {hours} hours ago &middot; {read} min read</div>
<div class="article-body">
<p class="post-meta">{read} min read &middot; {hours} hours ago</p>
{body}<p class="updated"><em>Updated {mins} minutes ago</em></p>
</div>
<section class="comments"><h3>Comments</h3><ul>{comments}</ul></section>
</div>
<aside><h3>More stories</h3><ul>{related}</ul></aside>
</body></html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
        published = ctx.story.published,
    )
}

/// Counters in the article header and footer: views, shares, comments,
/// likes, "reading now", helpful votes.
pub fn counters(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let t = ctx.request;
    let views = group(20_000 + t * 311 + rng.range(0, 300));
    let shares = group(1_000 + t * 17 + rng.range(0, 16));
    let comments = 40 + t + rng.range(0, 2);
    let likes = format!(
        "{:.1}K",
        (2_000 + t * 40 + rng.range(0, 39)) as f64 / 1000.0
    );
    let reading = rng.range(20, 900);
    let (yes, no) = (100 + t * 3 + rng.range(0, 2), 4 + t / 4);
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    format!(
        r##"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">
<title>{title} - Signal Post</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Signal Post">
</head><body>
<header class="masthead"><a href="/">Signal Post</a></header>
<article class="post">
<h1 class="post-title">{title}</h1>
<div class="post-meta"><span class="author">{byline}</span>
<ul class="stats"><li class="views">{views} views</li><li class="shares">{shares} shares</li><li class="comments">{comments} comments</li><li class="likes">{likes} likes</li></ul></div>
<div class="post-content">
<p class="now-reading">{reading} people are reading this right now</p>
{body}</div>
<div class="post-footer">
<p class="helpful">Was this article helpful? Yes ({yes}) No ({no})</p>
<p class="stats-line">Views: {views} | Shares: {shares} | Comments: {comments}</p>
<a class="share" href="/share">Share ({shares})</a> <a class="cmt" href="#c">Comments ({comments})</a>
</div>
</article>
</body></html>"##,
        title = ctx.title(),
        byline = ctx.byline(),
    )
}
