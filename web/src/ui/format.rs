//! Number formatting for the page.

/// 1234567 → "1,234,567".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// A byte count for people: "512 B", "42.9 kB", "1.2 GB" (SI units, as Wireshark).
pub fn bytes(n: u64) -> String {
    const UNITS: [&str; 5] = ["kB", "MB", "GB", "TB", "PB"];
    if n < 1000 {
        return format!("{n} B");
    }
    let mut v = n as f64 / 1000.0;
    let mut unit = 0;
    while v >= 999.95 && unit + 1 < UNITS.len() {
        v /= 1000.0;
        unit += 1;
    }
    format!("{v:.1} {}", UNITS[unit])
}

/// Bytes per second from bytes and milliseconds.
pub fn rate(bytes_: u64, ms: f64) -> String {
    if ms <= 0.0 {
        return String::new();
    }
    format!("{}/s", bytes((bytes_ as f64 / (ms / 1000.0)) as u64))
}

/// Seconds for people: "0.4 s", "12 s", "3 min 05 s".
pub fn duration(secs: f64) -> String {
    if !secs.is_finite() || secs < 0.0 {
        return String::new();
    }
    if secs < 10.0 {
        format!("{secs:.1} s")
    } else if secs < 60.0 {
        format!("{secs:.0} s")
    } else {
        let s = secs.round() as u64;
        format!("{} min {:02} s", s / 60, s % 60)
    }
}

#[cfg(test)]
mod test {
    #[test]
    fn formats() {
        assert_eq!(super::thousands(0), "0");
        assert_eq!(super::thousands(1234567), "1,234,567");
        assert_eq!(super::thousands(100), "100");
        assert_eq!(super::bytes(999), "999 B");
        assert_eq!(super::bytes(42_892), "42.9 kB");
        assert_eq!(super::bytes(999_999), "1.0 MB");
        assert_eq!(super::duration(0.42), "0.4 s");
        assert_eq!(super::duration(185.0), "3 min 05 s");
    }
}
