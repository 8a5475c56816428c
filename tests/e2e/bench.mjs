// Browser figures on a large capture, as a new user meets them (headless Chromium, the
// release build in dist/): time to interactive, opening (selection to full results,
// MB/s, worker memory), filters, scrolling a screen and jumping, a packet's detail deep in
// the capture, following a stream. Beside the open: the read floor (a bare worker reading
// the same File in 16 MiB slices, the next while the last is handed over) and the CPU
// time Chromium's processes spent on each, since wall times swing with the load of a
// shared machine.
// Run: node tests/e2e/bench.mjs [--json OUT] CAPTURE… [-- FILTER…]   (after `cargo xtask dist`)
// Several CAPTUREs are opened together, as a rotated set.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { launch, newPage, openLayer, openTab, serve, settle } from './helpers.mjs';

const args = process.argv.slice(2);
let jsonOut = null;
if (args[0] === '--json') {
  jsonOut = args[1];
  args.splice(0, 2);
}
const dash = args.indexOf('--');
const captures = dash < 0 ? args : args.slice(0, dash);
const filterArgs = dash < 0 ? [] : args.slice(dash + 1);
if (!captures.length) {
  console.error('usage: node tests/e2e/bench.mjs [--json OUT] CAPTURE… [-- FILTER…]');
  process.exit(2);
}
// The port filter names the memcached port of tests/scripts/make-bench-capture.sh (21411),
// so that it matches the bench capture's memcached traffic.
const filters = filterArgs.length
  ? filterArgs
  : ['tcp.port == 21411', 'tcp.len > 1000', 'http.response.code == 200', 'memcache.command == "set"'];
const size = captures.reduce((n, f) => n + statSync(f).size, 0);
const file = captures.length === 1 ? captures[0] : captures;

/** CPU seconds (user + system) spent so far by this process's descendants (Chromium). */
function childCpu() {
  const tick = 100; // USER_HZ on Linux
  const parent = new Map();
  const cpu = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      cpu.set(Number(d), (Number(f[11]) + Number(f[12])) / tick);
    } catch {}
  }
  let total = 0;
  for (const [pid, t] of cpu) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        total += t;
        break;
      }
    }
  }
  return total;
}

/** Reads the selected files in a bare worker, 16 MiB slices, the next read started while
 *  the last is copied into a buffer of the worker's (what the analysis worker does with
 *  its bytes, minus the analysis). Milliseconds. */
async function readFloor(context) {
  const page = await context.newPage();
  await page.setContent('<input type="file" id="f" multiple>');
  await page.locator('#f').setInputFiles(file);
  const took = await page.evaluate(async () => {
    const code = `onmessage = async (e) => {
      const t = performance.now();
      const slice = 16 << 20;
      const buf = new Uint8Array(slice);
      for (const f of e.data) {
        let next = f.slice(0, slice).arrayBuffer();
        for (let at = 0; at < f.size; at += slice) {
          const b = await next;
          if (at + slice < f.size) next = f.slice(at + slice, at + 2 * slice).arrayBuffer();
          buf.set(new Uint8Array(b));
        }
      }
      postMessage(performance.now() - t);
    };`;
    const w = new Worker(URL.createObjectURL(new Blob([code], { type: 'text/javascript' })));
    const done = new Promise((ok) => { w.onmessage = (e) => ok(e.data); });
    w.postMessage([...document.querySelector('#f').files]);
    const ms = await done;
    w.terminate();
    return ms;
  });
  await page.close();
  return took;
}
const server = await serve();
const browser = await launch();
const rows = [];
const row = (what, value) => {
  rows.push([what, value]);
  console.log(`${what.padEnd(44)} ${value}`);
};
const ms = (t) => `${t.toFixed(0)} ms`;
const rate = (t) => size / 1e6 / (t / 1e3);
let worker = null;
/** The analysis worker's wasm memory now (its peak so far: it never shrinks), MB. */
const wasmNow = () => (worker ? worker.evaluate(() => self.wirelensWasmBytes()) : Promise.resolve(NaN));
const mem = async () => `[wasm ${((await wasmNow()) / 1e6).toFixed(0)} MB]`;
const figures = { capture: captures, bytes: size };

