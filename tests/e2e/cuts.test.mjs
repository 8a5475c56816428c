// Cuts from the page (sessions, conversations and protocol views: "Save pcap", "Save zip",
// "Intensify"), written in the worker and downloaded, against the CLI's files for the
// same choice, byte for byte: `wirelens split -o X.zip`, `wirelens bisect --parts 1`
// (the sessions in one pcap) and `wirelens intensify`, with the same display filter
// (-Y), --stream, --longest, --slowest and --errors.

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, cliPath, openCapture, openLayer, openTab, pageEnv, settle } from './helpers.mjs';

const HTTP = join(REPO, 'tests/data/servers/http.pcap');
const MEMCACHED = join(REPO, 'tests/data/servers/memcached.pcap');

let n = 0;

const env = pageEnv('wirelens-e2e-cuts-');

const opened = (file) => openCapture(env.browser.context, env.server.url, file);

async function applyFilter(page, filter) {
  await page.locator('#filter-input').fill(filter);
  await page.locator('#filter-input').press('Escape');
  await page.locator('#filter-apply').click();
  await page.waitForFunction(
    (f) => document.querySelector('#filter-status')?.textContent.includes('packets match') || f === '',
    filter,
  );
}

/** Sets the cut tools' choice: `which` (shown, selected, picked, longest, slowest, errors), N. */
async function choose(page, which, count) {
  await page.locator('#cut-which').selectOption(which);
  if (count !== undefined) await page.locator('#cut-n').fill(String(count));
  if (count !== undefined) await page.locator('#cut-n').dispatchEvent('change');
}

/** Clicks a cut button and returns the download: { name, bytes }. */
async function download(page, button) {
  const [d] = await Promise.all([page.waitForEvent('download'), page.locator(button).click()]);
  const path = join(env.scratch, `${n++}-${d.suggestedFilename()}`);
  await d.saveAs(path);
  await page.locator('#cut-status', { hasText: d.suggestedFilename() }).waitFor();
  return { name: d.suggestedFilename(), bytes: readFileSync(path) };
}

function cli(args) {
  execFileSync(cliPath(), args, { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 28 });
}

/** The CLI's zip of one pcap per session for `choice` (split's options). */
function cliZip(file, choice) {
  const out = join(env.scratch, `${n++}-cli.zip`);
  cli(['split', file, '-o', out, ...choice]);
  return readFileSync(out);
}

/** The CLI's one pcap of the chosen sessions (bisect --parts 1): { name, bytes }. */
function cliPcap(file, choice) {
  const dir = join(env.scratch, `${n++}-cli`);
  cli(['bisect', file, '--parts', '1', '-o', dir, ...choice]);
  const [name] = readdirSync(dir);
  return { name, bytes: readFileSync(join(dir, name)) };
}

function cliIntensify(file, args) {
  const out = join(env.scratch, `${n++}-cli.pcap`);
  cli(['intensify', file, '-w', out, ...args]);
  return readFileSync(out);
}

test('sessions saved from the page equal the CLI files for the same choice', async () => {
  const page = await opened(HTTP);
  await openTab(page, 'sessions');
  await page.locator('#cut-tools').waitFor();

  // Every session: a zip, and one pcap.
  await choose(page, 'shown');
  let got = await download(page, '#cut-zip');
  assert.match(got.name, /\.zip$/);
  assert.deepEqual(got.bytes, cliZip(HTTP, []));
  got = await download(page, '#cut-pcap');
  let want = cliPcap(HTTP, []);
  assert.equal(got.name, want.name);
  assert.deepEqual(got.bytes, want.bytes);

  // The slowest, the longest, those with errors (a 404 here).
  await choose(page, 'slowest', 1);
  assert.deepEqual((await download(page, '#cut-zip')).bytes, cliZip(HTTP, ['--slowest', '1']));
  await choose(page, 'longest', 2);
  assert.deepEqual((await download(page, '#cut-pcap')).bytes, cliPcap(HTTP, ['--longest', '2']).bytes);
  await choose(page, 'errors');
  assert.deepEqual((await download(page, '#cut-zip')).bytes, cliZip(HTTP, ['--errors']));

  // The selected row's session.
  await page.locator('#sessions [data-testid="table-row"]').nth(1).click();
  await choose(page, 'selected');
  got = await download(page, '#cut-pcap');
  const rowFilter = await page.locator('#sessions [data-testid="table-row"]').nth(1).getAttribute('data-filter');
  const stream = rowFilter.match(/tcp\.stream == (\d+)/)[1];
  assert.deepEqual(got.bytes, cliPcap(HTTP, ['--stream', `tcp:${stream}`]).bytes);

  // Rows picked one by one: the first and the third (the third twice: picked once).
  const streamOf = async (k) =>
    (await page.locator('#sessions [data-testid="table-row"]').nth(k).getAttribute('data-filter')).match(
      /tcp\.stream == (\d+)/,
    )[1];
  for (const k of [0, 2, 2]) {
    await page.locator('#sessions [data-testid="table-row"]').nth(k).click();
    await page.locator('#cut-add').click();
  }
  await choose(page, 'picked');
  assert.equal(await page.locator('#cut-which option[value="picked"]').textContent(), 'the picked (2)');
  const picked = ['--stream', `tcp:${await streamOf(0)}`, '--stream', `tcp:${await streamOf(2)}`];
  assert.deepEqual((await download(page, '#cut-zip')).bytes, cliZip(HTTP, picked));
  assert.deepEqual((await download(page, '#cut-pcap')).bytes, cliPcap(HTTP, picked).bytes);
  await page.locator('#cut-clear').click();
  assert.equal(await page.locator('#cut-which option[value="picked"]').textContent(), 'the picked (0)');

  // Through a display filter: the sessions with a packet it shows.
  await applyFilter(page, 'http.request.uri contains "big"');
  await openTab(page, 'sessions');
  await choose(page, 'shown');
  assert.deepEqual(
    (await download(page, '#cut-zip')).bytes,
    cliZip(HTTP, ['-Y', 'http.request.uri contains "big"']),
  );
  await page.close();
});

