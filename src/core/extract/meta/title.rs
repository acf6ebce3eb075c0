//! The headline out of a `<title>` or `og:title` that carries the site's
//! name or section around it ("Springfield Gazette - Council votes ...",
//! "Council votes ... | Local | Gazette"): when a heading of the page reads
//! as one run of the title's parts, that run is the headline.

use dom_query::Document;
use std::collections::HashSet;

/// Separators between a title's parts.
const SEPS: &[&str] = &[" | ", " - ", " — ", " – ", " :: ", " · ", " » ", " « "];

/// Elements read as headings: real ones and the bold or big text of
/// pre-CSS layouts.
const HEADINGS: &str = "h1, h2, h3, b, strong, font[size]";

/// Most heading elements compared (a page of thousands of bold words
/// costs no more than this).
const MAX_HEADINGS: usize = 300;

/// Longest heading text compared, in bytes.
const MAX_HEADING_BYTES: usize = 400;

/// The longest run of consecutive parts of `title` (the whole title
/// included) that some heading of the page reads, ignoring case and
/// punctuation; `None` when the title has no separator or no heading
/// matches. A run must have two words or more.
pub fn heading_part(title: &str, doc: &Document) -> Option<String> {
    let spans = parts(title);
    if spans.len() < 2 {
        return None;
    }
    let sel = doc.select(HEADINGS);
    let headings: HashSet<String> = sel
        .nodes()
        .iter()
        .take(MAX_HEADINGS)
        .filter_map(|n| {
            let t = n.text();
            (t.len() <= MAX_HEADING_BYTES).then(|| key(&t))
        })
        .filter(|k| !k.is_empty())
        .collect();
    if headings.is_empty() {
        return None;
    }
    let mut best: Option<&str> = None;
    for i in 0..spans.len() {
        for j in i..spans.len() {
            let run = title[spans[i].0..spans[j].1].trim();
            if run.split_whitespace().count() < 2 || !headings.contains(&key(run)) {
                continue;
            }
            if best.is_none_or(|b| run.len() > b.len()) {
                best = Some(run);
            }
        }
    }
    best.map(str::to_string)
}

/// Byte spans of the parts between separators.
fn parts(title: &str) -> Vec<(usize, usize)> {
    let mut cuts: Vec<(usize, usize)> = Vec::new();
    for sep in SEPS {
        for (i, _) in title.match_indices(sep) {
            cuts.push((i, i + sep.len()));
        }
    }
    cuts.sort_unstable();
    let mut spans = Vec::with_capacity(cuts.len() + 1);
    let mut start = 0;
    for (a, b) in cuts {
        if a < start {
            continue; // overlapping separators (" - - ")
        }
        spans.push((start, a));
        start = b;
    }
    spans.push((start, title.len()));
    spans.retain(|(a, b)| !title[*a..*b].trim().is_empty());
    spans
}

/// Lowercase letters and digits only.
fn key(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc(body: &str) -> Document {
        Document::from(format!("<html><body>{body}</body></html>").as_str())
    }

    #[test]
    fn heading_picks_the_headline_part() {
        let d = doc("<b>Springfield Gazette</b><font size=4><b>Council votes to rebuild the bridge</b></font>");
        assert_eq!(
            heading_part(
                "Springfield Gazette - Council votes to rebuild the bridge",
                &d
            )
            .as_deref(),
            Some("Council votes to rebuild the bridge")
        );
        let d = doc("<h1>Rates rise - again</h1>");
        assert_eq!(
            heading_part("Rates rise - again | Business | The Daily", &d).as_deref(),
            Some("Rates rise - again")
        );
    }

    #[test]
    fn no_heading_no_change() {
        let d = doc("<h1>Something else entirely</h1><b>x</b>");
        assert_eq!(heading_part("Site - Council votes", &d), None);
        assert_eq!(heading_part("No separator here", &d), None);
        // A one-word part is not a headline.
        let d = doc("<h1>Gazette</h1>");
        assert_eq!(heading_part("Gazette - Council votes", &d), None);
    }
}
