// Follow stream against `wirelens follow --json` and tshark's `-z follow`: the lines in
// each mode and their colours, a gap the capture missed, search, the saved files, and
// following from a conversation, a session, a packet and a UDP flow.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  SAMPLE,
  cliJson,
  openCapture,
  openLayer,
  openTab,
  pageEnv,
  settle,
  tsharkText,
} from './helpers.mjs';


const env = pageEnv('wirelens-e2e-follow-');

const opened = (file) => openCapture(env.browser.context, env.server.url, file);

/** Follows TCP (or UDP) stream `n` from the Conversations table. */
async function followFromConversations(page, n, layer = 'tcp') {
  await openLayer(page, 'conversations', layer);
  await page.locator('#conversations [data-testid="table-row"]', { has: page.locator(`.c-stream:text-is("${n}")`) })
    .locator('.row-follow').click();
  await page.locator('#tab-follow[aria-selected="true"]').waitFor();
  await page.locator('#follow-title', { hasText: `${layer.toUpperCase()} stream ${n}` }).waitFor();
  await page.locator('[data-testid="follow-line"]').first().waitFor();
}

/** Every line of the follow view: { text, server, gap, frame }, scrolled through. */
async function followLines(page) {
  const body = page.locator('#follow-body');
  await body.evaluate((el) => { el.scrollTop = 0; });
  const seen = new Map();
  for (let guard = 0; guard < 10_000; guard++) {
    await settle(page);
    await page.waitForFunction(() => !document.querySelector('#follow-body .pending'));
    const rows = await page.$$eval('#follow-body [data-testid="follow-line"]', (ls) => {
      const body = document.querySelector('#follow-body');
      const top = body.scrollTop;
      return ls.map((l) => ({
        y: Math.round(l.getBoundingClientRect().top - body.getBoundingClientRect().top + top),
        text: l.textContent,
        server: l.classList.contains('server'),
        gap: l.classList.contains('gap'),
        frame: Number(l.dataset.frame),
      }));
    });
    for (const r of rows) seen.set(r.y, r);
    const moved = await body.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTop = before + el.clientHeight - 36;
      return el.scrollTop !== before;
    });
    if (!moved) break;
  }
  return [...seen.keys()].sort((a, b) => a - b).map((k) => seen.get(k));
}

/** The lines the page should show in ASCII mode, from `wirelens follow --json`. */
function asciiLines(records) {
  const out = [];
  for (const r of records) {
    const bytes = Buffer.from(r.bytes, 'hex');
    if (r.missing !== null) {
      out.push({ text: bytes.toString('latin1').replace(/\0$/, ''), server: r.from_server, gap: true, frame: r.frame });
      continue;
    }
    const text = [...bytes].map((b) => (b === 10 || b === 13 || (b >= 0x20 && b <= 0x7e) ? String.fromCharCode(b) : '.')).join('');
    for (const piece of text.split('\n')) {
      out.push({ text: piece.replace(/\r+$/, ''), server: r.from_server, gap: false, frame: r.frame });
    }
  }
  return out;
}

/** Saves through a button and returns the file's name and bytes. */
async function saved(page, button) {
  const [download] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const path = join(env.scratch, download.suggestedFilename());
  await download.saveAs(path);
  return { name: download.suggestedFilename(), bytes: readFileSync(path) };
}

