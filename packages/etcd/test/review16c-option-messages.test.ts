import { testOptionAnswers } from '@election/testing';
import * as vitest from 'vitest';
import { createEtcdMembership } from '../src/index.js';

/**
 * review16c: createEtcdMembership's answer (the error class, code and message, or "ok") for a
 * table of bad inputs, as fbbff79 gave it. The option schema (defineOptions) port claimed the
 * same messages; each row that differs is a behaviour change of the API.
 */
const cases: Record<string, unknown> = {
  null: null,
  string: 'x',
  'election ""': { election: '' },
  'election a/b': { election: 'a/b' },
  'election 5': { election: 5 },
  'election ctrl': { election: 'a\u0001' },
  'prefix ""': { prefix: '' },
  'prefix /': { prefix: '/' },
  'prefix a//b': { prefix: 'a//b' },
  'prefix /a/b/': { prefix: '/a/b/' },
  'prefix 5': { prefix: 5 },
  'defaultTtlMs 1500': { defaultTtlMs: 1500 },
  'defaultTtlMs 2500': { defaultTtlMs: 2500 },
  'defaultTtlMs "10000"': { defaultTtlMs: '10000' },
  'defaultTtlMs NaN': { defaultTtlMs: Number.NaN },
  'defaultTtlMs 1e9': { defaultTtlMs: 1e9 },
  'requestTimeoutMs 0': { requestTimeoutMs: 0 },
  'requestTimeoutMs -1': { requestTimeoutMs: -1 },
  'requestTimeoutMs 1.5': { requestTimeoutMs: 1.5 },
  'requestTimeoutMs Infinity': { requestTimeoutMs: Number.POSITIVE_INFINITY },
  'requestTimeoutMs "5"': { requestTimeoutMs: '5' },
  'leaveTimeoutMs 0': { leaveTimeoutMs: 0 },
  'client + endpoints': { client: {}, endpoints: ['http://127.0.0.1:1'] },
  'client {}': { client: {} },
  'endpoints []': { endpoints: [] },
  'endpoints "x"': { endpoints: 'http://127.0.0.1:1' },
  'endpoints [5]': { endpoints: [5] },
  'tls {}': { tls: {} },
  'auth {}': { auth: {} },
  'two bad: election + ttl': { election: '', defaultTtlMs: 1 },
  'two bad: ttl + election': { defaultTtlMs: 1, election: '' },
  'two bad: prefix + requestTimeoutMs': { requestTimeoutMs: 0, prefix: '' },
  'unknown key': { electoin: 'x' },
};

/** fbbff79's answers. */
const expected: Record<string, string> = {
  null: 'ConfigurationError INVALID_OPTION [@election/etcd] createEtcdMembership needs an options object, e.g. { endpoints: [...] }.',
  string:
    'ConfigurationError INVALID_OPTION [@election/etcd] createEtcdMembership needs an options object, e.g. { endpoints: [...] }.',
  'election ""':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got "".',
  'election a/b':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got "a/b".',
  'election 5':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got 5.',
  'election ctrl':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got "a\\u0001".',
  'prefix ""':
    'ConfigurationError INVALID_OPTION [@election/etcd] prefix must be a non-empty key path such as "election" or "myapp/election", got "".',
  'prefix /':
    'ConfigurationError INVALID_OPTION [@election/etcd] prefix must be a non-empty key path such as "election" or "myapp/election", got "/".',
  'prefix a//b':
    'ConfigurationError INVALID_OPTION [@election/etcd] prefix must be a non-empty key path such as "election" or "myapp/election", got "a//b".',
  'prefix /a/b/': 'ok',
  'prefix 5':
    'ConfigurationError INVALID_OPTION [@election/etcd] prefix must be a non-empty key path such as "election" or "myapp/election", got 5.',
  'defaultTtlMs 1500':
    'ConfigurationError INVALID_OPTION [@election/etcd] defaultTtlMs 1500 is not a valid etcd lease TTL: it must be a whole number of seconds between 2000 and 86400000 ms (etcd leases count whole seconds, at least 2). Use 2000, for example.',
  'defaultTtlMs 2500':
    'ConfigurationError INVALID_OPTION [@election/etcd] defaultTtlMs 2500 is not a valid etcd lease TTL: it must be a whole number of seconds between 2000 and 86400000 ms (etcd leases count whole seconds, at least 2). Use 2000, for example.',
  'defaultTtlMs "10000"':
    'ConfigurationError INVALID_OPTION [@election/etcd] defaultTtlMs must be a number of milliseconds, got 10000.',
  'defaultTtlMs NaN':
    'ConfigurationError INVALID_OPTION [@election/etcd] defaultTtlMs must be a number of milliseconds, got NaN.',
  'defaultTtlMs 1e9':
    'ConfigurationError INVALID_OPTION [@election/etcd] defaultTtlMs 1000000000 is not a valid etcd lease TTL: it must be a whole number of seconds between 2000 and 86400000 ms (etcd leases count whole seconds, at least 2). Use 86400000, for example.',
  'requestTimeoutMs 0':
    'ConfigurationError INVALID_OPTION [@election/etcd] requestTimeoutMs must be a positive number of milliseconds, got 0.',
  'requestTimeoutMs -1':
    'ConfigurationError INVALID_OPTION [@election/etcd] requestTimeoutMs must be a positive number of milliseconds, got -1.',
  'requestTimeoutMs 1.5': 'ok',
  'requestTimeoutMs Infinity':
    'ConfigurationError INVALID_OPTION [@election/etcd] requestTimeoutMs must be a positive number of milliseconds, got Infinity.',
  'requestTimeoutMs "5"':
    'ConfigurationError INVALID_OPTION [@election/etcd] requestTimeoutMs must be a positive number of milliseconds, got 5.',
  'leaveTimeoutMs 0':
    'ConfigurationError INVALID_OPTION [@election/etcd] leaveTimeoutMs must be a positive number of milliseconds, got 0.',
  'client + endpoints':
    'ConfigurationError INVALID_OPTION [@election/etcd] Pass either client or connection options, not both: remove endpoints or client.',
  'client {}':
    'ConfigurationError INVALID_OPTION [@election/etcd] client must be an Etcd3 instance from the etcd3 package.',
  'endpoints []':
    'ConfigurationError INVALID_OPTION [@election/etcd] endpoints must be a non-empty list of etcd client URLs such as "http://127.0.0.1:2379".',
  'endpoints "x"': 'ok',
  'endpoints [5]':
    'ConfigurationError INVALID_OPTION [@election/etcd] endpoints must be a non-empty list of etcd client URLs such as "http://127.0.0.1:2379".',
  'tls {}':
    'ConfigurationError INVALID_OPTION [@election/etcd] tls needs ca, and cert and key together (or neither).',
  'auth {}':
    'ConfigurationError INVALID_OPTION [@election/etcd] auth needs a username and a password, both strings.',
  'two bad: election + ttl':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got "".',
  'two bad: ttl + election':
    'ConfigurationError INVALID_OPTION [@election/etcd] election must be a non-empty string without "/" or control characters, got "".',
  'two bad: prefix + requestTimeoutMs':
    'ConfigurationError INVALID_OPTION [@election/etcd] prefix must be a non-empty key path such as "election" or "myapp/election", got "".',
  'unknown key': 'ok',
};

testOptionAnswers(
  vitest,
  'review16c: etcd option errors are those of fbbff79',
  createEtcdMembership,
  cases,
  expected,
);
