//! Article pages as a news site serves them: the story and the furniture
//! around it (menu, clock, counters, a most-read list, a nonce) that changes
//! without being an edit.

/// The parts of a news page that change without being an edit.
#[derive(Clone, Debug)]
pub struct Furniture {
    pub menu: Vec<&'static str>,
    pub timestamp: String,
    pub views: u32,
    pub most_read: Vec<&'static str>,
    pub nonce: String,
}

impl Default for Furniture {
    fn default() -> Self {
        Furniture {
            menu: vec!["World", "Russia", "Society", "Opinion", "Science", "Sport"],
            timestamp: "2026-11-25 09:00".into(),
            views: 1204,
            most_read: vec![
                "Storm hits the coast",
                "Markets rally again",
                "New bridge opens downtown",
            ],
            nonce: "a1b2c3".into(),
        }
    }
}

impl Furniture {
    /// Same furniture, all churned: menu order, time, counters, list, nonce.
    pub fn churned(&self) -> Furniture {
        let mut menu = self.menu.clone();
        menu.reverse();
        let mut most_read = self.most_read.clone();
        most_read.rotate_left(1);
        most_read[0] = "Local team wins the cup";
        Furniture {
            menu,
            timestamp: "2026-11-25 10:47".into(),
            views: self.views + 9876,
            most_read,
            nonce: "z9y8x7".into(),
        }
    }
}

/// A realistic article page: header menu, the story, a sidebar, a footer.
pub fn article_page(title: &str, paragraphs: &[String], f: &Furniture) -> String {
    let menu: String = f
        .menu
        .iter()
        .map(|m| format!("<li><a href=\"/{m}\">{m}</a></li>"))
        .collect();
    let most: String = f
        .most_read
        .iter()
        .map(|m| format!("<li><a href=\"/x\">{m}</a></li>"))
        .collect();
    let body: String = paragraphs.iter().map(|p| format!("<p>{p}</p>\n")).collect();
    format!(
        r#"<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>{title} | The Daily Example</title>
<meta property="og:title" content="{title}">
<script nonce="{nonce}">window.__state = {{"session": "{nonce}"}};</script>
</head><body>
<header><nav><ul class="menu">{menu}</ul></nav><div class="clock">Updated {ts}</div></header>
<main><article>
<h1>{title}</h1>
<div class="meta"><span class="views">{views} views</span></div>
{body}</article>
<aside class="most-read"><h2>Most read</h2><ol>{most}</ol></aside>
</main>
<footer><p>© The Daily Example. All rights reserved. Page generated {ts}.</p></footer>
<script nonce="{nonce}">track("{nonce}");</script>
</body></html>"#,
        nonce = f.nonce,
        ts = f.timestamp,
        views = f.views,
    )
}

/// Six paragraphs of a plausible story.
pub fn story() -> Vec<String> {
    [
        "The city council voted on Tuesday to approve a new budget that expands funding for public transport and road repairs across all districts.",
        "Council members debated the proposal for more than four hours before the final vote, which passed by seven votes to four.",
        "The mayor said the plan would reduce commuting times and make the city's streets safer for cyclists and pedestrians alike.",
        "Opposition members argued that the budget relies on optimistic revenue forecasts and could force cuts to other services next year.",
        "Residents who attended the meeting were divided, with several speaking in favour of the transport plan and others raising concerns about taxes.",
        "The budget will take effect at the start of the next fiscal year, and the council will review its progress in six months.",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect()
}
