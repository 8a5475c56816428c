// Takes docs/screenshot.png: the page with the bundled sample open, filtered on memcached
// keys with the memcache.command and memcache.key columns (Wireshark's classic how-to).
// Run by hand after `trunk build --release`: node tests/e2e/screenshot.mjs [OUT]

import { join } from 'node:path';
import { launch, newPage, REPO, serve, waitLoaded } from './helpers.mjs';

const out = process.argv[2] || join(REPO, 'docs', 'screenshot.png');
const server = await serve();
const browser = await launch();
try {
  const page = await newPage(browser.context);
  await page.setViewportSize({ width: 1280, height: 760 });
  await page.goto(server.url);
  await waitLoaded(page);
  // Biggest conversations first, as one would look at them.
  await page.locator('#conversations th', { hasText: 'Bytes B→A' }).click();
  await page.locator('#filter-input').fill('memcache.key contains "user"');
  await page.locator('#columns-input').fill('memcache.command, memcache.key');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  await page.mouse.move(0, 0);
  await page.screenshot({ path: out });
  if (page.errors.length) throw new Error(`page errors: ${page.errors.join('; ')}`);
  console.log(`wrote ${out}`);
} finally {
  await browser.close();
  await server.close();
}
