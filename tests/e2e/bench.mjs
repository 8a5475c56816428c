// Browser figures on a large capture, as a new user meets them (headless Chromium, the
// release build in dist/): time to interactive, opening (selection to full results,
// MB/s, worker memory), filters, scrolling a screen and jumping, a packet's detail deep in
// the capture, following a stream. Beside the open: the read floor (a bare worker reading
// the same File in 16 MiB slices, the next while the last is handed over) and the CPU
// time Chromium's processes spent on each, since wall times swing with the load of a
// shared machine.
// Run: node tests/e2e/bench.mjs [--json OUT] [--reads] [--open-only | --expert-only]
//        [--profile STEP [--profile-page] [--profile-out FILE]] CAPTURE… [-- FILTER…]
// (after `cargo xtask dist`). Several CAPTUREs are opened together, as a rotated set.
// --open-only stops after the open (read floor, open, memory); --expert-only goes from the
// open to the Expert view alone (its first lines, all of them, the heap they hold); --reads
// measures other ways of reading the files beside the read floor (each MB/s with the load
// average then).
// --profile takes a CPU profile of the analysis worker (or, with --profile-page, of the
// page's thread) during one step: `open`, `first-rows`, `page-down`, `jump`,
// `first-detail`, `filter:EXPR` (one of the filters; EXPR is added to them if it is not),
// `table:APP/TABLE` (added to the tables timed if it is not one, e.g. table:redis/commands),
// `expert`, `conversations` or `follow`. The profile is written as a .cpuprofile (open it in
// Chromium's DevTools, Performance panel) and summed up: self and total time by function.
// Function names need a worker built with them (the release dist strips them): from the
// repo root (Trunk reads the paths in the HTML relative to it), with
// `.tools/node_modules/.bin` on PATH as `cargo xtask dist` puts it,
//   sed 's/data-wasm-opt="2"/data-wasm-opt="0" data-keep-debug/' index.html > names.html
//   trunk build names.html --release --dist /tmp/dist-names; rm names.html
// (wasm-opt 0: the code as LLVM left it, a little slower than the release's, same shape),
// then WIRELENS_DIST=/tmp/dist-names.

import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { DIST, launch, newPage, openLayer, openTab, serve, settle } from './helpers.mjs';

const args = process.argv.slice(2);
let jsonOut = null;
let openOnly = false;
let expertOnly = false;
let reads = false;
let profileStep = null;
let profilePage = false;
let profileOut = join(tmpdir(), 'wirelens-worker.cpuprofile');
for (;;) {
  if (args[0] === '--json') {
    jsonOut = args[1];
    args.splice(0, 2);
  } else if (args[0] === '--reads') {
    reads = true;
    args.shift();
  } else if (args[0] === '--open-only') {
    openOnly = true;
    args.shift();
  } else if (args[0] === '--expert-only') {
    expertOnly = true;
    args.shift();
  } else if (args[0] === '--profile') {
    profileStep = args[1];
    args.splice(0, 2);
  } else if (args[0] === '--profile-page') {
    profilePage = true;
    args.shift();
  } else if (args[0] === '--profile-out') {
    profileOut = args[1];
    args.splice(0, 2);
  } else {
    break;
  }
}
const dash = args.indexOf('--');
const captures = dash < 0 ? args : args.slice(0, dash);
const filterArgs = dash < 0 ? [] : args.slice(dash + 1);
if (!captures.length) {
  console.error('usage: node tests/e2e/bench.mjs [--json OUT] [--reads] [--open-only | --expert-only] [--profile STEP [--profile-page] [--profile-out FILE]] CAPTURE… [-- FILTER…]');
  process.exit(2);
}
// The port filter names the memcached port of tests/scripts/make-bench-capture.sh (21411),
// so that it matches the bench capture's memcached traffic; the last is the usual way to hide noise.
const filters = filterArgs.length
  ? filterArgs
  : ['tcp.port == 21411', 'tcp.len > 1000', 'http.response.code == 200', 'memcache.command == "set"', '!(arp or icmp or dns)'];
