//! Email over SMTP (lettre): STARTTLS, implicit TLS or plain; one
//! multipart/alternative message with a text/plain part and an HTML part
//! showing the diff with `<del>`/`<ins>`, rendered with maud (which
//! escapes the article text).

use super::sinks::Deliver;
use super::{format, http::describe, Alert, SendError};
use crate::config::{EmailConfig, SmtpTls};
use crate::core::event::Event;
use crate::fetch::ExtraRoots;
use futures_util::future::BoxFuture;
use lettre::message::header::ContentTransferEncoding;
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::authentication::Credentials;
use lettre::transport::smtp::client::{Certificate, Tls, TlsParameters};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use maud::{html, Markup, PreEscaped, DOCTYPE};
use std::time::Duration;

/// Diff lines in an email (the full diff up to this many).
pub const EMAIL_DIFF_LINES: usize = 200;
/// Deadline for one SMTP conversation step.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(20);

/// An SMTP submission sink: one multipart message (text and HTML) per
/// alert, to all its recipients.
pub struct Email {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    /// `host:port`, for messages.
    server: String,
    from: Mailbox,
    to: Vec<Mailbox>,
}

impl std::fmt::Debug for Email {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Email").field("to", &self.to).finish()
    }
}

impl Email {
    /// Set up from the config; the password comes from `password_env`.
    /// `extra_roots` are trusted beside the system's CAs for STARTTLS and
    /// implicit TLS.
    pub fn new(c: &EmailConfig, extra_roots: Option<&ExtraRoots>) -> Result<Email, String> {
        let from: Mailbox = c
            .from
            .parse()
            .map_err(|e| format!("from {:?} is not an address: {e}", c.from))?;
        if c.to.is_empty() {
            return Err("`to` lists no address".into());
        }
        let to =
            c.to.iter()
                .map(|t| {
                    t.parse::<Mailbox>()
                        .map_err(|e| format!("to {t:?} is not an address: {e}"))
                })
                .collect::<Result<Vec<_>, _>>()?;
        let builder = match c.tls {
            SmtpTls::Starttls => AsyncSmtpTransport::<Tokio1Executor>::starttls_relay(&c.host),
            SmtpTls::Tls => AsyncSmtpTransport::<Tokio1Executor>::relay(&c.host),
            SmtpTls::None => Ok(AsyncSmtpTransport::<Tokio1Executor>::builder_dangerous(
                &c.host,
            )),
        }
        .map_err(|e| format!("cannot set up SMTP to {}: {}", c.host, describe(&e)))?;
        let port = c.port.unwrap_or(match c.tls {
            SmtpTls::Starttls => 587,
            SmtpTls::Tls => 465,
            SmtpTls::None => 25,
        });
        let mut builder = builder.port(port).timeout(Some(SMTP_TIMEOUT));
        if let (Some(roots), SmtpTls::Starttls | SmtpTls::Tls) = (extra_roots, c.tls) {
            let params = tls_parameters(&c.host, roots)?;
            builder = builder.tls(match c.tls {
                SmtpTls::Tls => Tls::Wrapper(params),
                _ => Tls::Required(params),
            });
        }
        match (&c.username, &c.password_env) {
            (Some(user), Some(var)) => {
                let password = std::env::var(var).map_err(|_| {
                    format!("the environment variable {var} (password_env) is not set")
                })?;
                builder = builder.credentials(Credentials::new(user.clone(), password));
            }
            (Some(_), None) => return Err("`username` needs `password_env`".into()),
            (None, Some(_)) => return Err("`password_env` needs `username`".into()),
            (None, None) => {}
        }
        Ok(Email {
            transport: builder.build(),
            server: format!("{}:{port}", c.host),
            from,
            to,
        })
    }

    /// Send one alert; a TLS problem with the server's certificate is told
    /// apart in the error.
    pub async fn send(&self, alert: &Alert<'_>) -> Result<(), SendError> {
        let mut m = Message::builder()
            .from(self.from.clone())
            .message_id(Some(message_id(alert, self.from.email.domain())))
            .subject(subject(alert));
        for t in &self.to {
            m = m.to(t.clone());
        }
        let message = m
            .multipart(
                MultiPart::alternative()
                    .singlepart(SinglePart::plain(quoted_printable(text_body(alert))))
                    .singlepart(SinglePart::html(quoted_printable(html_body(alert)))),
            )
            .map_err(|e| SendError::Smtp(describe(&e)))?;
        self.transport.send(message).await.map(|_| ()).map_err(|e| {
            SendError::Smtp(
                crate::fetch::tls_problem(&e, &self.server).unwrap_or_else(|| describe(&e)),
            )
        })
    }
}

