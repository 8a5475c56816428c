//! Text that transactions repeat, kept once per capture: a server sends the same
//! response header lines (often the same whole section) in every response, a client the
//! same request headers, so each transaction shares them instead of holding a copy.

use crate::capture::app::http::HeaderLines;
use crate::capture::app::{Detail, Transaction};
use std::collections::HashSet;
use std::sync::Arc;

/// Distinct lines (and sections) remembered at most; past this the sets start over, so a
/// capture of all-different headers costs the sets no more than this.
const MAX_REMEMBERED: usize = 1 << 16;

/// The lines and sections seen so far.
#[derive(Default)]
pub(super) struct Interner {
    lines: HashSet<Arc<str>>,
    sections: HashSet<HeaderLines>,
}

impl Interner {
    /// Replaces what `t` repeats with the copy kept.
    pub(super) fn transaction(&mut self, t: &mut Transaction) {
        if let Detail::Http(h) = &mut t.detail {
            h.request_headers = self.section(&h.request_headers);
            h.response_headers = self.section(&h.response_headers);
        }
    }

    fn section(&mut self, s: &HeaderLines) -> HeaderLines {
        if s.is_empty() {
            return HeaderLines::default();
        }
        if let Some(kept) = self.sections.get(&**s) {
            return kept.clone();
        }
        let kept: HeaderLines = s.iter().map(|l| self.line(l)).collect();
        if self.sections.len() >= MAX_REMEMBERED {
            self.sections.clear();
        }
        self.sections.insert(kept.clone());
        kept
    }

    fn line(&mut self, l: &Arc<str>) -> Arc<str> {
        if let Some(kept) = self.lines.get(&**l) {
            return kept.clone();
        }
        if self.lines.len() >= MAX_REMEMBERED {
            self.lines.clear();
        }
        self.lines.insert(l.clone());
        l.clone()
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::app::http::Http;

    fn http(req: &[&str], resp: &[&str]) -> Transaction {
        Transaction {
            conv: 0,
            request: None,
            response: None,
            detail: Detail::Http(Box::new(Http {
                request_headers: req.iter().map(|&l| Arc::from(l)).collect(),
                response_headers: resp.iter().map(|&l| Arc::from(l)).collect(),
                ..Http::default()
            })),
        }
    }

    fn headers(t: &Transaction) -> (&HeaderLines, &HeaderLines) {
        match &t.detail {
            Detail::Http(h) => (&h.request_headers, &h.response_headers),
            _ => unreachable!(),
        }
    }

    #[test]
    fn equal_sections_and_lines_are_shared_and_unchanged() {
        let mut i = Interner::default();
        let server = "Server: nginx\r\n";
        let mut a = http(&["Host: a\r\n"], &[server, "Date: 1\r\n"]);
        let mut b = http(&["Host: a\r\n"], &[server, "Date: 1\r\n"]);
        let mut c = http(&["Host: b\r\n"], &[server, "Date: 2\r\n"]);
        let before = [a.clone(), b.clone(), c.clone()];
        for t in [&mut a, &mut b, &mut c] {
            i.transaction(t);
        }
        assert_eq!([a.clone(), b.clone(), c.clone()], before);
        let (ha, hb, hc) = (headers(&a), headers(&b), headers(&c));
        assert!(Arc::ptr_eq(ha.0, hb.0) && Arc::ptr_eq(ha.1, hb.1));
        assert!(!Arc::ptr_eq(ha.1, hc.1));
        assert!(Arc::ptr_eq(&ha.1[0], &hc.1[0]));
    }
}
