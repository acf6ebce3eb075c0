//! The `copydesk` binary: everything lives in the library's `cli` module.

fn main() -> std::process::ExitCode {
    copydesk::cli::main()
}
