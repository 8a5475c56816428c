//! Telnet (RFC 854) as tshark 4.0's `packet-telnet.c` shows a segment: each command
//! (`IAC` and what follows: an option negotiated, a suboption up to `IAC SE`) as an item
//! of its own, and the data between them a line at a time (`IAC IAC` is data).
//!
//! A segment that ends inside a command is cut where tshark's dissector throws: the
//! command's header is shown, and data before an `IAC` with nothing after it is not.

use super::string;
use crate::query::detail::Node;

const IAC: u8 = 0xff;
const SB: u8 = 250;
const SE: u8 = 240;

/// The `telnet` layer of a segment's payload `b`, which starts at `base` in its source.
pub(super) fn dissect(b: &[u8], base: usize) -> Vec<Node> {
    let mut t = Node::proto("telnet", "Telnet", base, b.len());
    let mut at = 0;
    while at < b.len() {
        let Some(iac) = unescaped_iac(b, at) else {
            data(&mut t, &b[at..], base + at);
            break;
        };
        if iac + 1 >= b.len() {
            // The dissector reads the byte after the IAC before it adds the data.
            break;
        }
        if iac > at {
            data(&mut t, &b[at..iac], base + at);
        }
        at = command(&mut t, b, iac, base);
    }
    vec![t]
}

/// Where the next IAC that is not `IAC IAC` is, from `at`.
fn unescaped_iac(b: &[u8], mut at: usize) -> Option<usize> {
    while at < b.len() {
        let i = at + b[at..].iter().position(|&c| c == IAC)?;
        if b.get(i + 1) == Some(&IAC) {
            at = i + 2;
        } else {
            return Some(i);
        }
    }
    None
}

/// Data, a line (with its line end) at a time.
fn data(t: &mut Node, b: &[u8], pos: usize) {
    let mut at = 0;
    while at < b.len() {
        let end = b[at..]
            .iter()
            .position(|&c| c == b'\n')
            .map_or(b.len(), |i| at + i + 1);
        t.push(string("telnet.data", "Data", &b[at..end], pos + at));
        at = end;
    }
}

/// The command at `iac` (the byte after it is there); returns where the next starts.
fn command(t: &mut Node, b: &[u8], iac: usize, base: usize) -> usize {
    let cmd = b[iac + 1];
    let cmd_node = Node::field(
        "telnet.cmd",
        format!(
            "Command: {} ({cmd})",
            command_name(cmd).unwrap_or("Unknown")
        ),
        cmd.to_string(),
        base + iac + 1,
        1,
    )
    .hex(&[cmd]);
    match cmd {
        251..=254 => {
            let Some(&opt) = b.get(iac + 2) else {
                t.push(Node::text("Command header", base + iac, 2).with(vec![cmd_node]));
                return b.len();
            };
            let name = command_name(cmd).unwrap_or("Unknown");
            t.push(
                Node::text(format!("{name} {}", option_name(opt)), base + iac, 3)
                    .with(vec![cmd_node, option(opt, base + iac + 2)]),
            );
            iac + 3
        }
        SB => {
            let end = (iac + 2..b.len())
                .find(|&i| b[i] == IAC && b.get(i + 1) == Some(&SE))
                .unwrap_or(b.len());
            let Some(&opt) = b.get(iac + 2) else {
                t.push(Node::text("Command header", base + iac, 2).with(vec![cmd_node]));
                return b.len();
            };
            let mut sub = option(opt, base + iac + 2);
            suboption(&mut sub, opt, &b[iac + 3..end], base + iac + 3);
            t.push(
                Node::text(
                    format!("Suboption {}", option_name(opt)),
                    base + iac,
                    end - iac,
                )
                .with(vec![cmd_node, sub]),
            );
            end
        }
        _ => {
            let text = command_name(cmd).unwrap_or("<unknown option>");
            t.push(Node::text(text, base + iac, 2).with(vec![cmd_node]));
            iac + 2
        }
    }
}

/// `telnet.subcmd`: the option a command names.
fn option(opt: u8, pos: usize) -> Node {
    Node::field(
        "telnet.subcmd",
        format!("Subcommand: {}", option_name(opt)),
        opt.to_string(),
        pos,
        1,
    )
    .hex(&[opt])
}

/// What a suboption says, for the options worded here: Terminal Type (RFC 1091) and
/// window size (RFC 1073).
fn suboption(sub: &mut Node, opt: u8, b: &[u8], pos: usize) {
    match opt {
        24 => {
            let Some(&kind) = b.first() else {
                return;
            };
            let text = match kind {
                0 => "Here's my Terminal Type",
                1 => "Send your Terminal Type",
                _ => return,
            };
            sub.push(Node::field("telnet.subcmd", text, kind.to_string(), pos, 1).hex(&[kind]));
            if kind == 0 && b.len() > 1 {
                sub.push(string(
                    "telnet.string_subopt.value",
                    "Value",
                    &b[1..],
                    pos + 1,
                ));
            }
        }
        31 if b.len() >= 4 => {
            for (k, (name, label)) in [
                ("telnet.naws_subopt.width", "Width"),
                ("telnet.naws_subopt.height", "Height"),
            ]
            .into_iter()
            .enumerate()
            {
                let v = u16::from_be_bytes([b[2 * k], b[2 * k + 1]]);
                sub.push(
                    Node::field(name, format!("{label}: {v}"), v.to_string(), pos + 2 * k, 2)
                        .hex(&b[2 * k..2 * k + 2]),
                );
            }
        }
        _ => {}
    }
}

