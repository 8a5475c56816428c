// Captures the browser tests make themselves:
// - `hostileCapture()`: HTTP, memcached and MySQL traffic whose URIs, headers, keys and
//   queries (and a packet comment naming the process) carry <script> and
//   <img onerror=…> markup, to check that the page shows payloads as text and runs none.
// - `manyPackets(n)`: n small UDP packets (Ethernet/IPv4), a classic pcap, for the
//   virtualized list; packet i is sent at T0 + i ms from port 10000 + i % 1000.
//
// Run directly to write them: node tests/e2e/captures.mjs hostile OUT.pcapng
//                             node tests/e2e/captures.mjs many N OUT.pcap

import { writeFileSync } from 'node:fs';

/** Every script in the hostile capture sets one of these flags when it runs. */
export const XSS_FLAG = '__wirelensXss';
const js = (n) => `window.${XSS_FLAG}=${n}`;

/** Values the hostile capture carries, by the field that shows them. */
export const HOSTILE = {
  uri: `/<script>${js(1)}</script>?q=<img/src=x/onerror=${js(2)}>`,
  userAgent: `<img src=x onerror="${js(3)}">`,
  host: '<b>bold</b>',
  serverHeader: `<script>${js(4)}</script>`,
  comm: `<img src=x onerror=${js(5)}>`,
  setKey: `<script>${js(6)}</script>`,
  getKey: `<img/src/onerror=${js(7)}>`,
  query: `SELECT '<script>${js(8)}</script>', '<img src=x onerror=${js(9)}>'`,
};

const T0 = 1_700_000_000n * 1_000_000n; // µs

function ipChecksum(h) {
  let sum = 0;
  for (let i = 0; i < h.length; i += 2) sum += h.readUInt16BE(i);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet/IPv4/TCP frame. */
function tcpFrame({ src, dst, sport, dport, seq, ack, flags, payload = Buffer.alloc(0) }) {
  const eth = Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]);
  const tcp = Buffer.alloc(20);
  tcp.writeUInt16BE(sport, 0);
  tcp.writeUInt16BE(dport, 2);
  tcp.writeUInt32BE(seq >>> 0, 4);
  tcp.writeUInt32BE(ack >>> 0, 8);
  tcp[12] = 5 << 4;
  tcp[13] = flags;
  tcp.writeUInt16BE(65535, 14);
  const ip = Buffer.alloc(20);
  ip[0] = 0x45;
  ip.writeUInt16BE(20 + 20 + payload.length, 2);
  ip[8] = 64;
  ip[9] = 6;
  Buffer.from(src.split('.').map(Number)).copy(ip, 12);
  Buffer.from(dst.split('.').map(Number)).copy(ip, 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  return Buffer.concat([eth, ip, tcp, payload]);
}

const SYN = 0x02;
const ACK = 0x10;
const PSH = 0x08;
const FIN = 0x01;

