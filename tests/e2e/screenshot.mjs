// Takes the README's screenshots: docs/screenshot.png (the bundled sample filtered on
// memcached keys with the memcache.command and memcache.key columns, a packet's detail
// below) and docs/screenshots/*.png, one per view, on the real-server captures.
// Run by hand after `cargo xtask dist`: node tests/e2e/screenshot.mjs [OUT_DIR]

import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { launch, newPage, openLayer, openTab, REPO, serve, settle, waitLoaded } from './helpers.mjs';

const docs = process.argv[2] || join(REPO, 'docs');
const shots = join(docs, 'screenshots');
mkdirSync(shots, { recursive: true });
const SERVERS = join(REPO, 'tests', 'data', 'servers');

const server = await serve();
const browser = await launch();

/** A page with `file` open (the bundled sample when none), 1280×800. */
async function opened(file) {
  const page = await newPage(browser.context);
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.goto(server.url + (file ? '?empty' : ''));
  if (file) await page.locator('#file-input').setInputFiles(file);
  await waitLoaded(page);
  return page;
}

async function shoot(page, name) {
  await page.mouse.move(0, 0);
  await settle(page);
  await page.waitForTimeout(150);
  const path = name.includes('/') ? name : join(shots, `${name}.png`);
  await page.screenshot({ path });
  if (page.errors.length) throw new Error(`page errors: ${page.errors.join('; ')}`);
  console.log(`wrote ${path}`);
}

/** Drags the divider so the views get `share` of the workspace. */
async function giveViews(page, share) {
  const area = await page.locator('#workspace').boundingBox();
  const divider = await page.locator('.divider').boundingBox();
  await page.mouse.move(divider.x + 100, divider.y + 2);
  await page.mouse.down();
  await page.mouse.move(divider.x + 100, area.y + area.height * (1 - share), { steps: 4 });
  await page.mouse.up();
}

try {
  // The main screenshot: the Wireshark how-to, and the packet's detail.
  let page = await opened();
  await page.locator('#filter-input').fill('memcache.key contains "user"');
  await page.locator('#columns-input').fill('memcache.command, memcache.key');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  await page.locator('[data-testid="packet-row"]').nth(1).click();
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor();
  await page.locator('#detail-tree [data-name="memcache"]').first().dblclick();
  await page.locator('#detail-tree [data-name="memcache.key"]').first().click();
  await shoot(page, join(docs, 'screenshot.png'));
  await page.close();

  // Follow stream.
  page = await opened();
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations [data-testid="table-row"]').nth(1).locator('.row-follow').click();
  await page.locator('[data-testid="follow-line"]').first().waitFor();
  await giveViews(page, 0.6);
  await shoot(page, 'follow');
  await page.close();

  // Conversations and sessions.
  page = await opened(join(SERVERS, 'memcached.pcap'));
  await giveViews(page, 0.5);
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations[aria-busy="false"]').waitFor();
  await shoot(page, 'conversations');
  await openTab(page, 'sessions');
  await page.locator('#sessions[aria-busy="false"]').waitFor();
  await shoot(page, 'sessions');
  // memcached: hot keys, the value over 1 MB marked.
  await openTab(page, 'memcache');
  await page.locator('#app-tables [data-table="largest_values"]').click();
  await page.locator('#app-table[aria-busy="false"]').waitFor();
  await shoot(page, 'memcached');
  // Expert info.
  await openTab(page, 'expert');
  await page.locator('#expert-items[aria-busy="false"]').waitFor();
  await shoot(page, 'expert');
  // Charts: the IO graph with two series, latency.
  await giveViews(page, 0.7);
  await openTab(page, 'charts');
  await page.locator('#io-interval').selectOption('1000');
  await page.locator('#io-add').click();
  await page.locator('.io-series[data-series="1"] .io-filter').fill('tcp.stream == 0');
  await page.locator('#io-draw').click();
  await page.locator('polyline.io-line[data-series="1"]').waitFor({ state: 'attached' });
  await shoot(page, 'io-graph');
  await page.locator('[data-chart="latency"]').click();
  await page.locator('.lat-chart').first().waitFor();
  await shoot(page, 'latency');
  await page.close();

  // HTTP and MySQL views.
  page = await opened(join(SERVERS, 'http.pcap'));
  await giveViews(page, 0.55);
  await openTab(page, 'http');
  await page.locator('#app-table[aria-busy="false"]').waitFor();
  await shoot(page, 'http');
  await page.close();
  page = await opened(join(SERVERS, 'mariadb.pcap'));
  await giveViews(page, 0.55);
  await openTab(page, 'mysql');
  await page.locator('#app-tables [data-table="queries"]').click();
  await page.locator('#app-table[aria-busy="false"]').waitFor();
  await shoot(page, 'mysql');
  // The timeline, and the dark theme.
  await openTab(page, 'charts');
  await page.locator('[data-chart="timeline"]').click();
  await page.locator('[data-testid="timeline-bar"]').first().waitFor();
  await page.locator('#theme-toggle').click();
  await shoot(page, 'timeline-dark');
  await page.locator('#theme-toggle').click();
  await page.close();

  // SQL in the tab: DuckDB-wasm over the capture's sessions.
  page = await opened(join(SERVERS, 'memcached.pcap'));
  await giveViews(page, 0.6);
  await openTab(page, 'sql');
  await page.locator('#sql-status', { hasText: 'DuckDB is ready' }).waitFor({ timeout: 120_000 });
  await page.locator('#sql-examples').selectOption('2');
  await page.locator('#sql-run').click();
  await page.locator('#sql-summary', { hasText: 'rows in' }).waitFor();
  await shoot(page, 'sql');
  await page.close();
} finally {
  await browser.close();
  await server.close();
}
