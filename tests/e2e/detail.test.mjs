// The packet detail pane against the CLI (`wirelens list -V`, `-x` and `-T pdml`, which
// the PDML golden checks against tshark) and tshark itself: the tree, the bytes, the
// highlight of a field's bytes, selecting a field from its bytes, a PDU reassembled from
// many segments, and the context actions (apply as filter, as column).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  SAMPLE,
  cliPath,
  corpusDir,
  newPage,
  openTab,
  pageEnv,
  settle,
  treeLines,
  tsharkText,
  visibleRows,
  waitLoaded,
} from './helpers.mjs';

const HTTP = join(REPO, 'tests', 'data', 'servers', 'http.pcap');
const QUIC = join(REPO, 'tests', 'data', 'servers', 'quic.pcap');
// pcapng packets with a comment, an epb_flags word and a drop count each.
const COMMENTED = join(corpusDir(), 'pcapng-test-generator', 'le', 'test009.pcapng');


const env = pageEnv();

function cli(args) {
  return execFileSync(cliPath(), args, { encoding: 'utf8', maxBuffer: 1 << 28 });
}

/** The fields of one packet's PDML: { name, showname, pos, size }. */
function pdmlFields(file, frame) {
  const xml = cli(['list', '-T', 'pdml', '-Y', `frame.number == ${frame}`, file]);
  const fields = [];
  for (const m of xml.matchAll(/<(?:field|proto) name="([^"]*)"(?: showname="([^"]*)")?[^>]*? size="(\d+)" pos="(\d+)"[^>]*?>/g)) {
    if (m[0].includes('hide="yes"')) continue;
    fields.push({ name: m[1], showname: m[2], size: Number(m[3]), pos: Number(m[4]) });
  }
  return fields;
}

/** A page showing only frame `frame` of `file`, that packet selected in the Packet tab. */
async function showFrame(file, frame) {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(file);
  await waitLoaded(page);
  await page.locator('#filter-input').fill(`frame.number == ${frame}`);
  await page.locator('#filter-input').press('Enter');
  await page.locator('#page-info[data-shown="1"]').waitFor();
  await openTab(page, 'detail');
  await page.locator('[data-testid="packet-row"]').first().click();
  // A PDU reassembled from many segments reads them all first (slow in a debug build).
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor({ timeout: 120_000 });
  return page;
}

/** The hex view's lines on screen, at the top, in the middle and at the bottom of the
 *  scroll area (every line of a short source): Map offset → { bytes, ascii }. */
async function hexLines(page) {
  const view = page.locator('#hex-view');
  const lines = new Map();
  for (const at of [0, 0.5, 1]) {
    await view.evaluate((el, f) => { el.scrollTop = f * (el.scrollHeight - el.clientHeight); }, at);
    await settle(page);
    const seen = await page.$$eval('#hex-view [data-testid="hex-line"]', (ls) =>
      ls.map((l) => [
        parseInt(l.querySelector('.hex-off').textContent, 16),
        [...l.querySelectorAll('.hx')].map((b) => parseInt(b.textContent, 16)),
        l.querySelector('.hex-ascii').textContent,
      ]),
    );
    for (const [off, bytes, ascii] of seen) lines.set(off, { bytes, ascii });
  }
  return lines;
}

/** `wirelens list -x` for one frame: { name: [{ off, bytes, ascii }] } per source. */
function cliHex(file, frame) {
  const out = cli(['list', '-x', '-Y', `frame.number == ${frame}`, file]);
  const sources = {};
  let name = 'Frame';
  for (const line of out.split('\n')) {
    if (/^\S.*:$/.test(line) && !/^[0-9a-f]{4,8}  /.test(line)) {
      name = line.slice(0, -1);
      continue;
    }
    const m = /^([0-9a-f]{4,8})  /.exec(line);
    if (!m) continue;
    // Fixed columns: the offset, two spaces, 16 bytes (a space after each, one more
    // after the eighth), a space, the ASCII.
    const at = m[1].length + 2;
    (sources[name] ||= []).push({
      off: parseInt(m[1], 16),
      bytes: line.slice(at, at + 49).trim().split(/\s+/).map((b) => parseInt(b, 16)),
      ascii: line.slice(at + 50),
    });
  }
  return sources;
}