try {
  const page = await newPage(browser.context);
  // Interactive: the page answers (its empty state drawn by the wasm app).
  let t = Date.now();
  await page.goto(server.url + '?empty');
  await page.locator('#empty').waitFor();
  row('time to interactive (empty page)', ms(Date.now() - t));
  const nav = await page.evaluate(() => {
    const e = performance.getEntriesByType('navigation')[0];
    return e ? e.domContentLoadedEventEnd : 0;
  });
  row('  of which DOMContentLoaded', ms(nav));

  let cpu = childCpu();
  t = Date.now();
  const floor = await readFloor(browser.context);
  const floorCpu = childCpu() - cpu;
  row('read floor: a bare worker reads the files', `${ms(floor)} (${rate(floor).toFixed(0)} MB/s; CPU ${floorCpu.toFixed(2)} s)`);
  figures.read_ms = floor;
  figures.read_cpu_s = floorCpu;

  cpu = childCpu();
  t = Date.now();
  await page.locator('#file-input').setInputFiles(file);
  await page.locator('#packet-count').waitFor({ timeout: 1_800_000 });
  const open = Date.now() - t;
  const openCpu = childCpu() - cpu;
  const packets = Number(await page.locator('#packet-count').getAttribute('data-value'));
  const wasm = Number(await page.locator('#capture-summary').getAttribute('data-wasm-bytes'));
  row(`open ${(size / 1e6).toFixed(0)} MB, ${packets.toLocaleString('en-US')} packets`, `${ms(open)} (${rate(open).toFixed(0)} MB/s; CPU ${openCpu.toFixed(2)} s, ${(size / 1e6 / openCpu).toFixed(0)} MB per CPU second)`);
  row('  open / read floor', `${(open / floor).toFixed(2)}x wall, ${(openCpu / floorCpu).toFixed(2)}x CPU`);
  worker = page.workers().find((w) => w.url().includes('wirelens-worker'));
  row('worker wasm memory after open (its peak)', `${(wasm / 1e6).toFixed(0)} MB (${(wasm / packets).toFixed(1)} B a packet)`);
  Object.assign(figures, { packets, open_ms: open, open_cpu_s: openCpu, wasm_bytes: wasm });
  await page.locator('[data-testid="packet-row"]').first().waitFor();

  // Scrolling: a screen down, then a jump to the middle, until the rows are drawn.
  const list = page.locator('#packet-scroll');
  await list.focus();
  t = Date.now();
  await list.press('PageDown');
  await settle(page);
  await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
  figures.page_down_ms = Date.now() - t;
  row('page down (rows drawn)', ms(figures.page_down_ms) + ' ' + (await mem()));
  t = Date.now();
  await list.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
  await settle(page);
  await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
  figures.jump_ms = Date.now() - t;
  row('jump to the middle (rows drawn)', ms(figures.jump_ms) + ' ' + (await mem()));
  const scrolling = await page.evaluate(async () => {
    // Scroll a screen at a time for 60 screens, two frames each. Count the screens that
    // showed a row not yet there in their first frame (drawn before any reply of the
    // worker could come: rows fetched ahead, or not) and in their second frame, and how
    // many rows each screen of scroll moved the list.
    const el = document.querySelector('#packet-scroll');
    const frame = () => new Promise((ok) => requestAnimationFrame(ok));
    const pending = () => !!document.querySelector('#packet-list tr.pending');
    const top = () => Number(document.querySelector('#packet-list tr')?.getAttribute('aria-rowindex'));
    let first = 0;
    let second = 0;
    const moved = [];
    for (let i = 0; i < 60; i++) {
      const from = top();
      el.scrollTop += el.clientHeight;
      await frame();
      if (pending()) first++;
      await frame();
      if (pending()) second++;
      moved.push(top() - from);
    }
    moved.sort((a, b) => a - b);
    return { first, second, rows: moved[30], screen: el.clientHeight / 20 };
  });
  figures.frames_waiting = scrolling.second;
  figures.first_frames_waiting = scrolling.first;
  figures.rows_a_screen_moves = scrolling.rows;
  row('frames with a row not yet fetched (60 screens)', String(scrolling.second) + ' ' + (await mem()));
  row('  first frames of a screen with such a row', String(scrolling.first));
  row('  rows a screen of scroll moves (median)', `${scrolling.rows} (a screen: ${scrolling.screen} rows)`);

  // A packet's detail deep in the capture.
  await list.press('End');
  await openTab(page, 'detail');
  t = Date.now();
  await page.locator('[data-testid="packet-row"][aria-selected="true"]').click();
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor({ timeout: 600_000 });
  figures.detail_ms = Date.now() - t;
  row('detail of the last packet', ms(figures.detail_ms) + ' ' + (await mem()));

  // Filters.
  for (const f of filters) {
    await page.locator('#filter-input').fill(f);
    await page.locator('#filter-input').press('Enter');
    await page.locator('#filter-status', { hasText: 'packets match' }).waitFor({ timeout: 600_000 });
    const status = await page.locator('#filter-status').textContent();
    const took = Number(status.replace(/^.*\((\d+) ms\)$/, '$1'));
    (figures.filters ||= []).push({ filter: f, ms: took, shown: status.split(' packets')[0] });
    row(`filter ${f}`, `${took} ms — ${status.split(' packets')[0]} ${await mem()}`);
  }
  await page.locator('#filter-clear').click();
  await page.locator(`#page-info[data-shown="${packets}"]`).waitFor({ timeout: 600_000 });

  // The largest table: memcached's transactions (or HTTP's requests), built whole.
  for (const [app, table] of [['memcache', 'transactions'], ['http', 'requests']]) {
    if (!(await page.locator(`#tab-${app}`).count())) continue;
    const before = await wasmNow();
    t = Date.now();
    await openTab(page, app);
    await page.locator(`#app-tables [data-table="${table}"]`).click();
    await page.locator(`#app-tables [data-table="${table}"][aria-selected="true"]`).waitFor();
    await page.locator('#app-table[aria-busy="false"] [data-testid="table-row"]').first().waitFor({ timeout: 600_000 });
    const took = Date.now() - t;
    const rowsShown = (await page.locator('#app-table [data-testid="table-count"]').textContent()).split(' ')[0];
    const after = await wasmNow();
    figures[`${app}_${table}_ms`] = took;
    figures[`${app}_${table}_wasm_growth`] = after - before;
    row(`${app} ${table} table (${rowsShown} rows)`, `${ms(took)}; wasm memory ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB`);
  }
  figures.wasm_bytes_end = await wasmNow();

  // Conversations, then following the biggest one.
  t = Date.now();
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations[aria-busy="false"]').waitFor({ timeout: 600_000 });
  figures.conversations_ms = Date.now() - t;
  row('TCP conversations table', ms(figures.conversations_ms) + ' ' + (await mem()));
  await page.locator('#conversations th', { hasText: 'Bytes B→A' }).click();
  await page.locator('#conversations[aria-busy="false"]').waitFor();
  t = Date.now();
  await page.locator('#conversations [data-testid="table-row"]').last().locator('.row-follow').click();
  await page.locator('[data-testid="follow-line"], #follow-error').first().waitFor({ timeout: 600_000 });
  figures.follow_ms = Date.now() - t;
  figures.follow_stream = Number(((await page.locator('#follow-title').textContent()) || '').replace(/^.*stream /, ''));
  row('follow the smallest-B→A TCP stream', ms(figures.follow_ms) + ' ' + (await mem()));
  if (page.errors.length) console.log('page errors:', page.errors);
  if (jsonOut) writeFileSync(jsonOut, JSON.stringify(figures, null, 2) + '\n');
} finally {
  await browser.close();
  await server.close();
}
