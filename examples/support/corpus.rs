//! The synthetic articles of the republication benchmarks (`bench_match`
//! on sled, `bench_pg_match` on PostgreSQL), shared so that their figures
//! are of the same corpus: about 4.9 KB, 8 paragraphs of 75 pseudo-words
//! from a 20,000-word vocabulary, skewed to common words.

/// Deterministic words: a 20,000-word vocabulary of pseudo-words.
pub fn word(i: u64) -> String {
    const SYL: [&str; 16] = [
        "ka", "lo", "mi", "ne", "ru", "sa", "to", "vi", "be", "da", "fe", "go", "hu", "ji", "pe",
        "zo",
    ];
    let mut w = String::new();
    let mut x = i % 20_000 + 16;
    while x > 0 {
        w.push_str(SYL[(x % 16) as usize]);
        x /= 16;
    }
    w
}

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
}

/// An article of about 4 KB: 8 paragraphs of ~75 words (Zipf-ish words).
pub fn article(seed: u64) -> Vec<String> {
    let mut r = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    (0..8)
        .map(|_| {
            (0..75)
                .map(|_| {
                    let x = r.next();
                    // skew towards common words
                    word((x % 20_000) * ((x >> 32) % 4 + 1) / 4)
                })
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

/// The value at quantile `p` of `v` (sorted here).
pub fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.total_cmp(b));
    v[((v.len() as f64 - 1.0) * p).round() as usize]
}

/// This process's resident memory in KiB (`VmRSS`).
pub fn rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1).and_then(|n| n.parse().ok()))
        })
        .unwrap_or(0)
}
