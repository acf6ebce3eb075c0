//! Text normalization and content hashing, so that a re-encode is not an edit.
//!
//! Owner of tokenization too: the diff and the republication fingerprints
//! ([`super::matching::shingle`]) split text into words with [`tokens`],
//! which also works for scripts written without spaces (CJK).
//!
//! # What [`normalize_text`] does
//!
//! In one pass over the characters (no intermediate strings):
//!
//! 1. drops invisible characters: zero-width space / non-joiner / joiner,
//!    word joiner and the other invisible operators (U+2060..U+2064), soft
//!    hyphen, BOM, bidi marks, embeddings, overrides and isolates, the
//!    deprecated format characters U+206A..U+206F, the Mongolian vowel
//!    separator, interlinear annotation controls, the language tag U+E0001,
//!    emoji variation selectors (VS15/VS16, which re-encoders add and drop at
//!    will) and control characters that are not whitespace. Format characters
//!    that are visible or carry meaning (Arabic number signs U+0600..U+0605,
//!    Egyptian hieroglyph format controls, emoji tag sequences, ...) are kept;
//! 2. Unicode NFKC;
//! 3. folds typographic quotes, primes and guillemets to `'` / `"`, dashes and
//!    the minus sign to `-` (NFKC already turns `…` into `...`);
//! 4. collapses every run of whitespace (including NBSP, thin and ideographic
//!    spaces, line and paragraph separators) to one ASCII space, and trims.
//!
//! Invisible characters are dropped *before* NFKC so that a base letter and
//! a combining mark that were only separated by, say, a zero-width joiner
//! compose in the same pass; folding is applied both before NFKC (so that
//! `″` becomes `"`, not `′′`) and after it (for compatibility characters
//! that NFKC maps onto a dash). The result is a fixed point: normalizing it
//! again gives the same string (property-tested below).

use crate::core::Article;
use serde::{Deserialize, Serialize};
use unicode_normalization::{IsNormalized, UnicodeNormalization};

/// True for characters that are dropped as invisible.
#[inline]
fn is_invisible(c: char) -> bool {
    match c {
        // whitespace controls are handled as whitespace, not dropped
        '\t' | '\n' | '\u{0B}' | '\u{0C}' | '\r' | '\u{85}' => false,
        '\u{00}'..='\u{1F}' | '\u{7F}'..='\u{9F}' => true,
        '\u{AD}' // soft hyphen
        | '\u{061C}' // Arabic letter mark
        | '\u{180E}' // Mongolian vowel separator
        | '\u{200B}'..='\u{200F}' // ZWSP, ZWNJ, ZWJ, LRM, RLM
        | '\u{202A}'..='\u{202E}' // bidi embeddings and overrides
        | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
        | '\u{2066}'..='\u{206F}' // bidi isolates, deprecated format chars
        | '\u{FE0E}' | '\u{FE0F}' // text / emoji variation selectors
        | '\u{FEFF}' // BOM, zero-width no-break space
        | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation
        | '\u{E0001}' => true, // language tag
        _ => false,
    }
}

/// Quote, dash and prime folding to ASCII; other characters unchanged.
#[inline]
fn fold(c: char) -> char {
    match c {
        '\u{2018}' | '\u{2019}' | '\u{201A}' | '\u{201B}' | '\u{2032}' => '\'',
        '\u{201C}' | '\u{201D}' | '\u{201E}' | '\u{201F}' | '\u{2033}' | '\u{AB}' | '\u{BB}' => '"',
        '\u{2010}'..='\u{2015}' | '\u{2212}' => '-',
        _ => c,
    }
}

