//! Axis ticks and labels.

/// About `want` round tick values from 0 to at least `max`: steps of 1, 2 or 5 × 10ⁿ.
pub fn ticks(max: f64, want: usize) -> Vec<f64> {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return vec![0.0];
    }
    let raw = max / want.max(1) as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let mut out = Vec::new();
    let mut v = 0.0;
    while v <= max + step * 1e-9 {
        out.push(v);
        v += step;
    }
    if out.last().is_some_and(|&l| l < max) {
        out.push(v);
    }
    out
}

/// A count for an axis: 950, 1.2k, 3.4M.
pub fn short(v: f64) -> String {
    let a = v.abs();
    if a >= 1e9 {
        format!("{:.1}G", v / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", v / 1e6)
    } else if a >= 1e4 {
        format!("{:.0}k", v / 1e3)
    } else if a >= 1e3 {
        format!("{:.1}k", v / 1e3)
    } else if v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.2}")
    }
}

/// A duration for people: 250 ns, 12 µs, 3.5 ms, 1.2 s.
pub fn duration_ns(ns: u64) -> String {
    let n = ns as f64;
    if ns < 1_000 {
        format!("{ns} ns")
    } else if ns < 1_000_000 {
        format!("{} µs", trim(n / 1e3))
    } else if ns < 1_000_000_000 {
        format!("{} ms", trim(n / 1e6))
    } else {
        format!("{} s", trim(n / 1e9))
    }
}

fn trim(v: f64) -> String {
    if v >= 100.0 || v.fract() == 0.0 {
        format!("{v:.0}")
    } else {
        format!("{v:.1}")
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn round_ticks() {
        assert_eq!(super::ticks(23.0, 5), [0.0, 5.0, 10.0, 15.0, 20.0, 25.0]);
        assert_eq!(super::ticks(0.0, 5), [0.0]);
        assert_eq!(super::short(1234.0), "1.2k");
        assert_eq!(super::duration_ns(1_500_000), "1.5 ms");
        assert_eq!(super::duration_ns(2_000), "2 µs");
    }
}
