// Shared pieces of the browser tests: a static server for dist/, Chromium through
// playwright-core, and tshark as the reference for what a capture contains.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { createReadStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, extname, join, normalize, resolve, sep } from 'node:path';
import { after, before } from 'node:test';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const DIST = resolve(process.env.WIRELENS_DIST || join(REPO, 'dist'));
export const SAMPLE = join(REPO, 'static', 'sample.pcapng');

const MIME = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.wasm': 'application/wasm',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.md': 'text/plain; charset=utf-8',
  '.pcap': 'application/vnd.tcpdump.pcap',
  '.pcapng': 'application/vnd.tcpdump.pcap',
};

/** Serves `root` on 127.0.0.1 at an ephemeral port. Returns { url, close }. */
export async function serve(root = DIST) {
  statSync(join(root, 'index.html')); // fail early, with the path, when dist/ is not built
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url, 'http://x').pathname);
    let file = normalize(join(root, path));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = statSync(file).size;
      res.writeHead(200, {
        'content-type': MIME[extname(file)] || 'application/octet-stream',
        'content-length': size,
        'cache-control': 'no-store',
      });
      createReadStream(file).pipe(res);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain' }).end('not found');
    }
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  const { port } = server.address();
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () => new Promise((ok) => server.close(ok)),
  };
}

/** Headless Chromium with a fresh profile. Returns { context, close }. */
export async function launch(extraArgs = []) {
  const profile = mkdtempSync(join(tmpdir(), 'wirelens-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...extraArgs,
    ],
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * What a test file's tests share: the page's static server (`env.server`), a browser
 * (`env.browser`) and, given a name prefix, a scratch directory (`env.scratch`); made
 * before the file's first test and removed after its last.
 */
export function pageEnv(scratchPrefix = null) {
  const env = { server: null, browser: null, scratch: null };
  before(async () => {
    env.server = await serve();
    env.browser = await launch();
    if (scratchPrefix) env.scratch = mkdtempSync(join(tmpdir(), scratchPrefix));
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.close();
    if (env.scratch) rmSync(env.scratch, { recursive: true, force: true });
  });
  return env;
}

/** A new page that fails the test on uncaught page errors and keeps console errors. */
export async function newPage(context) {
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') page.errors.push(m.text());
  });
  return page;
}

function tshark(args) {
  return execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 28 });
}

/** Packets tshark reads from a capture (for a damaged file: those before the damage). */
export function tsharkPacketCount(file) {
  let out;
  try {
    out = tshark(['-r', file, '-T', 'fields', '-e', 'frame.number']);
  } catch (e) {
    // tshark exits non-zero on a cut-short file but still prints what it read.
    out = e.stdout || '';
  }
  return out.split('\n').filter((l) => l.trim() !== '').length;
}

/** Parses a tshark byte count: "693 bytes", "1,176 bytes"; null when rounded ("20 kB"). */
function exactBytes(text) {
  const m = /^([\d,]+) bytes$/.exec(text.trim());
  return m ? Number(m[1].replaceAll(',', '')) : null;
}

/**
 * `tshark -q -z conv,<proto>` rows as
 * { a, portA, b, portB, framesAB, bytesAB, framesBA, bytesBA }.
 * tshark prints "<-" (frames and bytes B→A) before "->" (A→B); A is the first address.
 * Byte counts tshark rounds to kB/MB come back as null.
 */
export function tsharkConversations(file, proto = 'tcp') {
  const out = tshark(['-q', '-z', `conv,${proto}`, '-r', file]);
  const rows = [];
  const line = /^(\S+):(\d+)\s+<->\s+(\S+):(\d+)\s+(\d[\d,]*)\s+(.+?)\s{2,}(\d[\d,]*)\s+(.+?)\s{2,}(\d[\d,]*)\s+/;
  for (const l of out.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    rows.push({
      a: m[1].replace(/^\[|\]$/g, ''),
      portA: Number(m[2]),
      b: m[3].replace(/^\[|\]$/g, ''),
      portB: Number(m[4]),
      framesBA: Number(m[5].replaceAll(',', '')),
      bytesBA: exactBytes(m[6]),
      framesAB: Number(m[7].replaceAll(',', '')),
      bytesAB: exactBytes(m[8]),
    });
  }
  return rows;
}