test("the tree of every layer, expanded, reads as `wirelens list -V` (tshark's -V)", async () => {
  for (const [file, frame] of [[SAMPLE, 4], [SAMPLE, 1], [SAMPLE, 41], [HTTP, 25]]) {
    const page = await showFrame(file, frame);
    // Layers start closed.
    const closed = await treeLines(page);
    assert.ok(closed.every((l) => !l.startsWith(' ')), `only the layers at first: ${closed}`);
    await page.locator('#tree-expand').click();
    const want = cli(['list', '-V', '-Y', `frame.number == ${frame}`, file]).split('\n').filter((l) => l !== '');
    const lines = await treeLines(page);
    assert.deepEqual(lines, want, `${file} frame ${frame}`);
    if (file === SAMPLE) {
      // The expert items (a SYN's, an HTTP request line's, a FIN's and its closing
      // initiator's), the lines a Wireshark user reads first, as tshark shows them.
      const experts = (ls) => ls.filter((l) => l.trimStart().startsWith('[Expert Info ('));
      const theirs = tsharkText(['-r', SAMPLE, '-d', 'tcp.port==21211,memcache',
        '-Y', `frame.number == ${frame}`, '-V']).split('\n');
      assert.ok(experts(lines).length > 0, `expert items in frame ${frame}`);
      assert.deepEqual(experts(lines), experts(theirs), `expert items of frame ${frame}`);
    }
    await page.locator('#tree-collapse').click();
    assert.deepEqual(await treeLines(page), closed);
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test('the bytes pane shows what `list -x` shows, a reassembled PDU in a tab of its own', async () => {
  for (const [file, frame] of [[SAMPLE, 4], [HTTP, 25]]) {
    const page = await showFrame(file, frame);
    const want = cliHex(file, frame);
    const names = Object.keys(want);
    if (names.length > 1) {
      assert.deepEqual(await page.locator('#hex-sources button').allTextContents(), names);
    }
    for (const [k, name] of names.entries()) {
      if (names.length > 1) await page.locator(`#hex-sources button[data-source="${k}"]`).click();
      const shown = await hexLines(page);
      const ref = new Map(want[name].map((l) => [l.off, l]));
      assert.ok(shown.has(0) && shown.has(want[name][want[name].length - 1].off), `${name}: first and last lines`);
      const scroll = await page.locator('#hex-view .vt-space').evaluate((el) => el.offsetHeight);
      assert.equal(scroll, want[name].length * 18, `${name}: a line for every 16 bytes`);
      // The pane is as wide as a line: no line's ASCII is cut by its edge.
      const cut = await page.locator('#hex-view').evaluate((v) => {
        const edge = v.getBoundingClientRect().left + v.clientWidth + 0.5;
        return [...v.querySelectorAll('.hex-ascii')].filter((a) => a.getBoundingClientRect().right > edge).length;
      });
      assert.equal(cut, 0, `${name}: every line fits the pane`);
      for (const [off, l] of shown) {
        assert.ok(ref.has(off), `${name}: line ${off}`);
        assert.deepEqual(l.bytes, ref.get(off).bytes, `${name} line ${off}`);
        assert.equal(l.ascii, ref.get(off).ascii, `${name} line ${off}`);
      }
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  }
});

test("a field's bytes are highlighted, and a byte selects its field", async () => {
  const page = await showFrame(SAMPLE, 4);
  const fields = pdmlFields(SAMPLE, 4);
  await page.locator('#tree-expand').click();
  for (const name of ['ip.ttl', 'tcp.srcport', 'http.request.method']) {
    const f = fields.find((x) => x.name === name);
    // Hovering names the field and its filter.
    const node = page.locator(`#detail-tree [data-name="${name}"]`).first();
    assert.match(await node.getAttribute('title'), new RegExp(`^${name.replace('.', '\\.')} — filter: ${name.replace('.', '\\.')} == `));
    await node.click();
    await settle(page);
    const lit = await page.$$eval('#hex-view .hx.hl', (bs) => bs.map((b) => Number(b.dataset.off)));
    assert.deepEqual(lit, Array.from({ length: f.size }, (_, k) => f.pos + k), name);
  }
  // Clicking a byte selects the smallest field that holds it.
  const port = fields.find((x) => x.name === 'tcp.dstport');
  await page.locator(`#hex-view .hx[data-off="${port.pos + 1}"]`).click();
  await settle(page);
  assert.equal(await page.locator('#detail-tree .tree-row.selected').getAttribute('data-name'), 'tcp.dstport');
  // Keyboard: ↓ moves to the next field.
  await page.locator('#detail-tree').focus();
  await page.locator('#detail-tree').press('ArrowDown');
  await settle(page);
  const next = fields[fields.findIndex((x) => x.name === 'tcp.dstport') + 1];
  assert.equal(await page.locator('#detail-tree .tree-row.selected').getAttribute('data-name'), next.name);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a field applies as a filter or as a column from its context menu', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  await waitLoaded(page);
  await openTab(page, 'detail');
  await page.locator('[data-testid="packet-row"]').nth(3).click();
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor();
  await page.locator('#tree-expand').click();
  const node = page.locator('#detail-tree [data-name="tcp.srcport"]').first();
  await node.click({ button: 'right' });
  await page.locator('#detail-menu').waitFor();
  await page.locator('#menu-apply-filter').click();
  assert.equal(await page.locator('#filter-input').inputValue(), 'tcp.srcport == 45006');
  const want = tsharkText(['-r', SAMPLE, '-Y', 'tcp.srcport == 45006', '-T', 'fields', '-e', 'frame.number'])
    .trim().split('\n').map(Number);
  await page.locator(`#page-info[data-shown="${want.length}"]`).waitFor();
  assert.deepEqual((await visibleRows(page)).map((r) => Number(r[0])), want.slice(0, (await visibleRows(page)).length));
  // The same packet stays selected; its ttl becomes a column.
  await page.locator('#detail-tree [data-name="ip.ttl"]').first().click({ button: 'right' });
  await page.locator('#menu-add-column').click();
  await page.locator('[data-testid="custom-column"]', { hasText: 'ip.ttl' }).waitFor();
  assert.equal(await page.locator('#columns-input').inputValue(), 'ip.ttl');
  const rows = await visibleRows(page);
  assert.ok(rows.every((r) => r[7] === '64'), 'every row has its ttl');
  // Escape closes the menu without doing anything.
  await page.locator('#detail-tree [data-name="ip.ttl"]').first().click({ button: 'right' });
  await page.keyboard.press('Escape');
  assert.equal(await page.locator('#detail-menu').count(), 0);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a QUIC Initial: its QUIC layers read as `list -V`, the ClientHello's server name in the decrypted bytes", async () => {
  const page = await showFrame(QUIC, 1);
  const closed = await treeLines(page);
  // The datagram's Initial packet, and the zeros padding it after that packet.
  assert.deepEqual(closed.filter((l) => l === 'QUIC IETF').length, 2, `${closed}`);
  await page.locator('#tree-expand').click();
  const lines = await treeLines(page);
  const want = cli(['list', '-V', '-Y', 'frame.number == 1', QUIC]).split('\n').filter((l) => l !== '');
  assert.deepEqual(lines, want);
  for (const l of ['..00 .... = Packet Type: Initial (0)', 'Destination Connection ID: 014e52442758a5bc', 'CRYPTO',
    'TLSv1.3 Record Layer: Handshake Protocol: Client Hello', 'Server Name: quic.wirelens.test']) {
    assert.ok(lines.some((x) => x.trim() === l), `${l} shown`);
  }
  // The server name lies in the decrypted packet, a byte source of its own: selecting it
  // shows that source with the name's bytes lit.
  const sources = cliHex(QUIC, 1);
  assert.deepEqual(await page.locator('#hex-sources button').allTextContents(), Object.keys(sources));
  assert.deepEqual(Object.keys(sources), ['Frame (1242 bytes)', 'Decrypted QUIC (483 bytes)']);
  const sni = pdmlFields(QUIC, 1).find((f) => f.name === 'tls.handshake.extensions_server_name');
  await page.locator('#detail-tree [data-name="tls.handshake.extensions_server_name"]').first().click();
  await settle(page);
  assert.ok(await page.locator('#hex-sources button[data-source="1"].active').count(), 'the decrypted source shown');
  const lit = await page.$$eval('#hex-view .hx.hl', (bs) => bs.map((b) => Number(b.dataset.off)));
  assert.deepEqual(lit, Array.from({ length: sni.size }, (_, k) => sni.pos + k));
  const bytes = sources['Decrypted QUIC (483 bytes)'].flatMap((l) => l.bytes);
  assert.equal(String.fromCharCode(...bytes.slice(sni.pos, sni.pos + sni.size)), 'quic.wirelens.test');
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("the capture's index is gathered after the open: the first detail finds it ready, its tree the CLI's", async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(HTTP);
  await waitLoaded(page);
  const worker = page.workers().find((w) => w.url().includes('wirelens-worker'));
  assert.ok(worker, 'the analysis worker');
  // Gathered in idle time (web/src/worker/ahead.rs), no detail asked yet.
  const ahead = await worker.evaluate(async () => {
    for (let i = 0; i < 200 && !self.wirelensAhead; i++) await new Promise((ok) => setTimeout(ok, 25));
    return self.wirelensAhead ?? null;
  });
  assert.ok(ahead && ahead.pieces >= 1, `gathered: ${JSON.stringify(ahead)}`);
  assert.deepEqual(await worker.evaluate(() => self.wirelensDetails ?? []), []);
  await page.locator('#filter-input').fill('frame.number == 25');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#page-info[data-shown="1"]').waitFor();
  await openTab(page, 'detail');
  await page.locator('[data-testid="packet-row"]').first().click();
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor({ timeout: 120_000 });
  const steps = await worker.evaluate(() => self.wirelensDetails);
  assert.ok(steps.length >= 1, 'a detail asked');
  assert.deepEqual(steps.map((d) => [d.frame, d.index_ready]), steps.map(() => [25, 1]));
  await page.locator('#tree-expand').click();
  const want = cli(['list', '-V', '-Y', 'frame.number == 25', HTTP]).split('\n').filter((l) => l !== '');
  assert.deepEqual(await treeLines(page), want);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a packet's comment heads its tree, with its expert item, and the frame shows the block's flags, as tshark -V", async () => {
  const frame = 2;
  const page = await showFrame(COMMENTED, frame);
  const closed = await treeLines(page);
  // packet-frame.c adds the comments' layer before the frame's.
  assert.equal(closed[0], 'Packet comments', `${closed}`);
  assert.match(closed[1], /^Frame 2: 342 bytes on wire/);
  await page.locator('#tree-expand').click();
  const lines = await treeLines(page);
  const want = cli(['list', '-V', '-Y', `frame.number == ${frame}`, COMMENTED]).split('\n').filter((l) => l !== '');
  assert.deepEqual(lines, want);
  // From the comment to the encapsulation type (the flags word and its bits) as tshark
  // shows them.
  const head = (ls) => ls.slice(0, ls.findIndex((l) => l.trim().startsWith('Encapsulation type:')) + 1);
  const theirs = tsharkText(['-r', COMMENTED, '-Y', `frame.number == ${frame}`, '-V']).split('\n');
  assert.ok(head(theirs).length > 20, `tshark's head: ${theirs.slice(0, 30)}`);
  assert.deepEqual(head(lines), head(theirs));
  for (const l of ['test009-2', '[Expert Info (Comment/Comment): test009-2]',
    '.1.. .... .... .... .... .... .... .... = Preamble error: Set']) {
    assert.ok(lines.some((x) => x.trim() === l), `${l} shown`);
  }
  assert.ok(lines.some((x) => x.trim() === 'Drop Count: 12345'), 'the drop count');
  assert.deepEqual(page.errors, []);
  await page.close();
});
