#!/usr/bin/env node
// The live page of @election/http is tested in a real browser: Debian's chromium, driven by
// playwright-core with that executable (nothing is downloaded). This makes sure it is there: as
// root with apt-get it installs Debian's chromium; anywhere else it says how. Without it the
// browser test is skipped with a title that says so, which CI (CI=true) does not accept.
import { aptInstall, canApt, has } from './apt.mjs';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

if (process.env.CHROMIUM_PATH) {
  console.log(`ensure-chromium: using CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`);
} else if (NAMES.some(has)) {
  console.log(`ensure-chromium: ${NAMES.find(has)} found on PATH`);
} else if (canApt()) {
  aptInstall('ensure-chromium', ['chromium']);
} else {
  console.error(
    'ensure-chromium: the browser test of the live page needs Chromium on PATH. Install it\n' +
      '(Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH; without it that test is skipped.',
  );
  process.exit(process.env.CI ? 1 : 0);
}
