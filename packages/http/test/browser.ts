import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';

/**
 * The live page in a real browser: Debian's `chromium` (installed by scripts/ensure-chromium.mjs),
 * driven by playwright-core with that executable; nothing is downloaded. Without chromium the tests
 * are skipped, and their title says so.
 */
function findChromium(): string | undefined {
  if (process.env.CHROMIUM_PATH) return process.env.CHROMIUM_PATH;
  const dirs = (process.env.PATH ?? '').split(delimiter).filter((dir) => dir !== '');
  for (const name of ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome']) {
    for (const dir of dirs) {
      try {
        accessSync(join(dir, name), constants.X_OK);
        return join(dir, name);
      } catch {
        // not here
      }
    }
  }
  return undefined;
}

export const executablePath = findChromium();

/** The describe title: what runs, or that it is skipped and why. */
export function browserTitle(what: string): string {
  if (executablePath !== undefined) return `${what} in Chromium (${executablePath})`;
  const skipped = `${what} in Chromium: SKIPPED, no chromium on PATH (apt-get install chromium, or set CHROMIUM_PATH)`;
  // The default reporter lists a skipped file without its titles: say it here too.
  console.warn(`[@election/http] ${skipped}`);
  return skipped;
}

export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: executablePath as string,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-dev-shm-usage'],
  });
}

/**
 * One Chromium for a test file: launched before its tests (when there is one), closed after them.
 * Returns a getter for it, for use inside the tests.
 */
export function sharedBrowser(): () => Browser {
  let browser: Browser | undefined;
  beforeAll(async () => {
    if (executablePath) browser = await launchBrowser();
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
  });
  return () => {
    if (!browser) throw new Error('no browser: the test should have been skipped without chromium');
    return browser;
  };
}

/** What the page-side functions use of the browser's globals (this package's types have no DOM). */
export interface PageElement {
  readonly textContent: string | null;
  readonly scrollWidth: number;
  readonly clientWidth: number;
}
export interface PageWindow {
  readonly document: {
    getElementById(id: string): PageElement | null;
    querySelectorAll(selector: string): ArrayLike<PageElement>;
    readonly documentElement: PageElement;
  };
  readonly innerWidth: number;
  mark?: number;
}
