//! `wirelens list -V`, `-x` and `-T pdml`: the packet detail, printed as tshark prints it.

use std::io::Write;
use wirelens_core::query::detail::{self, pdml, text, Apps, FrameInfo};
use wirelens_core::query::fields::{civil_from_days, FieldCtx, PacketSource};

/// Prints the detail of the packets `list` shows.
pub struct Printer {
    pdml: bool,
    tree: bool,
    hex: bool,
    apps: Apps,
    prev_displayed: Option<i64>,
    buf: String,
}

impl Printer {
    /// `pdml`: `-T pdml`; `tree`: `-V`; `hex`: `-x`.
    pub fn new(pdml: bool, tree: bool, hex: bool) -> Self {
        Printer {
            pdml,
            tree,
            hex,
            apps: Apps::new(),
            prev_displayed: None,
            buf: String::new(),
        }
    }

    /// Whether packets are printed as detail rather than as one line.
    pub fn active(&self) -> bool {
        self.pdml || self.tree || self.hex
    }

    /// The PDML document's start.
    pub fn start(&mut self, out: &mut impl Write, files: &[String]) -> std::io::Result<()> {
        if self.pdml {
            let mut s = String::new();
            pdml::header(&mut s, &now(), &files.join(","));
            out.write_all(s.as_bytes())?;
        }
        Ok(())
    }

    /// Packet `index`.
    pub fn packet(
        &mut self,
        out: &mut impl Write,
        ctx: &mut FieldCtx<'_>,
        index: usize,
        src: &mut dyn PacketSource,
    ) -> std::io::Result<()> {
        let info = FrameInfo {
            prev_displayed_ts: self.prev_displayed,
            ..FrameInfo::default()
        };
        let d = detail::detail(ctx, index, src, &mut self.apps, info);
        self.prev_displayed = Some(d.ts_ns);
        self.buf.clear();
        if self.pdml {
            pdml::packet(&mut self.buf, &d);
        } else {
            if self.tree {
                text::tree(&mut self.buf, &d);
                if self.hex {
                    self.buf.push('\n');
                }
            }
            if self.hex {
                text::hex_dump(&mut self.buf, &d);
            }
            self.buf.push('\n');
        }
        out.write_all(self.buf.as_bytes())
    }

    /// The PDML document's end.
    pub fn finish(&mut self, out: &mut impl Write) -> std::io::Result<()> {
        if self.pdml {
            let mut s = String::new();
            pdml::footer(&mut s);
            out.write_all(s.as_bytes())?;
        }
        Ok(())
    }
}

/// The time now in UTC as C's `ctime` writes it (`Sat Dec  5 06:48:54 2026`), for the
/// `<pdml time>` attribute.
fn now() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64);
    let days = secs.div_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    let s = secs.rem_euclid(86_400);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} {y}",
        DAYS[days.rem_euclid(7) as usize],
        MONTHS[(m - 1) as usize],
        d,
        s / 3600,
        s / 60 % 60,
        s % 60
    )
}
