//! The outlets on loopback: one HTTP/1.1 listener per outlet (its own
//! port, so its own outlet identity), serving each article's page as it
//! stands at the simulated time and an RSS feed of its recent articles.
//! Nothing is recorded per request, so the server's memory stays flat.

use crate::world::{World, FEED_HOURS};
use chrono::Duration;
use copydesk::clock::{Clock, ManualClock};
use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, RwLock};

/// The outlets' base URLs (`http://127.0.0.1:PORT`), by outlet number.
pub struct Outlets {
    pub bases: Vec<String>,
}

impl Outlets {
    pub fn start(world: &Arc<RwLock<World>>, clock: &Arc<ManualClock>) -> Outlets {
        let n = world.read().expect("world").outlets;
        let mut bases = Vec::new();
        for outlet in 0..n {
            let listener = TcpListener::bind("127.0.0.1:0").expect("bind loopback");
            let base = format!("http://{}", listener.local_addr().expect("address"));
            bases.push(base.clone());
            let (world, clock) = (world.clone(), clock.clone());
            std::thread::spawn(move || {
                for conn in listener.incoming().flatten() {
                    let (world, clock, base) = (world.clone(), clock.clone(), base.clone());
                    std::thread::spawn(move || {
                        let _ = serve(conn, outlet, &base, &world, &clock);
                    });
                }
            });
        }
        Outlets { bases }
    }

    pub fn article_url(&self, world: &World, id: usize) -> String {
        format!("{}/a/{id}", self.bases[world.articles[id].outlet])
    }

    pub fn feed_url(&self, outlet: usize) -> String {
        format!("{}/feed.xml", self.bases[outlet])
    }
}

/// Answer requests on one connection until the client closes it.
fn serve(
    conn: TcpStream,
    outlet: usize,
    base: &str,
    world: &RwLock<World>,
    clock: &ManualClock,
) -> std::io::Result<()> {
    let mut reader = BufReader::new(conn.try_clone()?);
    let mut out = conn;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
        let mut close = false;
        loop {
            let mut h = String::new();
            if reader.read_line(&mut h)? == 0 {
                return Ok(());
            }
            if h.trim().is_empty() {
                break;
            }
            close |= h.to_ascii_lowercase().starts_with("connection: close");
        }
        let reply = {
            let w = world.read().unwrap_or_else(|e| e.into_inner());
            respond(&path, outlet, base, &w, clock)
        };
        let (status, ctype, body) = match reply {
            Some((ctype, body)) => ("200 OK", ctype, body),
            None => ("404 Not Found", "text/plain", "not found".to_string()),
        };
        write!(
            out,
            "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\n\r\n",
            body.len()
        )?;
        out.write_all(body.as_bytes())?;
        out.flush()?;
        if close {
            return Ok(());
        }
    }
}

fn respond(
    path: &str,
    outlet: usize,
    base: &str,
    w: &World,
    clock: &ManualClock,
) -> Option<(&'static str, String)> {
    let now = clock.now();
    if path == "/feed.xml" {
        let items: String = w
            .articles
            .iter()
            .rev()
            .take_while(|a| now - a.published < Duration::hours(FEED_HOURS + 24))
            .filter(|a| {
                a.outlet == outlet
                    && a.published <= now
                    && now - a.published < Duration::hours(FEED_HOURS)
            })
            .map(|a| {
                let (title, _) = w.text(a.id, now);
                format!(
                    "<item><title>{}</title><link>{base}/a/{}</link><pubDate>{}</pubDate></item>\n",
                    escape(&title),
                    a.id,
                    a.published.to_rfc2822()
                )
            })
            .collect();
        let feed = format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?>\n<rss version=\"2.0\"><channel><title>Outlet {outlet}</title><link>{base}/</link>\n{items}</channel></rss>\n"
        );
        return Some(("application/rss+xml", feed));
    }
    let id: usize = path.strip_prefix("/a/")?.parse().ok()?;
    let a = w.articles.get(id)?;
    if a.outlet != outlet || a.published > now {
        return None;
    }
    let (title, paras) = w.text(id, now);
    Some((
        "text/html; charset=utf-8",
        page(&title, &paras, a.published),
    ))
}

/// An article page with the furniture of a news site around the story.
fn page(title: &str, paras: &[String], published: chrono::DateTime<chrono::Utc>) -> String {
    let body: String = paras
        .iter()
        .map(|p| format!("<p>{}</p>\n", escape(p)))
        .collect();
    let title = escape(title);
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Example Times</title>
<meta property="og:title" content="{title}">
<meta property="article:published_time" content="{published}">
</head><body>
<header><nav><ul class="menu"><li><a href="/world">World</a></li><li><a href="/politics">Politics</a></li><li><a href="/sport">Sport</a></li></ul></nav></header>
<main><article>
<h1>{title}</h1>
{body}</article>
<aside class="most-read"><h2>Most read</h2><ol><li><a href="/x">Storm hits the coast</a></li></ol></aside>
</main>
<footer><p>© The Example Times. All rights reserved.</p></footer>
</body></html>"#,
        published = published.to_rfc3339(),
    )
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}
