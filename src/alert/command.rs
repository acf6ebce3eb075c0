//! A command run per alert: the event JSON (or a digest) on stdin; exit 0
//! is a delivery, anything else (a non-zero exit, no such program, the
//! timeout, after which it is killed) a failure to retry.

use super::sinks::Deliver;
use super::{format, Alert, SendError};
use crate::config::CommandConfig;
use futures_util::future::BoxFuture;
use std::process::Stdio;
use std::time::Duration;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// Default deadline for a command.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// Bytes of the command's stderr kept in the error.
const STDERR_KEPT: usize = 500;

/// A program run once per message, the event JSON on its stdin
/// (`COPYDESK_EVENT` and `COPYDESK_EVENT_ID` in its environment).
#[derive(Debug, Clone)]
pub struct CommandSink {
    /// The program, run without a shell.
    pub program: String,
    /// Its arguments.
    pub args: Vec<String>,
    /// Killed after this long; a kill is a failed delivery.
    pub timeout: Duration,
}

/// What the command reads on stdin.
pub fn stdin(alert: &Alert<'_>) -> Vec<u8> {
    let mut v = serde_json::to_vec(&format::payload(alert)).unwrap_or_default();
    v.push(b'\n');
    v
}

impl CommandSink {
    /// From its `[[alert.command]]` table (`timeout` defaults to
    /// [`DEFAULT_TIMEOUT`]).
    pub fn from_config(c: &CommandConfig) -> CommandSink {
        CommandSink {
            program: c.program.clone(),
            args: c.args.clone(),
            timeout: c.timeout.map(|t| t.0).unwrap_or(DEFAULT_TIMEOUT),
        }
    }

    /// Run it for one message: a failure to start, a timeout or an exit
    /// code other than 0 is an error (with the start of its stderr).
    pub async fn send(&self, alert: &Alert<'_>) -> Result<(), SendError> {
        let program = self.program.clone();
        let fail = |m: String| SendError::Command {
            program: program.clone(),
            message: m,
        };
        let payload = format::payload(alert);
        let mut child = tokio::process::Command::new(&self.program)
            .args(&self.args)
            .env("COPYDESK_EVENT", alert.kind())
            .env(
                "COPYDESK_EVENT_ID",
                payload["id"].as_str().unwrap_or_default(),
            )
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| fail(format!("cannot start: {e}")))?;
        let input = stdin(alert);
        let mut pipe = child.stdin.take();
        let mut err = child.stderr.take();
        let run = async {
            if let Some(p) = pipe.as_mut() {
                // a command that ignores its input may close stdin early
                let _ = p.write_all(&input).await;
                let _ = p.shutdown().await;
            }
            drop(pipe);
            let mut stderr = Vec::new();
            if let Some(e) = err.as_mut() {
                let _ = e.read_to_end(&mut stderr).await;
            }
            (child.wait().await, stderr)
        };
        match tokio::time::timeout(self.timeout, run).await {
            Ok((Ok(status), _)) if status.success() => Ok(()),
            Ok((Ok(status), stderr)) => {
                let text = String::from_utf8_lossy(&stderr);
                let text = format::shorten(text.trim(), STDERR_KEPT);
                Err(fail(if text.is_empty() {
                    format!("exited with {status}")
                } else {
                    format!("exited with {status}: {text}")
                }))
            }
            Ok((Err(e), _)) => Err(fail(format!("cannot wait for it: {e}"))),
            // the child is killed when dropped (kill_on_drop)
            Err(_) => Err(SendError::Timeout {
                what: format!("command {}", self.program),
                after: self.timeout,
            }),
        }
    }
}

impl Deliver for CommandSink {
    fn deliver<'a>(
        &'a self,
        _client: &'a reqwest::Client,
        alert: Alert<'a>,
    ) -> BoxFuture<'a, Result<(), SendError>> {
        Box::pin(async move { self.send(&alert).await })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::alert::format::tests::{edit, DIFF};
    use crate::core::diff::ChangeClass;

    #[test]
    fn stdin_is_the_event_json() {
        let e = edit("Council approves budget", ChangeClass::Minor, DIFF);
        let v: serde_json::Value = serde_json::from_slice(&stdin(&Alert::One(&e))).unwrap();
        assert_eq!(v, e.to_payload());
    }
}
