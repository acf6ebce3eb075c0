use super::*;
use proptest::prelude::*;

fn c(s: &str) -> String {
    UrlRules::default()
        .canonical_str(s)
        .unwrap_or_else(|| panic!("not a URL: {s}"))
}

#[test]
fn case_port_fragment_and_slash() {
    assert_eq!(
        c("HTTPS://News.Example.COM:443/World/Story-1/#comments"),
        "https://news.example.com/World/Story-1"
    );
    assert_eq!(c("http://a.example:80/x"), "http://a.example/x");
    // a port that is not the scheme's default stays
    assert_eq!(c("http://a.example:8080/x/"), "http://a.example:8080/x");
    assert_eq!(c("https://a.example"), "https://a.example/");
    assert_eq!(c("https://a.example./x"), "https://a.example/x");
    // the path keeps its case: servers may tell /A from /a
    assert_ne!(c("https://a.example/A"), c("https://a.example/a"));
}

#[test]
fn tracking_parameters_go_others_stay_in_order() {
    assert_eq!(
        c("https://a.example/s?utm_source=rss&id=7&UTM_Medium=feed&fbclid=x&b=2&a=1&gclid=z"),
        "https://a.example/s?id=7&b=2&a=1"
    );
    assert_eq!(
        c("https://a.example/s?utm_source=rss"),
        "https://a.example/s"
    );
    assert_eq!(c("https://a.example/s?&&fbclid&"), "https://a.example/s");
    // an escaped tracker name is still a tracker
    assert_eq!(
        c("https://a.example/s?utm%5Fsource=x&p=1"),
        "https://a.example/s?p=1"
    );
    // a parameter that only starts like a tracker name stays
    assert_eq!(
        c("https://a.example/s?fbclids=1&gclid2=2"),
        "https://a.example/s?fbclids=1&gclid2=2"
    );
}

#[test]
fn configured_parameters_extend_the_defaults() {
    let rules = UrlRules::new(&["Share", "cmp_*", " "]);
    assert_eq!(
        rules.canonical_str("https://a.example/s?share=tw&cmp_x=1&cmpz=2&utm_term=q"),
        Some("https://a.example/s?cmpz=2".to_string())
    );
    // a lone `*` would strip every parameter: ignored
    let rules = UrlRules::new(&["*"]);
    assert_eq!(
        rules.canonical_str("https://a.example/s?id=1"),
        Some("https://a.example/s?id=1".to_string())
    );
}

#[test]
fn percent_escapes() {
    // unreserved characters decoded, others upper-cased
    assert_eq!(
        c("https://a.example/%7Euser/%61b%2fc"),
        "https://a.example/~user/ab%2Fc"
    );
    assert_eq!(
        c("https://a.example/?q=%41%2b%2B"),
        "https://a.example/?q=A%2B%2B"
    );
    // non-ASCII is escaped by the parser, the same either way
    assert_eq!(
        c("https://a.example/caf\u{e9}"),
        c("https://a.example/caf%C3%A9")
    );
    assert_eq!(
        c("https://a.example/caf%c3%a9"),
        c("https://a.example/caf%C3%A9")
    );
    // broken escapes are kept as they are
    assert_eq!(c("https://a.example/100%"), "https://a.example/100%");
    assert_eq!(c("https://a.example/%zz%4"), "https://a.example/%zz%4");
    // a decoded dot segment is resolved
    assert_eq!(c("https://a.example/a/%2e%2E/b/"), "https://a.example/b");
}

