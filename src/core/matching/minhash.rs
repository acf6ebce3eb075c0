//! MinHash signatures and LSH banding.
//!
//! Hand-written rather than taken from a crate: the whole thing is a loop of
//! multiply-add-shift over precomputed shingle hashes (which [`super::shingle`]
//! already produces), the hash family must stay stable across releases
//! because band keys are persisted, and it runs well above the 5,000
//! articles/s target (see BENCHMARKS.md).
//!
//! `SIGNATURE_LEN` = [`BANDS`] × [`ROWS`] = 42 × 3 = 126 values. The signature
//! is only used to find candidates (every candidate is verified on the
//! exact shingle sets), so its length is chosen for the banding, not for the
//! accuracy of a Jaccard estimate: with r = 3 rows per band, a pair at the
//! LSH design threshold J = 0.5 is a candidate with probability
//! 1 − (1 − 0.5³)⁴² = 0.9963, at J = 0.4 with 0.937, while an unrelated pair
//! (J ≈ 0.01 for 5-word shingles of different stories) collides with
//! probability ≈ 42 × 10⁻⁶. Fewer values (r = 4, b = 32, 128 values) would
//! find only 87% of the pairs at J = 0.5; more bands cost index space.

/// Bands of the LSH index.
pub const BANDS: usize = 42;
/// Signature values per band.
pub const ROWS: usize = 3;
/// Signature length.
pub const SIGNATURE_LEN: usize = BANDS * ROWS;

/// The Jaccard similarity the banding is designed for.
pub const DESIGN_THRESHOLD: f64 = 0.5;

/// The hash family: odd 64-bit multipliers and additive constants, drawn
/// once from a fixed splitmix64 stream (stable: band keys are persisted).
struct Family {
    a: [u64; SIGNATURE_LEN],
    b: [u64; SIGNATURE_LEN],
}

const fn splitmix(mut x: u64) -> (u64, u64) {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = x;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    (x, z ^ (z >> 31))
}

const fn family() -> Family {
    let mut a = [0u64; SIGNATURE_LEN];
    let mut b = [0u64; SIGNATURE_LEN];
    let mut state = 0x00C0_FFEE_D35Cu64;
    let mut i = 0;
    while i < SIGNATURE_LEN {
        let (s, x) = splitmix(state);
        let (s, y) = splitmix(s);
        state = s;
        a[i] = x | 1;
        b[i] = y;
        i += 1;
    }
    Family { a, b }
}

static FAMILY: Family = family();

/// The MinHash signature of a set of shingle hashes: for each of the
/// [`SIGNATURE_LEN`] functions h(x) = (a·x + b) >> 32, the minimum over the
/// set. An empty set gives all `u32::MAX`.
pub fn signature(shingles: &[u64]) -> [u32; SIGNATURE_LEN] {
    let mut mins = [u32::MAX; SIGNATURE_LEN];
    for &x in shingles {
        for ((m, a), b) in mins.iter_mut().zip(&FAMILY.a).zip(&FAMILY.b) {
            let h = (a.wrapping_mul(x).wrapping_add(*b) >> 32) as u32;
            if h < *m {
                *m = h;
            }
        }
    }
    mins
}

/// The band keys of a signature: one 64-bit hash per band, salted with the
/// band number so equal values in different bands do not collide.
pub fn bands(sig: &[u32; SIGNATURE_LEN]) -> Vec<u64> {
    sig.chunks(ROWS)
        .enumerate()
        .map(|(i, rows)| {
            let mut bytes = [0u8; ROWS * 4];
            for (j, v) in rows.iter().enumerate() {
                bytes[j * 4..j * 4 + 4].copy_from_slice(&v.to_le_bytes());
            }
            xxhash_rust::xxh3::xxh3_64_with_seed(&bytes, i as u64)
        })
        .collect()
}

/// The probability that a pair of Jaccard similarity `s` shares at least one
/// band: 1 − (1 − s^r)^b (the LSH S-curve).
pub fn candidate_probability(s: f64, bands: usize, rows: usize) -> f64 {
    1.0 - (1.0 - s.powi(rows as i32)).powi(bands as i32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn s_curve_at_the_design_threshold_is_high() {
        let p = candidate_probability(DESIGN_THRESHOLD, BANDS, ROWS);
        assert!(p >= 0.995, "{p}");
        assert!(candidate_probability(0.4, BANDS, ROWS) > 0.93);
        assert!(candidate_probability(0.01, BANDS, ROWS) < 1e-4);
        // the rejected alternative
        assert!(candidate_probability(0.5, 32, 4) < 0.9);
    }

    #[test]
    fn estimate_tracks_jaccard() {
        let a: Vec<u64> = (0..1000u64).map(|i| i.wrapping_mul(0x9E37_79B9)).collect();
        let b: Vec<u64> = (500..1500u64)
            .map(|i| i.wrapping_mul(0x9E37_79B9))
            .collect();
        let (sa, sb) = (signature(&a), signature(&b));
        let eq = sa.iter().zip(&sb).filter(|(x, y)| x == y).count() as f64;
        let est = eq / SIGNATURE_LEN as f64;
        // true Jaccard 1/3
        assert!((est - 1.0 / 3.0).abs() < 0.15, "{est}");
        assert_eq!(bands(&sa), bands(&signature(&a)));
    }

    #[test]
    fn banding_finds_near_duplicates_empirically() {
        // 200 pairs at J = 0.5 (each side 900 shingles, 600 shared, 1200
        // in the union): count how many share a band.
        let mut found = 0;
        for t in 0..200u64 {
            let base = t * 1_000_003;
            let h = |i: u64| xxhash_rust::xxh3::xxh3_64(&(base + i).to_le_bytes());
            let a: Vec<u64> = (0..900).map(h).collect();
            let b: Vec<u64> = (300..1200).map(h).collect();
            let (ba, bb) = (bands(&signature(&a)), bands(&signature(&b)));
            if ba.iter().zip(&bb).any(|(x, y)| x == y) {
                found += 1;
            }
        }
        assert!(found >= 195, "{found}/200");
    }
}