/// Push `chars` into `out`, collapsing whitespace runs to one space and
/// trimming both ends.
#[inline]
fn push_collapsed(out: &mut String, chars: impl Iterator<Item = char>) {
    let mut pending_space = false;
    for c in chars {
        if c.is_whitespace() {
            pending_space = true;
        } else {
            if pending_space && !out.is_empty() {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
}

/// Normalize one piece of text: Unicode NFKC, invisible characters dropped,
/// quotes and dashes folded to ASCII, runs of whitespace collapsed to one
/// space, trimmed. See the module documentation for the details.
pub fn normalize_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    if s.is_ascii() {
        // ASCII is already NFKC and has nothing to fold; extracted
        // paragraphs are mostly collapsed already.
        if is_collapsed_ascii(s) {
            out.push_str(s);
        } else {
            push_collapsed(&mut out, s.chars().filter(|&c| !is_invisible(c)));
        }
    } else {
        let folded = || s.chars().filter(|&c| !is_invisible(c)).map(fold);
        // Most text is NFKC once folded, and the quick check says so for
        // sure: then NFKC and the second fold change nothing.
        if unicode_normalization::is_nfkc_quick(folded()) == IsNormalized::Yes {
            push_collapsed(&mut out, folded());
        } else {
            push_collapsed(&mut out, folded().nfkc().map(fold));
        }
    }
    out
}

/// ASCII text that [`normalize_text`] leaves as it is: no control
/// characters and only single spaces between words.
fn is_collapsed_ascii(s: &str) -> bool {
    let b = s.as_bytes();
    b.first() != Some(&b' ')
        && b.last() != Some(&b' ')
        && !b.windows(2).any(|w| w == b"  ")
        && b.iter().all(|&c| c >= b' ' && c != 0x7F)
}

fn normalize_opt(s: &Option<String>, f: impl Fn(&str) -> String) -> Option<String> {
    s.as_deref().map(f).filter(|v| !v.is_empty())
}

/// Normalize every field of an article; empty paragraphs are dropped.
///
/// Title, byline and body paragraphs go through [`normalize_text`]; the
/// other fields (times, canonical URL, language) are only trimmed. An
/// optional field that is empty afterwards becomes `None`.
pub fn normalize_article(a: &Article) -> Article {
    Article {
        title: normalize_text(&a.title),
        byline: normalize_opt(&a.byline, normalize_text),
        published: normalize_opt(&a.published, |s| s.trim().to_owned()),
        modified: normalize_opt(&a.modified, |s| s.trim().to_owned()),
        canonical_url: normalize_opt(&a.canonical_url, |s| s.trim().to_owned()),
        language: normalize_opt(&a.language, |s| s.trim().to_owned()),
        body: a
            .body
            .iter()
            .map(|p| normalize_text(p))
            .filter(|p| !p.is_empty())
            .collect(),
    }
}

/// Characters written without spaces between words, each one a token:
/// CJK ideographs, Hiragana, Katakana, Hangul syllables.
#[inline]
pub(crate) fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3005}' | '\u{3007}' // iteration mark, ideographic zero
        | '\u{3040}'..='\u{309F}' // Hiragana
        | '\u{30A0}'..='\u{30FF}' // Katakana
        | '\u{31F0}'..='\u{31FF}' // Katakana phonetic extensions
        | '\u{3400}'..='\u{4DBF}' // CJK extension A
        | '\u{4E00}'..='\u{9FFF}' // CJK unified ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // CJK compatibility ideographs
        | '\u{FF66}'..='\u{FF9F}' // halfwidth Katakana
        | '\u{1B000}'..='\u{1B16F}' // kana supplement / extended
        | '\u{20000}'..='\u{2FA1F}' // CJK extensions B..F, compatibility supplement
        | '\u{30000}'..='\u{323AF}' // CJK extensions G, H
    )
}

/// A character that makes up words written with spaces.
#[inline]
fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() && !is_cjk(c)
}

#[inline]
fn is_mark(c: char) -> bool {
    !c.is_ascii() && unicode_normalization::char::is_combining_mark(c)
}

/// Characters allowed inside a word when letters or digits stand on both
/// sides: apostrophes and hyphens.
#[inline]
fn is_inner_joiner(c: char) -> bool {
    matches!(c, '\'' | '-' | '\u{2019}' | '\u{2010}' | '\u{2011}')
}

