// Every compression the page reads (app.test.mjs covers gzip): a real-server capture
// compressed with zstd, bzip2 and xz by their own tools opens as the same capture, and
// what the page re-reads later (rows, a filter over the payload, a followed stream) goes
// through the decompressor and equals tshark on the uncompressed file.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  REPO,
  allRows,
  newPage,
  openTab,
  pageEnv,
  shownConversations,
  tsharkConversations,
  tsharkPacketCount,
  tsharkText,
  waitLoaded,
} from './helpers.mjs';

const CAPTURE = join(REPO, 'tests', 'data', 'servers', 'memcached.pcap');

const env = pageEnv('wirelens-compressed-');

// memcached on a port of its own (tests/data/README.md): tshark is told so, as the page
// finds it by itself.
const fields = (args) => tsharkText(['-r', CAPTURE, '-d', 'tcp.port==21211,memcache', ...args]).trim().split('\n').filter((l) => l !== '');

for (const [tool, ext] of [['zstd', 'zst'], ['bzip2', 'bz2'], ['xz', 'xz']]) {
  test(`a ${tool}-compressed capture opens, and its packets are re-read through the decompressor`, async () => {
    const file = join(env.scratch, `memcached.pcap.${ext}`);
    writeFileSync(file, execFileSync(tool, ['-c', CAPTURE], { maxBuffer: 1 << 28 }));
    const page = await newPage(env.browser.context);
    await page.goto(env.server.url + '?empty');
    await page.locator('#empty').waitFor();
    await page.locator('#file-input').setInputFiles(file);
    assert.equal(await waitLoaded(page, 120_000), tsharkPacketCount(CAPTURE));
    assert.match(await page.locator('[data-testid="file"]').textContent(), new RegExp(`pcap .*\\(${tool}\\)`));

    // The conversations, from the ingest.
    const want = tsharkConversations(CAPTURE, 'tcp');
    const shown = await shownConversations(page);
    assert.equal(shown.length, want.length);
    for (const c of want) {
      assert.ok(
        shown.some((s) => s.a === c.a && s.portA === c.portA && s.b === c.b && s.portB === c.portB && s.framesAB === c.framesAB && s.framesBA === c.framesBA),
        `conversation ${c.a}:${c.portA} <-> ${c.b}:${c.portB}`,
      );
    }

    // A filter that reads the payload again: memcached's set commands.
    await page.locator('#filter-input').fill('memcache.command == "set"');
    await page.locator('#filter-input').press('Enter');
    await page.locator('#filter-status', { hasText: 'packets match' }).waitFor({ timeout: 120_000 });
    const sets = fields(['-Y', 'memcache.command == "set"', '-T', 'fields', '-e', 'frame.number', '-e', 'frame.len']);
    await page.locator(`#page-info[data-shown="${sets.length}"]`).waitFor();
    const rows = await allRows(page);
    assert.deepEqual(rows.map((r) => `${r[0]}\t${r[5]}`), sets, 'frame numbers and lengths of the set commands');

    // A stream followed: its first line, read back through the decompressor.
    const stream = Number(fields(['-Y', 'memcache.command == "set"', '-T', 'fields', '-e', 'tcp.stream'])[0]);
    const ascii = tsharkText(['-r', CAPTURE, '-q', '-z', `follow,tcp,ascii,${stream}`]);
    const firstLine = ascii.split('\n').find((l) => /^(set|get) /.test(l));
    await page.locator('#filter-input').fill(`tcp.stream == ${stream}`);
    await page.locator('#filter-input').press('Enter');
    await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
    await openTab(page, 'detail');
    await page.locator('[data-testid="packet-row"]').first().click();
    await page.locator('#fact-follow').click();
    await page.locator('#follow-title', { hasText: `TCP stream ${stream}` }).waitFor({ timeout: 120_000 });
    await page.locator('[data-testid="follow-line"]', { hasText: firstLine }).first().waitFor();
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
