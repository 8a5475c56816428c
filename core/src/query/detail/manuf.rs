//! Manufacturers' names of 24-bit OUIs, from Wireshark's manuf file as tshark 4.0 reads it
//! (`tests/scripts/make-manuf.py` writes the tables; `tests/it/manuf.rs` checks them against
//! tshark): tshark shows them even with `-n` (`eth.src.oui_resolved`, the text of
//! `eth.src.oui`).

/// Six bytes an OUI, sorted: the OUI, then the offset of its name in [`NAMES`] (both
/// 3 bytes, big-endian).
static OUIS: &[u8] = include_bytes!("manuf/ouis.bin");
/// Each distinct long name once, ended by a line feed (names are cut to 63 bytes, so one
/// may end inside a UTF-8 character as tshark's does).
static NAMES: &[u8] = include_bytes!("manuf/names.bin");

/// The long name of the manufacturer of `oui` (24 bits), if the manuf file names it.
pub fn name(oui: u32) -> Option<&'static [u8]> {
    let (mut lo, mut hi) = (0, OUIS.len() / 6);
    while lo < hi {
        let mid = (lo + hi) / 2;
        let e = &OUIS[mid * 6..mid * 6 + 6];
        let key = be24(&e[..3]);
        if key == oui {
            let at = be24(&e[3..]) as usize;
            let rest = NAMES.get(at..)?;
            let end = rest.iter().position(|&b| b == b'\n')?;
            return Some(&rest[..end]);
        }
        if key < oui {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    None
}

fn be24(b: &[u8]) -> u32 {
    b.iter().fold(0, |v, &x| (v << 8) | u32::from(x))
}

/// An OUI as a `BASE_OUI` field shows it (`00:11:22 (CIMSYS Inc)`, `fe:ff:ff` when it is
/// unknown): proto.c writes it into a 32-byte buffer, so a long name is cut with its
/// closing parenthesis (and perhaps inside a character, shown as U+FFFD).
pub fn oui_text(oui: u32) -> String {
    let hex = format!(
        "{:02x}:{:02x}:{:02x}",
        oui >> 16,
        (oui >> 8) & 0xff,
        oui & 0xff
    );
    let Some(n) = name(oui) else {
        return hex;
    };
    let mut b = Vec::with_capacity(31);
    b.extend_from_slice(hex.as_bytes());
    b.extend_from_slice(b" (");
    b.extend_from_slice(n);
    b.push(b')');
    b.truncate(31);
    String::from_utf8_lossy(&b).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_oui() {
        assert_eq!(name(0x001122), Some(&b"CIMSYS Inc"[..]));
        assert_eq!(name(0x00000c), Some(&b"Cisco Systems, Inc"[..]));
        assert_eq!(name(0xfeffff), None);
        assert_eq!(oui_text(0x001122), "00:11:22 (CIMSYS Inc)");
        assert_eq!(oui_text(0x000000), "00:00:00 (Officially Xerox, but");
        assert_eq!(oui_text(0xfeffff), "fe:ff:ff");
    }
}
