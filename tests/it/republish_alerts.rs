//! Republication alerts through readable sinks, end to end: the real
//! binary, two outlets on loopback (127.0.0.1:P1 and 127.0.0.1:P2), a
//! Slack-compatible receiver (plus Discord and ntfy), and the rules
//! applied to both articles.

use crate::common;
use common::*;

fn page(title: &str, body: &[String]) -> Reply {
    Reply::html(article_page(title, body, &Furniture::default()))
}

#[test]
fn a_slack_message_names_both_outlets_and_the_similarity() {
    let a = Server::start();
    let b = Server::start();
    a.set("/story", page("Council approves budget", &story()));
    b.set("/copy", page("City passes transport budget", &story()));
    let orig_url = a.url("/story");
    let copy_url = b.url("/copy");
    let outlet_a = format!("127.0.0.1:{}", a.addr.port());
    let outlet_b = format!("127.0.0.1:{}", b.addr.port());
    let env = Env::new(&format!(
        "[[watch]]\nurl = \"{orig_url}\"\n\n\
         [[alert.slack]]\nurl = \"{}\"\nmin_class = \"correction\"\nheadline_only = true\n\n\
         [[alert.slack]]\nurl = \"{}\"\noutlets = [\"{outlet_b}\"]\n\n\
         [[alert.slack]]\nurl = \"{}\"\nexclude_outlets = [\"{outlet_a}\"]\n\n\
         [[alert.slack]]\nurl = \"{}\"\nwatches = [\"{orig_url}\"]\nevents = [\"republication\"]\n\n\
         [[alert.discord]]\nurl = \"{}\"\n\n\
         [[alert.ntfy]]\nurl = \"{}\"\ntopic = \"desk\"\n",
        a.url("/slack/all"),
        a.url("/slack/copier"),
        a.url("/slack/not-a"),
        a.url("/slack/watched"),
        a.url("/discord"),
        a.url("/"),
    ));
    env.ok(&["check"]);
    env.ok(&["watch", "add", &copy_url]);
    env.ok(&["check", "--all"]);

    let slack = a.post_json("/slack/all");
    assert_eq!(
        slack.len(),
        1,
        "min_class/headline_only do not apply: {slack:?}"
    );
    let text = slack[0]["text"].as_str().unwrap_or_default();
    assert!(
        text.starts_with(&format!(
            "*<{copy_url}|Copied: «Council approves budget» ({outlet_a}) republished by {outlet_b}>*\n"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{outlet_b} — copy · similarity 100% · containment 100% · 6 shared paragraphs"
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "• Original: <{orig_url}|«Council approves budget» ({outlet_a}), first seen "
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "• Copy: <{copy_url}|«City passes transport budget» ({outlet_b}), first seen "
        )),
        "{text}"
    );
    assert_eq!(
        a.post_json("/slack/copier").len(),
        1,
        "outlets: the copy's outlet includes it"
    );
    assert!(
        a.posts("/slack/not-a").is_empty(),
        "exclude_outlets: the original's outlet drops it"
    );
    assert_eq!(
        a.post_json("/slack/watched").len(),
        1,
        "watches: the original's URL includes it"
    );

    let headline =
        format!("Copied: «Council approves budget» ({outlet_a}) republished by {outlet_b}");
    let discord = a.post_json("/discord");
    assert_eq!(discord.len(), 1, "{discord:?}");
    let content = discord[0]["content"].as_str().unwrap_or_default();
    assert!(
        content.starts_with(&format!("**[{headline}](<{copy_url}>)**\n")),
        "{content}"
    );
    assert!(content.contains("similarity 100%"), "{content}");
    let ntfy = a.post_json("/");
    assert_eq!(ntfy.len(), 1, "{ntfy:?}");
    assert_eq!(ntfy[0]["title"], headline.as_str());
    assert_eq!(ntfy[0]["click"], copy_url.as_str());
    assert_eq!(ntfy[0]["tags"], serde_json::json!(["memo", "copy"]));
    let message = ntfy[0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(&format!("— {orig_url}")) && message.contains(&format!("— {copy_url}")),
        "{message}"
    );
}
