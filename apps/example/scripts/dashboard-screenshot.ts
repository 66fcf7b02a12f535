/**
 * Takes docs/images/dashboard.png: runs `pnpm demo`'s built script, opens node-2's live page in
 * headless Chromium (Debian's, via playwright-core: nothing is downloaded) as soon as the demo
 * prints it, keeps it open through the failover and the hand-back, and shoots it then.
 *
 *   pnpm exec turbo run build --filter election-node... && pnpm --filter election-node screenshot
 */
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { findOnPath } from '@election/tools';
import { chromium } from 'playwright-core';

const DEMO = fileURLToPath(new URL('../dist/demo.js', import.meta.url));
const OUT = fileURLToPath(new URL('../../../docs/images/dashboard.png', import.meta.url));
const executablePath =
  process.env.CHROMIUM_PATH ??
  ['chromium', 'chromium-browser', 'google-chrome'].map(findOnPath).find(Boolean);
if (!executablePath) throw new Error('no chromium on PATH: apt-get install chromium, or set CHROMIUM_PATH');

const browser = await chromium.launch({ executablePath, headless: true });
const page = await browser.newPage({ viewport: { width: 1100, height: 760 }, colorScheme: 'light' });
const demo = spawn(process.execPath, [DEMO], {
  stdio: ['ignore', 'pipe', 'inherit'],
  env: { ...process.env, NO_COLOR: '1' },
});
let shot: Promise<void> | undefined;
for await (const line of createInterface({ input: demo.stdout })) {
  process.stdout.write(`${line}\n`);
  const url = /^ {4}node-2 {2}(http:\/\/127\.0\.0\.1:\d+\/)$/.exec(line)?.[1];
  // The demo prints the URLs just before it starts the nodes: wait for node-2 to answer.
  if (url) void openWhenUp(url);
  if (line.startsWith('✔ hand-back')) {
    shot = page.screenshot({ path: OUT, fullPage: true }).then(() => console.log(`saved ${OUT}`));
  }
}
await shot;
await browser.close();

async function openWhenUp(url: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await page.goto(url);
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}
