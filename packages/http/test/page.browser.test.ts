import { createElector, type Elector } from '@election/core';
import { createElectionHandler } from '@election/http';
import { createMemoryCluster } from '@election/testing';
import type { Page } from 'playwright-core';
import { afterEach, describe, expect, it } from 'vitest';
import { browserTitle, executablePath, type PageWindow, sharedBrowser } from './browser.js';
import { allSeeLeader, cleanup, cluster, listen, onCleanup } from './support.js';

const TTL_MS = 1000;

const browser = sharedBrowser();
afterEach(cleanup);

interface RunningNode {
  readonly elector: Elector;
  readonly url: string;
  /** Simulates a crash: the node stops answering anyone, backend and browsers alike. */
  kill(): Promise<void>;
}

describe.skipIf(executablePath === undefined)(browserTitle('the live page'), () => {
  it(`shows the new leader and a new timeline entry within TTL + 1 s of a leader crash, without a reload`, async () => {
    const cluster = createMemoryCluster();
    onCleanup(() => cluster.dispose());
    const nodes: RunningNode[] = [];
    for (const id of ['node-a', 'node-b', 'node-c']) {
      const elector = createElector({ id, membership: cluster.backend(), ttlMs: TTL_MS });
      const handler = createElectionHandler(elector, { title: 'Browser test' });
      let alive = true;
      const url = await listen((req, res) => {
        if (alive) handler(req, res);
        else res.destroy();
      });
      nodes.push({
        elector,
        url,
        async kill() {
          alive = false;
          cluster.partition(id);
          handler.close();
          await elector.stop({ resign: false });
        },
      });
      onCleanup(async () => {
        handler.close();
        await elector.stop({ resign: false });
      });
    }
    await Promise.all(nodes.map((node) => node.elector.start()));
    await allSeeLeader(
      nodes.map((node) => node.elector),
      'node-a',
    );

    const page = await browser().newPage();
    onCleanup(() => page.close());
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(error.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    const survivor = nodes[1]!;
    await page.goto(`${survivor.url}/`);
    // Functions, not strings: the page's CSP forbids eval, and Playwright polls strings with it.
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageWindow).document.getElementById('connection')?.textContent === 'live',
      undefined,
      { timeout: 5000 },
    );
    expect(await page.textContent('#leader')).toBe('node-a');
    expect(await page.textContent('#title-id')).toBe('node-b');
    expect(await page.textContent('#reason')).toBe(
      'Outranked by node-a: its id sorts first (UTF-8 byte order).',
    );
    const rows = await page.locator('#members tr').allTextContents();
    expect(rows).toEqual(['1node-a LEADER0candidate', '2node-b this node0candidate', '3node-c0candidate']);
    const entriesBefore = await page.locator('#timeline li').count();
    // Marks this document: if the page reloaded, the mark would be gone.
    await page.evaluate(() => {
      (globalThis as unknown as PageWindow).mark = 42;
    });

    const killedAt = performance.now();
    await nodes[0]!.kill();
    // The new leader is shown, and the newest timeline entry (one more than before) names it.
    await page.waitForFunction(
      (before) => {
        const { document } = globalThis as unknown as PageWindow;
        const leader = document.getElementById('leader')?.textContent ?? '';
        const entries = document.querySelectorAll('#timeline li');
        return (
          !['node-a', 'none', ''].includes(leader) &&
          entries.length > before &&
          (entries[0]?.textContent ?? '').includes(`→ ${leader} `)
        );
      },
      entriesBefore,
      { timeout: TTL_MS + 1000, polling: 'raf' },
    );
    const tookMs = performance.now() - killedAt;
    console.log(
      `browser test: the page showed the new leader ${Math.round(tookMs)} ms after the leader crashed`,
    );

    expect(await page.textContent('#leader')).toBe('node-b');
    expect(await page.evaluate(() => (globalThis as unknown as PageWindow).mark)).toBe(42);
    const newest = await page.textContent('#timeline li:first-child');
    expect(newest).toMatch(/→ node-b \(term \d+\): elected$/);
    // The lock can show node-b as holder a moment before node-b's own acquire is answered. A wait
    // for that answer to reach the page, not a bound (the bound is the TTL + 1 s above).
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageWindow).document.getElementById('phase')?.textContent ===
        'leader (LEADER)',
      undefined,
      { timeout: 5000 },
    );
    expect(await page.textContent('#lease-text')).toMatch(/^\d\.\d s left of \d\.\d s/);
    expect(await page.textContent('#announce')).toBe('Leader is now node-b.');
    await page.waitForFunction(
      () => (globalThis as unknown as PageWindow).document.querySelectorAll('#members tr').length === 2,
      undefined,
      { timeout: 5000 },
    );
    expect(errors).toEqual([]);
  }, 20_000);

  /** A leading node's page, its browser clock `offMs` off, once the chart shows one leadership. */
  async function chartPage(offMs: number) {
    const { node } = cluster();
    const a = node('a');
    const handler = createElectionHandler(a);
    onCleanup(() => handler.close());
    const url = await listen((req, res) => handler(req, res));
    await a.start();
    await allSeeLeader([a], 'a');
    const page = await browser().newPage();
    onCleanup(() => page.close());
    await page.addInitScript(offsetBrowserClock, offMs);
    await page.goto(`${url}/`);
    await page.waitForFunction(
      () =>
        (globalThis as unknown as PageWindow).document.querySelectorAll('#chart svg rect.seg').length === 1,
      undefined,
      { timeout: 5000 },
    );
    return page;
  }

  // The chart spans what this node has seen (10 s at first) in the server's wall time (the
  // timeline's), so a browser clock a few seconds off moves a young leadership by a large share of
  // the chart: off its right edge (browser behind) or stretched over what it did not lead (ahead).
  it.each([-20_000, 20_000])(
    'draws a running leadership up to now on a browser clock %i ms off the server',
    async (offMs) => {
      const page = await chartPage(offMs);
      const box = await chartBox(page);
      console.log(
        `chart, browser clock ${offMs} ms off: lane ${JSON.stringify(box.lane)}, bar ${JSON.stringify(box.bar)}`,
      );
      // Inside the lane, ending at now (the lane's right edge)...
      expect(box.bar.x).toBeGreaterThanOrEqual(box.lane.x);
      expect(box.bar.x + box.bar.width).toBeCloseTo(box.lane.x + box.lane.width, 0);
      // ...and as long as the leadership is: a second or two of a 10 s chart, not most of it.
      expect(box.bar.width).toBeLessThan(box.lane.width / 2);
    },
    20_000,
  );

  // The browser's wall clock stepping after the page loaded (an NTP step, a user changing the time)
  // must not move the chart either: it runs on the server's reading carried on by a monotonic clock.
  it('keeps a running leadership in place when the browser clock steps 20 s ahead after load', async () => {
    const page = await chartPage(0);
    await page.evaluate(() => {
      (globalThis as unknown as { __clockOffsetMs: number }).__clockOffsetMs = 20_000;
    });
    // The chart redraws every second on a short span: wait for two redraws after the step.
    const redraws = await page.evaluate(() => {
      const doc = (globalThis as unknown as PageWindow).document;
      const chart = () => doc.querySelectorAll('#chart svg')[0];
      const first = chart();
      return new Promise<number>((resolve) => {
        let seen = 0;
        let last = first;
        const poll = setInterval(() => {
          const current = chart();
          if (current !== last) {
            last = current;
            if (++seen === 2) {
              clearInterval(poll);
              resolve(seen);
            }
          }
        }, 20);
      });
    });
    expect(redraws).toBe(2);
    const after = await chartBox(page);
    console.log(`chart after a +20 s browser clock step: lane ${after.lane.width}, bar ${after.bar.width}`);
    expect(after.bar.width).toBeLessThan(after.lane.width / 2);
  }, 20_000);
});

/** Runs in the page before its scripts: Date.now() off by `__clockOffsetMs`, which a test may change. */
function offsetBrowserClock(offMs: number) {
  const holder = globalThis as unknown as { __clockOffsetMs: number };
  holder.__clockOffsetMs = offMs;
  const now = Date.now.bind(Date);
  Date.now = () => now() + holder.__clockOffsetMs;
}

/** The chart's lane and its one leadership bar, as drawn (SVG user units). */
function chartBox(page: Page) {
  return page.evaluate(() => {
    type Rect = { getAttribute(name: string): string | null };
    const doc = (globalThis as unknown as { document: { querySelectorAll(s: string): ArrayLike<Rect> } })
      .document;
    const n = (selector: string, name: string) =>
      Number(doc.querySelectorAll(selector)[0]?.getAttribute(name));
    return {
      lane: { x: n('#chart svg rect.lane', 'x'), width: n('#chart svg rect.lane', 'width') },
      bar: { x: n('#chart svg rect.seg', 'x'), width: n('#chart svg rect.seg', 'width') },
    };
  });
}
