import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { BackendUnavailableError } from '../src/index.js';
import { errorForLog, maskError } from '../src/mask-error.js';

/**
 * Review 19c (adversarial review of 01170bc..af3f01c): mask-error.ts after be0c8ce (no memory of
 * masked errors). Each FINDING test fails on main (af3f01c); all are low severity (inputs a
 * custom adapter would have to build).
 */
describe('review19c: maskError', () => {
  it('FINDING (fails on main): "never throws", also on a cause it cannot inspect (a revoked proxy)', () => {
    const { proxy, revoke } = Proxy.revocable({}, {});
    revoke();
    const error = new BackendUnavailableError('connect ECONNREFUSED', { cause: proxy });
    expect(() => maskError(error)).not.toThrow();
    expect(() => errorForLog(error)).not.toThrow();
  });

  it('FINDING (fails on main): an error that lists itself many times is masked in bounded time (no copy per path)', () => {
    const aggregate = new AggregateError([], 'every endpoint failed');
    for (let i = 0; i < 100; i++) (aggregate.errors as unknown[]).push(aggregate);
    const started = performance.now();
    errorForLog(aggregate);
    // 100 self-references: 100^3 copies within MAX_DEPTH (about 0.5 s here at 60, 4 s at 200).
    expect(performance.now() - started).toBeLessThan(250);
  });

  it('FINDING (fails on main): a symbol-keyed property of a reported ElectionError is left as it is: util.inspect prints it', () => {
    const error = new BackendUnavailableError('could not reach etcd');
    (error as unknown as Record<symbol, string>)[Symbol('request')] =
      'GET http://admin:s3cret@etcd:2379/v3?token=abc123';
    expect(inspect(maskError(error))).not.toContain('s3cret');
  });

  it('(passes) a cause that is the error itself is cut at MAX_DEPTH, not followed for ever', () => {
    const error = new BackendUnavailableError('token=abc123 refused');
    Object.defineProperty(error, 'cause', { get: () => error, enumerable: false, configurable: true });
    const masked = maskError(error);
    expect(masked.message).not.toContain('abc123');
    expect(inspect(masked, { depth: 20 })).not.toContain('abc123');
  });
});
