//! The strings Wireshark shows for the values of integer and boolean fields (tshark 4.0's
//! `tshark -G values`, kept in `value_strings.tsv` by tests/scripts/make-value-strings.py),
//! so that a filter may name a value by its string as epan/dfilter/semcheck.c allows:
//! `ip.proto == "UDP"`, `tcp.flags.syn == "Set"`, `tcp.checksum.status == "Unverified"`.

/// One line per string: `name TAB V TAB value TAB string`, `name TAB T TAB true TAB false`
/// or `name TAB R TAB low TAB high TAB string`, a field's lines together.
static TSV: &str = include_str!("value_strings.tsv");

/// What a field's strings say of a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Named {
    /// The field has no strings: the text must be a number.
    NoStrings,
    /// The value (a boolean's 1 or 0) of the first string equal to the text, ignoring
    /// ASCII case.
    Value(i64),
    /// The field has value strings, none of them the text.
    Missing,
    /// The field's strings name ranges of values, which 4.0's filters do not accept.
    Ranges,
}

/// The value `field` shows as `text`.
pub fn named(field: &str, text: &str) -> Named {
    let mut found = Named::NoStrings;
    for line in TSV.lines() {
        let mut cols = line.split('\t');
        if cols.next() != Some(field) {
            if found != Named::NoStrings {
                // A field's lines are together: past them.
                break;
            }
            continue;
        }
        let (kind, a, b) = (cols.next(), cols.next(), cols.next());
        match (kind, a, b) {
            (Some("V"), Some(value), Some(s)) => {
                found = Named::Missing;
                if s.eq_ignore_ascii_case(text) {
                    if let Some(v) = number(value) {
                        return Named::Value(v);
                    }
                }
            }
            (Some("T"), Some(t), Some(f)) => {
                if t.eq_ignore_ascii_case(text) {
                    return Named::Value(1);
                }
                if f.eq_ignore_ascii_case(text) {
                    return Named::Value(0);
                }
                return Named::Missing;
            }
            (Some("R"), ..) => return Named::Ranges,
            _ => {}
        }
    }
    found
}

/// A value as the table writes it: in hex for a hex field (`eth.type`: 0x86dd), as tshark
/// does, else in decimal.
fn number(text: &str) -> Option<i64> {
    match text.strip_prefix("0x") {
        Some(hex) => i64::from_str_radix(hex, 16).ok(),
        None => text.parse().ok(),
    }
}

/// The string `field` shows for `value` (the first of its value strings for it), None
/// when it has none: the detail's names of values from the same table as the filters'.
pub fn string_of(field: &str, value: i64) -> Option<&'static str> {
    use std::collections::HashMap;
    use std::sync::OnceLock;
    /// Each field's value strings, sorted by value, the first string of a value kept.
    static BY_FIELD: OnceLock<HashMap<&'static str, Vec<(i64, &'static str)>>> = OnceLock::new();
    let all = BY_FIELD.get_or_init(|| {
        let mut m: HashMap<&'static str, Vec<(i64, &'static str)>> = HashMap::new();
        for line in TSV.lines() {
            let mut cols = line.split('\t');
            if let (Some(name), Some("V"), Some(v), Some(s)) =
                (cols.next(), cols.next(), cols.next(), cols.next())
            {
                if let Some(v) = number(v) {
                    m.entry(name).or_default().push((v, s));
                }
            }
        }
        for values in m.values_mut() {
            // Stable: the first string of a value stays first.
            values.sort_by_key(|&(v, _)| v);
            values.dedup_by_key(|&mut (v, _)| v);
        }
        m
    });
    let values = all.get(field)?;
    let i = values.binary_search_by_key(&value, |&(v, _)| v).ok()?;
    Some(values[i].1)
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn values_name_their_strings() {
        assert_eq!(string_of("eth.type", 0x86dd), Some("IPv6"));
        assert_eq!(string_of("eth.type", 0x88e5), Some("802.1AE (MACsec)"));
        assert_eq!(string_of("ip.proto", 17), Some("UDP"));
        assert_eq!(string_of("eth.type", 0x1234), None);
        assert_eq!(string_of("frame.len", 60), None);
    }

    #[test]
    fn values_booleans_and_ranges_by_their_strings() {
        assert_eq!(named("ip.proto", "UDP"), Named::Value(17));
        assert_eq!(named("ip.proto", "udp"), Named::Value(17));
        assert_eq!(named("ip.proto", "no such protocol"), Named::Missing);
        assert_eq!(named("tcp.flags.syn", "Set"), Named::Value(1));
        assert_eq!(named("tcp.flags.syn", "not set"), Named::Value(0));
        assert_eq!(named("tcp.flags.syn", "maybe"), Named::Missing);
        assert_eq!(named("tcp.checksum.status", "Unverified"), Named::Value(2));
        assert_eq!(named("eth.type", "IPv6"), Named::Value(0x86dd));
        assert_eq!(named("ntp.stratum", "primary reference"), Named::Ranges);
        assert_eq!(named("frame.len", "60"), Named::NoStrings);
        assert_eq!(named("no.such.field", "x"), Named::NoStrings);
    }
}