impl Deliver for Email {
    fn deliver<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move { self.send(&alert).await })
    }
}

/// TLS to `host` trusting `roots` as well as the system's CAs (lettre's
/// own parameters, with the extra roots added).
fn tls_parameters(host: &str, roots: &ExtraRoots) -> Result<TlsParameters, String> {
    let mut params = TlsParameters::builder(host.to_string());
    for der in roots.der() {
        let cert = Certificate::from_der(der.to_vec()).map_err(|e| {
            format!(
                "a certificate of {} (fetch.extra_ca_file): {}",
                roots.path().display(),
                describe(&e)
            )
        })?;
        params = params.add_root_certificate(cert);
    }
    params
        .build_rustls()
        .map_err(|e| format!("cannot set up TLS to {host}: {}", describe(&e)))
}

/// The `Message-ID` of an alert: its event id (or digest id) at the
/// sender's domain, so that a redelivery of the same alert carries the same
/// id and a receiver can drop the repeat (delivery is at least once).
pub fn message_id(alert: &Alert<'_>, domain: &str) -> String {
    let id = match alert {
        Alert::One(e) => e.id().to_string(),
        Alert::Digest(events) => format::digest_id(events),
    };
    // ids are `kind-hex`: already a dot-atom; anything else is dropped
    let id: String = id
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    format!("<{id}.copydesk@{domain}>")
}

/// Quoted-printable always: readable in the raw message, safe for any
/// UTF-8 and any line length (lettre would pick base64 for some texts).
fn quoted_printable(text: String) -> Body {
    Body::new_with_encoding(text, ContentTransferEncoding::QuotedPrintable)
        .unwrap_or_else(Body::new)
}

/// The message's subject: `[copydesk]` and the alert's headline.
pub fn subject(alert: &Alert<'_>) -> String {
    format!("[copydesk] {}", format::subject(alert))
}

/// The diff an email shows: an edit's; a republication has none (its
/// articles are listed instead).
fn diff_of(e: &Event) -> &str {
    match e {
        Event::Edit(e) => &e.diff,
        Event::Republication(_) | Event::Removed(_) | Event::Restored(_) | Event::Moved(_) => "",
    }
}

/// The text/plain part: the readable summary and the (capped) diff.
pub fn text_body(alert: &Alert<'_>) -> String {
    let mut t = format::plain_text(alert);
    if let Alert::One(e) = alert {
        let diff: Vec<&str> = diff_of(e).lines().collect();
        if !diff.is_empty() {
            t.push_str("\nThe diff:\n\n");
            for l in diff.iter().take(EMAIL_DIFF_LINES) {
                t.push_str(l);
                t.push('\n');
            }
            if diff.len() > EMAIL_DIFF_LINES {
                t.push_str(&format!("… {} more lines\n", diff.len() - EMAIL_DIFF_LINES));
            }
        }
        t.push_str(&format!("\nevent {}\n", e.id()));
    }
    t
}

