//! Semantic HTML5, AMP and a React/Next.js streamed SSR page.

use super::super::rng::{group, Rng};
use super::{esc, Ctx, ADS, HEADLINES};

/// `<article>`, `<header>`, `<time>`, a shuffled most-read `<aside>`, a
/// figure, related links whose order changes.
pub fn html5(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let mut most: Vec<&str> = HEADLINES.to_vec();
    rng.shuffle(&mut most);
    let most: String = most[..6]
        .iter()
        .map(|h| format!("<li><a href=\"/news/{}\">{}</a></li>", h.len(), esc(h)))
        .collect();
    let mut related: Vec<&str> = ctx.siblings.clone();
    related.push(HEADLINES[rng.range(0, HEADLINES.len() as u64 - 1) as usize]);
    rng.shuffle(&mut related);
    let related: String = related
        .iter()
        .map(|h| format!("<li><a href=\"/r\">{}</a></li>", esc(h)))
        .collect();
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("    <p>{p}</p>\n"))
        .collect();
    let updated = ctx.clock(rng);
    format!(
        r#"<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>{title} | The Northern Ledger</title>
  <meta property="og:title" content="{title}">
  <meta property="og:site_name" content="The Northern Ledger">
  <meta property="article:published_time" content="{published}">
  <link rel="canonical" href="{path}">
</head>
<body>
  <header class="site-header"><a class="logo" href="/">The Northern Ledger</a>
    <nav aria-label="Sections"><ul><li><a href="/news">News</a></li><li><a href="/business">Business</a></li><li><a href="/culture">Culture</a></li><li><a href="/sport">Sport</a></li></ul></nav>
  </header>
  <main>
  <article>
    <header>
      <p class="kicker">{section}</p>
      <h1>{title}</h1>
      <p class="byline">By <a rel="author" href="/authors/x">{byline}</a></p>
      <p class="dates"><time datetime="{published}" pubdate>30 November 2026</time> &middot; <time class="updated">Updated {updated}</time></p>
    </header>
    <figure><img src="/media/lead.jpg" alt="" width="1200" height="675"><figcaption>The scene on Monday. Photo: Ledger staff</figcaption></figure>
{body}    <footer><h2>Related</h2><ul class="related">{related}</ul></footer>
  </article>
  <aside class="most-read" aria-label="Most read"><h2>Most read</h2><ol>{most}</ol></aside>
  </main>
  <footer class="site-footer"><p>The Northern Ledger, 1 Quay Street. Registered in England.</p></footer>
</body>
</html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
        published = ctx.story.published,
        section = esc(&ctx.story.section),
        path = esc(ctx.path),
    )
}

