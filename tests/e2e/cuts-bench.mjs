// The page's split of a capture into every session (the sessions view's "Save zip"),
// beside the CLI's `wirelens split FILE -o X.zip` for the same choice: time from the click
// to the download, the size, whether the two zips are the same bytes, and the memory
// Chromium's processes held while the worker wrote it (sampled; the worker writes the zip
// into a Blob a few MiB at a time, so its wasm memory must not grow with the file).
// Run: node tests/e2e/cuts-bench.mjs CAPTURE   (after `cargo xtask dist`, with the CLI built)

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createReadStream, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cliPath, launch, newPage, openTab, serve } from './helpers.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/e2e/cuts-bench.mjs CAPTURE');
  process.exit(2);
}
const size = statSync(file).size;

/** Resident bytes of this process's descendants (Chromium), by kind: browser, renderer, other. */
function chromiumRss() {
  const parent = new Map();
  const info = new Map();
  for (const d of readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      const rss = Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${d}/status`, 'utf8'))?.[1] || 0) * 1024;
      const cmd = readFileSync(`/proc/${d}/cmdline`, 'utf8');
      const kind = /--type=renderer/.test(cmd) ? 'renderer' : /--type=/.test(cmd) ? 'other' : 'browser';
      info.set(Number(d), { rss, kind });
    } catch {}
  }
  const out = { browser: 0, renderer: 0, other: 0 };
  for (const [pid, { rss, kind }] of info) {
    for (let p = parent.get(pid); p; p = parent.get(p)) {
      if (p === process.pid) {
        // The page's renderer (page and worker) is the largest; the others add up.
        out[kind] = kind === 'renderer' ? Math.max(out[kind], rss) : out[kind] + rss;
        break;
      }
    }
  }
  return out;
}

/** The largest sample of each kind while `work` runs. */
async function peakDuring(work) {
  const peak = { browser: 0, renderer: 0, other: 0 };
  const sample = () => {
    const now = chromiumRss();
    for (const k of Object.keys(peak)) peak[k] = Math.max(peak[k], now[k]);
  };
  sample();
  const timer = setInterval(sample, 100);
  try {
    const result = await work();
    sample();
    return { result, peak };
  } finally {
    clearInterval(timer);
  }
}

async function sha256(path) {
  const h = createHash('sha256');
  for await (const b of createReadStream(path)) h.update(b);
  return h.digest('hex');
}

const mb = (b) => `${(b / 1e6).toFixed(0)} MB`;
const scratch = mkdtempSync(join(tmpdir(), 'wirelens-cuts-bench-'));
const server = await serve();
const browser = await launch();
try {
  const page = await newPage(browser.context);
  await page.goto(server.url + '?empty');
  await page.locator('#empty').waitFor();
  let t = Date.now();
  await page.locator('#file-input').setInputFiles(file);
  await page.locator('#packet-count').waitFor({ timeout: 1_800_000 });
  const open = Date.now() - t;
  const packets = Number(await page.locator('#packet-count').getAttribute('data-value'));
  const wasm = Number(await page.locator('#capture-summary').getAttribute('data-wasm-bytes'));
  console.log(`open ${mb(size)}, ${packets} packets: ${open} ms; worker wasm memory ${mb(wasm)}`);
  const before = chromiumRss();
  console.log(`resident before the split: renderer ${mb(before.renderer)}, browser ${mb(before.browser)}`);

  await openTab(page, 'sessions');
  await page.locator('#cut-which').selectOption('shown');
  const got = join(scratch, 'page.zip');
  t = Date.now();
  let ready = 0;
  const { peak } = await peakDuring(async () => {
    const [d] = await Promise.all([
      page.waitForEvent('download', { timeout: 1_800_000 }),
      page.locator('#cut-zip').click(),
    ]);
    // The worker has written the file (a Blob) and the page handed it to the browser.
    ready = Date.now() - t;
    await d.saveAs(got);
  });
  const took = Date.now() - t;
  const status = await page.locator('#cut-status').textContent();
  console.log(`page: every session as a zip: ${ready} ms to the download (${(size / 1e6 / (ready / 1e3)).toFixed(0)} MB/s), ${took} ms to the file saved, ${mb(statSync(got).size)}`);
  console.log(`  ${status}`);
  // Its peak: a wasm memory never shrinks.
  const worker = page.workers().find((w) => w.url().includes('wirelens-worker'));
  const wasmAfter = worker ? await worker.evaluate(() => self.wirelensWasmBytes()) : NaN;
  console.log(`  worker wasm memory after the split ${mb(wasmAfter)} (${mb(wasm)} after the open)`);
  console.log(`  peak resident while writing: renderer (page + worker) ${mb(peak.renderer)}, browser ${mb(peak.browser)}, other ${mb(peak.other)}`);

  const want = join(scratch, 'cli.zip');
  t = Date.now();
  execFileSync(cliPath(), ['split', file, '-o', want], { stdio: 'ignore' });
  console.log(`CLI: wirelens split -o X.zip: ${Date.now() - t} ms, ${mb(statSync(want).size)}`);
  const [a, b] = await Promise.all([sha256(got), sha256(want)]);
  console.log(a === b ? `the page's zip and the CLI's are the same bytes (sha256 ${a.slice(0, 16)}…)` : `DIFFERENT: page ${a}, CLI ${b}`);
  if (a !== b) process.exitCode = 1;
  await page.close();
} finally {
  await browser.close();
  await server.close();
  rmSync(scratch, { recursive: true, force: true });
}
