//! The control page, a 2000s table layout and div soup.

use super::super::rng::{group, Rng};
use super::{esc, Ctx, ADS, HEADLINES};

/// Furniture copydesk's extractor already handles: the control layout.
pub fn control(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mut menu = vec![
        "World", "Politics", "Society", "Opinion", "Science", "Sport",
    ];
    rng.shuffle(&mut menu);
    let menu: String = menu
        .iter()
        .map(|m| format!("<li><a href=\"/{}\">{m}</a></li>", m.to_lowercase()))
        .collect();
    let mut most: Vec<&str> = HEADLINES.to_vec();
    rng.shuffle(&mut most);
    let most: String = most[..4]
        .iter()
        .map(|h| format!("<li><a href=\"/x\">{}</a></li>", esc(h)))
        .collect();
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p>{p}</p>\n"))
        .collect();
    let nonce = rng.hex(12);
    let ts = format!("2026-11-30 {}", ctx.clock(rng));
    let views = 1000 + ctx.request * 37 + rng.range(0, 30);
    let title = ctx.title();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Daily Example</title>
<meta property="og:title" content="{title}">
<meta property="og:site_name" content="The Daily Example">
<meta name="author" content="{byline}">
<meta property="article:published_time" content="{published}">
<script nonce="{nonce}">window.__state = {{"session": "{nonce}"}};</script>
</head><body>
<header><nav><ul class="menu">{menu}</ul></nav><div class="clock">Updated {ts}</div></header>
<main><article>
<h1>{title}</h1>
<div class="meta"><span class="views">{views} views</span></div>
{body}</article>
<aside class="most-read"><h2>Most read</h2><ol>{most}</ol></aside>
</main>
<footer><p>&copy; The Daily Example. All rights reserved. Page generated {ts}.</p></footer>
<script nonce="{nonce}">track("{nonce}");</script>
</body></html>"#,
        byline = ctx.byline(),
        published = ctx.story.published,
    )
}

/// A 2000s table layout: story as text with `<BR><BR>`, "Posted N min ago
/// by ..." above, print/e-mail links below, an ad column with a rotating
/// link and a hit counter.
pub fn table_2000(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let nav: String = [
        "Home",
        "Local News",
        "Sports",
        "Business",
        "Obituaries",
        "Classifieds",
        "Weather",
        "Contact Us",
    ]
    .iter()
    .map(|n| {
        format!(
            "<A href=\"/{}.html\"><FONT color=\"#003366\">{n}</FONT></A><BR>\n",
            n.to_lowercase().replace(' ', "_")
        )
    })
    .collect();
    let story = ctx.paragraphs().join("<BR><BR>\n");
    let ad = esc(rng.pick(ADS));
    let ad2 = esc(rng.pick(ADS));
    let online = rng.range(12, 240);
    let hits = 10_000 + ctx.request * 53 + rng.range(0, 50);
    let mins = ctx.minutes_ago(rng);
    let rnd = rng.range(100_000, 999_999);
    format!(
        r##"<HTML>
<HEAD>
<TITLE>Valley Courier - {title}</TITLE>
<META http-equiv="Content-Type" content="text/html; charset=utf-8">
<SCRIPT language="JavaScript">var ord={rnd}; document.write('<IMG src="/cgi-bin/count.pl?ord=' + ord + '" width=1 height=1>');</SCRIPT>
</HEAD>
<BODY bgcolor="#FFFFFF" text="#000000" link="#003366" topmargin=0 leftmargin=0>
<TABLE width="100%" border=0 cellpadding=0 cellspacing=0>
<TR><TD colspan=3 bgcolor="#003366"><IMG src="/images/logo.gif" width=468 height=60 alt="Valley Courier">
<FONT color="#FFFFFF" size=1>Monday, November 30, 2026 | {online} users online</FONT></TD></TR>
<TR>
<TD width=140 valign=top bgcolor="#EEEEEE"><FONT face="Arial" size=2>
{nav}</FONT></TD>
<TD valign=top><FONT face="Verdana, Arial" size=4><B>{title}</B></FONT><BR>
<I>Posted {mins} min ago by {byline}</I><BR><BR>
<FONT face="Verdana, Arial" size=2>
{story}
</FONT><BR><BR>
<FONT size=1><A href="/print.cgi?story={path}">Printer friendly version</A> | <A href="/mail.cgi?story={path}">E-mail this story</A></FONT>
</TD>
<TD width=160 valign=top align=center><FONT size=1 color="#999999">Advertisement</FONT><BR>
<A href="/ads/click.cgi?ord={rnd}"><FONT size=2>{ad}</FONT></A><BR><BR>
<FONT size=1 color="#999999">Advertisement</FONT><BR>
<A href="/ads/click.cgi?ord={rnd}&amp;pos=2"><FONT size=2>{ad2}</FONT></A><BR><BR>
<FONT size=1>Hits: {hits}</FONT></TD>
</TR>
<TR><TD colspan=3 align=center><FONT size=1>Copyright &copy; 2001-2026 Valley Courier. All rights reserved.</FONT></TD></TR>
</TABLE>
</BODY>
</HTML>"##,
        title = ctx.title(),
        byline = ctx.byline(),
        path = esc(ctx.path),
    )
}

