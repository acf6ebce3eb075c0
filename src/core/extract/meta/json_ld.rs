//! Metadata from a page's JSON-LD blocks: the best-ranked article object's
//! headline, authors, dates and URL, read defensively (broken JSON, @graph,
//! nested arrays).

use super::*;

/// `scripts`: the page's `script[type]` elements, in document order.
pub(super) fn json_ld(scripts: &[NodeRef<'_>]) -> LdMeta {
    let mut objects: Vec<Value> = Vec::new();
    let mut broken: Vec<String> = Vec::new();
    for node in scripts {
        let is_ld = node
            .attr("type")
            .is_some_and(|t| t.trim().eq_ignore_ascii_case("application/ld+json"));
        if !is_ld {
            continue;
        }
        let text = node.text();
        let cleaned = clean_json_text(&text);
        match serde_json::from_str::<Value>(cleaned) {
            Ok(v) => flatten(v, &mut objects, 0),
            Err(_) => broken.push(cleaned.to_string()),
        }
    }
    let mut best: Option<&Value> = None;
    let mut best_rank = 0;
    for obj in &objects {
        let rank = type_rank(obj);
        if rank > best_rank {
            best_rank = rank;
            best = Some(obj);
        }
    }
    let mut ld = LdMeta::default();
    if let Some(o) = best {
        ld.headline = str_field(o, "headline").or_else(|| {
            // `name` of an article-typed object is its headline.
            (best_rank >= 3).then(|| str_field(o, "name")).flatten()
        });
        ld.authors = authors(o.get("author").or_else(|| o.get("creator")));
        ld.published = str_field(o, "datePublished").or_else(|| str_field(o, "dateCreated"));
        ld.modified = str_field(o, "dateModified");
        ld.url = str_field(o, "url").or_else(|| {
            o.get("mainEntityOfPage")
                .and_then(|m| m.get("@id").or(Some(m)))
                .and_then(|v| v.as_str().map(str::to_string))
        });
        ld.publisher = o.get("publisher").and_then(|p| str_field(p, "name"));
    }
    if best_rank < 3 {
        // No parsable article object: scan broken scripts leniently.
        for text in &broken {
            let grab = |key: &str| -> Option<String> {
                let re = Regex::new(&format!(r#""{key}"\s*:\s*"((?:[^"\\]|\\.)*)""#)).ok()?;
                let raw = re.captures(text)?.get(1)?.as_str();
                let unescaped: String =
                    serde_json::from_str(&format!("\"{raw}\"")).unwrap_or_else(|_| raw.to_string());
                let v = decode_entities(&collapse(&unescaped));
                (!v.is_empty()).then_some(v)
            };
            ld.headline = ld.headline.take().or_else(|| grab("headline"));
            ld.published = ld.published.take().or_else(|| grab("datePublished"));
            ld.modified = ld.modified.take().or_else(|| grab("dateModified"));
            if ld.authors.is_empty() {
                if let Some(re) = AUTHOR_NAME.captures(text) {
                    let name = decode_entities(&collapse(&re[1]));
                    if !name.is_empty() {
                        ld.authors.push(name);
                    }
                }
            }
        }
    }
    if ld.publisher.is_none() {
        ld.publisher = objects
            .iter()
            .find(|o| {
                type_names(o)
                    .iter()
                    .any(|t| t == "Organization" || t == "NewsMediaOrganization")
            })
            .and_then(|o| str_field(o, "name"));
    }
    ld
}

static AUTHOR_NAME: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r#""author"\s*:\s*(?:\[\s*)?\{[^{}]*?"name"\s*:\s*"((?:[^"\\]|\\.)*)""#)
        .expect("valid regex")
});

/// Strip what pages wrap JSON-LD in (`<!-- -->`, CDATA) and a BOM.
fn clean_json_text(s: &str) -> &str {
    let mut t = s.trim().trim_start_matches('\u{feff}').trim();
    for (open, close) in [
        ("<!--", "-->"),
        ("<![CDATA[", "]]>"),
        ("//<![CDATA[", "//]]>"),
    ] {
        if let Some(rest) = t.strip_prefix(open) {
            t = rest.trim();
            if let Some(rest) = t.strip_suffix(close) {
                t = rest.trim();
            }
        }
    }
    t.trim_end_matches(';').trim()
}

/// Collect every object of a JSON-LD value: arrays, `@graph`, and one level
/// of `mainEntity`.
fn flatten(v: Value, out: &mut Vec<Value>, depth: usize) {
    if depth > 8 {
        return;
    }
    match v {
        Value::Array(items) => {
            for item in items {
                flatten(item, out, depth + 1);
            }
        }
        Value::Object(mut map) => {
            if let Some(graph) = map.remove("@graph") {
                flatten(graph, out, depth + 1);
            }
            if let Some(main) = map.get("mainEntity").cloned() {
                if main.is_object() {
                    flatten(main, out, depth + 1);
                }
            }
            out.push(Value::Object(map));
        }
        _ => {}
    }
}

fn type_names(o: &Value) -> Vec<String> {
    match o.get("@type") {
        Some(Value::String(s)) => vec![s.clone()],
        Some(Value::Array(a)) => a
            .iter()
            .filter_map(|v| v.as_str().map(str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

/// How likely an object is to describe the article itself.
fn type_rank(o: &Value) -> u8 {
    let types = type_names(o);
    let is = |f: &dyn Fn(&str) -> bool| types.iter().any(|t| f(t));
    if is(&|t| t.ends_with("Article") || t.ends_with("BlogPosting") || t == "Report") {
        4
    } else if is(&|t| t == "WebPage" || t == "ItemPage") && o.get("headline").is_some() {
        2
    } else if o.get("headline").is_some() {
        1
    } else {
        0
    }
}

fn str_field(o: &Value, key: &str) -> Option<String> {
    let v = o.get(key)?;
    let s = match v {
        Value::String(s) => s.clone(),
        Value::Array(a) => a.iter().find_map(|x| x.as_str())?.to_string(),
        Value::Object(m) => m.get("@value").or(m.get("name"))?.as_str()?.to_string(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    let s = decode_entities(&collapse(&s));
    (!s.is_empty()).then_some(s)
}

fn authors(v: Option<&Value>) -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    let mut push = |s: &str| {
        let s = decode_entities(&collapse(s));
        let s = BY_PREFIX.replace(&s, "").to_string();
        if !s.is_empty() && !s.starts_with("http") && !names.contains(&s) {
            names.push(s);
        }
    };
    match v {
        Some(Value::String(s)) => push(s),
        Some(Value::Object(_)) => {
            if let Some(n) = v.and_then(|o| str_field(o, "name")) {
                push(&n)
            }
        }
        Some(Value::Array(items)) => {
            for item in items {
                match item {
                    Value::String(s) => push(s),
                    Value::Object(_) => {
                        if let Some(n) = str_field(item, "name") {
                            push(&n)
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    names
}
