//! From response bytes to text: is it HTML at all, is it binary, which
//! charset. Pure functions over bytes and header values.

use encoding_rs::Encoding;
use url::Url;

/// How many leading bytes the `<meta charset>` prescan looks at.
pub(crate) const META_PRESCAN_BYTES: usize = 4096;
/// How many leading bytes the binary check and the HTML sniffer look at.
pub(crate) const SNIFF_BYTES: usize = 8192;
/// How many bytes are fed to the charset detector.
const DETECT_BYTES: usize = 64 * 1024;

/// What a `Content-Type` header says about processing the body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum ContentKind {
    Html,
    /// No header (or an empty one): sniff the body.
    Missing,
    /// Something else, by its lower-cased MIME type.
    Other(String),
}

/// The MIME type without parameters, lower-cased.
pub(crate) fn mime_essence(content_type: &str) -> String {
    content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase()
}

pub(crate) fn classify_content_type(content_type: Option<&str>) -> ContentKind {
    let Some(ct) = content_type else {
        return ContentKind::Missing;
    };
    let mime = mime_essence(ct);
    match mime.as_str() {
        "" => ContentKind::Missing,
        "text/html" | "application/xhtml+xml" => ContentKind::Html,
        _ => ContentKind::Other(mime),
    }
}

/// What a `Content-Type` header says about a feed body.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum FeedKind {
    /// RSS, Atom, RDF, JSON Feed, or generic XML / JSON.
    Feed,
    /// No header (or an empty one): let the parser decide.
    Missing,
    /// A web page, not a feed.
    Html,
    /// Something else, by its lower-cased MIME type.
    Other(String),
}

/// Feed content types accepted, besides any `...+xml` and `...+json` type.
const FEED_TYPES: [&str; 8] = [
    "application/rss+xml",
    "application/atom+xml",
    "application/rdf+xml",
    "application/xml",
    "text/xml",
    "application/feed+json",
    "application/json",
    "application/x-rss+xml",
];

pub(crate) fn classify_feed_type(content_type: Option<&str>) -> FeedKind {
    let Some(ct) = content_type else {
        return FeedKind::Missing;
    };
    let mime = mime_essence(ct);
    match mime.as_str() {
        "" => FeedKind::Missing,
        "text/html" | "application/xhtml+xml" => FeedKind::Html,
        m if FEED_TYPES.contains(&m) || m.ends_with("+xml") || m.ends_with("+json") => {
            FeedKind::Feed
        }
        _ => FeedKind::Other(mime),
    }
}

/// Whether a body sent without a content type is a web page rather than a
/// feed: it looks like HTML and does not start like XML, RSS, Atom or JSON.
pub(crate) fn is_html_not_feed(head: &[u8]) -> bool {
    let text = String::from_utf8_lossy(head);
    let start = text
        .trim_start_matches('\u{feff}')
        .trim_start()
        .to_ascii_lowercase();
    let feed_like = ["<?xml", "<rss", "<feed", "<rdf", "{"]
        .iter()
        .any(|m| start.starts_with(m));
    !feed_like && looks_like_html(&text)
}

/// The `charset` parameter of a `Content-Type` value, if it names an
/// encoding encoding_rs knows.
pub(crate) fn charset_from_content_type(content_type: &str) -> Option<&'static Encoding> {
    content_type.split(';').skip(1).find_map(|param| {
        let (name, value) = param.split_once('=')?;
        if !name.trim().eq_ignore_ascii_case("charset") {
            return None;
        }
        let value = value.trim().trim_matches(|c| c == '"' || c == '\'').trim();
        Encoding::for_label(value.as_bytes())
    })
}