/// One piece of a diff line: plain text, or words marked removed or added
/// (`[-...-]` and `{+...+}` in the diff text).
#[derive(Debug, PartialEq)]
enum Piece<'a> {
    Text(&'a str),
    Removed(&'a str),
    Added(&'a str),
}

/// Split a diff line at its word marks. An opening mark without its closing
/// one stays text.
fn pieces(mut l: &str) -> Vec<Piece<'_>> {
    let mut out = Vec::new();
    loop {
        let next = [("[-", "-]"), ("{+", "+}")]
            .iter()
            .filter_map(|&(open, close)| {
                let at = l.find(open)?;
                let len = l[at + 2..].find(close)?;
                Some((at, len, open))
            })
            .min_by_key(|&(at, _, _)| at);
        let Some((at, len, open)) = next else {
            if !l.is_empty() {
                out.push(Piece::Text(l));
            }
            return out;
        };
        if at > 0 {
            out.push(Piece::Text(&l[..at]));
        }
        let inner = &l[at + 2..at + 2 + len];
        out.push(if open == "[-" {
            Piece::Removed(inner)
        } else {
            Piece::Added(inner)
        });
        l = &l[at + 2 + len + 2..];
    }
}

/// One diff line as HTML: a `<span>` classed by its kind, the marked words
/// as `<del>` / `<ins>`. maud escapes the text.
fn diff_line(l: &str) -> Markup {
    let class = match l.get(..2) {
        Some("+ ") => "added",
        Some("- ") => "removed",
        Some("~ ") => "changed",
        Some("@@") => "hunk",
        _ => "context",
    };
    html! {
        span class=(class) {
            @for p in pieces(l) {
                @match p {
                    Piece::Text(t) => (t),
                    Piece::Removed(t) => del style="background:#fdd" { (t) },
                    Piece::Added(t) => ins style="background:#dfd" { (t) },
                }
            }
        }
        "\n"
    }
}

/// The text/html part.
pub fn html_body(alert: &Alert<'_>) -> String {
    let body = match alert {
        Alert::One(e) => {
            let s = format::summarize(e);
            let diff: Vec<&str> = diff_of(e)
                .lines()
                .filter(|l| !l.starts_with("--- ") && !l.starts_with("+++ "))
                .collect();
            html! {
                h2 { a href=(s.url) { (s.headline) } }
                p { (s.outlet) " — " (s.facts) }
                @if !s.articles.is_empty() {
                    ul {
                        @for a in &s.articles {
                            li { (a.role) ": " a href=(a.url) { (a.describe()) } }
                        }
                    }
                }
                @if !diff.is_empty() {
                    pre style="white-space:pre-wrap" {
                        "\n"
                        @for l in diff.iter().take(EMAIL_DIFF_LINES) { (diff_line(l)) }
                        @if diff.len() > EMAIL_DIFF_LINES {
                            span { "… " (diff.len() - EMAIL_DIFF_LINES) " more lines" } "\n"
                        }
                    }
                }
                p { small { "event " (s.id) } }
            }
        }
        Alert::Digest(events) => {
            let lines = format::digest_lines_with(
                events,
                |s| {
                    html! {
                        li { a href=(s.url) { (s.headline) } " — " (s.outlet) " — " (s.facts) }
                    }
                    .into_string()
                },
                |n| html! { li { "… and " (n) " more" } }.into_string(),
            );
            html! {
                h2 { (format::digest_title(events)) }
                ul { @for l in &lines { (PreEscaped(l)) } }
            }
        }
    };
    html! {
        (DOCTYPE)
        html {
            head { meta charset="utf-8"; }
            body style="font-family:sans-serif" { (body) }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, republication, DIFF};
    use crate::core::diff::ChangeClass;
    use crate::core::matching::MatchClass;

    #[test]
    fn a_republication_mail_names_both_articles_and_escapes_titles() {
        let e = republication("<script>alert(1)</script> & co", MatchClass::Partial);
        let a = Alert::One(&e);
        assert_eq!(
            subject(&a),
            "[copydesk] Copied: «<script>alert(1)</script> & co» (example.com) republished by example.org"
        );
        let t = text_body(&a);
        assert!(
            t.contains(
                "example.org — partial · similarity 84% · containment 96% · 5 shared paragraphs\n"
            ),
            "{t}"
        );
        assert!(t.contains("Original: «<script>alert(1)</script> & co» (example.com), first seen 2026-11-25T09:01:40Z — https://example.com/story\n"), "{t}");
        assert!(t.contains("Copy: «City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z — https://other.example.org/news/budget\n"), "{t}");
        assert!(!t.contains("The diff:"), "{t}");
        assert!(t.contains(&format!("event {}", e.id())));
        let h = html_body(&a);
        assert!(h.contains(
            "<h2><a href=\"https://other.example.org/news/budget\">Copied: «&lt;script&gt;alert(1)&lt;/script&gt; &amp; co» (example.com) republished by example.org</a></h2>"
        ), "{h}");
        assert!(h.contains("<p>example.org — partial · similarity 84% · containment 96% · 5 shared paragraphs</p>"), "{h}");
        assert!(h.contains(
            "<li>Original: <a href=\"https://example.com/story\">«&lt;script&gt;alert(1)&lt;/script&gt; &amp; co» (example.com), first seen 2026-11-25T09:01:40Z</a></li>"
        ), "{h}");
        assert!(h.contains(
            "<li>Copy: <a href=\"https://other.example.org/news/budget\">«City passes transport budget» (example.org), first seen 2026-11-25T10:52:10Z</a></li>"
        ), "{h}");
        assert!(!h.contains("<script>") && !h.contains("<pre"), "{h}");
        let events = vec![e.clone(), edit("One", ChangeClass::Minor, DIFF)];
        let d = Alert::Digest(&events);
        assert_eq!(subject(&d), "[copydesk] copydesk digest: 2 alerts");
        let h = html_body(&d);
        assert!(h.contains("Copied: «&lt;script&gt;alert(1)&lt;/script&gt; &amp; co» (example.com) republished by example.org</a> — example.org — partial · similarity 84%"), "{h}");
        assert!(!h.contains("<script>"));
    }

    fn config(extra: &str) -> Result<Email, String> {
        let to = if extra.starts_with("to =") {
            ""
        } else {
            "to = [\"b@example.org\"]\n"
        };
        let text = format!(
            "[[alert.email]]\nhost = \"smtp.example.org\"\nfrom = \"copydesk <a@example.org>\"\n{to}{extra}"
        );
        let cfg = crate::config::Config::parse(&text, std::path::Path::new("t.toml"))
            .map_err(|e| e.to_string())?;
        Email::new(&cfg.alert.email[0], None)
    }

    #[test]
    fn smtp_settings_are_checked() {
        for tls in ["starttls", "tls", "none"] {
            assert!(config(&format!("tls = \"{tls}\"")).is_ok(), "{tls}");
        }
        assert!(config("tls = \"ssl\"").is_err());
        let e = config("username = \"u\"").unwrap_err();
        assert!(e.contains("password_env"), "{e}");
        let e = config("username = \"u\"\npassword_env = \"COPYDESK_TEST_UNSET_SMTP_VAR\"")
            .unwrap_err();
        assert!(
            e.contains("COPYDESK_TEST_UNSET_SMTP_VAR") && e.contains("not set"),
            "{e}"
        );
        let e = config("to = [\"not an address\"]").unwrap_err();
        assert!(
            e.contains("duplicate key") || e.contains("not an address"),
            "{e}"
        );
    }

    #[test]
    fn subject_and_text_say_what_changed() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let a = Alert::One(&e);
        assert_eq!(
            subject(&a),
            "[copydesk] Edited (minor): Council approves budget"
        );
        let t = text_body(&a);
        assert!(t.contains("news.example — version 1 → 2"));
        assert!(t.contains("https://news.example/story"));
        assert!(t.contains("The diff:\n\n--- version 1\n"));
        assert!(t.contains(&format!("event {}", e.id())));
    }

    #[test]
    fn html_escapes_article_text_and_marks_words() {
        let diff = "--- version 1\n+++ version 2\n@@ paragraph 1 @@\n~ <script>alert(1)</script> & [-old-]{+new+} \"q\"\n";
        let e = edit("Tom & Jerry <b>", ChangeClass::Minor, diff);
        let h = html_body(&Alert::One(&e));
        assert!(h.contains(
            "<a href=\"https://news.example/story\">Edited (minor): Tom &amp; Jerry &lt;b&gt;</a>"
        ));
        assert!(h.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; <del style=\"background:#fdd\">old</del><ins style=\"background:#dfd\">new</ins> &quot;q&quot;"));
        assert!(!h.contains("<script>") && !h.contains("<b>"));
        assert!(!h.contains("--- version 1"));
    }

    #[test]
    fn word_marks_split_a_diff_line_and_an_unclosed_mark_stays_text() {
        use Piece::*;
        assert_eq!(
            pieces("~ a [-b c-] d {+e+}{+f+} g"),
            vec![
                Text("~ a "),
                Removed("b c"),
                Text(" d "),
                Added("e"),
                Added("f"),
                Text(" g")
            ]
        );
        assert_eq!(pieces("+ 3 [-dead"), vec![Text("+ 3 [-dead")]);
        assert_eq!(pieces(""), vec![]);
        let h = diff_line("~ <i>[-x-]</i>").into_string();
        assert_eq!(
            h,
            "<span class=\"changed\">~ &lt;i&gt;<del style=\"background:#fdd\">x</del>&lt;/i&gt;</span>\n"
        );
    }

    #[test]
    fn a_digest_lists_every_event() {
        let events = vec![
            edit("One", ChangeClass::Minor, DIFF),
            edit("Two & three", ChangeClass::Headline, DIFF),
        ];
        let a = Alert::Digest(&events);
        assert_eq!(subject(&a), "[copydesk] copydesk digest: 2 article changes");
        let h = html_body(&a);
        assert_eq!(h.matches("<li>").count(), 2);
        assert!(h.contains("Edited (headline): Two &amp; three"));
        assert!(text_body(&a).contains("• Edited (minor): One"));
    }
}
