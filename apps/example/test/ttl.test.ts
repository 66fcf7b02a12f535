import type { BackendCapabilities } from '@election/core';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../src/flags.js';
import { ttlMsFor } from '../src/ttl.js';

const whole = (min: number, max: number): BackendCapabilities => ({
  lock: true,
  minTtlMs: min,
  maxTtlMs: max,
  wholeSecondTtl: true,
  defaultTtlMs: 10_000,
});
const etcd = { name: 'etcd', capabilities: whole(2000, 86_400_000) };
const consul = { name: 'consul', capabilities: whole(10_000, 86_400_000) };
const staticList = {
  name: 'static',
  capabilities: {
    lock: false,
    minTtlMs: 1,
    maxTtlMs: Number.MAX_SAFE_INTEGER,
    wholeSecondTtl: false,
    defaultTtlMs: 10_000,
  },
};

function message(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UsageError);
    return (error as Error).message;
  }
  throw new Error('expected a UsageError');
}

describe('ttlMsFor: the TTL checked in the unit the user gave', () => {
  it('passes no TTL through (the backend default applies) and converts a valid one to ms', () => {
    expect(ttlMsFor(undefined, undefined, etcd)).toBeUndefined();
    expect(ttlMsFor(5, '--ttl 5', etcd)).toBe(5000);
    expect(ttlMsFor(0.6, '--ttl 0.6', staticList)).toBe(600);
    expect(ttlMsFor(1.1, '--ttl 1.1', staticList)).toBe(1100);
  });

  it('speaks in seconds, names the flag as given, and suggests the nearest TTL that works', () => {
    expect(message(() => ttlMsFor(1.5, '--ttl 1.5', etcd))).toBe(
      '--ttl 1.5: etcd needs a whole number of seconds between 2 and 86400; use 2.',
    );
    expect(message(() => ttlMsFor(2.6, '--ttl 2.6', etcd))).toMatch(/; use 3\.$/);
    expect(message(() => ttlMsFor(1, '--ttl 1', etcd))).toMatch(/^--ttl 1: etcd .*; use 2\.$/);
    expect(message(() => ttlMsFor(100_000, '--ttl 100000', etcd))).toMatch(/; use 86400\.$/);
    expect(message(() => ttlMsFor(5, 'ELECTION_TTL=5', consul))).toBe(
      'ELECTION_TTL=5: consul needs a whole number of seconds between 10 and 86400; use 10.',
    );
    expect(message(() => ttlMsFor(0.0001, '--ttl 0.0001', staticList))).toBe(
      '--ttl 0.0001: static needs a TTL in seconds of at least 0.001; use 0.001.',
    );
  });

  it('never speaks of ttlMs', () => {
    expect(message(() => ttlMsFor(1.5, '--ttl 1.5', etcd))).not.toMatch(/ttlMs|1500/);
  });
});