/**
 * Where the third-party capture corpus is, found as the Rust tests find it: $WIRELENS_CORPUS;
 * else ../shared/corpus beside the repository; else, in a git worktree, beside the main
 * working tree.
 */
export function corpusDir() {
  if (process.env.WIRELENS_CORPUS) return process.env.WIRELENS_CORPUS;
  const places = [join(dirname(REPO), 'shared', 'corpus')];
  try {
    const git = readFileSync(join(REPO, '.git'), 'utf8').trim();
    if (git.startsWith('gitdir:')) {
      // MAIN/.git/worktrees/NAME
      const main = dirname(dirname(dirname(git.slice('gitdir:'.length).trim())));
      places.push(join(dirname(main), 'shared', 'corpus'));
    }
  } catch {}
  return places.find((p) => existsSync(join(p, 'MANIFEST.tsv'))) || places[0];
}

/** The wirelens CLI built beside the tests (WIRELENS_BIN, else $CARGO_TARGET_DIR or
 *  target/, debug then release). */
export function cliPath() {
  if (process.env.WIRELENS_BIN) return process.env.WIRELENS_BIN;
  const target = process.env.CARGO_TARGET_DIR || join(REPO, 'target');
  for (const profile of ['debug', 'release']) {
    const p = join(target, profile, 'wirelens');
    try {
      statSync(p);
      return p;
    } catch {}
  }
  throw new Error(`no wirelens binary under ${target}: cargo build -p wirelens-cli`);
}

/** `wirelens <args> --json`, parsed. */
export function cliJson(args) {
  const out = execFileSync(cliPath(), [...args, '--json'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 1 << 28,
  });
  return JSON.parse(out);
}

/** tshark's output for `args` (stderr dropped). */
export function tsharkText(args) {
  return tshark(args);
}

/**
 * `tshark -q -z conv,<eth|ip|ipv6>` rows as { a, b, framesAB, bytesAB, framesBA, bytesBA }
 * (addresses as tshark prints them with -n; null for bytes tshark rounds).
 */
export function tsharkAddressConversations(file, layer, filter = '') {
  const out = tshark(['-n', '-q', '-z', `conv,${layer}${filter ? ',' + filter : ''}`, '-r', file]);
  const rows = [];
  const line = /^(\S+)\s+<->\s+(\S+)\s+(\d[\d,]*)\s+(.+?)\s{2,}(\d[\d,]*)\s+(.+?)\s{2,}(\d[\d,]*)\s+/;
  for (const l of out.split('\n')) {
    const m = line.exec(l);
    if (!m) continue;
    rows.push({
      a: m[1],
      b: m[2],
      framesBA: Number(m[3].replaceAll(',', '')),
      bytesBA: exactBytes(m[4]),
      framesAB: Number(m[5].replaceAll(',', '')),
      bytesAB: exactBytes(m[6]),
    });
  }
  return rows;
}

/** Waits until the page shows a loaded capture; returns the packet count it shows. */
export async function waitLoaded(page, timeout = 30_000) {
  const count = page.locator('#packet-count');
  await count.waitFor({ timeout });
  await page.locator('[data-testid="packet-row"]').first().waitFor({ timeout });
  return Number(await count.getAttribute('data-value'));
}

/** Waits until the page has handled what happened so far (scroll events fire before
 *  animation frames; the page's updates run before the next frame). */
export async function settle(page) {
  await page.evaluate(() => new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok))));
}

/** The packet detail tree's rows as `tshark -V` indents them (four spaces a level). */
export async function treeLines(page) {
  await settle(page);
  return page.$$eval('#detail-tree [data-testid="tree-node"]', (rows) =>
    rows.map((r) => {
      const depth = Math.round((parseFloat(r.style.paddingLeft) - 0.3) / 1.2);
      return '    '.repeat(depth) + r.querySelector('.tree-text').textContent;
    }),
  );
}