if (profileStep?.startsWith('filter:') && !filters.includes(profileStep.slice(7))) filters.push(profileStep.slice(7));
// The largest tables: memcached's transactions and HTTP's requests, built whole.
const tables = [['memcache', 'transactions'], ['http', 'requests']];
if (profileStep?.startsWith('table:') && !tables.some(([a, t]) => `table:${a}/${t}` === profileStep)) {
  tables.push(profileStep.slice(6).split('/'));
}
const size = captures.reduce((n, f) => n + statSync(f).size, 0);
const file = captures.length === 1 ? captures[0] : captures;

/** CPU seconds (user + system) spent so far by each of this process's descendants
 *  (Chromium's processes), by pid. */
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
  const mine = new Map();
  for (const [pid, t] of cpu) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        mine.set(pid, t);
        break;
      }
    }
  }
  return mine;
}

/** CPU seconds Chromium's processes spent since `before` (a `childCpu()`): `total`, and
 *  by kind of process (`browser`: the one that reads the files for the others;
 *  `renderer`: the pages and their workers; `other`). A process that ended meanwhile (the
 *  renderer of a page closed) is left out rather than subtracted: a plain difference of
 *  sums took its whole life off the figure. */
function cpuSince(before) {
  const spent = { total: 0, browser: 0, renderer: 0, other: 0 };
  for (const [pid, t] of childCpu()) {
    let kind = 'other';
    try {
      const type = readFileSync(`/proc/${pid}/cmdline`, 'utf8').match(/--type=([a-z-]+)/);
      kind = !type ? 'browser' : type[1] === 'renderer' ? 'renderer' : 'other';
    } catch {}
    spent[kind] += t - (before.get(pid) || 0);
    spent.total += t - (before.get(pid) || 0);
  }
  return spent;
}

/** A `cpuSince` figure as text, with what it caps on this machine's cores: work that takes
 *  C CPU seconds can end no sooner than C / cores, so no faster than `size` over that. */
function cpuText(spent) {
  const cores = availableParallelism();
  const cap = (size / 1e6) / (spent.total / cores);
  return `CPU ${spent.total.toFixed(2)} s: browser ${spent.browser.toFixed(2)}, renderers ${spent.renderer.toFixed(2)}, other ${spent.other.toFixed(2)}; ${cores} cores cap it at ${cap.toFixed(0)} MB/s`;
}

/** The analysis worker's reader script (dist/static/reader.js), for --reads. */
const READER_JS = join(DIST, 'static', 'reader.js');

/** Reads the selected files in a bare worker and copies every byte into a buffer of the
 *  worker's, 1 MiB at a time (what the analysis worker does with its bytes, minus the
 *  analysis). `how`: `method` 'slice' (`Blob.slice().arrayBuffer()`, `ahead` reads
 *  started past the one copied), 'sync' (`FileReaderSync`), 'stream' (`Blob.stream()`'s
 *  reader) or 'reader' (`readers` workers running the app's reader script, which hand the
 *  slices over transferred, `ahead` past the one copied); `slice` bytes a read.
 *  Milliseconds, and the CPU time Chromium spent (`cpuSince`). The read floor: 'slice',
 *  16 MiB, one ahead. */
