//! The environment of an end-to-end test: a temp dir with a config file
//! and a store in it, and the real `copydesk` binary run on that config
//! (with the environment it gets passed explicitly, never set on the test
//! process).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp dir with a config file pointing at a store inside it.
pub struct Env {
    pub dir: tempfile::TempDir,
    pub config: PathBuf,
}

impl Env {
    /// `extra` is appended to a config that has the store, a quick fetch
    /// timeout and one retry.
    pub fn new(extra: &str) -> Env {
        let dir = tempfile::tempdir().expect("temp dir");
        let config = dir.path().join("copydesk.toml");
        let env = Env { dir, config };
        env.write_config(extra);
        env
    }

    /// The config also confirms changes after 100 ms instead of the
    /// default 2 s (unless `extra` has its own `[check]`), so that tests
    /// of other things do not wait on it.
    pub fn write_config(&self, extra: &str) {
        let check = if extra.contains("[check]") {
            ""
        } else {
            "[check]\nconfirm_delay = \"100ms\"\n\n"
        };
        // after `extra`, so that line numbers in `extra` stay as they were
        let text = format!(
            "[storage]\npath = \"db\"\ncache_mb = 16\n\n[fetch]\ntimeout_secs = 3\nconnect_timeout_secs = 2\nretries = 1\n\n{extra}\n\n{check}"
        );
        std::fs::write(&self.config, text).expect("write config");
    }

    /// Run the real binary with this config.
    pub fn run(&self, args: &[&str]) -> Output {
        run_binary(&self.config, args)
    }

    /// Run with extra environment variables (they override `RUST_LOG`).
    pub fn run_env(&self, args: &[&str], envs: &[(&str, &str)]) -> Output {
        Command::new(binary())
            .arg("--config")
            .arg(&self.config)
            .args(args)
            .env("RUST_LOG", "warn")
            .env_remove("COPYDESK_CONFIG")
            .envs(envs.iter().copied())
            .output()
            .expect("run the copydesk binary")
    }

    /// Run and require exit code 0; returns stdout.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "copydesk {args:?} failed with {:?}\nstdout:\n{}\nstderr:\n{}",
            out.status.code(),
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    /// Run with `--format json` appended and parse stdout.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut a = args.to_vec();
        a.extend(["--format", "json"]);
        let out = self.ok(&a);
        serde_json::from_str(&out)
            .unwrap_or_else(|e| panic!("copydesk {a:?} printed invalid JSON ({e}):\n{out}"))
    }
}

/// The binary under test: Cargo's for integration tests; examples (which
/// share this module) do not run it through here.
pub fn binary() -> &'static str {
    option_env!("CARGO_BIN_EXE_copydesk").unwrap_or("copydesk")
}

pub fn run_binary(config: &Path, args: &[&str]) -> Output {
    Command::new(binary())
        .arg("--config")
        .arg(config)
        .args(args)
        .env("RUST_LOG", "warn")
        .env_remove("COPYDESK_CONFIG")
        .output()
        .expect("run the copydesk binary")
}

/// Whether the tests run in CI: `CI` set to anything but empty, `0` or
/// `false` (CI services set `true`, `1` or their own name). In CI a test
/// whose tools are missing fails instead of skipping.
pub fn in_ci() -> bool {
    std::env::var("CI").is_ok_and(|v| !matches!(v.trim(), "" | "0" | "false"))
}
