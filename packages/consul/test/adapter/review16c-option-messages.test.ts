import { testOptionAnswers } from '@election/testing';
import * as vitest from 'vitest';
import { createConsulMembership } from '../../src/index.js';

/**
 * review16c: createConsulMembership's answer (the error class, code and message, or "ok") for a
 * table of bad inputs, as fbbff79 gave it. The option schema (defineOptions) port claimed the
 * same messages; each row that differs is a behaviour change of the API.
 */
const cases: Record<string, unknown> = {
  null: null,
  string: 'x',
  'election ""': { election: '' },
  'election a/b': { election: 'a/b' },
  'election ..': { election: '..' },
  'election " a"': { election: ' a' },
  'election 5': { election: 5 },
  'prefix ""': { prefix: '' },
  'prefix /a/': { prefix: '/a/' },
  'prefix a//b': { prefix: 'a//b' },
  'prefix a/../b': { prefix: 'a/../b' },
  'port 0': { port: 0 },
  'port 70000': { port: 70000 },
  'port "8500"': { port: '8500' },
  'port 1.5': { port: 1.5 },
  'host 5': { host: 5 },
  'host ""': { host: '' },
  'secure "yes"': { secure: 'yes' },
  'token 5': { token: 5 },
  'token ""': { token: '' },
  'datacenter ""': { datacenter: '' },
  'lockDelaySeconds -1': { lockDelaySeconds: -1 },
  'lockDelaySeconds 61': { lockDelaySeconds: 61 },
  'lockDelaySeconds 1.5': { lockDelaySeconds: 1.5 },
  'sessionChecks "x"': { sessionChecks: 'x' },
  'requestTimeoutMs 50': { requestTimeoutMs: 50 },
  'requestTimeoutMs 1e9': { requestTimeoutMs: 1e9 },
  'requestTimeoutMs 150.5': { requestTimeoutMs: 150.5 },
  'watchWaitSeconds 0': { watchWaitSeconds: 0 },
  'watchWaitSeconds 601': { watchWaitSeconds: 601 },
  'watchMinIntervalMs -1': { watchMinIntervalMs: -1 },
  'leaveTimeoutMs 0': { leaveTimeoutMs: 0 },
  'client {}': { client: {} },
  'client + host': { client: { kv: {}, session: {} }, host: 'h' },
  'two bad: port + election': { port: 0, election: '' },
  'two bad: election + port': { election: '', port: 0 },
  'unknown key': { electoin: 'x' },
};

/** fbbff79's answers. */
const expected: Record<string, string> = {
  null: 'ConfigurationError INVALID_OPTION [@election/consul] createConsulMembership() takes an options object.',
  string:
    'ConfigurationError INVALID_OPTION [@election/consul] createConsulMembership() takes an options object.',
  'election ""': 'ConfigurationError INVALID_OPTION [@election/consul] election must be a non-empty string.',
  'election a/b': 'ConfigurationError INVALID_OPTION [@election/consul] election "a/b" must not contain "/".',
  'election ..':
    'ConfigurationError INVALID_OPTION [@election/consul] election ".." must not contain "." or ".." segments (Consul refuses path traversal).',
  'election " a"':
    'ConfigurationError INVALID_OPTION [@election/consul] election " a" must not start or end with whitespace (a validating Consul agent refuses keys that do; remove it).',
  'election 5': 'ConfigurationError INVALID_OPTION [@election/consul] election must be a non-empty string.',
  'prefix ""': 'ConfigurationError INVALID_OPTION [@election/consul] prefix must be a non-empty string.',
  'prefix /a/':
    'ConfigurationError INVALID_OPTION [@election/consul] prefix "/a/" must not start or end with "/" nor contain "//" (Consul keys).',
  'prefix a//b':
    'ConfigurationError INVALID_OPTION [@election/consul] prefix "a//b" must not start or end with "/" nor contain "//" (Consul keys).',
  'prefix a/../b':
    'ConfigurationError INVALID_OPTION [@election/consul] prefix "a/../b" must not contain "." or ".." segments (Consul refuses path traversal).',
  'port 0':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 0.',
  'port 70000':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 70000.',
  'port "8500"':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 8500.',
  'port 1.5':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 1.5.',
  'host 5':
    'ConfigurationError INVALID_OPTION [@election/consul] host must be a non-empty string when given.',
  'host ""':
    'ConfigurationError INVALID_OPTION [@election/consul] host must be a non-empty string when given.',
  'secure "yes"': 'ConfigurationError INVALID_OPTION [@election/consul] secure must be true or false.',
  'token 5':
    'ConfigurationError INVALID_OPTION [@election/consul] token must be a non-empty string when given.',
  'token ""':
    'ConfigurationError INVALID_OPTION [@election/consul] token must be a non-empty string when given.',
  'datacenter ""':
    'ConfigurationError INVALID_OPTION [@election/consul] datacenter must be a non-empty string when given.',
  'lockDelaySeconds -1':
    'ConfigurationError INVALID_OPTION [@election/consul] lockDelaySeconds must be a whole number of seconds from 0 to 60, got -1.',
  'lockDelaySeconds 61':
    'ConfigurationError INVALID_OPTION [@election/consul] lockDelaySeconds must be a whole number of seconds from 0 to 60, got 61.',
  'lockDelaySeconds 1.5':
    'ConfigurationError INVALID_OPTION [@election/consul] lockDelaySeconds must be a whole number of seconds from 0 to 60, got 1.5.',
  'sessionChecks "x"':
    'ConfigurationError INVALID_OPTION [@election/consul] sessionChecks must be "serfHealth" or "none", got "x".',
  'requestTimeoutMs 50':
    'ConfigurationError INVALID_OPTION [@election/consul] requestTimeoutMs must be a whole number of ms from 100 to 600000, got 50.',
  'requestTimeoutMs 1e9':
    'ConfigurationError INVALID_OPTION [@election/consul] requestTimeoutMs must be a whole number of ms from 100 to 600000, got 1000000000.',
  'requestTimeoutMs 150.5':
    'ConfigurationError INVALID_OPTION [@election/consul] requestTimeoutMs must be a whole number of ms from 100 to 600000, got 150.5.',
  'watchWaitSeconds 0':
    'ConfigurationError INVALID_OPTION [@election/consul] watchWaitSeconds must be a whole number of seconds from 1 to 600, got 0.',
  'watchWaitSeconds 601':
    'ConfigurationError INVALID_OPTION [@election/consul] watchWaitSeconds must be a whole number of seconds from 1 to 600, got 601.',
  'watchMinIntervalMs -1':
    'ConfigurationError INVALID_OPTION [@election/consul] watchMinIntervalMs must be a whole number of ms from 0 to 60000, got -1.',
  'leaveTimeoutMs 0':
    'ConfigurationError INVALID_OPTION [@election/consul] leaveTimeoutMs must be a whole number of ms from 100 to 600000, got 0.',
  'client {}':
    'ConfigurationError INVALID_OPTION [@election/consul] client must be a client created with `new Consul(...)` from the npm package "consul".',
  'client + host':
    'ConfigurationError INVALID_OPTION [@election/consul] Pass either client or host/port/secure/ca, not both: the client already has a connection.',
  'two bad: port + election':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 0.',
  'two bad: election + port':
    'ConfigurationError INVALID_OPTION [@election/consul] port must be a whole number of a TCP port from 1 to 65535, got 0.',
  'unknown key': 'ok',
};

testOptionAnswers(
  vitest,
  'review16c: Consul option errors are those of fbbff79',
  createConsulMembership,
  cases,
  expected,
);