/// Nested divs with class names, inline share widgets and "N comments".
pub fn div_soup(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let comments = rng.range(0, 400);
    let shares = group(200 + ctx.request * 11 + rng.range(0, 9));
    let mut body = String::new();
    for (i, p) in ctx.paragraphs().iter().enumerate() {
        body.push_str(&format!(
            "<div class=\"txt-block\"><div class=\"txt\">{p}</div></div>\n"
        ));
        if i == 1 {
            body.push_str(&format!(
                "<div class=\"inline-share\"><div class=\"lbl\">Share this story</div><div class=\"btns\"><span class=\"b fb\">Facebook</span> <span class=\"b tw\">Twitter</span> <span class=\"b em\">Email</span></div><div class=\"cnt\">{shares} shares</div></div>\n"
            ));
        }
    }
    let mut popular: Vec<&str> = HEADLINES.to_vec();
    rng.shuffle(&mut popular);
    let popular: String = popular[..5]
        .iter()
        .map(|h| format!("<div class=\"pop-item\"><div class=\"pop-num\"></div><div class=\"pop-title\"><a href=\"/p\">{}</a></div></div>", esc(h)))
        .collect();
    let sid = rng.hex(10);
    format!(
        r##"<!DOCTYPE html>
<html><head><meta charset="utf-8"><title>{title} - Metro Wire</title>
<meta property="og:title" content="{title}"><meta property="og:site_name" content="Metro Wire">
<link rel="stylesheet" href="/css/main.css"></head>
<body class="page-article sid-{sid}">
<div id="wrapper"><div class="hdr"><div class="hdr-inner"><div class="logo"><a href="/">Metro Wire</a></div>
<div class="nav-wrap"><div class="nav"><div class="nav-item"><a href="/news">News</a></div><div class="nav-item"><a href="/sport">Sport</a></div><div class="nav-item"><a href="/money">Money</a></div><div class="nav-item"><a href="/life">Life</a></div></div></div></div></div>
<div class="content-wrap"><div class="row"><div class="col-main"><div class="story-wrap">
<div class="headline-box"><div class="hl">{title}</div></div>
<div class="meta-line"><div class="author">By {byline}</div>
<div class="share-bar"><div class="share-btn fb">Share</div><div class="share-btn tw">Tweet</div><div class="share-btn wa">WhatsApp</div></div>
<div class="cmt-count"><a href="#comments">{comments} comments</a></div></div>
<div class="story-body">
<div class="post-info">By {byline} | {comments} Comments</div>
{body}</div>
<div class="story-foot"><div class="cmt-count"><a href="#comments">{comments} comments</a></div><div class="tags"><div class="tag">{section}</div></div></div>
</div></div>
<div class="col-side"><div class="widget"><div class="w-title">Popular now</div><div class="w-body">{popular}</div></div></div>
</div></div>
<div class="ftr"><div class="ftr-inner">Metro Wire &middot; Terms &middot; Privacy</div></div></div>
</body></html>"##,
        title = ctx.title(),
        byline = ctx.byline(),
        section = esc(&ctx.story.section),
    )
}