/** Opens a view tab (`conversations`, `sessions`, …). */
export async function openTab(page, key) {
  await page.locator(`#tab-${key}`).click();
  await page.locator(`#tab-${key}[aria-selected="true"]`).waitFor();
}

/** Opens Conversations or Endpoints (`kind`) at a layer (`tcp`, `ip`, …). */
export async function openLayer(page, kind, layer) {
  await openTab(page, kind);
  const tabs = kind === 'conversations' ? '#conversation-layers' : '#endpoint-layers';
  await page.locator(`${tabs} [data-layer="${layer}"]`).click();
  await page.locator(`${tabs} [data-layer="${layer}"][aria-selected="true"]`).waitFor();
}

/**
 * Every row of a worker-built table (`#id`), read by scrolling it: objects keyed by column
 * key, plus `_filter` and `_frame`. Waits for the table to settle first.
 */
export async function readTable(page, id) {
  const root = page.locator(`#${id}`);
  await settle(page);
  await page.locator(`#${id}[aria-busy="false"]`).waitFor();
  const body = root.locator('.vt-body');
  const total = Number((await root.locator('[data-testid="table-count"]').textContent()).split(' ')[0].replaceAll(',', ''));
  const seen = new Map();
  for (let guard = 0; seen.size < total && guard < 10_000; guard++) {
    await page.waitForFunction(
      (sel) => document.querySelectorAll(`${sel} tr.pending`).length === 0,
      `#${id} .rows`,
    );
    const rows = await root.locator('.rows tbody tr[data-testid="table-row"]').evaluateAll((trs) =>
      trs.map((tr) => {
        const o = { _index: Number(tr.getAttribute('data-index')), _filter: tr.getAttribute('data-filter') };
        for (const td of tr.querySelectorAll('td[class^="c-"]')) {
          o[td.className.split(' ')[0].slice(2)] = td.textContent;
        }
        return o;
      }),
    );
    for (const r of rows) seen.set(r._index, r);
    if (seen.size >= total) break;
    const moved = await body.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTop = before + el.clientHeight - 30;
      return el.scrollTop !== before;
    });
    if (!moved) break;
    await settle(page);
  }
  return [...seen.keys()].sort((x, y) => x - y).map((k) => seen.get(k));
}

/** The TCP or UDP conversations table as objects keyed like `tsharkConversations`. */
export async function shownConversations(page, layer = 'tcp') {
  await openLayer(page, 'conversations', layer);
  const rows = await readTable(page, 'conversations');
  return rows.map((r) => ({
    proto: layer.toUpperCase(),
    stream: Number(r.stream),
    a: r.a,
    portA: Number(r['port-a']),
    b: r.b,
    portB: Number(r['port-b']),
    framesAB: Number(r['frames-ab']),
    bytesAB: Number(r['bytes-ab']),
    framesBA: Number(r['frames-ba']),
    bytesBA: Number(r['bytes-ba']),
    relStart: Number(r['rel-start']),
    duration: Number(r.duration),
    filter: r._filter,
  }));
}

/** The packet list's rows on screen, as arrays of cell texts. */
export async function visibleRows(page) {
  await settle(page);
  await page.waitForFunction(() => document.querySelectorAll('#packet-list tr.pending').length === 0);
  return page.$$eval('[data-testid="packet-row"]', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)),
  );
}

/** Every row of the packet list, read by scrolling it (for small captures). */
export async function allRows(page) {
  const total = Number(await page.locator('#page-info').getAttribute('data-shown'));
  const body = page.locator('#packet-scroll');
  await body.evaluate((el) => { el.scrollTop = 0; });
  await settle(page);
  const seen = new Map();
  for (let guard = 0; seen.size < total && guard < 10_000; guard++) {
    for (const cells of await visibleRows(page)) seen.set(Number(cells[0]), cells);
    if (seen.size >= total) break;
    const moved = await body.evaluate((el) => {
      const before = el.scrollTop;
      el.scrollTop = before + el.clientHeight - 40;
      return el.scrollTop !== before;
    });
    if (!moved) break;
    await settle(page);
  }
  return [...seen.keys()].sort((x, y) => x - y).map((k) => seen.get(k));
}