/// The words of a text: runs of letters/digits (with inner apostrophes or
/// hyphens), and each CJK ideograph / kana / hangul syllable on its own.
///
/// Details: an apostrophe (`'`, `’`) or hyphen (`-`, `‐`, `‑`) between two
/// letters or digits stays inside the word ("don't", "well-known",
/// "COVID-19"); a `.` or `,` between two digits too ("3.5", "1,000").
/// Combining marks stay with the character they follow. Punctuation and
/// symbols are never tokens.
pub fn tokens(s: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut iter = s.char_indices().peekable();
    // start of the word being built, and the last char taken into it
    let mut start: Option<usize> = None;
    let mut last = ' ';
    while let Some((i, c)) = iter.next() {
        if is_word_char(c) {
            if start.is_none() {
                start = Some(i);
            }
            last = c;
            continue;
        }
        if let Some(st) = start {
            if is_mark(c) {
                continue;
            }
            let next = iter.peek().map(|&(_, n)| n);
            let joins = match next {
                Some(n) if is_word_char(n) => {
                    (is_inner_joiner(c) && last.is_alphanumeric())
                        || (matches!(c, '.' | ',') && last.is_numeric() && n.is_numeric())
                }
                _ => false,
            };
            if joins {
                continue;
            }
            out.push(&s[st..i]);
            start = None;
        }
        if is_cjk(c) && c.is_alphanumeric() {
            // the character plus any combining marks after it (dakuten)
            let mut end = i + c.len_utf8();
            while let Some(&(j, m)) = iter.peek() {
                if !is_mark(m) {
                    break;
                }
                end = j + m.len_utf8();
                iter.next();
            }
            out.push(&s[i..end]);
        }
    }
    if let Some(st) = start {
        out.push(&s[st..]);
    }
    out
}

/// Stable 128-bit hash (xxh3) of a normalized title and body.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(into = "String", try_from = "String")]
pub struct ContentHash(pub u128);

/// Leading bytes of the hashed message: names the encoding, so that a future
/// change of layout cannot silently produce colliding values.
const HASH_DOMAIN: &[u8] = b"copydesk/content/v1\0";

impl ContentHash {
    /// Hash of an (already normalized) article's title and body.
    ///
    /// The hashed message is `HASH_DOMAIN`, then the title, the number of
    /// paragraphs and each paragraph, every string prefixed with its byte
    /// length, all lengths as little-endian `u64`: unambiguous (no two
    /// different (title, body) pairs give the same message) and independent
    /// of the platform. The value is stored, so this layout must not change.
    pub fn of(article: &Article) -> ContentHash {
        use xxhash_rust::xxh3::Xxh3;
        let mut h = Xxh3::new();
        let put = |h: &mut Xxh3, s: &str| {
            h.update(&(s.len() as u64).to_le_bytes());
            h.update(s.as_bytes());
        };
        h.update(HASH_DOMAIN);
        put(&mut h, &article.title);
        h.update(&(article.body.len() as u64).to_le_bytes());
        for p in &article.body {
            put(&mut h, p);
        }
        ContentHash(h.digest128())
    }
    /// Big-endian bytes: the store's key for the text of a version.
    pub fn to_bytes(self) -> [u8; 16] {
        self.0.to_be_bytes()
    }
    /// The hash back from [`ContentHash::to_bytes`].
    pub fn from_bytes(b: [u8; 16]) -> ContentHash {
        ContentHash(u128::from_be_bytes(b))
    }
}

impl std::fmt::Display for ContentHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

impl From<ContentHash> for String {
    fn from(h: ContentHash) -> String {
        h.to_string()
    }
}

