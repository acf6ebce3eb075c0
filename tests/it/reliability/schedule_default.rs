//! Changing `[schedule] default` reschedules the watches that use it, at
//! the next start (or command) and on SIGHUP: they do not keep the due
//! time the old default gave them.

use crate::common::daemon::{eventually, Daemon};
use crate::common::{article_page, story, Env, Furniture, Reply, Server};
use std::time::Duration;

const YEARLY: &str = "0 0 1 1 *";
const EVERY_SECOND: &str = "* * * * * *";

fn config(server: &Server, default: &str) -> String {
    format!(
        "[schedule]\ndefault = \"{default}\"\n\n[web]\nlisten = \"127.0.0.1:0\"\n\n\
         [[watch]]\nurl = \"{}\"\n",
        server.url("/p")
    )
}

fn server() -> Server {
    let s = Server::start();
    s.set(
        "/p",
        Reply::html(article_page(
            "Council approves budget",
            &story(),
            &Furniture::default(),
        )),
    );
    s
}

#[test]
fn a_new_default_applies_at_the_next_start() {
    let server = server();
    let env = Env::new(&config(&server, YEARLY));
    env.ok(&["check", "--all"]);
    let due = |env: &Env| env.json(&["watch", "list"])[0]["next_due"].clone();
    let yearly_due = due(&env);
    let hits = server.hits("/p");
    env.ok(&["check"]);
    assert_eq!(server.hits("/p"), hits, "not due on the yearly default");

    env.write_config(&config(&server, EVERY_SECOND));
    std::thread::sleep(Duration::from_millis(1_500));
    env.ok(&["check"]);
    assert!(
        server.hits("/p") > hits,
        "the watch keeps the due time {yearly_due} of the old default"
    );
    assert_ne!(due(&env), yearly_due);
}

#[test]
fn a_new_default_applies_on_sighup() {
    let server = server();
    let env = Env::new(&config(&server, YEARLY));
    let mut d = Daemon::start(&env);
    eventually(Duration::from_secs(10), "the first check", || {
        let a = super::http::request(&d.addr, "GET", "/api/v1/watches", &[], b"");
        a.status == 200 && a.json()["items"][0]["last_check"].is_object()
    });
    let hits = server.hits("/p");
    std::thread::sleep(Duration::from_millis(1_500));
    assert_eq!(server.hits("/p"), hits, "yearly: no second check");
    env.write_config(&config(&server, EVERY_SECOND));
    d.signal("-HUP");
    eventually(
        Duration::from_secs(10),
        "a check on the new default",
        || server.hits("/p") > hits,
    );
    d.signal("-TERM");
    assert_eq!(d.wait(Duration::from_secs(15)).0, Some(0));
}
