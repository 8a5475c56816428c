// The charts against tshark and the CLI: the IO graph's series equal
// `tshark -z io,stat,INTERVAL,FILTER…` interval by interval; brushing a range applies a
// time filter that gives tshark's packets; latency histograms bin the CLI's
// transaction latencies; the session timeline has the CLI's conversations.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  SAMPLE,
  cliJson,
  newPage,
  openTab,
  pageEnv,
  settle,
  tsharkText,
  waitLoaded,
} from './helpers.mjs';

const MEMCACHED = join(REPO, 'tests', 'data', 'servers', 'memcached.pcap');
const HTTP = join(REPO, 'tests', 'data', 'servers', 'http.pcap');


const env = pageEnv();

async function charts(file, which) {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(file);
  await waitLoaded(page);
  await openTab(page, 'charts');
  await page.locator(`[data-chart="${which}"]`).click();
  return page;
}

/** `tshark -q -z io,stat,<interval>,<filters>` as [[frames, bytes] per filter] per interval. */
function ioStat(file, interval, filters) {
  const out = tsharkText(['-q', '-z', `io,stat,${interval},${filters.join(',')}`, '-r', file]);
  const rows = [];
  for (const line of out.split('\n')) {
    const m = /^\|\s*[\d.]+\s*<>\s*(?:[\d.]+|Dur)\s*\|(.*)\|$/.exec(line);
    if (!m) continue;
    const nums = m[1].split('|').map((c) => c.trim()).filter((c) => c !== '').map(Number);
    const pairs = [];
    for (let i = 0; i < nums.length; i += 2) pairs.push([nums[i], nums[i + 1]]);
    rows.push(pairs);
  }
  return rows;
}

/** The IO graph's data table: values per interval per series. */
async function ioData(page) {
  await settle(page);
  await page.locator('.io-data-box summary').click().catch(() => {});
  return page.$$eval('#io-data [data-testid="io-row"]', (trs) =>
    trs.map((tr) => [...tr.querySelectorAll('td')].slice(1).map((td) => Number(td.textContent))),
  );
}

