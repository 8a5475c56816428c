// `cargo xtask dist` output works from any static host and any path: dist/ copied under
// a deep path and served by a static server that knows nothing of it (Python's
// http.server), the page loads from that path with and without index.html, opens the
// sample and a dropped capture (the worker and its reader come from the same path), and
// every request it made was for a file under that path, each found.

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { DIST, SAMPLE, dropFiles, launch, newPage, tsharkPacketCount, waitLoaded } from './helpers.mjs';

const PATH = '/some/deep/path/wirelens/';
let root;
let python;
let base;
let browser;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wirelens-host-'));
  cpSync(DIST, join(root, PATH), { recursive: true });
  python = spawn('python3', ['-m', 'http.server', '0', '--bind', '127.0.0.1', '--directory', root], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const port = await new Promise((ok, fail) => {
    let out = '';
    const seen = (d) => {
      out += d;
      const m = /port (\d+)/.exec(out);
      if (m) ok(Number(m[1]));
    };
    python.stdout.on('data', seen);
    python.stderr.on('data', seen);
    python.on('exit', (c) => fail(new Error(`http.server exited ${c}: ${out}`)));
  });
  base = `http://127.0.0.1:${port}`;
  browser = await launch();
});

after(async () => {
  await browser?.close();
  python?.kill();
  if (root) rmSync(root, { recursive: true, force: true });
});

for (const entry of ['', 'index.html']) {
  test(`the built page works from ${PATH}${entry} of a plain static server`, async () => {
    const page = await newPage(browser.context);
    const requests = [];
    page.on('requestfinished', async (r) => {
      const res = await r.response();
      requests.push([r.url(), res ? res.status() : 0]);
    });
    page.on('requestfailed', (r) => requests.push([r.url(), -1]));
    await page.goto(base + PATH + entry);
    const sample = await waitLoaded(page, 60_000);
    assert.equal(sample, tsharkPacketCount(SAMPLE), 'the bundled sample opened');
    await dropFiles(page, [{ name: 'again.pcapng', bytes: readFileSync(SAMPLE) }]);
    await page.locator('[data-testid="file"]', { hasText: 'again.pcapng' }).waitFor();
    await waitLoaded(page);
    assert.ok(requests.length > 0);
    for (const [url, status] of requests) {
      assert.ok(url.startsWith(base + PATH), `${url} is under ${PATH}`);
      assert.equal(status, 200, `${url} was found`);
    }
    const urls = requests.map(([u]) => u);
    for (const part of ['wirelens-worker.js', 'wirelens-worker_bg.wasm', 'static/reader.js', 'static/sample.pcapng']) {
      assert.ok(urls.some((u) => u.endsWith(part)), `${part} loaded from the path: ${urls}`);
    }
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
