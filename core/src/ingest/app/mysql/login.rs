//! The connection phase (§ "Connection Phase"): the server's greeting, the client's
//! handshake response (user, schema) or SSL request — after which the conversation is
//! TLS, read by a TLS parser — and the authentication exchange up to the server's OK or
//! ERR, as one transaction, `login`.

use super::command::err_packet;
use super::framing::Packet;
use super::{caps, emit, extend, report, Parser, Pending, Phase, Reader, Resp};
use crate::capture::app::mysql::Mysql;
use crate::capture::app::{Detail, Transaction};

impl Parser {
    pub(super) fn handshake_response(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let d = &p.data[..];
        let mut login = Mysql {
            command: "login".into(),
            ..self.greeting.clone()
        };
        login.incomplete |= p.lost;
        let client_caps = if d.len() >= 4 {
            u32::from_le_bytes([d[0], d[1], d[2], d[3]])
        } else {
            0
        };
        if client_caps & caps::PROTOCOL_41 != 0 {
            if client_caps & caps::SSL != 0 && p.len == 32 {
                // SSL request: what follows is a TLS handshake (§ "Protocol::SSLRequest").
                login.tls = true;
                login.response = Some("tls".into());
                self.phase = Phase::Tls;
                self.start_tls(p.span.last.packet);
                report(out, Some(p.span), None, Detail::Mysql(Box::new(login)));
                return;
            }
            let mut r = Reader::new(d.get(32..).unwrap_or(&[]));
            login.user = r.nul_str();
            let auth_len = if client_caps & caps::PLUGIN_AUTH_LENENC_CLIENT_DATA != 0 {
                r.lenenc()
            } else if client_caps & caps::SECURE_CONNECTION != 0 {
                r.u8().map(u64::from)
            } else {
                r.nul_str();
                Some(0)
            };
            r.skip(auth_len.unwrap_or(0) as usize);
            if client_caps & caps::CONNECT_WITH_DB != 0 {
                login.schema = r.nul_str().filter(|s| !s.is_empty());
            }
            if client_caps & caps::PLUGIN_AUTH != 0 {
                login.auth_plugin = r.nul_str().filter(|s| !s.is_empty()).or(login.auth_plugin);
            }
        } else {
            // HandshakeResponse320: 2-byte capabilities, 3-byte max packet, user, auth.
            let mut r = Reader::new(d.get(5..).unwrap_or(&[]));
            login.user = r.nul_str();
        }
        let server_caps = self.server_caps.unwrap_or(u32::MAX);
        let agreed = client_caps & server_caps;
        self.caps = Some(agreed);
        self.deprecate_eof = Some(agreed & caps::DEPRECATE_EOF != 0);
        if agreed & caps::COMPRESS != 0 {
            self.compress_after_login = true;
            login.compressed = true;
        }
        self.phase = Phase::Auth;
        self.login = Some(Pending {
            detail: login,
            request: p.span,
            resp: Resp::UntilOk,
            response: None,
            next_seq: p.last_seq.wrapping_add(1),
        });
    }

    /// The server's greeting (Protocol::HandshakeV10).
    pub(super) fn greeting(&mut self, p: &Packet) {
        let mut r = Reader::new(p.data.get(1..).unwrap_or(&[]));
        let mut g = Mysql {
            command: "login".into(),
            ..Mysql::default()
        };
        g.server_version = r.nul_str();
        g.connection_id = r.u32();
        r.skip(9);
        let lower = r.u16().unwrap_or(0) as u32;
        let _charset = r.u8();
        let _status = r.u16();
        let upper = r.u16().unwrap_or(0) as u32;
        let caps_all = lower | upper << 16;
        let auth_len = r.u8().unwrap_or(0) as usize;
        r.skip(10);
        if caps_all & caps::SECURE_CONNECTION != 0 {
            r.skip(auth_len.saturating_sub(8).max(13));
        }
        if caps_all & caps::PLUGIN_AUTH != 0 {
            g.auth_plugin = r.nul_str().filter(|s| !s.is_empty());
        }
        self.server_caps = Some(caps_all);
        self.greeting = g;
        self.phase = Phase::Greeted;
    }

    pub(super) fn auth_packet(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let Some(login) = self.login.as_mut() else {
            return;
        };
        extend(&mut login.response, p.span);
        login.detail.incomplete |= p.lost;
        if matches!(p.data.first(), Some(0x00 | 0xff)) {
            login.detail.note_code(p.span.last.packet, &p.data, p.len);
        }
        match p.data.first() {
            Some(0x00) => {
                let mut login = self.login.take().expect("checked");
                login.detail.response = Some("ok".into());
                self.phase = Phase::Command;
                if self.compress_after_login {
                    self.start_compression();
                }
                emit(login, out);
            }
            Some(0xff) => {
                let mut login = self.login.take().expect("checked");
                err_packet(&mut login.detail, &p.data);
                self.phase = Phase::Command;
                emit(login, out);
            }
            // Auth switch (0xFE) and more data (0x01): the exchange goes on.
            _ => {}
        }
    }

    /// An ERR instead of a greeting: the server refuses the connection (e.g. 1130, host
    /// not allowed; 1040, too many connections). The login fails at once.
    pub(super) fn refused(&mut self, p: &Packet, out: &mut Vec<Transaction>) {
        let mut login = Mysql {
            command: "login".into(),
            ..self.greeting.clone()
        };
        err_packet(&mut login, &p.data);
        login.note_code(p.span.last.packet, &p.data, p.len);
        self.phase = Phase::Command;
        report(out, None, Some(p.span), Detail::Mysql(Box::new(login)));
    }
}
