//! A reader that stops reading (`copydesk ... | head -c1`) ends the
//! command quietly, as Unix tools do: no panic, no backtrace.

use crate::common::{binary, Env};
use std::io::Read;
use std::process::{Command, Stdio};

#[test]
fn a_closed_stdout_ends_the_command_quietly() {
    let mut text = String::new();
    for i in 0..400 {
        text.push_str(&format!(
            "[[watch]]\nurl = \"http://127.0.0.1:9/a/rather/long/path/to/story/{i}\"\nlabel = \"story number {i}\"\n"
        ));
    }
    let env = Env::new(&text);
    env.ok(&["watch", "list"]);
    for args in [
        vec!["watch", "list", "--format", "json"],
        vec!["watch", "list"],
        vec!["export"],
    ] {
        let mut child = Command::new(binary())
            .arg("--config")
            .arg(&env.config)
            .args(&args)
            .env("RUST_LOG", "warn")
            .env_remove("COPYDESK_CONFIG")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start copydesk");
        let mut stdout = child.stdout.take().unwrap();
        let mut one = [0u8; 1];
        stdout.read_exact(&mut one).unwrap();
        drop(stdout); // like `head -c1`
        let out = child.wait_with_output().unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {err}");
        assert!(err.is_empty(), "{args:?}: quiet, but printed\n{err}");
    }
}
