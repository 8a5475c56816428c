// The packet detail pane of conversations no parser of ours reads, whose detail looks at
// the conversation's other segments (SSH's key exchange replayed, a binary packet cut
// over segments, FTP/SMTP/POP/IMAP/Telnet lines and replies cut over segments): every
// packet's tree, stepped through in the packet list, reads as `wirelens list -V` of the
// whole file (which the PDML golden checks against tshark).

import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO, cliPath, newPage, openTab, pageEnv, treeLines, waitLoaded } from './helpers.mjs';

const CAPTURES = [
  join(REPO, 'tests', 'data', 'tcpapps', 'detail.pcap'),
  join(REPO, 'tests', 'data', 'ssh', 'ssh-made.pcap'),
];

const env = pageEnv();

/** `wirelens list -V` of the whole file, one array of lines a packet. */
function cliTrees(file) {
  const out = execFileSync(cliPath(), ['list', '-V', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return out.split(/\n\n(?=Frame \d+: )/).map((p) => p.split('\n').filter((l) => l !== ''));
}

for (const file of CAPTURES) {
  test(`every packet's tree of ${file.split('/').pop()} reads as \`list -V\``, async () => {
    const want = cliTrees(file);
    const page = await newPage(env.browser.context);
    await page.goto(env.server.url + '?empty');
    await page.locator('#empty').waitFor();
    await page.locator('#file-input').setInputFiles(file);
    await waitLoaded(page);
    await openTab(page, 'detail');
    const list = page.locator('#packet-scroll');
    await list.focus();
    await list.press('Home');
    const worker = page.workers().find((w) => w.url().includes('wirelens-worker'));
    let rounds = 0;
    for (let k = 1; k <= want.length; k++) {
      await page.locator(`[data-testid="packet-row"][aria-selected="true"] td:first-child:text-is("${k}")`).waitFor();
      const first = page.locator('#detail-tree [data-testid="tree-node"]').first();
      await first.locator(`.tree-text:text-matches("^Frame ${k}: ")`).waitFor({ timeout: 60_000 });
      await page.locator('#tree-expand').click();
      assert.deepEqual(await treeLines(page), want[k - 1], `${file} frame ${k}`);
      const steps = await worker.evaluate(() => self.wirelensDetails ?? []);
      rounds = Math.max(rounds, ...steps.map((d) => d.rounds ?? 0));
      await list.focus();
      await list.press('ArrowDown');
    }
    // Some packets needed the conversation's other segments, read in a round of their own.
    assert.ok(rounds >= 1, `rounds of reads: ${rounds}`);
    assert.deepEqual(page.errors, []);
    await page.close();
  });
}