/** Drops files onto the page the way a user's drag and drop does (dragenter, dragover,
 *  drop), with `File`s built in the page from these bytes. */
export async function dropFiles(page, files, target = 'body') {
  const payload = files.map((f) => ({ name: f.name, b64: f.bytes.toString('base64') }));
  await page.evaluate(
    ({ payload, target }) => {
      const dt = new DataTransfer();
      for (const { name, b64 } of payload) {
        const bin = atob(b64);
        const bytes = new Uint8Array(bin.length);
        for (let i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
        dt.items.add(new File([bytes], name, { type: 'application/octet-stream' }));
      }
      const el = document.querySelector(target);
      for (const type of ['dragenter', 'dragover', 'drop']) {
        el.dispatchEvent(new DragEvent(type, { bubbles: true, cancelable: true, dataTransfer: dt }));
      }
    },
    { payload, target },
  );
}

/** A new page with `files` opened through the file input. */
export async function openCapture(context, url, files, timeout = 30_000) {
  const page = await newPage(context);
  await page.goto(url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(files);
  await waitLoaded(page, timeout);
  return page;
}

// The protocol views' tables beside the CLI's `--json` rows (apps.test.mjs,
// modern.test.mjs): the worker flattens each JSON row into cells.

/** A value as the page's cells show it. */
/** Nanoseconds as seconds to the nanosecond, as the page shows them: `0.000150000`. */
function seconds(ns) {
  const abs = BigInt(Math.abs(ns));
  return `${ns < 0 ? '-' : ''}${abs / 1_000_000_000n}.${String(abs % 1_000_000_000n).padStart(9, '0')}`;
}

function cellText(v) {
  if (v === null || v === undefined) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  if (Array.isArray(v)) return v.map((x) => (x && typeof x === 'object' ? objectText(x) : cellText(x))).join(', ');
  if (typeof v === 'object') return objectText(v);
  return String(v);
}

function objectText(o) {
  return Object.entries(o).filter(([, v]) => v !== null).map(([k, v]) => `${k}=${cellText(v)}`).join(' ');
}

/** A CLI JSON row flattened as the worker flattens it: { column key: cell text }. */
export function flat(row, prefix = '', out = {}) {
  for (const [k, v] of Object.entries(row)) {
    const path = prefix ? `${prefix}.${k}` : k;
    if (['conv', 'first_packet', 'last_packet'].includes(k) || (k === 'transactions' && Array.isArray(v))) continue;
    if (v && typeof v === 'object' && !Array.isArray(v)) flat(v, path, out);
    // Sums in nanoseconds (`latency_total_ns`) are shown in seconds, as the rows' times.
    else if (k.endsWith('_ns') && Number.isInteger(v)) out[`${path.slice(0, -3).replaceAll('.', '-')}_s`] = seconds(v);
    else out[path.replaceAll('.', '-')] = cellText(v);
  }
  return out;
}

/** Opens table `table` of the view of protocol `app` and reads it whole. */
export async function appTable(page, app, table) {
  await openTab(page, app);
  const tab = page.locator(`#app-tables [data-table="${table}"]`);
  await tab.click();
  await page.locator(`#app-tables [data-table="${table}"][aria-selected="true"]`).waitFor();
  return readTable(page, 'app-table');
}

/** The page's rows equal the CLI's, every key of every row. */
export function assertRows(shown, cli, what) {
  assert.equal(shown.length, cli.length, `${what}: rows`);
  cli.forEach((row, i) => {
    const want = flat(row);
    for (const [k, v] of Object.entries(want)) {
      assert.equal(shown[i][k], v, `${what} row ${i} ${k}`);
    }
  });
}
