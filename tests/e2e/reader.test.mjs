// The analysis worker's reader (static/reader.js, as dist/ serves it) answers every read
// of a File while its thread's garbage is collected over and over. Chromium does not keep
// a Blob stream alive while a read of it is pending: before the reader held each read's
// slice, stream and reader itself, a collection meanwhile left the read unanswered for
// ever, and the open of a 5 GB capture stalled in 2 opens of 3. Here Chromium runs with
// `--expose-gc` and the reader reads a file on disk in 16 MiB slices, 4 at a time, while
// the test collects its garbage every few milliseconds.

import assert from 'node:assert/strict';
import { closeSync, cpSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync, ftruncateSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { DIST, serve } from './helpers.mjs';

const SLICE = 16 << 20;
const SLICES = 12;
let root;
let server;
let browser;

const PAGE = `<!doctype html><input type="file" id="f"><script>
window.readAll = async () => {
  const reader = new Worker('static/reader.js');
  const waiting = new Map();
  reader.onmessage = (e) => { waiting.get(e.data.id)?.(e.data); waiting.delete(e.data.id); };
  const file = document.getElementById('f').files[0];
  let next = 0;
  const out = { bytes: 0, errors: [] };
  const read = (start) => new Promise((ok) => {
    const id = next++;
    waiting.set(id, ok);
    reader.postMessage({ id, blob: file, start, end: start + ${SLICE}, pool: true });
  });
  const all = async () => {
    const ahead = [];
    for (let i = 0; i < ${SLICES}; i++) {
      if (ahead.length === 4) await ahead.shift();
      ahead.push(read(i * ${SLICE}).then((r) => {
        if (r.error) out.errors.push(r.error);
        else {
          out.bytes += r.len;
          reader.postMessage({ give: r.buf }, [r.buf]);
        }
      }));
    }
    await Promise.all(ahead);
    return 'all';
  };
  const late = new Promise((ok) => setTimeout(() => ok('late'), 60000));
  out.ended = await Promise.race([all(), late]);
  reader.terminate();
  return out;
};
</script>`;

before(async () => {
  root = mkdtempSync(join(tmpdir(), 'wirelens-reader-'));
  mkdirSync(join(root, 'static'));
  cpSync(join(DIST, 'static', 'reader.js'), join(root, 'static', 'reader.js'));
  writeFileSync(join(root, 'index.html'), PAGE);
  // A sparse file: its bytes (zeros) come from disk as a dropped capture's do.
  const fd = openSync(join(root, 'big.bin'), 'w');
  ftruncateSync(fd, SLICE * SLICES);
  closeSync(fd);
  server = await serve(root);
  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--js-flags=--expose-gc'],
  });
});

after(async () => {
  await browser?.close();
  await server?.close();
  rmSync(root, { recursive: true, force: true });
});

test('every read is answered while the reader collects its garbage', async () => {
  const page = await browser.newPage();
  await page.goto(server.url + 'index.html');
  await page.locator('#f').setInputFiles(join(root, 'big.bin'));
  let collecting = true;
  let collections = 0;
  const gc = (async () => {
    while (collecting) {
      for (const w of page.workers()) {
        if (w.url().endsWith('static/reader.js')) {
          await w.evaluate(() => globalThis.gc()).then(() => collections++, () => {});
        }
      }
      await new Promise((ok) => setTimeout(ok, 2));
    }
  })();
  const out = await page.evaluate(() => window.readAll());
  collecting = false;
  await gc;
  assert.deepEqual(out.errors, []);
  assert.equal(out.ended, 'all', `reads unanswered after 60 s (${out.bytes} bytes read)`);
  assert.equal(out.bytes, SLICE * SLICES);
  assert.ok(collections > 0, 'no garbage collection was forced');
  await page.close();
});
