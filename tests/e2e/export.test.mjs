// Exports: the displayed packets and one stream's as pcapng and pcap, byte for byte what
// `wirelens list -Y FILTER -w OUT` writes (core's one writer; the CLI's output is checked
// against tshark -w), and read by tshark with tshark's own packets; tables as CSV and
// JSON with the rows the page shows.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  SAMPLE,
  cliPath,
  newPage,
  openLayer,
  pageEnv,
  readTable,
  tsharkText,
  waitLoaded,
} from './helpers.mjs';


const env = pageEnv('wirelens-e2e-export-');

async function saved(page, click) {
  const [download] = await Promise.all([page.waitForEvent('download'), click()]);
  const path = join(env.scratch, download.suggestedFilename());
  await download.saveAs(path);
  return { name: download.suggestedFilename(), path, bytes: readFileSync(path) };
}

/** What `wirelens list -Y filter -w` writes. */
function cliExport(filter, format) {
  const out = join(env.scratch, `cli.${format}`);
  execFileSync(cliPath(), ['list', SAMPLE, '-Y', filter, '-w', out, '-F', format]);
  return readFileSync(out);
}

/** tshark's view of packets: lengths, time, IP id, TCP sequence, UDP length of each. */
function tsharkPackets(file, filter = '') {
  const fields = ['frame.len', 'frame.cap_len', 'frame.time_epoch', 'ip.id', 'tcp.seq_raw', 'udp.length'];
  return tsharkText(['-r', file, ...(filter ? ['-Y', filter] : []), '-T', 'fields', ...fields.flatMap((f) => ['-e', f])]);
}

test('the displayed packets as pcapng and pcap: what the CLI writes, read back by tshark', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  await waitLoaded(page);
  const filter = 'tcp.len > 0 || udp';
  await page.locator('#filter-input').fill(filter);
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  for (const [format, button] of [['pcapng', '#export-pcapng'], ['pcap', '#export-pcap']]) {
    const file = await saved(page, async () => {
      await page.locator('#export-toggle').click();
      await page.locator(button).click();
    });
    assert.equal(file.name, `sample-displayed.${format}`);
    assert.ok(file.bytes.equals(cliExport(filter, format)), `${format}: byte for byte the CLI's`);
    assert.equal(tsharkPackets(file.path), tsharkPackets(SAMPLE, filter), `${format}: tshark reads the same packets`);
  }
  assert.deepEqual(page.errors, []);
  await page.close();
});

test("a followed stream's packets as pcapng", async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  await waitLoaded(page);
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations [data-testid="table-row"]').nth(4).locator('.row-follow').click();
  await page.locator('#follow-title', { hasText: 'TCP stream 4' }).waitFor();
  const file = await saved(page, () => page.locator('#save-pcapng').click());
  assert.equal(file.name, 'sample-tcp-stream-4.pcapng');
  assert.ok(file.bytes.equals(cliExport('tcp.stream == 4', 'pcapng')));
  assert.equal(tsharkPackets(file.path), tsharkPackets(SAMPLE, 'tcp.stream == 4'));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('a table as CSV and JSON, in the order and with the search shown', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url);
  await waitLoaded(page);
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations th', { hasText: 'Bytes A→B' }).click();
  await page.locator('#conversations .table-search').fill('18080');
  const shown = await readTable(page, 'conversations');
  assert.ok(shown.length >= 2 && shown.length < 6, `the search keeps some rows (${shown.length})`);
  const keys = await page.$$eval('#conversations th[data-col]', (ths) => ths.map((th) => th.dataset.col));
  const numeric = await page.$$eval('#conversations th.num[data-col]', (ths) => ths.map((th) => th.dataset.col));
  const csv = await saved(page, () => page.locator('#conversations .table-csv').click());
  assert.equal(csv.name, 'sample-conversations-tcp.csv');
  const lines = csv.bytes.toString('utf8').trimEnd().split('\r\n').map((l) => l.split(','));
  assert.deepEqual(lines[0], keys);
  assert.deepEqual(lines.slice(1), shown.map((r) => keys.map((k) => r[k])));
  const json = await saved(page, () => page.locator('#conversations .table-json').click());
  const rows = JSON.parse(json.bytes.toString('utf8'));
  // Numbers as numbers (0.000000 is 0), text as text, empty cells as null.
  assert.deepEqual(
    rows.map((r) => keys.map((k) => r[k])),
    shown.map((r) => keys.map((k) => (r[k] === '' ? null : numeric.includes(k) ? Number(r[k]) : r[k]))),
  );
  assert.equal(typeof rows[0]['bytes-ab'], 'number');
  assert.deepEqual(page.errors, []);
  await page.close();
});