/// The encoding a `<meta charset=...>` or
/// `<meta http-equiv="Content-Type" content="...; charset=...">` in the
/// first [`META_PRESCAN_BYTES`] declares. As in the HTML spec, a UTF-16
/// declaration in the document itself means UTF-8 (the bytes were readable
/// as ASCII) and x-user-defined means windows-1252.
pub(crate) fn prescan_meta_charset(bytes: &[u8]) -> Option<&'static Encoding> {
    let head = &bytes[..bytes.len().min(META_PRESCAN_BYTES)];
    let lower = head.to_ascii_lowercase();
    let mut from = 0;
    while let Some(pos) = find(&lower[from..], b"<meta") {
        let start = from + pos + b"<meta".len();
        let end = find(&lower[start..], b">").map_or(lower.len(), |e| start + e);
        if let Some(enc) = charset_in_tag(&lower[start..end]) {
            return Some(fix_declared(enc));
        }
        from = start;
    }
    None
}

fn fix_declared(enc: &'static Encoding) -> &'static Encoding {
    if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE {
        encoding_rs::UTF_8
    } else if enc == encoding_rs::X_USER_DEFINED {
        encoding_rs::WINDOWS_1252
    } else {
        enc
    }
}

/// Looks for `charset <ws>* = <ws>* ["']? label` inside one tag's bytes.
fn charset_in_tag(tag: &[u8]) -> Option<&'static Encoding> {
    let mut from = 0;
    while let Some(pos) = find(&tag[from..], b"charset") {
        let mut i = from + pos + b"charset".len();
        from = i;
        while tag.get(i).is_some_and(|b| b.is_ascii_whitespace()) {
            i += 1;
        }
        if tag.get(i) != Some(&b'=') {
            continue;
        }
        i += 1;
        while tag
            .get(i)
            .is_some_and(|b| b.is_ascii_whitespace() || *b == b'"' || *b == b'\'')
        {
            i += 1;
        }
        let label_end = tag[i..]
            .iter()
            .position(|b| !(b.is_ascii_alphanumeric() || b"-_.:".contains(b)))
            .map_or(tag.len(), |p| i + p);
        if let Some(enc) = Encoding::for_label(&tag[i..label_end]) {
            return Some(enc);
        }
    }
    None
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Where the encoding came from, for logs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub(crate) enum EncodingSource {
    Bom,
    Header,
    Meta,
    /// A header or `<meta>` declared a legacy charset, but the bytes are
    /// valid UTF-8 with non-ASCII characters: see [`utf8_beats_declared`].
    Utf8Content,
    Guess,
}

/// Decides the body's encoding: a byte order mark wins (as in browsers),
/// then the `Content-Type` charset, then a `<meta>` declaration, then a
/// statistical guess helped by the URL's top-level domain. A declared
/// ASCII-compatible legacy charset loses to UTF-8 when the bytes are valid
/// UTF-8 with non-ASCII characters in them ([`utf8_beats_declared`]): pages
/// re-encoded by a CMS that kept an old `<meta charset>` are common, and
/// the opposite mistake is practically impossible. Returns the encoding,
/// the length of the BOM to skip, and where it came from.
pub(crate) fn detect_encoding(
    bytes: &[u8],
    content_type: Option<&str>,
    url: &Url,
) -> (&'static Encoding, usize, EncodingSource) {
    if let Some((enc, bom_len)) = Encoding::for_bom(bytes) {
        return (enc, bom_len, EncodingSource::Bom);
    }
    let declared = content_type
        .and_then(charset_from_content_type)
        .map(|enc| (enc, EncodingSource::Header))
        .or_else(|| prescan_meta_charset(bytes).map(|enc| (enc, EncodingSource::Meta)));
    if let Some((enc, source)) = declared {
        if utf8_beats_declared(bytes, enc) {
            return (encoding_rs::UTF_8, 0, EncodingSource::Utf8Content);
        }
        return (enc, 0, source);
    }
    let sample = &bytes[..bytes.len().min(DETECT_BYTES)];
    let mut detector = chardetng::EncodingDetector::new(chardetng::Iso2022JpDetection::Deny);
    detector.feed(sample, sample.len() == bytes.len());
    let tld = tld_hint(url);
    let enc = detector.guess(tld.as_deref(), chardetng::Utf8Detection::Allow);
    (enc, 0, EncodingSource::Guess)
}

/// Bytes at most this long at the very end may be a UTF-8 sequence cut
/// short (a body truncated at the size cap) without failing the check.
const UTF8_CUT_TAIL: usize = 3;

/// Whether `bytes`, declared as `declared`, are really UTF-8: the
/// declaration names another ASCII-compatible encoding (windows-1252,
/// ISO-8859-x, Shift_JIS, ...; not UTF-16 or ISO-2022-JP, whose bytes can be
/// all ASCII), the bytes contain non-ASCII characters, and every one of
/// them is well-formed UTF-8 (a sequence cut short by truncation at the very
/// end is allowed). Legacy-encoded text with accented letters almost never
/// forms valid multi-byte UTF-8 throughout, so one stray byte anywhere keeps
/// the declaration. Linear in the body's length, no allocation.
pub(crate) fn utf8_beats_declared(bytes: &[u8], declared: &'static Encoding) -> bool {
    if declared == encoding_rs::UTF_8 || !declared.is_ascii_compatible() || bytes.is_ascii() {
        return false;
    }
    match std::str::from_utf8(bytes) {
        Ok(_) => true,
        Err(e) => e.error_len().is_none() && bytes.len() - e.valid_up_to() <= UTF8_CUT_TAIL,
    }
}

/// The URL's top-level domain in the form chardetng accepts (lower-case
/// ASCII, no dot), or `None` for IP hosts and anything odd.
fn tld_hint(url: &Url) -> Option<Vec<u8>> {
    let Some(url::Host::Domain(domain)) = url.host() else {
        return None;
    };
    let tld = domain.trim_end_matches('.').rsplit('.').next()?;
    let ok = !tld.is_empty()
        && tld
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
    ok.then(|| tld.as_bytes().to_vec())
}

/// Decodes the body (after its BOM) with `enc`; malformed sequences become
/// U+FFFD.
pub(crate) fn decode(bytes: &[u8], enc: &'static Encoding, bom_len: usize) -> String {
    let body = bytes.get(bom_len..).unwrap_or(&[]);
    let (text, _had_errors) = enc.decode_without_bom_handling(body);
    text.into_owned()
}

/// Why the body looks like binary data rather than text, if it does: NUL
/// bytes, or more than 10% control characters in the first
/// [`SNIFF_BYTES`]. UTF-16 text legitimately has NULs and is not checked.
pub(crate) fn binary_reason(bytes: &[u8], enc: &'static Encoding) -> Option<String> {
    if enc == encoding_rs::UTF_16BE || enc == encoding_rs::UTF_16LE {
        return None;
    }
    let sample = &bytes[..bytes.len().min(SNIFF_BYTES)];
    if sample.is_empty() {
        return None;
    }
    let nuls = sample.iter().filter(|&&b| b == 0).count();
    if nuls > 0 {
        return Some(format!(
            "the body looks binary, not text: {nuls} NUL bytes in the first {} bytes",
            sample.len()
        ));
    }
    // Tab, LF, FF, CR and ESC (ISO-2022-JP) occur in text.
    let controls = sample
        .iter()
        .filter(|&&b| (b < 0x20 && !matches!(b, b'\t' | b'\n' | 0x0c | b'\r' | 0x1b)) || b == 0x7f)
        .count();
    if controls >= 4 && controls * 10 > sample.len() {
        return Some(format!(
            "the body looks binary, not text: {controls} control characters in the first {} bytes",
            sample.len()
        ));
    }
    None
}

/// Whether text (the decoded start of a body) looks like an HTML document:
/// `<!doctype html`, `<html`, `<head` or `<body` near the start.
pub(crate) fn looks_like_html(text_start: &str) -> bool {
    let lower = text_start.to_ascii_lowercase();
    ["<!doctype html", "<html", "<head", "<body"]
        .iter()
        .any(|marker| lower.contains(marker))
}

/// Whether the body is empty or only whitespace.
pub(crate) fn is_blank(bytes: &[u8]) -> bool {
    bytes.iter().all(|b| b.is_ascii_whitespace())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn feed_content_types() {
        for ct in [
            "application/rss+xml; charset=utf-8",
            "application/atom+xml",
            "application/xml",
            "text/xml; charset=ISO-8859-1",
            "application/feed+json",
            "application/json",
        ] {
            assert_eq!(classify_feed_type(Some(ct)), FeedKind::Feed, "{ct}");
        }
        assert_eq!(
            classify_feed_type(Some("text/html; charset=utf-8")),
            FeedKind::Html
        );
        assert_eq!(classify_feed_type(None), FeedKind::Missing);
        assert_eq!(
            classify_feed_type(Some("image/png")),
            FeedKind::Other("image/png".into())
        );
        assert!(is_html_not_feed(
            b"<!doctype html><html><body>x</body></html>"
        ));
        assert!(!is_html_not_feed(
            b"<?xml version=\"1.0\"?><rss><channel><description><![CDATA[<html>]]></description></channel></rss>"
        ));
    }

    fn url(s: &str) -> Url {
        Url::parse(s).expect("test URL")
    }

    #[test]
    fn content_types() {
        assert_eq!(
            classify_content_type(Some("text/html; charset=utf-8")),
            ContentKind::Html
        );
        assert_eq!(
            classify_content_type(Some("Application/XHTML+XML")),
            ContentKind::Html
        );
        assert_eq!(classify_content_type(None), ContentKind::Missing);
        assert_eq!(classify_content_type(Some(" ")), ContentKind::Missing);
        assert_eq!(
            classify_content_type(Some("application/pdf")),
            ContentKind::Other("application/pdf".into())
        );
    }

    #[test]
    fn header_charset() {
        let enc = charset_from_content_type("text/html; Charset=\"Windows-1251\"");
        assert_eq!(enc, Some(encoding_rs::WINDOWS_1251));
        assert_eq!(charset_from_content_type("text/html"), None);
        assert_eq!(charset_from_content_type("text/html; charset=bogus"), None);
    }

    #[test]
    fn meta_prescan() {
        let html = b"<html><head><META CHARSET='shift_jis'></head>";
        assert_eq!(prescan_meta_charset(html), Some(encoding_rs::SHIFT_JIS));
        let html = br#"<html><head><meta name="x" content="y"><meta http-equiv="Content-Type" content="text/html; charset=windows-1251"></head>"#;
        assert_eq!(prescan_meta_charset(html), Some(encoding_rs::WINDOWS_1251));
        let html = b"<meta charset=utf-16le>";
        assert_eq!(prescan_meta_charset(html), Some(encoding_rs::UTF_8));
        assert_eq!(prescan_meta_charset(b"<html><p>no meta</p>"), None);
        let mut late = vec![b' '; META_PRESCAN_BYTES];
        late.extend_from_slice(b"<meta charset=koi8-r>");
        assert_eq!(prescan_meta_charset(&late), None);
    }

    #[test]
    fn bom_wins() {
        let body = b"\xEF\xBB\xBF<p>x</p>";
        let (enc, bom, src) = detect_encoding(
            body,
            Some("text/html; charset=iso-8859-1"),
            &url("http://a.ru/"),
        );
        assert_eq!(
            (enc, bom, src),
            (encoding_rs::UTF_8, 3, EncodingSource::Bom)
        );
    }

    #[test]
    fn valid_utf8_beats_a_legacy_declaration() {
        let u = url("http://a.example/");
        let page = "<html><head><meta charset=\"iso-8859-1\"></head><p>Café — “quoted” ünïcode</p>";
        let (enc, bom, src) = detect_encoding(page.as_bytes(), None, &u);
        assert_eq!(
            (enc, bom, src),
            (encoding_rs::UTF_8, 0, EncodingSource::Utf8Content)
        );
        assert_eq!(decode(page.as_bytes(), enc, bom), page);
        // The same from a Content-Type header.
        let (enc, _, src) =
            detect_encoding(page.as_bytes(), Some("text/html; charset=windows-1252"), &u);
        assert_eq!(
            (enc, src),
            (encoding_rs::UTF_8, EncodingSource::Utf8Content)
        );
        // Really legacy bytes keep the declaration.
        let (latin, _, _) = encoding_rs::WINDOWS_1252.encode(page);
        let (enc, _, src) = detect_encoding(&latin, None, &u);
        assert_eq!(
            (enc, src),
            (encoding_rs::WINDOWS_1252, EncodingSource::Meta)
        );
        assert!(decode(&latin, enc, 0).contains("Café — “quoted”"));
        // Pure ASCII: nothing to decide, the declaration stands.
        let ascii = b"<meta charset=koi8-r><p>plain</p>";
        assert_eq!(detect_encoding(ascii, None, &u).2, EncodingSource::Meta);
    }

    #[test]
    fn utf8_override_on_hostile_bytes() {
        let w1252 = encoding_rs::WINDOWS_1252;
        // Valid UTF-8 for 100 KB, then one stray legacy byte: not UTF-8.
        let mut late = "é".repeat(50_000).into_bytes();
        late.push(0xE9);
        late.extend_from_slice(b" tail");
        assert!(!utf8_beats_declared(&late, w1252));
        // A sequence cut at the very end (truncated body) is still UTF-8 ...
        let mut cut = "<p>Café</p>".as_bytes().to_vec();
        cut.extend_from_slice(&"€".as_bytes()[..2]);
        assert!(utf8_beats_declared(&cut, w1252));
        // ... but an invalid byte before the end is not.
        let mut bad = cut.clone();
        bad.insert(3, 0xFF);
        assert!(!utf8_beats_declared(&bad, w1252));
        // Overlong encodings and lone continuation bytes are not UTF-8.
        assert!(!utf8_beats_declared(b"<p>\xC0\xAF</p>", w1252));
        assert!(!utf8_beats_declared(b"<p>\x80\x80</p>", w1252));
        assert!(!utf8_beats_declared(b"", w1252));
        // UTF-16 and ISO-2022-JP are never overridden (their bytes may be ASCII).
        assert!(!utf8_beats_declared("é".as_bytes(), encoding_rs::UTF_16LE));
        assert!(!utf8_beats_declared(
            "é".as_bytes(),
            encoding_rs::ISO_2022_JP
        ));
        assert!(!utf8_beats_declared("é".as_bytes(), encoding_rs::UTF_8));
        // A BOM still wins over everything.
        let bom = b"\xFF\xFE<\x00p\x00";
        assert_eq!(
            detect_encoding(
                bom,
                Some("text/html; charset=windows-1252"),
                &url("http://a.example/")
            )
            .2,
            EncodingSource::Bom
        );
    }

    #[test]
    fn tld_hints() {
        assert_eq!(
            tld_hint(&url("http://news.example.ru/a")),
            Some(b"ru".to_vec())
        );
        assert_eq!(tld_hint(&url("http://127.0.0.1:80/a")), None);
        assert_eq!(tld_hint(&url("http://[::1]/a")), None);
        assert_eq!(
            tld_hint(&url("http://xn--p1ai/a")),
            Some(b"xn--p1ai".to_vec())
        );
    }

    #[test]
    fn binary_detection() {
        assert!(binary_reason(b"<html>\0\0</html>", encoding_rs::UTF_8).is_some());
        assert!(binary_reason(b"<html>\x01\x02\x03\x04\x05</html>", encoding_rs::UTF_8).is_some());
        assert!(binary_reason(b"<html>\tok\r\n</html>", encoding_rs::UTF_8).is_none());
        assert!(binary_reason(b"<\0h\0", encoding_rs::UTF_16LE).is_none());
    }
}
