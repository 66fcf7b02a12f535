import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../src/index.js';
import { errorForLog, maskError } from '../src/mask-error.js';

const SECRET = 'http://admin:s3cret@etcd.internal:2379/v3?token=abc123';

describe('maskError (review19d)', () => {
  it('a Proxy error whose get trap differs from its descriptors: what it reads is masked too', () => {
    const target = new Error('connect ECONNREFUSED');
    const proxied = new Proxy(target, {
      get: (t, key, receiver) => (key === 'message' ? `connect ${SECRET}` : Reflect.get(t, key, receiver)),
    });
    const masked = maskError(proxied);
    expect(masked.message).not.toContain('s3cret');
    expect(inspect(masked)).not.toContain('s3cret');
  });

  it('a sparse array with a huge length in a cause: its first items only, at once', () => {
    const details = [] as unknown[];
    details.length = 2 ** 22; // 4M holes: about 1 s here (2 ** 26: 18 s); 2**32-1 would take minutes and gigabytes
    const error = new BackendUnavailableError('connect ECONNREFUSED', { cause: { details } });
    const started = performance.now();
    maskError(error);
    errorForLog(error);
    // util.inspect prints such an array in microseconds.
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('an enumerable property on an error class prototype is masked: the pino err serializer walks it (for...in, pino-std-serializers 7.1.0 lib/err.js:28)', () => {
    class EndpointError extends Error {}
    (EndpointError.prototype as unknown as { endpoint: string }).endpoint = SECRET;
    const error = new EndpointError('connect ECONNREFUSED');
    const printed: Record<string, unknown> = {};
    for (const candidate of [maskError(error), errorForLog(error) as Error]) {
      // What pino's err serializer does with every key of the error it is given.
      for (const key in candidate) printed[key] = (candidate as unknown as Record<string, unknown>)[key];
      expect(JSON.stringify(printed)).not.toContain('s3cret');
    }
  });
});