test('the protocol views cut the sessions of their rows', async () => {
  const page = await opened(HTTP);
  await openTab(page, 'http');
  await page.locator('#app-table [data-testid="table-row"]').first().waitFor();
  await page.locator('#cut-tools').waitFor();
  // Each request's stream, from its Follow button, by row index.
  const streams = await page
    .locator('#app-table [data-testid="table-row"]')
    .evaluateAll((rs) =>
      rs.map((r) => [Number(r.dataset.index), r.querySelector('.row-follow')?.title.match(/TCP stream (\d+)/)?.[1]]),
    );
  const streamOf = async (k) => streams.find(([i]) => i === k)[1];
  // A row by index, scrolled to first (the table renders only the rows in view).
  const rows = {
    nth: (k) => ({
      click: async () => {
        await page.locator('#app-table .vt-body').evaluate((el, k) => {
          const h = el.querySelector('[data-testid="table-row"]').offsetHeight;
          el.scrollTop = k * h;
        }, k);
        await page.locator(`#app-table [data-testid="table-row"][data-index="${k}"]`).click();
      },
    }),
  };
  const last = Math.max(...streams.map(([i]) => i));
  assert.notEqual(await streamOf(0), await streamOf(last), 'the first and last requests are on two connections');

  // The selected request's session.
  await rows.nth(last).click();
  await choose(page, 'selected');
  let got = await download(page, '#cut-pcap');
  let want = cliPcap(HTTP, ['--stream', `tcp:${await streamOf(last)}`]);
  assert.equal(got.name, want.name);
  assert.deepEqual(got.bytes, want.bytes);

  // Two requests picked: their two sessions, a zip.
  for (const k of [0, last]) {
    await rows.nth(k).click();
    await page.locator('#cut-add').click();
  }
  await choose(page, 'picked');
  got = await download(page, '#cut-zip');
  assert.deepEqual(
    got.bytes,
    cliZip(HTTP, ['--stream', `tcp:${await streamOf(0)}`, '--stream', `tcp:${await streamOf(last)}`]),
  );

  // The slowest session, intensified.
  await choose(page, 'slowest', 1);
  await page.locator('#cut-copies').fill('2');
  await page.locator('#cut-copies').dispatchEvent('change');
  got = await download(page, '#cut-intensify');
  assert.deepEqual(got.bytes, cliIntensify(HTTP, ['--slowest', '1', '-n', '2']));
  assert.deepEqual(page.errors, []);
  await page.close();
});

test('an intensified file from the page equals wirelens intensify', async () => {
  const page = await opened(MEMCACHED);
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#cut-tools').waitFor();
  await choose(page, 'shown');
  await page.locator('#cut-copies').fill('3');
  await page.locator('#cut-copies').dispatchEvent('change');
  await page.locator('#cut-speedup').fill('2.5');
  await page.locator('#cut-speedup').dispatchEvent('change');
  await page.locator('#cut-spread').fill('1');
  await page.locator('#cut-spread').dispatchEvent('change');
  let got = await download(page, '#cut-intensify');
  assert.deepEqual(got.bytes, cliIntensify(MEMCACHED, ['-n', '3', '--speedup', '2.5', '--spread', '0.001']));
  await page.locator('#cut-keep').check();
  got = await download(page, '#cut-intensify');
  assert.deepEqual(
    got.bytes,
    cliIntensify(MEMCACHED, ['-n', '3', '--speedup', '2.5', '--spread', '0.001', '--keep-addresses']),
  );
  await settle(page);
  await page.close();
});