impl TryFrom<String> for ContentHash {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        u128::from_str_radix(&s, 16)
            .map(ContentHash)
            .map_err(|e| format!("bad content hash {s:?}: {e}"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn art(title: &str, body: &[&str]) -> Article {
        Article {
            title: title.into(),
            body: body.iter().map(|s| s.to_string()).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn folds_quotes_dashes_ellipsis() {
        assert_eq!(
            normalize_text("\u{201C}Don\u{2019}t\u{201D} \u{2014} she said\u{2026}"),
            "\"Don't\" - she said..."
        );
        assert_eq!(normalize_text("‘a’ ‚b‛ 5′"), "'a' 'b' 5'");
        assert_eq!(normalize_text("“a” „b‟ 5″ «c»"), "\"a\" \"b\" 5\" \"c\"");
        assert_eq!(normalize_text("a‐b‑c‒d–e—f―g−h"), "a-b-c-d-e-f-g-h");
        // compatibility forms that NFKC maps onto a dash are folded too
        assert_eq!(normalize_text("a\u{FE58}b"), "a-b");
    }

    #[test]
    fn nfkc() {
        assert_eq!(normalize_text("ﬁne ＡＢＣ １２３ ½"), "fine ABC 123 1⁄2");
        // decomposed e + acute composes
        assert_eq!(normalize_text("cafe\u{301}"), "caf\u{E9}");
        // halfwidth katakana
        assert_eq!(normalize_text("ｶﾀｶﾅ"), "カタカナ");
    }

    #[test]
    fn drops_invisibles() {
        assert_eq!(
            normalize_text("\u{FEFF}in\u{AD}vis\u{200B}i\u{200C}b\u{200D}le\u{2060}"),
            "invisible"
        );
        assert_eq!(
            normalize_text("\u{202B}abc\u{202C} \u{2067}def\u{2069} \u{200E}x\u{200F}"),
            "abc def x"
        );
        assert_eq!(normalize_text("a\u{0}b\u{7}c\u{9B}d"), "abcd");
        // a joiner between base and combining mark does not block composition
        assert_eq!(normalize_text("e\u{200D}\u{301}"), "\u{E9}");
        // heart with and without the emoji presentation selector
        assert_eq!(
            normalize_text("\u{2764}\u{FE0F}"),
            normalize_text("\u{2764}")
        );
        // meaningful format characters stay
        assert_eq!(normalize_text("\u{600}1"), "\u{600}1");
    }

    #[test]
    fn whitespace() {
        assert_eq!(
            normalize_text(
                "  a\u{A0}\u{A0}b\u{2009}c\u{202F}d\u{2028}e\u{2029}f\t\r\n g\u{3000}h\u{85} "
            ),
            "a b c d e f g h"
        );
        assert_eq!(normalize_text(" \u{200B} \u{A0} "), "");
        assert_eq!(normalize_text(""), "");
        assert_eq!(normalize_text("plain ascii"), "plain ascii");
    }

    #[test]
    fn article_normalization() {
        let a = Article {
            title: " Big\u{A0}news ".into(),
            byline: Some(" \u{200B} ".into()),
            published: Some(" 2024-01-01T00:00:00Z ".into()),
            modified: Some("  ".into()),
            canonical_url: Some(" https://example.com/a \n".into()),
            language: Some("en ".into()),
            body: vec![
                "First  paragraph.".into(),
                " \u{FEFF} ".into(),
                "Second\u{2014}one.".into(),
                "".into(),
            ],
        };
        let n = normalize_article(&a);
        assert_eq!(n.title, "Big news");
        assert_eq!(n.byline, None);
        assert_eq!(n.published.as_deref(), Some("2024-01-01T00:00:00Z"));
        assert_eq!(n.modified, None);
        assert_eq!(n.canonical_url.as_deref(), Some("https://example.com/a"));
        assert_eq!(n.language.as_deref(), Some("en"));
        assert_eq!(n.body, vec!["First paragraph.", "Second-one."]);
        assert_eq!(normalize_article(&n), n);
    }

    #[test]
    fn tokens_english() {
        assert_eq!(
            tokens("Don't panic: it's a well-known fact -- really!"),
            vec![
                "Don't",
                "panic",
                "it's",
                "a",
                "well-known",
                "fact",
                "really"
            ]
        );
        assert_eq!(
            tokens("'quoted' - dash -x y- rock--roll"),
            vec!["quoted", "dash", "x", "y", "rock", "roll"]
        );
        assert_eq!(
            tokens("COVID-19 cost $3.5 billion, or 1,000 each."),
            vec!["COVID-19", "cost", "3.5", "billion", "or", "1,000", "each"]
        );
        assert_eq!(tokens("end. Next,word"), vec!["end", "Next", "word"]);
        assert_eq!(tokens("don\u{2019}t"), vec!["don\u{2019}t"]);
        assert!(tokens("").is_empty());
        assert!(tokens(" ... -- !? ").is_empty());
    }

    #[test]
    fn tokens_russian() {
        assert_eq!(
            tokens("Президент России заявил, что по-прежнему «готов» к переговорам."),
            vec![
                "Президент",
                "России",
                "заявил",
                "что",
                "по-прежнему",
                "готов",
                "к",
                "переговорам"
            ]
        );
        // decomposed й (и + combining breve) stays one word
        assert_eq!(tokens("мои\u{306} дом"), vec!["мои\u{306}", "дом"]);
    }

    #[test]
    fn tokens_cjk() {
        assert_eq!(tokens("北京时间。"), vec!["北", "京", "时", "间"]);
        assert_eq!(
            tokens("東京でカタカナを書く"),
            vec!["東", "京", "で", "カ", "タ", "カ", "ナ", "を", "書", "く"]
        );
        assert_eq!(tokens("한국어 뉴스"), vec!["한", "국", "어", "뉴", "스"]);
        // decomposed dakuten stays with its kana
        assert_eq!(tokens("か\u{3099}"), vec!["か\u{3099}"]);
    }

    #[test]
    fn tokens_mixed() {
        assert_eq!(
            tokens("Apple发布iPhone 15，售价5999元。"),
            vec!["Apple", "发", "布", "iPhone", "15", "售", "价", "5999", "元"]
        );
        assert_eq!(tokens("हिन्दी समाचार"), vec!["हिन्दी", "समाचार"]);
    }

    #[test]
    fn hash_is_unambiguous() {
        let h = |t: &str, b: &[&str]| ContentHash::of(&art(t, b));
        assert_ne!(h("t", &["ab", "c"]), h("t", &["a", "bc"]));
        assert_ne!(h("t", &["abc"]), h("t", &["ab", "c"]));
        assert_ne!(h("a", &["b"]), h("", &["a", "b"]));
        assert_ne!(h("a", &[]), h("", &["a"]));
        assert_ne!(h("", &[]), h("", &[""]));
        assert_ne!(h("t", &["a", "b"]), h("t", &["b", "a"]));
        // pinned: stored hashes must compare equal across releases
        assert_eq!(
            String::from(h("t", &["a", "b"])),
            "6fb39e24818de296fd3f115092cd231e"
        );
        // byline and metadata do not count
        let mut a = art("t", &["p"]);
        let before = ContentHash::of(&a);
        a.byline = Some("x".into());
        a.modified = Some("2024".into());
        assert_eq!(ContentHash::of(&a), before);
    }

    #[test]
    fn hash_is_stable() {
        // Stored values: these must never change.
        let h = ContentHash::of(&art("Title", &["First paragraph.", "Second."]));
        assert_eq!(h.to_string(), GOLDEN_1);
        let h = ContentHash::of(&art("", &[]));
        assert_eq!(h.to_string(), GOLDEN_2);
    }
    const GOLDEN_1: &str = "8280fc107fd73145627711318a9a1094";
    const GOLDEN_2: &str = "31f8e4d115a0fa5cdcd3405fe9290d0d";

    #[test]
    fn hash_roundtrips() {
        let h = ContentHash::of(&art("x", &["y"]));
        assert_eq!(ContentHash::from_bytes(h.to_bytes()), h);
        let s: String = h.into();
        assert_eq!(ContentHash::try_from(s).unwrap(), h);
        let j = serde_json::to_string(&h).unwrap();
        assert_eq!(serde_json::from_str::<ContentHash>(&j).unwrap(), h);
    }

    /// A long text is normalized whole (its speed is measured in
    /// benches/extract.rs, never asserted in a test).
    #[test]
    fn a_long_text_is_normalized_whole() {
        let para = "The “quick” brown fox\u{A0}jumps — over the lazy dog… ".repeat(100);
        let text: String = std::iter::repeat_n(para.as_str(), 20).collect();
        let n = normalize_text(&text);
        assert_eq!(n.matches("quick").count(), 2_000);
        assert!(
            !n.contains('“') && !n.contains('\u{A0}'),
            "quotes and spaces normalized"
        );
    }

    /// Characters that stress normalization: combining marks, invisibles,
    /// all sorts of spaces, quotes, dashes, compatibility forms, Hangul jamo.
    fn tricky_char() -> impl Strategy<Value = char> {
        prop_oneof![
            3 => prop::sample::select(vec![
                'a', 'e', 'E', 'i', 'o', 'z', '1', ' ', '\t', '\n', '.', '\'', '"', '-',
                '\u{300}', '\u{301}', '\u{308}', '\u{327}', '\u{306}', '\u{3099}', '\u{309A}', '\u{94D}',
                '\u{200B}', '\u{200C}', '\u{200D}', '\u{AD}', '\u{FEFF}', '\u{2060}', '\u{202E}', '\u{2066}',
                '\u{FE0F}', '\u{0}', '\u{1B}',
                '\u{A0}', '\u{2009}', '\u{202F}', '\u{2028}', '\u{2029}', '\u{3000}', '\u{85}', '\u{180E}',
                '\u{2018}', '\u{2019}', '\u{201C}', '\u{201D}', '\u{AB}', '\u{BB}', '\u{2032}', '\u{2033}', '\u{2034}',
                '\u{2010}', '\u{2011}', '\u{2013}', '\u{2014}', '\u{2212}', '\u{FE58}', '\u{FE63}', '\u{2026}',
                '\u{FB01}', '\u{FF21}', '\u{BD}', '\u{B4}', '\u{A8}', '\u{2126}', '\u{212B}', '\u{1E9B}', '\u{FF76}', '\u{FF9E}',
                '\u{1100}', '\u{1161}', '\u{11A8}', '\u{AC00}', '\u{3131}', '\u{3164}', '\u{FFA0}', 'か', 'ㇰ', '北',
                '\u{CA}', '\u{1EC7}', '\u{5D0}', '\u{5B8}', '\u{627}', '\u{653}', '\u{600}', '\u{E0001}', '\u{E0067}',
            ]),
            1 => any::<char>(),
        ]
    }

    proptest! {
        #[test]
        fn normalize_idempotent(v in prop::collection::vec(tricky_char(), 0..40)) {
            let s: String = v.into_iter().collect();
            let once = normalize_text(&s);
            let twice = normalize_text(&once);
            prop_assert_eq!(&twice, &once);
            prop_assert_eq!(once.trim(), once.as_str());
            prop_assert!(!once.contains("  "));
        }

        #[test]
        fn fast_paths_match_the_full_pipeline(v in prop::collection::vec(tricky_char(), 0..40)) {
            let s: String = v.into_iter().collect();
            let mut full = String::new();
            push_collapsed(&mut full, s.chars().filter(|&c| !is_invisible(c)).map(fold).nfkc().map(fold));
            prop_assert_eq!(normalize_text(&s), full);
        }

        #[test]
        fn ascii_fast_path_matches(s in "[ a-z.\t\n\x00\x1f\x7f]{0,30}") {
            let mut full = String::new();
            push_collapsed(&mut full, s.chars().filter(|&c| !is_invisible(c)));
            prop_assert_eq!(normalize_text(&s), full);
        }

        #[test]
        fn normalize_idempotent_any(s in any::<String>()) {
            let once = normalize_text(&s);
            prop_assert_eq!(normalize_text(&once), once);
        }

        #[test]
        fn tokens_are_substrings_in_order(v in prop::collection::vec(tricky_char(), 0..40)) {
            let s: String = v.into_iter().collect();
            let mut pos = 0;
            for t in tokens(&s) {
                prop_assert!(!t.is_empty());
                let off = t.as_ptr() as usize - s.as_ptr() as usize;
                prop_assert!(off >= pos);
                pos = off + t.len();
                prop_assert!(t.chars().any(|c| c.is_alphanumeric()));
            }
        }
    }
}
