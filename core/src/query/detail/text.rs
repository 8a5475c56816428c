//! The detail as text, the way `tshark -V` prints the tree and `tshark -x` the bytes.

use super::{Detail, Node};
use std::fmt::Write as _;

/// The tree as `tshark -V` prints it: one line per node, four spaces of indent a
/// level, computed values in brackets, hidden fields left out.
pub fn tree(out: &mut String, d: &Detail) {
    for layer in &d.layers {
        node(out, d, layer, 0);
    }
}

fn node(out: &mut String, d: &Detail, n: &Node, depth: usize) {
    if n.hidden {
        return;
    }
    for _ in 0..depth {
        out.push_str("    ");
    }
    let text = if n.showname.is_empty() {
        n.show_text(d)
    } else {
        n.showname.as_str().into()
    };
    if n.generated {
        let _ = writeln!(out, "[{text}]");
    } else {
        let _ = writeln!(out, "{text}");
    }
    for c in &n.children {
        node(out, d, c, depth + 1);
    }
}

/// The bytes as `tshark -x` prints them: each source in hex and ASCII, 16 bytes a
/// line, named first when the packet has more than one (`Reassembled TCP (N bytes):`).
pub fn hex_dump(out: &mut String, d: &Detail) {
    let named = d.sources.len() > 1;
    for s in &d.sources {
        if named {
            let _ = writeln!(out, "{}:", s.name);
        }
        dump(out, &s.bytes);
    }
}

/// One buffer in hex and ASCII; the offset takes as many hex digits as the last
/// offset needs, at least four (Wireshark's `print_hex_data_buffer`).
pub fn dump(out: &mut String, b: &[u8]) {
    let last = b.len().saturating_sub(1);
    let digits = match last {
        0..=0xffff => 4,
        0x1_0000..=0xf_ffff => 5,
        0x10_0000..=0xff_ffff => 6,
        0x100_0000..=0xfff_ffff => 7,
        _ => 8,
    };
    for (i, line) in b.chunks(16).enumerate() {
        let _ = write!(out, "{:0digits$x}  ", i * 16);
        let mut hex = String::with_capacity(48);
        for (k, byte) in line.iter().enumerate() {
            if k > 0 {
                hex.push(' ');
            }
            let _ = write!(hex, "{byte:02x}");
        }
        let _ = write!(out, "{hex:<47}   ");
        for &c in line {
            out.push(if (0x20..0x7f).contains(&c) {
                c as char
            } else {
                '.'
            });
        }
        out.push('\n');
    }
}

#[cfg(test)]
mod test {
    use super::*;

    #[test]
    fn hex_lines_are_tsharks() {
        let b: Vec<u8> = (0u8..26).map(|i| b'A' + i).collect();
        let mut s = String::new();
        dump(&mut s, &b);
        assert_eq!(
            s,
            "0000  41 42 43 44 45 46 47 48 49 4a 4b 4c 4d 4e 4f 50   ABCDEFGHIJKLMNOP\n\
             0010  51 52 53 54 55 56 57 58 59 5a                     QRSTUVWXYZ\n"
        );
        let mut s = String::new();
        dump(&mut s, &vec![0u8; 0x10001]);
        assert!(s.starts_with("00000  00"));
        assert!(s.ends_with("10000  00                                                .\n"));
    }

    #[test]
    fn tree_indents_brackets_and_hides() {
        let mut p = Node::proto("tcp", "Transmission Control Protocol", 34, 20);
        p.push(Node::field("tcp.srcport", "Source Port: 80", "80", 34, 2));
        p.push(Node::field("tcp.port", "Source or Destination Port: 80", "80", 34, 2).hide());
        let t = p.push(Node::text("Timestamps", 34, 0).gen());
        t.push(
            Node::field(
                "tcp.time_delta",
                "Time since previous frame in this TCP stream: 0.000000000 seconds",
                "0.000000000",
                34,
                0,
            )
            .gen(),
        );
        let d = Detail {
            layers: vec![p],
            ..Detail::default()
        };
        let mut s = String::new();
        tree(&mut s, &d);
        assert_eq!(
            s,
            "Transmission Control Protocol\n    Source Port: 80\n    [Timestamps]\n        [Time since previous frame in this TCP stream: 0.000000000 seconds]\n"
        );
    }
}