test('IO graph series equal tshark -z io,stat, packets and bytes, each with its filter', async () => {
  const page = await charts(MEMCACHED, 'io');
  await page.locator('#io-interval').selectOption('1000');
  await page.locator('#io-interval-shown', { hasText: '1 ms per point' }).waitFor();
  // Series: every packet; stream 1's packets; stream 0's bytes.
  await page.locator('#io-add').click();
  await page.locator('#io-add').click();
  await page.locator('.io-series[data-series="1"] .io-filter').fill('tcp.stream == 1');
  await page.locator('.io-series[data-series="2"] .io-filter').fill('tcp.stream == 0');
  await page.locator('.io-series[data-series="2"] .io-unit').selectOption('bytes');
  await page.locator('#io-draw').click();
  await page.locator('#io-data th', { hasText: 'tcp.stream == 0 (bytes)' }).waitFor({ state: 'attached' });
  const shown = await ioData(page);
  const ref = ioStat(MEMCACHED, 0.001, ['frame', 'tcp.stream == 1', 'tcp.stream == 0']);
  assert.equal(shown.length, ref.length, 'intervals');
  shown.forEach((row, i) => {
    assert.deepEqual(row, [ref[i][0][0], ref[i][1][0], ref[i][2][1]], `interval ${i}`);
  });
  // A filter that does not compile says why, the others still draw.
  await page.locator('.io-series[data-series="1"] .io-filter').fill('tcp.stream ==');
  await page.locator('#io-draw').click();
  await page.locator('.io-series[data-series="1"] .io-error').waitFor();
  assert.equal(await page.locator('polyline.io-line').count(), 2);
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('dragging across the IO graph filters on that time range', async () => {
  const page = await charts(HTTP, 'io');
  await page.locator('#io-interval').selectOption('1000');
  await page.locator('#io-interval-shown', { hasText: '1 ms per point' }).waitFor();
  const svg = page.locator('#io-svg');
  const box = await svg.boundingBox();
  await page.mouse.move(box.x + 80, box.y + 100);
  await page.mouse.down();
  await page.mouse.move(box.x + 200, box.y + 100, { steps: 5 });
  assert.equal(await page.locator('#io-brush').count(), 1, 'the range shows while dragging');
  await page.mouse.up();
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  const filter = await page.locator('#filter-input').inputValue();
  assert.match(filter, /^frame\.time_relative >= [\d.]+ && frame\.time_relative < [\d.]+$/);
  const want = tsharkText(['-r', HTTP, '-Y', filter, '-T', 'fields', '-e', 'frame.number']).trim().split('\n').filter(Boolean).length;
  assert.ok(want > 0);
  await page.locator(`#page-info[data-shown="${want}"]`).waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("latency histograms bin the CLI's transaction latencies", async () => {
  const page = await charts(MEMCACHED, 'latency');
  await page.locator('.lat-chart[data-proto="memcache"]').waitFor();
  const ns = cliJson(['memcache', '--list', MEMCACHED])
    .filter((r) => r.latency !== null)
    .map((r) => Math.round(r.latency * 1e9))
    .sort((a, b) => a - b);
  const buckets = await page.$$eval('.lat-chart[data-proto="memcache"] [data-testid="latency-bucket"]', (gs) =>
    gs.map((g) => [Number(g.dataset.lo), Number(g.dataset.hi), Number(g.dataset.count)]),
  );
  assert.equal(buckets.reduce((n, b) => n + b[2], 0), ns.length);
  for (const [lo, hi, count] of buckets) {
    assert.equal(count, ns.filter((l) => l >= lo && l < hi).length, `${lo}–${hi} ns`);
  }
  const pct = (p) => ns[Math.floor(((ns.length - 1) * p) / 100)];
  const stats = await page.locator('.lat-chart[data-proto="memcache"] .lat-stats').textContent();
  assert.match(stats, new RegExp(`^${ns.length} transactions`));
  assert.ok(stats.includes(`max ${fmt(ns[ns.length - 1])}`), stats);
  assert.ok(stats.includes(`median ${fmt(pct(50))}`), stats);
  assert.deepEqual(page.errors, []);
  await page.close();
});

/** The page's duration format (charts/axis.rs). */
function fmt(ns) {
  const t = (v) => (v >= 100 || Number.isInteger(v) ? v.toFixed(0) : v.toFixed(1));
  if (ns < 1e3) return `${ns} ns`;
  if (ns < 1e6) return `${t(ns / 1e3)} µs`;
  if (ns < 1e9) return `${t(ns / 1e6)} ms`;
  return `${t(ns / 1e9)} s`;
}

test('the session timeline: a bar per conversation, by start or longest first; a bar follows', async () => {
  const page = await charts(SAMPLE, 'timeline');
  await page.locator('[data-testid="timeline-bar"]').first().waitFor();
  const conv = [...cliJson(['conv', '-t', 'tcp,udp', SAMPLE])].sort((a, b) => a.rel_start - b.rel_start);
  const bars = () =>
    page.$$eval('[data-testid="timeline-bar"]', (bs) =>
      bs.map((b) => [Number(b.dataset.stream), b.dataset.start, b.dataset.duration, b.classList.contains('slow')]),
    );
  const shown = await bars();
  assert.deepEqual(
    shown.map(([s, st, d]) => [s, st, d]),
    conv.map((c) => [c.stream, c.rel_start.toFixed(6), c.duration.toFixed(6)]),
  );
  // The slowest tenth stands out.
  const durations = conv.map((c) => c.duration).sort((a, b) => a - b);
  const slow = durations[Math.floor(((durations.length - 1) * 9) / 10)];
  assert.deepEqual(shown.map((b) => b[3]), conv.map((c) => c.duration >= slow - 1e-9 && c.duration > 0));
  await page.locator('#tl-longest').check();
  await settle(page);
  await page.waitForFunction(() => {
    const d = [...document.querySelectorAll('[data-testid="timeline-bar"]')].map((b) => Number(b.dataset.duration));
    return d.length > 1 && d.every((x, i) => i === 0 || d[i - 1] >= x);
  });
  await page.locator('[data-testid="timeline-bar"]').first().click();
  await page.locator('#tab-follow[aria-selected="true"]').waitFor();
  assert.deepEqual(page.errors, []);
  await page.close();
});
