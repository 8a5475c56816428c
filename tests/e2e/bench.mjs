// Browser figures on a large capture, as a new user meets them (headless Chromium, the
// release build in dist/): time to interactive, opening (selection to full results,
// MB/s, worker memory), filters, scrolling a screen and jumping, a packet's detail deep in
// the capture, following a stream.
// Run: node tests/e2e/bench.mjs CAPTURE [FILTER…]   (after `cargo xtask dist`)

import { statSync } from 'node:fs';
import { launch, newPage, openLayer, openTab, serve, settle } from './helpers.mjs';

const file = process.argv[2];
if (!file) {
  console.error('usage: node tests/e2e/bench.mjs CAPTURE [FILTER…]');
  process.exit(2);
}
const filters = process.argv.slice(3).length
  ? process.argv.slice(3)
  : ['tcp.port == 11211', 'tcp.len > 1000', 'http.response.code == 200', 'memcache.command == "set"'];
const size = statSync(file).size;
const server = await serve();
const browser = await launch();
const rows = [];
const row = (what, value) => {
  rows.push([what, value]);
  console.log(`${what.padEnd(44)} ${value}`);
};
const ms = (t) => `${t.toFixed(0)} ms`;

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

  t = Date.now();
  await page.locator('#file-input').setInputFiles(file);
  await page.locator('#packet-count').waitFor({ timeout: 600_000 });
  const open = Date.now() - t;
  const packets = Number(await page.locator('#packet-count').getAttribute('data-value'));
  const wasm = Number(await page.locator('#capture-summary').getAttribute('data-wasm-bytes'));
  row(`open ${(size / 1e6).toFixed(0)} MB, ${packets.toLocaleString('en-US')} packets`, `${ms(open)} (${(size / 1e6 / (open / 1e3)).toFixed(0)} MB/s)`);
  row('worker wasm memory after open', `${(wasm / 1e6).toFixed(0)} MB (${(wasm / packets).toFixed(1)} B a packet)`);
  await page.locator('[data-testid="packet-row"]').first().waitFor();

  // Scrolling: a screen down, then a jump to the middle, until the rows are drawn.
  const list = page.locator('#packet-scroll');
  await list.focus();
  t = Date.now();
  await list.press('PageDown');
  await settle(page);
  await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
  row('page down (rows drawn)', ms(Date.now() - t));
  t = Date.now();
  await list.evaluate((el) => { el.scrollTop = (el.scrollHeight - el.clientHeight) / 2; });
  await settle(page);
  await page.waitForFunction(() => !document.querySelector('#packet-list tr.pending'));
  row('jump to the middle (rows drawn)', ms(Date.now() - t));
  const pending = await page.evaluate(async () => {
    // Scroll a screen at a time for 60 frames; count frames that showed a row not yet there.
    const el = document.querySelector('#packet-scroll');
    let waiting = 0;
    for (let i = 0; i < 60; i++) {
      el.scrollTop += el.clientHeight;
      await new Promise((ok) => requestAnimationFrame(() => requestAnimationFrame(ok)));
      if (document.querySelector('#packet-list tr.pending')) waiting++;
    }
    return waiting;
  });
  row('frames with a row not yet fetched (60 screens)', String(pending));

  // A packet's detail deep in the capture.
  await list.press('End');
  await openTab(page, 'detail');
  t = Date.now();
  await page.locator('[data-testid="packet-row"][aria-selected="true"]').click();
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor({ timeout: 600_000 });
  row('detail of the last packet', ms(Date.now() - t));

  // Filters.
  for (const f of filters) {
    await page.locator('#filter-input').fill(f);
    await page.locator('#filter-input').press('Enter');
    await page.locator('#filter-status', { hasText: 'packets match' }).waitFor({ timeout: 600_000 });
    const status = await page.locator('#filter-status').textContent();
    row(`filter ${f}`, status.replace(/^.*\((\d+) ms\)$/, '$1 ms') + ` — ${status.split(' packets')[0]}`);
  }
  await page.locator('#filter-clear').click();
  await page.locator(`#page-info[data-shown="${packets}"]`).waitFor({ timeout: 600_000 });

  // Conversations, then following the biggest one.
  t = Date.now();
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations[aria-busy="false"]').waitFor({ timeout: 600_000 });
  row('TCP conversations table', ms(Date.now() - t));
  await page.locator('#conversations th', { hasText: 'Bytes B→A' }).click();
  await page.locator('#conversations[aria-busy="false"]').waitFor();
  t = Date.now();
  await page.locator('#conversations [data-testid="table-row"]').last().locator('.row-follow').click();
  await page.locator('[data-testid="follow-line"], #follow-error').first().waitFor({ timeout: 600_000 });
  row('follow the smallest-B→A TCP stream', ms(Date.now() - t));
  if (page.errors.length) console.log('page errors:', page.errors);
} finally {
  await browser.close();
  await server.close();
}
