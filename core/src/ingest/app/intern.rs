//! Text that transactions repeat, kept once per capture: a server sends the same
//! response header lines (often the same whole section) in every response, a client the
//! same request headers, the same URIs of the same host, the same memcached commands for
//! the same hot keys; so each transaction shares them instead of holding a copy.

use crate::capture::app::http::{HeaderLines, Http, RequestHead, ResponseHead};
use crate::capture::app::memcache::Memcache;
use crate::capture::app::{Detail, Transaction};
use crate::ingest::hash::Set;
use std::hash::Hash;
use std::sync::Arc;

/// Distinct values remembered at most, per set; past this a set starts over, so a
/// capture of all-different text costs the sets no more than this.
const MAX_REMEMBERED: usize = 1 << 16;

/// The text, header sections and HTTP heads seen so far.
#[derive(Default)]
pub(super) struct Interner {
    strings: Set<Arc<str>>,
    sections: Set<HeaderLines>,
    requests: Set<Arc<RequestHead>>,
    responses: Set<Arc<ResponseHead>>,
}

/// Keeps `v` in `set` from now on.
fn remember<T: Hash + Eq + Clone>(set: &mut Set<T>, v: &T) {
    if set.len() >= MAX_REMEMBERED {
        set.clear();
    }
    set.insert(v.clone());
}

impl Interner {
    /// Replaces what `t` repeats with the copy kept.
    pub(super) fn transaction(&mut self, t: &mut Transaction) {
        match &mut t.detail {
            Detail::Http(h) => self.http(h),
            Detail::Memcache(m) => self.memcache(m),
            _ => {}
        }
    }

    fn http(&mut self, h: &mut Http) {
        if let Some(k) = self.requests.get(&h.request_head) {
            h.request_head = k.clone();
        } else {
            let r = Arc::make_mut(&mut h.request_head);
            r.method = self.text(&r.method);
            r.uri = self.text(&r.uri);
            r.version = self.text(&r.version);
            for o in [&mut r.host, &mut r.user_agent, &mut r.content_type] {
                self.text_in(o);
            }
            r.headers = self.section(&r.headers);
            remember(&mut self.requests, &h.request_head);
        }
        if let Some(k) = self.responses.get(&h.response_head) {
            h.response_head = k.clone();
        } else {
            let r = Arc::make_mut(&mut h.response_head);
            self.text_in(&mut r.reason);
            self.text_in(&mut r.content_type);
            r.headers = self.section(&r.headers);
            remember(&mut self.responses, &h.response_head);
        }
    }

    fn memcache(&mut self, m: &mut Memcache) {
        for s in m.texts_mut() {
            *s = self.text(s);
        }
    }

    fn text(&mut self, s: &Arc<str>) -> Arc<str> {
        if let Some(k) = self.strings.get(s) {
            return k.clone();
        }
        remember(&mut self.strings, s);
        s.clone()
    }

    fn text_in(&mut self, o: &mut Option<Arc<str>>) {
        if let Some(s) = o {
            *s = self.text(s);
        }
    }

    fn section(&mut self, s: &HeaderLines) -> HeaderLines {
        if s.is_empty() {
            return HeaderLines::default();
        }
        if let Some(k) = self.sections.get(s) {
            return k.clone();
        }
        let k: HeaderLines = s.iter().map(|l| self.text(l)).collect();
        remember(&mut self.sections, &k);
        k
    }
}

#[cfg(test)]
mod test {
    use super::*;
    use crate::capture::app::http::Parts;

    fn tx(detail: Detail) -> Transaction {
        Transaction {
            conv: 0,
            request: None,
            response: None,
            detail,
        }
    }

    fn http(uri: &str, req: &[&str], resp: &[&str]) -> Transaction {
        tx(Detail::Http(Box::new(Http::from(Parts {
            request_head: Arc::new(RequestHead {
                method: "GET".into(),
                uri: uri.into(),
                headers: req.iter().map(|&l| Arc::from(l)).collect(),
                ..RequestHead::default()
            }),
            response_head: Arc::new(ResponseHead {
                reason: Some("OK".into()),
                headers: resp.iter().map(|&l| Arc::from(l)).collect(),
                ..ResponseHead::default()
            }),
            ..Parts::default()
        }))))
    }

    fn of(t: &Transaction) -> &Http {
        match &t.detail {
            Detail::Http(h) => h,
            _ => unreachable!(),
        }
    }

    fn headers(t: &Transaction) -> (&HeaderLines, &HeaderLines) {
        (of(t).request_headers(), of(t).response_headers())
    }

    #[test]
    fn equal_sections_and_lines_are_shared_and_unchanged() {
        let mut i = Interner::default();
        let server = "Server: nginx\r\n";
        let mut a = http("/", &["Host: a\r\n"], &[server, "Date: 1\r\n"]);
        let mut b = http("/", &["Host: a\r\n"], &[server, "Date: 1\r\n"]);
        let mut c = http("/x", &["Host: b\r\n"], &[server, "Date: 2\r\n"]);
        let before = [a.clone(), b.clone(), c.clone()];
        for t in [&mut a, &mut b, &mut c] {
            i.transaction(t);
        }
        assert_eq!([a.clone(), b.clone(), c.clone()], before);
        let (ha, hb, hc) = (headers(&a), headers(&b), headers(&c));
        assert!(Arc::ptr_eq(ha.0, hb.0) && Arc::ptr_eq(ha.1, hb.1));
        assert!(!Arc::ptr_eq(ha.1, hc.1));
        assert!(Arc::ptr_eq(&ha.1[0], &hc.1[0]));
        // Equal heads are one; different ones share their equal text.
        assert!(Arc::ptr_eq(&of(&a).request_head, &of(&b).request_head));
        assert!(Arc::ptr_eq(&of(&a).response_head, &of(&b).response_head));
        assert!(!Arc::ptr_eq(&of(&a).request_head, &of(&c).request_head));
        let (ra, rc) = (&of(&a).request_head, &of(&c).request_head);
        assert!(Arc::ptr_eq(&ra.method, &rc.method));
        let (oa, oc) = (&of(&a).response_head.reason, &of(&c).response_head.reason);
        assert!(Arc::ptr_eq(oa.as_ref().unwrap(), oc.as_ref().unwrap()));
    }

    #[test]
    fn memcached_text_is_shared() {
        use crate::capture::app::memcache::{Key, Memcache, Parts};
        let get = |key: &str, arg: &str| {
            tx(Detail::Memcache(Box::new(Memcache::from(Parts {
                command: "get".into(),
                keys: vec![Key::new(key.into(), Some(true), Some(3))],
                arg: Some(arg.into()),
                status: Some("END".into()),
                ..Parts::default()
            }))))
        };
        let mut i = Interner::default();
        let (mut a, mut b) = (get("user:1", "7"), get("user:1", "7"));
        let before = [a.clone(), b.clone()];
        i.transaction(&mut a);
        i.transaction(&mut b);
        assert_eq!([a.clone(), b.clone()], before);
        let (Detail::Memcache(a), Detail::Memcache(b)) = (&mut a.detail, &mut b.detail) else {
            unreachable!()
        };
        for (a, b) in a.texts_mut().zip(b.texts_mut()) {
            assert!(Arc::ptr_eq(a, b));
        }
        assert_eq!(a.texts_mut().count(), 2);
    }
}
