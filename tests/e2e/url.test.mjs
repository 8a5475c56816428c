// The view in the URL: a link with a filter, columns, tab, stream and time format lands
// a teammate who opens the same capture on the same view; the fragment follows what is
// shown, without loading anything.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { SAMPLE, newPage, openLayer, pageEnv, settle, tsharkText, waitLoaded } from './helpers.mjs';


const env = pageEnv();

test('the fragment follows the view, and a link to it opens the same view', async () => {
  const page = await newPage(env.browser.context);
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.locator('#file-input').setInputFiles(SAMPLE);
  await waitLoaded(page);
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.locator('#filter-input').fill('tcp.len > 0');
  await page.locator('#columns-input').fill('tcp.stream, tcp.srcport');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#filter-status', { hasText: 'packets match' }).waitFor();
  await page.locator('#time-format').selectOption('delta');
  await openLayer(page, 'conversations', 'tcp');
  await page.locator('#conversations [data-testid="table-row"]').nth(2).locator('.row-follow').click();
  await page.locator('#follow-title', { hasText: 'TCP stream 2' }).waitFor();
  await settle(page);
  const url = page.url();
  const hash = new URL(url).hash;
  assert.equal(
    decodeURIComponent(hash),
    '#tab=follow&filter=tcp.len > 0&columns=tcp.stream, tcp.srcport&stream=tcp:2&time=delta',
  );
  assert.deepEqual(requests, [], 'changing the fragment loads nothing');
  await page.close();

  // A teammate opens the link: nothing is opened until the capture is.
  const mate = await newPage(env.browser.context);
  await mate.goto(url);
  await mate.locator('#shared-view').waitFor();
  assert.equal(await mate.locator('#packet-count').count(), 0, 'the sample is not opened over the shared view');
  await mate.locator('#file-input').setInputFiles(SAMPLE);
  await waitLoaded(mate);
  const want = tsharkText(['-r', SAMPLE, '-Y', 'tcp.len > 0', '-T', 'fields', '-e', 'frame.number']).trim().split('\n').length;
  await mate.locator(`#page-info[data-shown="${want}"]`).waitFor();
  assert.equal(await mate.locator('#filter-input').inputValue(), 'tcp.len > 0');
  assert.deepEqual(await mate.locator('[data-testid="custom-column"]').allTextContents(), ['tcp.stream', 'tcp.srcport']);
  await mate.locator('#tab-follow[aria-selected="true"]').waitFor();
  await mate.locator('#follow-title', { hasText: 'TCP stream 2' }).waitFor();
  assert.equal(await mate.locator('#time-format').inputValue(), 'delta');
  assert.deepEqual(mate.errors, []);
  await mate.close();
});