/** A TCP conversation: handshake, the exchanges (client, server), close. */
function conversation(client, server, exchanges) {
  const [cip, cport] = client;
  const [sip, sport] = server;
  let cseq = 1000;
  let sseq = 5000;
  const out = [];
  const c2s = (flags, payload) => {
    out.push(tcpFrame({ src: cip, dst: sip, sport: cport, dport: sport, seq: cseq, ack: sseq, flags, payload }));
    cseq += (payload?.length || 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  const s2c = (flags, payload) => {
    out.push(tcpFrame({ src: sip, dst: cip, sport, dport: cport, seq: sseq, ack: cseq, flags, payload }));
    sseq += (payload?.length || 0) + (flags & (SYN | FIN) ? 1 : 0);
  };
  out.push(tcpFrame({ src: cip, dst: sip, sport: cport, dport: sport, seq: cseq, ack: 0, flags: SYN }));
  cseq += 1;
  s2c(SYN | ACK);
  c2s(ACK);
  for (const [request, response] of exchanges) {
    c2s(PSH | ACK, Buffer.from(request, 'latin1'));
    s2c(PSH | ACK, Buffer.from(response, 'latin1'));
    c2s(ACK);
  }
  c2s(FIN | ACK);
  s2c(FIN | ACK);
  c2s(ACK);
  return out;
}

/** A MySQL packet: 3-byte length, sequence id, payload. */
function mysqlPacket(seq, payload) {
  const head = Buffer.alloc(4);
  head.writeUIntLE(payload.length, 0, 3);
  head[3] = seq;
  return Buffer.concat([head, payload]).toString('latin1');
}

function pad4(b) {
  return Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
}

function pcapngBlock(type, body) {
  const len = 12 + body.length;
  const b = Buffer.alloc(len);
  b.writeUInt32LE(type, 0);
  b.writeUInt32LE(len, 4);
  body.copy(b, 8);
  b.writeUInt32LE(len, len - 4);
  return b;
}

/** The hostile capture, as pcapng bytes (the process comment on the HTTP SYN). */
export function hostileCapture() {
  const http = conversation(['10.0.0.1', 40000], ['10.0.0.2', 80], [[
    `GET ${HOSTILE.uri} HTTP/1.1\r\nHost: ${HOSTILE.host}\r\nUser-Agent: ${HOSTILE.userAgent}\r\n\r\n`,
    `HTTP/1.1 200 OK\r\nServer: ${HOSTILE.serverHeader}\r\nContent-Length: 5\r\n\r\nhello`,
  ]]);
  const memcache = conversation(['10.0.0.1', 40001], ['10.0.0.2', 11211], [
    [`set ${HOSTILE.setKey} 0 0 5\r\nhello\r\n`, 'STORED\r\n'],
    [`get ${HOSTILE.getKey}\r\n`, 'END\r\n'],
  ]);
  const ok = Buffer.from([0x00, 0x00, 0x00, 0x02, 0x00, 0x00, 0x00]);
  const mysql = conversation(['10.0.0.1', 40002], ['10.0.0.2', 3306], [
    [mysqlPacket(0, Buffer.concat([Buffer.from([0x03]), Buffer.from(HOSTILE.query, 'latin1')])), mysqlPacket(1, ok)],
  ]);
  const shb = Buffer.alloc(16);
  shb.writeUInt32LE(0x1a2b3c4d, 0);
  shb.writeUInt16LE(1, 4);
  shb.writeBigInt64LE(-1n, 8);
  const idb = Buffer.alloc(8);
  idb.writeUInt16LE(1, 0); // Ethernet
  idb.writeUInt32LE(65535, 4);
  const blocks = [pcapngBlock(0x0a0d0d0a, shb), pcapngBlock(1, idb)];
  let t = T0;
  const frames = [...http, ...memcache, ...mysql];
  frames.forEach((frame, i) => {
    const head = Buffer.alloc(20);
    head.writeUInt32LE(0, 0);
    head.writeUInt32LE(Number(t >> 32n), 4);
    head.writeUInt32LE(Number(t & 0xffffffffn), 8);
    head.writeUInt32LE(frame.length, 12);
    head.writeUInt32LE(frame.length, 16);
    let options = Buffer.alloc(0);
    if (i === 0) {
      const text = Buffer.from(`pid=4242 comm=${HOSTILE.comm}`, 'utf8');
      const opt = Buffer.alloc(4);
      opt.writeUInt16LE(1, 0); // opt_comment
      opt.writeUInt16LE(text.length, 2);
      options = Buffer.concat([opt, pad4(text), Buffer.alloc(4)]);
    }
    blocks.push(pcapngBlock(6, Buffer.concat([head, pad4(frame), options])));
    t += 1000n;
  });
  return Buffer.concat(blocks);
}

/** `n` 60-byte Ethernet + IPv4 frames from 10.1.0.1 to `dst`, 1 ms apart from T0, as a
 *  classic little-endian µs pcap: IP protocol `proto`, IP total length `ipLen`;
 *  `transport(t)` writes the transport header `t` once, `each(t, i)` packet i's changes. */
function ipv4Pcap(n, { proto, ipLen, dst }, transport, each) {
  const frameLen = 60;
  const out = Buffer.alloc(24 + n * (16 + frameLen));
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(65535, 16);
  out.writeUInt32LE(1, 20);
  const frame = Buffer.alloc(frameLen);
  Buffer.from([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00]).copy(frame, 0);
  const ip = frame.subarray(14, 34);
  ip[0] = 0x45;
  ip.writeUInt16BE(ipLen, 2);
  ip[8] = 64;
  ip[9] = proto;
  Buffer.from([10, 1, 0, 1]).copy(ip, 12);
  Buffer.from(dst).copy(ip, 16);
  ip.writeUInt16BE(ipChecksum(ip), 10);
  const t = frame.subarray(34);
  transport(t);
  let at = 24;
  for (let i = 0; i < n; i++) {
    const us = T0 + BigInt(i) * 1000n;
    out.writeUInt32LE(Number(us / 1_000_000n), at);
    out.writeUInt32LE(Number(us % 1_000_000n), at + 4);
    out.writeUInt32LE(frameLen, at + 8);
    out.writeUInt32LE(frameLen, at + 12);
    each(t, i);
    frame.copy(out, at + 16);
    at += 16 + frameLen;
  }
  return out;
}

/** `n` UDP packets from ports 10000 to 10999 in turn to 10.1.0.2 port 9999. */
export function manyPackets(n) {
  return ipv4Pcap(
    n,
    { proto: 17, ipLen: 46, dst: [10, 1, 0, 2] },
    (udp) => {
      udp.writeUInt16BE(9999, 2);
      udp.writeUInt16BE(26, 4);
    },
    (udp, i) => udp.writeUInt16BE(10000 + (i % 1000), 0),
  );
}

/** `n` TCP SYNs from 10.1.0.1, ports 10000 to 10999 in turn (each port's SYNs after its
 *  first are retransmissions), to 10.2.0.1 port 80 in the first third, 443 in the second,
 *  8080 in the last; so tshark's `-z expert` lines come one by one as the packets are
 *  read. */
export function manySyns(n) {
  return ipv4Pcap(
    n,
    { proto: 6, ipLen: 40, dst: [10, 2, 0, 1] },
    (tcp) => {
      tcp.writeUInt32BE(1000, 4); // seq
      tcp[12] = 5 << 4; // header length
      tcp[13] = 0x02; // SYN
      tcp.writeUInt16BE(64240, 14); // window
    },
    (tcp, i) => {
      tcp.writeUInt16BE(10000 + (i % 1000), 0);
      tcp.writeUInt16BE([80, 443, 8080][Math.min(2, Math.floor((3 * i) / n))], 2);
    },
  );
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const [what, a, b] = process.argv.slice(2);
  if (what === 'hostile' && a) writeFileSync(a, hostileCapture());
  else if (what === 'many' && a && b) writeFileSync(b, manyPackets(Number(a)));
  else if (what === 'syns' && a && b) writeFileSync(b, manySyns(Number(a)));
  else {
    console.error('usage: captures.mjs hostile OUT.pcapng | many N OUT.pcap | syns N OUT.pcap');
    process.exit(2);
  }
}