test('a followed TCP stream: its lines and colours, each mode, and the saved files equal tshark', async () => {
  const page = await opened(SAMPLE);
  await followFromConversations(page, 1);
  const json = cliJson(['follow', '1', SAMPLE]);
  const lines = await followLines(page);
  assert.deepEqual(lines.map(({ y, ...l }) => l), asciiLines(json.records));
  assert.match(await page.locator('.follow-head').textContent(), /127\.0\.0\.1:45008 \([\d,]+ bytes\) → 127\.0\.0\.1:18080/);
  // The client's lines and the server's differ in colour.
  await page.locator('#follow-body').evaluate((el) => { el.scrollTop = 0; });
  await settle(page);
  const colour = (sel) => page.locator(sel).first().evaluate((el) => getComputedStyle(el).backgroundColor);
  assert.notEqual(await colour('.follow-line.client'), await colour('.follow-line.server'));

  // Saved as tshark prints it, in each mode.
  for (const mode of ['ascii', 'hex', 'raw']) {
    await page.locator('#follow-mode').selectOption(mode);
    const file = await saved(page, '#save-text');
    assert.equal(file.name, `tcp-stream-1-${mode}.txt`);
    assert.equal(file.bytes.toString('latin1'), tsharkText(['-q', '-z', `follow,tcp,${mode},1`, '-r', SAMPLE]), mode);
  }
  // The hex dump on screen is tshark's, line for line (the server's indented there).
  await page.locator('#follow-mode').selectOption('hex');
  const hex = (await followLines(page)).map((l) => (l.server ? '\t' : '') + l.text);
  const ref = tsharkText(['-q', '-z', 'follow,tcp,hex,1', '-r', SAMPLE]).split('\n').filter((l) => /^\t?[0-9A-F]{8}  /.test(l));
  assert.deepEqual(hex, ref);
  // Raw: a line a segment.
  await page.locator('#follow-mode').selectOption('raw');
  const raw = await followLines(page);
  assert.deepEqual(raw.map((l) => l.text), json.records.map((r) => r.bytes));

  // The bytes of each side, and of both in order.
  const side = (server) => Buffer.concat(json.records.filter((r) => r.missing === null && (server === null || r.from_server === server)).map((r) => Buffer.from(r.bytes, 'hex')));
  assert.deepEqual((await saved(page, '#save-client')).bytes, side(false));
  assert.deepEqual((await saved(page, '#save-server')).bytes, side(true));
  assert.deepEqual((await saved(page, '#save-both')).bytes, side(null));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('search finds every line, next and previous step through them', async () => {
  const page = await opened(SAMPLE);
  await followFromConversations(page, 1);
  const json = cliJson(['follow', '1', SAMPLE]);
  const want = asciiLines(json.records).map((l, i) => [i, l.text]).filter(([, t]) => t.toLowerCase().includes('content-'));
  assert.ok(want.length >= 2);
  await page.locator('#follow-search').fill('Content-');
  await page.locator('#follow-search').press('Enter');
  await page.locator('#follow-count', { hasText: `1 of ${want.length}` }).waitFor();
  const current = () => page.locator('.follow-line.current').textContent();
  assert.equal(await current(), want[0][1]);
  await page.locator('#follow-next').click();
  assert.equal(await current(), want[1][1]);
  await page.locator('#follow-prev').click();
  await page.locator('#follow-prev').click();
  await page.locator('#follow-count', { hasText: `${want.length} of ${want.length}` }).waitFor();
  await settle(page);
  assert.equal(await current(), want[want.length - 1][1]);
  // A line goes to its packet.
  const line = page.locator('.follow-line.current');
  const frame = await line.getAttribute('data-frame');
  await line.click();
  await openTab(page, 'detail');
  await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${frame}")`).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('bytes the capture missed are marked where tshark marks them', async () => {
  const file = join(env.scratch, 'gap.pcapng');
  execFileSync('editcap', [SAMPLE, file, '52']);
  const page = await opened(file);
  await followFromConversations(page, 4);
  const json = cliJson(['follow', '4', file]);
  assert.ok(json.records.some((r) => r.missing !== null), 'the cut capture has a gap');
  const lines = await followLines(page);
  assert.deepEqual(lines.map(({ y, ...l }) => l), asciiLines(json.records));
  await page.locator('#follow-body').evaluate((el) => { el.scrollTop = 0; });
  await settle(page);
  const gap = page.locator('.follow-line.gap');
  assert.equal(await gap.count(), 1);
  assert.equal(await gap.textContent(), '[32 bytes missing in capture file]');
  assert.match(tsharkText(['-q', '-z', 'follow,tcp,ascii,4', '-r', file]), /\[32 bytes missing in capture file\]/);
  assert.match(await page.locator('.follow-head').textContent(), /32 bytes missing/);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a stream of megabytes, its payload kept out of wasm memory: the files saved, its last lines and a search equal tshark', async () => {
  // Stream 0 carries 2.1 MB of memcached values: the worker keeps them in Blobs of 1 MiB.
  const file = join(REPO, 'tests', 'data', 'servers', 'memcached.pcap');
  const page = await opened(file);
  await followFromConversations(page, 0);
  const json = cliJson(['follow', '0', file]);
  const payload = json.records.reduce((n, r) => n + (r.missing === null ? r.bytes.length / 2 : 0), 0);
  assert.ok(payload > 2_000_000, `stream 0 holds ${payload} bytes`);
  for (const mode of ['ascii', 'hex', 'raw']) {
    await page.locator('#follow-mode').selectOption(mode);
    const text = await saved(page, '#save-text');
    assert.equal(text.bytes.toString('latin1'), tsharkText(['-q', '-z', `follow,tcp,${mode},0`, '-r', file]), mode);
  }
  const side = (server) => Buffer.concat(json.records.filter((r) => r.missing === null && (server === null || r.from_server === server)).map((r) => Buffer.from(r.bytes, 'hex')));
  assert.deepEqual((await saved(page, '#save-both')).bytes, side(null));
  assert.deepEqual((await saved(page, '#save-server')).bytes, side(true));

  // The last screen of ASCII lines, read back from the last piece and the bytes after it.
  await page.locator('#follow-mode').selectOption('ascii');
  const want = asciiLines(json.records);
  const body = page.locator('#follow-body');
  await page.locator('[data-testid="follow-line"]').first().waitFor();
  await body.evaluate((el) => { el.scrollTop = el.scrollHeight; });
  await settle(page);
  await page.waitForFunction(() => !document.querySelector('#follow-body .pending'));
  const shown = await page.$$eval('#follow-body [data-testid="follow-line"]', (ls) => ls
    .map((l) => ({ top: l.getBoundingClientRect().top, text: l.textContent, frame: Number(l.dataset.frame) }))
    .sort((a, b) => a.top - b.top)
    .map(({ top, ...l }) => l));
  assert.ok(shown.length >= 5);
  assert.deepEqual(shown, want.slice(-shown.length).map(({ text, frame }) => ({ text, frame })));

  // A search reads the whole payload back: every line holding the text, in order.
  const needle = 'END';
  const found = want.filter((l) => l.text.toLowerCase().includes(needle.toLowerCase())).length;
  assert.ok(found >= 2, `${found} lines hold ${needle}`);
  await page.locator('#follow-search').fill(needle);
  await page.locator('#follow-search').press('Enter');
  await page.locator('#follow-count', { hasText: `1 of ${found}` }).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('follow from a session, from a packet, and a UDP flow', async () => {
  const page = await opened(SAMPLE);
  await openTab(page, 'sessions');
  await page.locator('#sessions [data-testid="table-row"]').nth(4).locator('.row-follow').click();
  await page.locator('#follow-title', { hasText: 'TCP stream 4' }).waitFor();
  // From a packet: its Packet tab's conversation.
  await openTab(page, 'detail');
  await page.locator('[data-testid="packet-row"]').nth(2).click();
  await page.locator('#fact-follow').click();
  await page.locator('#follow-title', { hasText: 'TCP stream 0' }).waitFor();
  const first = await page.locator('[data-testid="follow-line"]').first().textContent();
  assert.equal(first, 'GET / HTTP/1.1');
  // UDP: a record a datagram.
  await followFromConversations(page, 0, 'udp');
  const json = cliJson(['follow', '-t', 'udp', '0', SAMPLE]);
  assert.deepEqual((await followLines(page)).map(({ y, ...l }) => l), asciiLines(json.records));
  const file = await saved(page, '#save-text');
  assert.equal(file.bytes.toString('latin1'), tsharkText(['-q', '-z', 'follow,udp,ascii,0', '-r', SAMPLE]));
  assert.deepEqual(page.errors, []);
  await page.close();
});
