#!/usr/bin/env node
// The live page of @election/http is tested in a real browser: Debian's chromium, driven by
// playwright-core with that executable (nothing is downloaded). This makes sure it is there: as
// root with apt-get it installs Debian's chromium; anywhere else it says how. Without it the
// browser test is skipped with a title that says so, which CI (CI=true) does not accept.
import { ensure, has } from './apt.mjs';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome-stable', 'google-chrome'];

ensure('ensure-chromium', {
  using: process.env.CHROMIUM_PATH && `CHROMIUM_PATH=${process.env.CHROMIUM_PATH}`,
  found: NAMES.some(has) && `${NAMES.find(has)} found on PATH`,
  packages: ['chromium'],
  missing:
    'the browser test of the live page needs Chromium on PATH. Install it\n' +
    '(Debian/Ubuntu: sudo apt-get install chromium) or set CHROMIUM_PATH; without it that test is skipped.',
  required: false,
});
