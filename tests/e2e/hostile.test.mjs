// A capture whose HTTP URI and headers, memcached keys and MySQL query carry <script> and
// <img onerror=…> markup (tests/e2e/captures.mjs) shown in every place that shows them
// beside the packet list (workspace.test.mjs covers the list, its columns and the
// sessions): the protocol views' tables, a followed stream in each mode, a packet's
// detail tree and bytes. Each shows the markup as text; no script runs (every payload
// sets a flag on window when it runs), no dialog opens, no element is made of a payload,
// and no request leaves the page.

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HOSTILE, XSS_FLAG, hostileCapture } from './captures.mjs';
import { dropFiles, newPage, openTab, pageEnv, readTable, waitLoaded } from './helpers.mjs';


const env = pageEnv();

/** Text of every table of a protocol view, read whole. */
async function viewText(page, app) {
  await openTab(page, app);
  const names = await page.locator('#app-tables [data-table]').evaluateAll((bs) => bs.map((b) => b.getAttribute('data-table')));
  assert.ok(names.length > 0, `${app}: tables`);
  const texts = [];
  for (const name of names) {
    await page.locator(`#app-tables [data-table="${name}"]`).click();
    await page.locator(`#app-tables [data-table="${name}"][aria-selected="true"]`).waitFor();
    for (const row of await readTable(page, 'app-table')) texts.push(...Object.values(row).map(String));
  }
  return texts;
}

/** The followed stream's lines, in the mode chosen. */
async function followText(page, mode) {
  await page.locator('#follow-mode').selectOption(mode);
  await page.locator('[data-testid="follow-line"]').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('#follow .follow-line.pending'));
  return (await page.locator('[data-testid="follow-line"]').allTextContents()).join('\n');
}

async function noScriptRan(page, dialogs, what) {
  await page.waitForTimeout(200);
  const flags = await page.evaluate((f) => window[f], XSS_FLAG);
  assert.equal(flags, undefined, `${what}: no script ran`);
  assert.equal(await page.locator('#app img, #app script, #app b, #app iframe').count(), 0, `${what}: no element made of payload`);
  assert.deepEqual(dialogs, [], `${what}: no dialog`);
}

test('protocol views, followed streams, the detail tree and bytes show hostile payloads as text and run nothing', async () => {
  const page = await newPage(env.browser.context);
  const dialogs = [];
  page.on('dialog', (d) => {
    dialogs.push(d.message());
    d.dismiss();
  });
  const requests = [];
  page.on('request', (r) => requests.push(r.url()));
  await page.goto(env.server.url + '?empty');
  await page.locator('#empty').waitFor();
  await page.waitForLoadState('networkidle');
  const loaded = requests.length;
  await dropFiles(page, [{ name: 'hostile.pcapng', bytes: hostileCapture() }]);
  await waitLoaded(page);

  const cases = [
    ['http', 'requests', [HOSTILE.uri], `GET ${HOSTILE.uri} HTTP/1.1`],
    ['memcache', 'transactions', [HOSTILE.setKey, HOSTILE.getKey], `set ${HOSTILE.setKey} 0 0 5`],
    ['mysql', 'transactions', [HOSTILE.query], HOSTILE.query],
  ];
  for (const [app, list, values, line] of cases) {
    const texts = await viewText(page, app);
    for (const v of values) assert.ok(texts.some((t) => t.includes(v)), `${app}: ${v} shown as text in ${JSON.stringify(texts)}`);
    await noScriptRan(page, dialogs, `${app} view`);
    // Its stream, followed from the view's list of transactions.
    await page.locator(`#app-tables [data-table="${list}"]`).click();
    await page.locator(`#app-tables [data-table="${list}"][aria-selected="true"]`).waitFor();
    await page.locator('#app-table[aria-busy="false"] [data-testid="table-row"] .row-follow').first().click();
    await page.locator('#follow-title').waitFor();
    const ascii = await followText(page, 'ascii');
    assert.ok(ascii.includes(line), `${app}: the followed stream shows ${line} in ${JSON.stringify(ascii)}`);
    const hex = await followText(page, 'hex');
    assert.ok(hex.includes('<script>') || hex.includes('<img'), `${app}: the hex dump's text column`);
    await noScriptRan(page, dialogs, `${app} follow`);
  }

  // The HTTP request's detail tree and its bytes.
  await page.locator('#filter-input').fill('http.request');
  await page.locator('#filter-input').press('Enter');
  await page.locator('#page-info[data-shown="1"]').waitFor();
  await page.locator('[data-testid="packet-row"]').first().click();
  await openTab(page, 'detail');
  await page.locator('#detail-tree [data-testid="tree-node"]').first().waitFor();
  await page.locator('#tree-expand').click();
  await page.locator('#detail-tree', { hasText: HOSTILE.uri }).waitFor();
  const tree = await page.locator('#detail-tree').textContent();
  for (const v of [HOSTILE.uri, HOSTILE.userAgent]) assert.ok(tree.includes(v), `the tree shows ${v}`);
  const ascii = (await page.locator('#hex-view .hex-ascii').allTextContents()).join('');
  assert.ok(ascii.includes('<script>'), `the bytes pane's text: ${ascii}`);
  await noScriptRan(page, dialogs, 'detail');

  assert.deepEqual(requests.slice(loaded), [], 'no request after load');
  assert.deepEqual(page.errors, []);
  await page.close();
});