async function readWith(context, how) {
  const before = childCpu();
  const page = await context.newPage();
  await page.setContent('<input type="file" id="f" multiple>');
  await page.locator('#f').setInputFiles(file);
  const readerJs = how.method === 'reader' ? readFileSync(READER_JS, 'utf8') : '';
  const took = await page.evaluate(async ({ how, readerJs }) => {
    const code = `onmessage = async (e) => {
      const { files, how, readerUrl } = e.data;
      const { method, slice, ahead = 0, readers = 1 } = how;
      const piece = 1 << 20;
      const buf = new Uint8Array(piece);
      const take = (b) => {
        const u = new Uint8Array(b);
        for (let at = 0; at < u.length; at += piece) buf.set(u.subarray(at, Math.min(u.length, at + piece)));
      };
      // Reads of [start, end) of f in order, up to ahead + 1 under way, each copied.
      const inOrder = async (f, read) => {
        const q = [];
        let next = 0;
        const more = () => {
          while (q.length < ahead + 1 && next < f.size) {
            q.push(read(f, next, Math.min(f.size, next + slice)));
            next += slice;
          }
        };
        more();
        while (q.length) {
          const b = await q.shift();
          more();
          take(b);
        }
      };
      const t = performance.now();
      if (method === 'slice') {
        for (const f of files) await inOrder(f, (f, s, e) => f.slice(s, e).arrayBuffer());
      } else if (method === 'sync') {
        const r = new FileReaderSync();
        for (const f of files) for (let at = 0; at < f.size; at += slice) take(r.readAsArrayBuffer(f.slice(at, at + slice)));
      } else if (method === 'stream') {
        for (const f of files) {
          const r = f.stream().getReader();
          for (;;) {
            const { done, value } = await r.read();
            if (done) break;
            buf.set(value.subarray(0, Math.min(value.length, piece)));
          }
        }
      } else if (method === 'reader') {
        const ws = [...Array(readers)].map(() => new Worker(readerUrl));
        const waiting = new Map();
        for (const w of ws) w.onmessage = (m) => { waiting.get(m.data.id)(m.data.buf); waiting.delete(m.data.id); };
        let id = 0;
        const read = (blob, start, end) => new Promise((ok) => {
          waiting.set(id, ok);
          ws[id % ws.length].postMessage({ id, blob, start, end });
          id++;
        });
        for (const f of files) await inOrder(f, read);
        for (const w of ws) w.terminate();
      }
      postMessage(performance.now() - t);
    };`;
    const url = (text) => URL.createObjectURL(new Blob([text], { type: 'text/javascript' }));
    const w = new Worker(url(code));
    const done = new Promise((ok) => { w.onmessage = (e) => ok(e.data); });
    w.postMessage({ files: [...document.querySelector('#f').files], how, readerUrl: readerJs && url(readerJs) });
    const ms = await done;
    w.terminate();
    return ms;
  }, { how, readerJs });
  // Before the page closes: its renderer's CPU time goes with it.
  const cpu = cpuSince(before);
  await page.close();
  return { took, cpu };
}
const MiB = 1 << 20;
const FLOOR = { method: 'slice', slice: 16 * MiB, ahead: 1 };
/** The read methods --reads measures beside the read floor. */
const READS = [
  ['Blob.slice().arrayBuffer(), 4 MiB, 1 ahead', { method: 'slice', slice: 4 * MiB, ahead: 1 }],
  ['Blob.slice().arrayBuffer(), 64 MiB, 1 ahead', { method: 'slice', slice: 64 * MiB, ahead: 1 }],
  ['Blob.slice().arrayBuffer(), 16 MiB, none ahead', { method: 'slice', slice: 16 * MiB, ahead: 0 }],
  ['Blob.slice().arrayBuffer(), 16 MiB, 2 ahead', { method: 'slice', slice: 16 * MiB, ahead: 2 }],
  ['FileReaderSync, 16 MiB', { method: 'sync', slice: 16 * MiB }],
  ['FileReaderSync, 64 MiB', { method: 'sync', slice: 64 * MiB }],
  ['Blob.stream() reader', { method: 'stream', slice: 0 }],
  ['reader worker (static/reader.js), 16 MiB, 3 ahead', { method: 'reader', slice: 16 * MiB, ahead: 3, readers: 1 }],
  ['2 reader workers, 16 MiB, 3 ahead', { method: 'reader', slice: 16 * MiB, ahead: 3, readers: 2 }],
];
/** A CPU profiler of the analysis worker (or of the page's thread, --profile-page) for
 *  --profile: `begin(step)` starts it when `step` is the one asked, `end(step)` stops it,
 *  writes the profile and sums it up. */
