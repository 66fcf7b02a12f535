import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createAdapterFixture } from '../support/adapter-fixture.js';
import { createCaptureLogger } from '../support/capture-logger.js';
import { joinRequest } from '../support/join-request.js';

/**
 * slim23 moved the takeover line into joinRounds' `log`, and its wording changed
 * ("… of <id> to join at once …", was "… of <id> and joining at once …"). The README's Takeover
 * section still quotes the old line, which an operator greps for.
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8').replace(/\s+/g, ' ');

describe('the README quotes the takeover line the adapter writes', () => {
  it('the info line of a takeover appears in the README (with <id> for the id)', async () => {
    const fx = await createAdapterFixture({ minSessionTtlMs: 1_000 });
    try {
      await fx.join(fx.backend(), joinRequest('node-a', { ttlMs: 1_000 }));
      const logger = createCaptureLogger();
      await fx.join(fx.backend(), joinRequest('node-a', { ttlMs: 1_000, logger, takeover: true }));
      const line = logger.records.find((r) => /takeover/.test(r.msg ?? ''))?.msg ?? '';
      expect(line).not.toBe('');
      const quoted = line.replaceAll('node-a', '<id>');
      expect(readme.includes(quoted), `the README does not quote: ${quoted}`).toBe(true);
    } finally {
      await fx.cleanup();
    }
  }, 15_000);
});