/// `telnet.cmd`'s names (tshark 4.0, `tshark -G values`).
fn command_name(cmd: u8) -> Option<&'static str> {
    Some(match cmd {
        236 => "End of File",
        237 => "Suspend Current Process",
        238 => "Abort Process",
        239 => "End of Record",
        240 => "Suboption End",
        241 => "No Operation",
        242 => "Data Mark",
        243 => "Break",
        244 => "Interrupt Process",
        245 => "Abort Output",
        246 => "Are You There?",
        247 => "Escape Character",
        248 => "Erase Line",
        249 => "Go Ahead",
        250 => "Suboption",
        251 => "Will",
        252 => "Won't",
        253 => "Do",
        254 => "Don't",
        _ => return None,
    })
}

/// The options `packet-telnet.c` names (tshark 4.0).
fn option_name(opt: u8) -> &'static str {
    match opt {
        0 => "Binary Transmission",
        1 => "Echo",
        2 => "Reconnection",
        3 => "Suppress Go Ahead",
        4 => "Approx Message Size Negotiation",
        5 => "Status",
        6 => "Timing Mark",
        7 => "Remote Controlled Trans and Echo",
        8 => "Output Line Width",
        9 => "Output Page Size",
        10 => "Output Carriage-Return Disposition",
        11 => "Output Horizontal Tab Stops",
        12 => "Output Horizontal Tab Disposition",
        13 => "Output Formfeed Disposition",
        14 => "Output Vertical Tabstops",
        15 => "Output Vertical Tab Disposition",
        16 => "Output Linefeed Disposition",
        17 => "Extended ASCII",
        18 => "Logout",
        19 => "Byte Macro",
        20 => "Data Entry Terminal",
        21 => "SUPDUP",
        22 => "SUPDUP Output",
        23 => "Send Location",
        24 => "Terminal Type",
        25 => "End of Record",
        26 => "TACACS User Identification",
        27 => "Output Marking",
        28 => "Terminal Location Number",
        29 => "Telnet 3270 Regime",
        30 => "X.3 PAD",
        31 => "Negotiate About Window Size",
        32 => "Terminal Speed",
        33 => "Remote Flow Control",
        34 => "Linemode",
        35 => "X Display Location",
        36 => "Environment Option",
        37 => "Authentication Option",
        38 => "Encryption Option",
        39 => "New Environment Option",
        40 => "TN3270E",
        41 => "XAUTH",
        42 => "CHARSET",
        43 => "Remote Serial Port",
        44 => "COM Port Control",
        45 => "Suppress Local Echo",
        46 => "Start TLS",
        47 => "KERMIT",
        48 => "SEND-URL",
        49 => "FORWARD_X",
        _ => "<unknown option>",
    }
}

#[cfg(test)]
mod test {
    use super::*;

    fn shown(n: &Node) -> Vec<String> {
        n.children
            .iter()
            .map(|c| {
                if c.name.is_empty() {
                    c.showname.clone()
                } else {
                    format!("{}={}", c.name, c.show)
                }
            })
            .collect()
    }

    /// tshark 4.0 on made segments (tests/data/tcpapps/detail.pcap's Telnet and odd
    /// ones): commands between data, escaped IACs, a suboption with its end, and
    /// segments cut inside a command.
    #[test]
    fn commands_data_and_cut_commands() {
        let n = dissect(b"ab\xff\xf1cd", 54);
        assert_eq!(
            shown(&n[0]),
            ["telnet.data=ab", "No Operation", "telnet.data=cd"]
        );
        let n = dissect(b"a\r\nb\xff\xffc\r\n", 54);
        assert_eq!(
            shown(&n[0]),
            ["telnet.data=a\r\n", "telnet.data=b\u{fffd}\u{fffd}c\r\n"]
        );
        let n = dissect(b"\xff\xfa\x1f\x00\x50\x00\x18\xff\xf0", 54);
        assert_eq!(
            shown(&n[0]),
            ["Suboption Negotiate About Window Size", "Suboption End"]
        );
        assert_eq!(n[0].find("telnet.naws_subopt.width").unwrap().show, "80");
        assert_eq!(n[0].children[0].size, 7);
        assert_eq!(shown(&dissect(b"\xff\xfb", 54)[0]), ["Command header"]);
        assert!(dissect(b"x\xff", 54)[0].children.is_empty());
        assert_eq!(
            shown(&dissect(b"\xff\xe0z", 54)[0]),
            ["<unknown option>", "telnet.data=z"]
        );
        let n = dissect(b"\xff\xfa\x18\x00xt", 54);
        assert_eq!(n[0].find("telnet.string_subopt.value").unwrap().show, "xt");
        for cut in 0..10 {
            let _ = dissect(&b"\xff\xfa\x18\x00x\xff\xf0\xff\xfd"[..cut], 0);
        }
    }
}