#[test]
fn hostile_inputs() {
    let rules = UrlRules::default();
    for s in [
        "",
        "not a url",
        "//a.example/x",
        "/relative/path",
        "http://",
        "http://[::1",
    ] {
        assert_eq!(rules.canonical_str(s), None, "{s:?}");
    }
    // other schemes are left alone
    assert_eq!(
        rules.canonical_str("mailto:A@B.example#x"),
        Some("mailto:A@B.example#x".to_string())
    );
    // IPv6 and IDN hosts
    assert_eq!(c("http://[::1]:80/x/"), "http://[::1]/x");
    assert_eq!(
        c("https://B\u{fc}cher.Example/"),
        "https://xn--bcher-kva.example/"
    );
    // user info is kept (it selects a resource), empty user info dropped
    assert_eq!(c("https://@a.example/x"), "https://a.example/x");
    // a long URL does not blow up
    let long = format!(
        "https://a.example/{}?{}",
        "a/".repeat(5000),
        "k=v&".repeat(5000)
    );
    let out = c(&long);
    assert!(out.len() < long.len() && out.starts_with("https://a.example/a/a"));
}

#[test]
fn scheme_twin_swaps_only_web_schemes() {
    let u = Url::parse("http://a.example:8080/x?y=1").expect("url");
    assert_eq!(
        scheme_twin(&u).map(String::from),
        Some("https://a.example:8080/x?y=1".to_string())
    );
    let u = Url::parse("https://a.example/x").expect("url");
    assert_eq!(
        scheme_twin(&u).map(String::from),
        Some("http://a.example/x".to_string())
    );
    assert!(scheme_twin(&Url::parse("ftp://a.example/").expect("url")).is_none());
}

fn segment() -> impl Strategy<Value = String> {
    prop_oneof![
        "[a-zA-Z0-9._~-]{0,8}",
        "(%[0-9a-fA-F]{2}){1,3}",
        "%[0-9a-zA-Z]?",
        "[\\PC]{0,4}",
        Just("..".to_string()),
        Just(".".to_string()),
        Just("%2e%2E".to_string()),
    ]
}

fn query_pair() -> impl Strategy<Value = String> {
    (
        prop_oneof![
            Just("utm_source".to_string()),
            Just("FBCLID".to_string()),
            Just("id".to_string()),
            "[a-z_%0-9]{0,6}",
        ],
        segment(),
    )
        .prop_map(|(k, v)| format!("{k}={v}"))
}

proptest! {
    #[test]
    fn canonical_is_idempotent_and_clean(
        scheme in prop_oneof![Just("http"), Just("HTTPS"), Just("HtTp")],
        host in "[a-zA-Z]{1,8}(\\.[a-zA-Z]{1,5}){0,2}\\.?",
        port in prop_oneof![Just(String::new()), Just(":80".to_string()), Just(":443".to_string()), Just(":8080".to_string())],
        segs in proptest::collection::vec(segment(), 0..5),
        trailing in any::<bool>(),
        pairs in proptest::collection::vec(query_pair(), 0..5),
        fragment in proptest::option::of("[\\PC]{0,6}"),
    ) {
        let mut s = format!("{scheme}://{host}{port}/{}", segs.join("/"));
        if trailing { s.push('/'); }
        if !pairs.is_empty() { s.push('?'); s.push_str(&pairs.join("&")); }
        if let Some(f) = fragment { s.push('#'); s.push_str(&f); }
        let rules = UrlRules::default();
        let Some(once) = rules.canonical_str(&s) else { return Ok(()); };
        let twice = rules.canonical_str(&once).expect("a canonical URL parses");
        prop_assert_eq!(&once, &twice, "from {}", s);
        let u = Url::parse(&once).expect("parses");
        prop_assert!(u.fragment().is_none());
        prop_assert!(u.scheme() == "http" || u.scheme() == "https");
        prop_assert!(u.host_str().is_some_and(|h| h == h.to_ascii_lowercase() && !h.ends_with('.')));
        prop_assert!(u.port().is_none() || u.port() == Some(8080) || (u.port() == Some(80) && u.scheme() == "https") || (u.port() == Some(443) && u.scheme() == "http"));
        prop_assert!(u.path() == "/" || !u.path().ends_with('/'));
        for (k, _) in u.query_pairs() {
            prop_assert!(!rules.strips(&k), "tracker {} kept in {}", k, once);
        }
        prop_assert!(u.query() != Some(""));
    }
}