/// An AMP page: boilerplate, `<amp-img>`, an `<amp-ad>` between paragraphs
/// with a per-request slot and fallback text, `<amp-analytics>` config.
pub fn amp(ctx: &Ctx<'_>, rng: &mut Rng) -> String {
    let paras = ctx.paragraphs();
    let mut body = String::new();
    for (i, p) in paras.iter().enumerate() {
        body.push_str(&format!("<p>{p}</p>\n"));
        if i == 1 {
            body.push_str(&format!(
                "<amp-ad width=\"300\" height=\"250\" type=\"doubleclick\" data-slot=\"/2234/pocketnews/article/{}\" json='{{\"targeting\":{{\"rnd\":\"{}\",\"pos\":\"inline\"}}}}'><div fallback><p>Advertisement: {}</p></div></amp-ad>\n",
                rng.range(1000, 9999),
                rng.hex(8),
                esc(rng.pick(ADS))
            ));
        }
    }
    let shares = group(ctx.request * 7 + rng.range(50, 90));
    let cid = rng.uuid();
    let mins = ctx.minutes_ago(rng);
    format!(
        r#"<!doctype html>
<html amp lang="en">
<head>
<meta charset="utf-8">
<script async src="https://cdn.ampproject.org/v0.js"></script>
<script async custom-element="amp-ad" src="https://cdn.ampproject.org/v0/amp-ad-0.1.js"></script>
<script async custom-element="amp-analytics" src="https://cdn.ampproject.org/v0/amp-analytics-0.1.js"></script>
<title>{title}</title>
<link rel="canonical" href="https://pocketnews.example{path}">
<meta name="viewport" content="width=device-width">
<script type="application/ld+json">{{"@context":"https://schema.org","@type":"NewsArticle","headline":"{title}","datePublished":"{published}","author":{{"@type":"Person","name":"{byline}"}},"publisher":{{"@type":"Organization","name":"Pocket News"}}}}</script>
<style amp-boilerplate>body{{-webkit-animation:-amp-start 8s steps(1,end) 0s 1 normal both;animation:-amp-start 8s steps(1,end) 0s 1 normal both}}@keyframes -amp-start{{from{{visibility:hidden}}to{{visibility:visible}}}}</style><noscript><style amp-boilerplate>body{{-webkit-animation:none;animation:none}}</style></noscript>
<style amp-custom>body{{font-family:Georgia,serif}} .meta{{color:#777}}</style>
</head>
<body>
<header class="bar"><a href="/">Pocket News</a></header>
<article>
<h1>{title}</h1>
<div class="meta">By {byline} &middot; {mins} min ago &middot; {shares} shares</div>
<amp-img src="/img/lead.jpg" width="1200" height="675" layout="responsive" alt="Lead image"></amp-img>
{body}</article>
<amp-analytics type="googleanalytics"><script type="application/json">{{"vars":{{"account":"UA-1234-5","clientId":"{cid}"}},"triggers":{{"trackPageview":{{"on":"visible","request":"pageview"}}}}}}</script></amp-analytics>
<footer>&copy; Pocket News</footer>
</body>
</html>"#,
        title = ctx.title(),
        byline = ctx.byline(),
        published = ctx.story.published,
        path = esc(ctx.path),
    )
}

/// React 18 / Next.js streamed SSR: the shell with a "Loading..." fallback
/// first, then (in a later chunk) the article in a hidden div and the
/// `$RC` script that swaps it in, then the flight data.
pub fn streamed_ssr(ctx: &Ctx<'_>, rng: &mut Rng) -> Vec<String> {
    let build = rng.hex(20);
    let req = rng.uuid();
    let mut trending: Vec<&str> = HEADLINES.to_vec();
    rng.shuffle(&mut trending);
    let trending: String = trending[..3]
        .iter()
        .map(|h| format!("<a class=\"t\" href=\"/t\">{}</a>", esc(h)))
        .collect();
    let render_ms = rng.range(18, 240);
    let region = rng.pick(&["fra1", "iad1", "sfo1", "lhr1", "cdg1"]);
    let shell = format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charSet="utf-8"/><meta name="viewport" content="width=device-width, initial-scale=1"/><link rel="stylesheet" href="/_next/static/css/{build}.css" data-precedence="next"/><script src="/_next/static/chunks/webpack-{build}.js" async=""></script><title>{title} | Orbit News</title><meta property="og:title" content="{title}"/><meta property="og:site_name" content="Orbit News"/></head><body><div id="__next"><header class="Header_root__x1"><a href="/">Orbit News</a><nav class="Trending_row__a2"><span>Trending:</span>{trending}</nav></header><main class="Page_main__k3"><!--$?--><template id="B:0"></template><div class="Skeleton_root__q9"><p>Loading...</p></div><!--/$--></main><footer class="Footer_root__z7">Rendered in {render_ms} ms by edge {region}</footer></div>"#,
        title = ctx.title(),
    );
    let body: String = ctx
        .paragraphs()
        .iter()
        .map(|p| format!("<p class=\"Article_p__m4\">{p}</p>"))
        .collect();
    let article = format!(
        r#"<div hidden id="S:0"><article class="Article_root__p0"><h1 class="Article_h1__c8">{title}</h1><div class="Article_byline__d2">By {byline}</div>{body}</article></div><script>$RC=function(b,c,e){{c=document.getElementById(c);c.parentNode.removeChild(c);var a=document.getElementById(b);if(a){{b=a.previousSibling;if(e)b.data="$!",a.setAttribute("data-dgst",e);else{{e=b.parentNode;a=b.nextSibling;var f=0;do{{if(a&&8===a.nodeType){{var d=a.data;if("/$"===d)if(0===f)break;else f--;else"$"!==d&&"$?"!==d&&"$!"!==d||f++}}d=a.nextSibling;e.removeChild(a);a=d}}while(a);for(;c.firstChild;)e.insertBefore(c.firstChild,a);b.data="$"}}b._reactRetry&&b._reactRetry()}}}};$RC("B:0","S:0")</script>"#,
        title = ctx.title(),
        byline = ctx.byline(),
    );
    let flight = format!(
        r#"<script>(self.__next_f=self.__next_f||[]).push([0]);self.__next_f.push([1,"0:[\"$\",\"$L1\",null,{{\"buildId\":\"{build}\",\"requestId\":\"{req}\"}}]\n"])</script></body></html>"#
    );
    vec![shell, article, flight]
}