async function profiler(context, page) {
  const cdp = await context.newCDPSession(page);
  let send = (method, params = {}) => cdp.send(method, params);
  if (!profilePage) {
    // Playwright gives no CDP session of a worker: the page's session attaches to it (not
    // flattened) and passes the profiler's messages through.
    const attached = [];
    const waiting = new Map();
    cdp.on('Target.attachedToTarget', (p) => attached.push(p));
    cdp.on('Target.receivedMessageFromTarget', ({ message }) => {
      const m = JSON.parse(message);
      if (m.id && waiting.has(m.id)) {
        waiting.get(m.id)(m);
        waiting.delete(m.id);
      }
    });
    await cdp.send('Target.setAutoAttach', { autoAttach: true, waitForDebuggerOnStart: false, flatten: false });
    const find = () => attached.find((a) => /wirelens-worker/.test(a.targetInfo.url));
    for (let i = 0; i < 100 && !find(); i++) await new Promise((ok) => setTimeout(ok, 100));
    if (!find()) throw new Error('the analysis worker was not found');
    const { sessionId } = find();
    let lastId = 0;
    send = (method, params = {}) =>
      new Promise((ok, fail) => {
        const id = ++lastId;
        waiting.set(id, (m) => (m.error ? fail(new Error(`${method}: ${m.error.message}`)) : ok(m.result)));
        cdp.send('Target.sendMessageToTarget', { sessionId, message: JSON.stringify({ id, method, params }) }).catch(fail);
      });
  }
  let running = null;
  return {
    async begin(step) {
      if (step !== profileStep) return;
      await send('Profiler.enable');
      await send('Profiler.setSamplingInterval', { interval: 200 });
      await send('Profiler.start');
      running = step;
    },
    async end(step) {
      if (step !== running) return;
      running = null;
      const { profile } = await send('Profiler.stop');
      writeFileSync(profileOut, JSON.stringify(profile));
      console.log(`profile of ${step} (${profilePage ? 'the page' : 'the analysis worker'}): ${profileOut}`);
      summarize(profile);
    },
  };
}

