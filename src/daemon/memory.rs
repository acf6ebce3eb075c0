//! The daemon's resident memory under glibc's allocator. Measured in the
//! soak (BENCHMARKS.md, issue 22): the live heap stays flat while the
//! resident size grows by tens of MB a simulated day, because glibc gives
//! every new thread (tokio's blocking pool, sled's, the HTTP client's)
//! an arena of its own, up to eight per core, and keeps what was freed
//! in them. So the daemon, at start, caps the arenas at
//! [`ARENA_MAX`] (unless `MALLOC_ARENA_MAX` is set in its environment,
//! which glibc applies itself), and after a compaction, which allocates
//! and frees a copy of the store's pages, hands the freed pages back
//! ([`trim`]). Elsewhere (musl, macOS) both do nothing.

/// Arenas glibc may create at most (its default is 8 per core).
pub const ARENA_MAX: i32 = 2;

/// Cap glibc's arenas at [`ARENA_MAX`], unless `MALLOC_ARENA_MAX` is set.
/// Returns whether the cap was set here.
pub fn limit_arenas() -> bool {
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return false;
    }
    imp::limit_arenas(ARENA_MAX)
}

/// Give the allocator's free pages back to the system.
pub fn trim() {
    imp::trim();
}

#[cfg(all(target_os = "linux", target_env = "gnu"))]
mod imp {
    pub fn limit_arenas(max: i32) -> bool {
        // SAFETY: mallopt only sets a parameter of glibc's allocator; it
        // is thread-safe and M_ARENA_MAX takes effect for arenas created
        // from now on.
        unsafe { libc::mallopt(libc::M_ARENA_MAX, max) == 1 }
    }

    pub fn trim() {
        // SAFETY: malloc_trim only releases free memory of glibc's arenas
        // to the system; it takes the arenas' locks itself.
        unsafe {
            libc::malloc_trim(0);
        }
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
mod imp {
    pub fn limit_arenas(_max: i32) -> bool {
        false
    }

    pub fn trim() {}
}