/** Prints the functions with the most self time and the most total time (a function's
 *  time counted once per sample however often it recurses). */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const name = (n) => n.callFrame.functionName || n.callFrame.url || '(anonymous)';
  const self = new Map();
  const total = new Map();
  let sampled = 0;
  profile.samples.forEach((id, i) => {
    const ms = (profile.timeDeltas[i + 1] ?? 0) / 1000;
    sampled += ms;
    const leaf = name(byId.get(id));
    self.set(leaf, (self.get(leaf) || 0) + ms);
    const seen = new Set();
    for (let n = id; n; n = parent.get(n)) {
      const f = name(byId.get(n));
      if (!seen.has(f)) {
        seen.add(f);
        total.set(f, (total.get(f) || 0) + ms);
      }
    }
  });
  const top = (m, k) =>
    [...m]
      .sort((a, b) => b[1] - a[1])
      .slice(0, k)
      .map(([f, ms]) => `${ms.toFixed(0).padStart(7)} ms  ${f.slice(0, 160)}`)
      .join('\n');
  console.log(`sampled ${sampled.toFixed(0)} ms\n-- self time\n${top(self, 25)}\n-- total time\n${top(total, 40)}`);
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
  const prof = profileStep ? await profiler(browser.context, page) : { begin() {}, end() {} };

  const { took: floor, cpu: floorCpu } = await readWith(browser.context, FLOOR);
  row('read floor: a bare worker reads the files', `${ms(floor)} (${rate(floor).toFixed(0)} MB/s; load ${loadavg()[0].toFixed(2)})`);
  row('  its CPU', cpuText(floorCpu));
  figures.read_ms = floor;
  figures.read_cpu_s = floorCpu.total;
  figures.read_cpu = floorCpu;
  if (reads) {
    figures.reads = [];
    for (const [what, how] of READS) {
      const { took } = await readWith(browser.context, how);
      const load = loadavg()[0];
      figures.reads.push({ what, ms: took, load });
      row(`  ${what}`, `${ms(took)} (${rate(took).toFixed(0)} MB/s; load ${load.toFixed(2)})`);
    }
  }

  // The page's side of the open, stamped in the page itself (performance.timeOrigin +
  // performance.now(), which the page and the workers share): the file input's change
  // event (before the app's own handler: a capturing listener on window), the packet
  // count in the DOM, and the frame after it.
  await page.evaluate(() => {
    const now = () => performance.timeOrigin + performance.now();
    const m = (self.wirelensBenchMarks = {});
    addEventListener('change', () => { m.change ??= now(); }, true);
    const seen = new MutationObserver(() => {
      if (m.count || !document.querySelector('#packet-count')) return;
      m.count = now();
      seen.disconnect();
      requestAnimationFrame(() => { m.frame = now(); });
    });
    seen.observe(document.body, { childList: true, subtree: true });
  });
  await prof.begin('open');
  const cpu = childCpu();
  t = Date.now();
  await page.locator('#file-input').setInputFiles(file);
  const inputSet = Date.now();
  // Watched every frame: a locator's waitFor polls at up to 500 ms apart after its first
  // second, which added 0-500 ms to the open as measured here.
  await page.waitForFunction(() => self.wirelensBenchMarks.frame, null, { polling: 'raf', timeout: 1_800_000 });
  const seen = Date.now();
  await page.locator('#packet-count').waitFor();
  const open = seen - t;
  const openCpu = cpuSince(cpu);
  await prof.end('open');
  const packets = Number(await page.locator('#packet-count').getAttribute('data-value'));
  const wasm = Number(await page.locator('#capture-summary').getAttribute('data-wasm-bytes'));
  row(`open ${(size / 1e6).toFixed(0)} MB, ${packets.toLocaleString('en-US')} packets`, `${ms(open)} (${rate(open).toFixed(0)} MB/s; ${(size / 1e6 / openCpu.total).toFixed(0)} MB per CPU second; load ${loadavg()[0].toFixed(2)})`);
  row('  its CPU', cpuText(openCpu));
  row('  open / read floor', `${(open / floor).toFixed(2)}x wall, ${(openCpu.total / floorCpu.total).toFixed(2)}x CPU`);
  worker = page.workers().find((w) => w.url().includes('wirelens-worker'));
  // Where the analysis worker's time went (web/src/worker/session.rs; absent in older builds).
  const spent = worker ? await worker.evaluate(() => self.wirelensIngest ?? null) : null;
  if (spent) {
    row('  analysis worker', `${ms(spent.busy_ms)} with slices (${ms(spent.copied_ms)} copying), ${ms(spent.waited_ms)} waiting for ${spent.slices}, ${ms(spent.finished_ms)} finishing`);
    figures.analysis = spent;
  }
  // The open part by part (page and analysis worker, web/src/ui/state.rs and
  // web/src/worker/session.rs; the workers' steps are absent in older builds).
  const pageMarks = await page.evaluate(() => ({ ...self.wirelensBenchMarks, ...(self.wirelensOpenMarks ?? {}) }));
  const workerMarks = worker ? await worker.evaluate(() => self.wirelensOpenMarks ?? {}) : {};
  // The bench's own steps (Date.now() here: the same clock, to the millisecond).
  const benchMarks = { asked: t, set: inputSet, seen };
  const steps = [
    ['asked', 'bench: setInputFiles called', benchMarks],
    ['set', 'bench: setInputFiles returned', benchMarks],
    ['change', 'page: file input change event', pageMarks],
    ['open_called', 'page: open handler', pageMarks],
    ['open_sent', 'page: open posted to the worker', pageMarks],
    ['received', 'worker: open received', workerMarks],
    ['ingest_started', 'worker: ingest started', workerMarks],
    ['first_read_asked', 'worker: first read asked', workerMarks],
    ['first_slice_in', 'worker: first slice in', workerMarks],
    ['last_slice_in', 'worker: last slice in', workerMarks],
    ['read_loop_done', 'worker: read loop done', workerMarks],
    ['finish_done', 'worker: finish done', workerMarks],
    ['summary_made', 'worker: summary made', workerMarks],
    ['summary_posted', 'worker: summary posted', workerMarks],
    ['loaded_in', 'page: summary received', pageMarks],
    ['count', 'page: packet count in the DOM', pageMarks],
    ['frame', 'page: the frame after it', pageMarks],
    ['seen', 'bench: packet count seen', benchMarks],
  ].filter(([k, , m]) => typeof m[k] === 'number');
  if (steps.length > 1) {
    const zero = steps[0][2][steps[0][0]];
    let prev = zero;
    figures.open_steps = {};
    row('  the open, step by step', '(ms since the first step; + since the one before)');
    for (const [k, what, m] of steps) {
      const at = m[k] - zero;
      figures.open_steps[k] = at;
      row(`    ${what}`, `${at.toFixed(1).padStart(8)}  +${(m[k] - prev).toFixed(1)}`);
      prev = m[k];
    }
    const { change, frame, first_slice_in: first, last_slice_in: last } = figures.open_steps;
    if (change !== undefined && frame !== undefined && first !== undefined && last !== undefined) {
      const outside = frame - change - (last - first);
      row('    change → frame, outside first → last slice', `${ms(outside)} of ${ms(frame - change)}`);
      figures.open_outside_reads_ms = outside;
    }
  }
  row('worker wasm memory after open (its peak)', `${(wasm / 1e6).toFixed(0)} MB (${(wasm / packets).toFixed(1)} B a packet)`);
  Object.assign(figures, { packets, open_ms: open, open_cpu_s: openCpu.total, open_cpu: openCpu, wasm_bytes: wasm });
  // What that memory holds: the heap counted by the worker's allocator, by phase.
  const heap = await worker.evaluate(() => (self.wirelensHeap ? self.wirelensHeap() : null));
  if (heap) {
    const mb = (b) => `${(b / 1e6).toFixed(1)} MB (${(b / packets).toFixed(1)} B a packet)`;
    row('  before the open: wasm memory', mb(heap.wasm_before));
    row('  heap peak while reading', mb(heap.reading_peak));
    row('  heap peak in finish', mb(heap.finish_peak));
    row('  heap live after the open', mb(heap.live_after));
    figures.heap = heap;
  }
  // The Expert view: every packet's detail read again for its expert items (once per
  // capture), the lines filling in meanwhile. Timed from the tab's click to its first line
  // drawn and to every line and item there; the heap the items hold (live after, less live
  // before: the items and the tables built of them) an item, and wasm memory.
  const expertStep = async () => {
    const live = async () => (await worker.evaluate(() => (self.wirelensHeap ? self.wirelensHeap().live : NaN)));
    // The index gathered after the open is no part of what the items hold.
    await worker.evaluate(async () => {
      for (let i = 0; i < 1200 && !self.wirelensAhead; i++) await new Promise((ok) => setTimeout(ok, 50));
    });
    const [wasmBefore, liveBefore] = [await wasmNow(), await live()];
    await prof.begin('expert');
    t = Date.now();
    await openTab(page, 'expert');
    await page.locator('#expert-groups [data-testid="table-row"]').first().waitFor({ timeout: 1_800_000 });
    const first = Date.now() - t;
    await page.locator('#expert-groups[aria-busy="false"] [data-testid="table-row"]').first().waitFor({ timeout: 1_800_000 });
    await page.locator('#expert-items[aria-busy="false"] [data-testid="table-row"]').first().waitFor({ timeout: 1_800_000 });
    const took = Date.now() - t;
    await prof.end('expert');
    const count = async (id) => Number((await page.locator(`#${id} [data-testid="table-count"]`).textContent()).split(' ')[0].replaceAll(',', ''));
    const [items, lines] = [await count('expert-items'), await count('expert-groups')];
    const [wasmAfter, liveAfter] = [await wasmNow(), await live()];
    const held = liveAfter - liveBefore;
    Object.assign(figures, {
      expert_first_lines_ms: first,
      expert_ms: took,
      expert_items: items,
      expert_lines: lines,
      expert_heap_growth: held,
      expert_wasm_growth: wasmAfter - wasmBefore,
    });
    row(`expert view (${items.toLocaleString('en-US')} items, ${lines.toLocaleString('en-US')} lines)`, `first lines ${ms(first)}, all ${ms(took)}`);
    row('  heap the items hold', `${(held / 1e6).toFixed(1)} MB (${(held / items).toFixed(1)} B an item); wasm memory ${(wasmBefore / 1e6).toFixed(0)} → ${(wasmAfter / 1e6).toFixed(0)} MB`);
  };
  if (expertOnly) {
    await expertStep();
    if (page.errors.length) console.log('page errors:', page.errors);
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(figures, null, 2) + '\n');
  } else if (openOnly) {
    // The capture's heap by part (this closes the capture in the worker).
    const census = await worker.evaluate(() => (self.wirelensCensus ? self.wirelensCensus() : []));
    for (const [part, bytes] of census) {
      if (bytes) row(`    ${part}`, `${(bytes / 1e6).toFixed(2)} MB (${(bytes / packets).toFixed(1)} B a packet)`);
    }
    if (census.length) figures.census = Object.fromEntries(census);
    if (page.errors.length) console.log('page errors:', page.errors);
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(figures, null, 2) + '\n');
  } else {
    // The first screen of rows, from the packet count seen to the rows drawn.
    await prof.begin('first-rows');
    await page.locator('[data-testid="packet-row"]').first().waitFor();
    await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'), null, { polling: 'raf' });
    figures.first_rows_ms = Date.now() - seen;
    await prof.end('first-rows');
    row('first screen of rows (after the count)', ms(figures.first_rows_ms) + ' ' + (await mem()));
    // What the worker gathers in idle time after the open (web/src/worker/ahead.rs; absent
    // in older builds): the pieces, the longest (what a message may wait), and whether a
    // message that needed it finished it.
    const ahead = worker
      ? await worker.evaluate(async () => {
          for (let i = 0; i < 100 && !self.wirelensAhead; i++) await new Promise((ok) => setTimeout(ok, 50));
          return self.wirelensAhead ?? null;
        })
      : null;
    if (ahead) {
      figures.ahead = ahead;
      row('  index gathered after the open', `${ahead.pieces} pieces, ${ms(ahead.busy_ms)} busy in ${ms(ahead.wall_ms)}, longest ${ahead.longest_ms.toFixed(1)} ms${ahead.finished_by_request ? ', finished by a request' : ''} ${await mem()}`);
    }

    // Scrolling: a screen down, then a jump to the middle, until the rows are drawn.
    const list = page.locator('#packet-scroll');
    await list.focus();
    await prof.begin('page-down');
    t = Date.now();
    await list.press('PageDown');
    await settle(page);
    await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
    figures.page_down_ms = Date.now() - t;
    await prof.end('page-down');
    row('page down (rows drawn)', ms(figures.page_down_ms) + ' ' + (await mem()));
    await prof.begin('jump');
    t = Date.now();
    await list.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
    await settle(page);
    await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
    figures.jump_ms = Date.now() - t;
    await prof.end('jump');
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

    // Where the worker's time went in the details asked since the last call (the page
    // may ask for one on its own, e.g. when the detail tab opens; web/src/worker/detail.rs,
    // absent in older builds): ms by step, and the packets a step read or walked.
    const detailSteps = async (label = '  in the worker') => {
      const all = worker
        ? await worker.evaluate(() => {
            const a = self.wirelensDetails ?? [];
            self.wirelensDetails = [];
            return a;
          })
        : [];
      for (const d of all) {
        row(label, Object.entries(d).map(([k, v]) => `${k} ${k.endsWith('_ms') ? v.toFixed(1) : v}`).join(', '));
        (figures.detail_steps ||= []).push(d);
      }
    };
    // A packet's first detail, deep in the capture: End selects the last packet (a jump),
    // and the detail pane asks for it once its row is fetched; the worker was asked for
    // no detail of it before (the row that page down selected had its detail asked
    // then: printed first). Timed from the key to the packet's tree drawn.
    await openTab(page, 'detail');
    await settle(page);
    await detailSteps('  (asked before: the row page down selected)');
    await prof.begin('first-detail');
    t = Date.now();
    await list.press('End');
    await page.waitForFunction(
      (n) => document.querySelector('#detail-tree [data-testid="tree-node"]')?.textContent.includes(`Frame ${n}:`),
      packets,
      { timeout: 600_000 },
    );
    figures.detail_ms = Date.now() - t;
    await prof.end('first-detail');
    row('End: the last packet, its rows and first detail', ms(figures.detail_ms) + ' ' + (await mem()));
    await detailSteps();
    // More packets' details, each the first asked of its conversation: the frames of
    // WIRELENS_BENCH_DETAIL (comma-separated), e.g. the probes `cargo bench -p
    // wirelens-core --bench detail` prints for the same capture (the last packet of the
    // longest conversations and of the one with the most packets after a flagged
    // segment, the packet after the last flagged segment). Timed from the click on the
    // row (the filter `frame.number == N` shows it) to its tree drawn.
    const probes = (process.env.WIRELENS_BENCH_DETAIL || '').split(',').filter(Boolean).map(Number);
    for (const frame of probes) {
      await page.locator('#filter-input').fill(`frame.number == ${frame}`);
      await page.locator('#filter-input').press('Enter');
      await page.waitForFunction(
        (n) => document.querySelector('[data-testid="packet-row"] td.num')?.textContent.replace(/\D/g, '') === String(n),
        frame,
        { timeout: 600_000 },
      );
      t = Date.now();
      await page.locator('[data-testid="packet-row"]').first().click();
      await page.waitForFunction(
        (n) => document.querySelector('#detail-tree [data-testid="tree-node"]')?.textContent.includes(`Frame ${n}:`),
        frame,
        { timeout: 600_000 },
      );
      const took = Date.now() - t;
      (figures.detail_probes ||= []).push({ frame, ms: took });
      row(`detail of frame ${frame}`, ms(took) + ' ' + (await mem()));
      await detailSteps();
    }

    // Filters.
    for (const f of filters) {
      await page.locator('#filter-input').fill(f);
      await prof.begin(`filter:${f}`);
      await page.locator('#filter-input').press('Enter');
      await page.locator('#filter-status', { hasText: 'packets match' }).waitFor({ timeout: 600_000 });
      await prof.end(`filter:${f}`);
      const status = await page.locator('#filter-status').textContent();
      const took = Number(status.replace(/^.*\((\d+) ms\)$/, '$1'));
      (figures.filters ||= []).push({ filter: f, ms: took, shown: status.split(' packets')[0] });
      row(`filter ${f}`, `${took} ms — ${status.split(' packets')[0]} ${await mem()}`);
    }
    await page.locator('#filter-clear').click();
    await page.locator(`#page-info[data-shown="${packets}"]`).waitFor({ timeout: 600_000 });

    for (const [app, table] of tables) {
      if (!(await page.locator(`#tab-${app}`).count())) continue;
      const before = await wasmNow();
      await prof.begin(`table:${app}/${table}`);
      t = Date.now();
      await openTab(page, app);
      await page.locator(`#app-tables [data-table="${table}"]`).click();
      await page.locator(`#app-tables [data-table="${table}"][aria-selected="true"]`).waitFor();
      await page.locator('#app-table[aria-busy="false"] [data-testid="table-row"]').first().waitFor({ timeout: 600_000 });
      const took = Date.now() - t;
      await prof.end(`table:${app}/${table}`);
      const rowsShown = (await page.locator('#app-table [data-testid="table-count"]').textContent()).split(' ')[0];
      const after = await wasmNow();
      figures[`${app}_${table}_ms`] = took;
      figures[`${app}_${table}_wasm_growth`] = after - before;
      row(`${app} ${table} table (${rowsShown} rows)`, `${ms(took)}; wasm memory ${(before / 1e6).toFixed(0)} → ${(after / 1e6).toFixed(0)} MB`);
    }
    await expertStep();
    figures.wasm_bytes_end = await wasmNow();

    // Conversations, then following the biggest one.
    await prof.begin('conversations');
    t = Date.now();
    await openLayer(page, 'conversations', 'tcp');
    await page.locator('#conversations[aria-busy="false"]').waitFor({ timeout: 600_000 });
    figures.conversations_ms = Date.now() - t;
    await prof.end('conversations');
    row('TCP conversations table', ms(figures.conversations_ms) + ' ' + (await mem()));
    await page.locator('#conversations th', { hasText: 'Bytes B→A' }).click();
    await page.locator('#conversations[aria-busy="false"]').waitFor();
    await prof.begin('follow');
    t = Date.now();
    await page.locator('#conversations [data-testid="table-row"]').last().locator('.row-follow').click();
    await page.locator('[data-testid="follow-line"], #follow-error').first().waitFor({ timeout: 600_000 });
    figures.follow_ms = Date.now() - t;
    await prof.end('follow');
    figures.follow_stream = Number(((await page.locator('#follow-title').textContent()) || '').replace(/^.*stream /, ''));
    row('follow the smallest-B→A TCP stream', ms(figures.follow_ms) + ' ' + (await mem()));
    if (page.errors.length) console.log('page errors:', page.errors);
    if (jsonOut) writeFileSync(jsonOut, JSON.stringify(figures, null, 2) + '\n');
  }
} finally {
  await browser.close();
  await server.close();
}
