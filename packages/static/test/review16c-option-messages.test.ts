import { testOptionAnswers } from '@election/testing';
import * as vitest from 'vitest';
import { createStaticMembership } from '../src/index.js';

/**
 * review16c: createStaticMembership's answer (the error class, code and message, or "ok") for a
 * table of bad inputs, as fbbff79 gave it. The option schema (defineOptions) port claimed the
 * same messages; each row that differs is a behaviour change of the API.
 */
const probe = async () => true;
const cases: Record<string, unknown> = {
  null: null,
  string: 'x',
  'no members': {},
  'members []': { members: [] },
  'members "a"': { members: 'a' },
  'member null': { members: [null] },
  'member no id': { members: [{}] },
  'member id ""': { members: [{ id: '' }] },
  'member id 5': { members: [{ id: 5 }] },
  'duplicate ids': { members: [{ id: 'a' }, { id: 'a' }] },
  'priority "1"': { members: [{ id: 'a', priority: '1' }] },
  'priority NaN': { members: [{ id: 'a', priority: Number.NaN }] },
  'metadata 5': { members: [{ id: 'a', metadata: 5 }] },
  'metadata value 5': { members: [{ id: 'a', metadata: { k: 5 } }] },
  'url 5': { members: [{ id: 'a', url: 5 }] },
  'url "not a url"': { members: [{ id: 'a', url: 'not a url' }] },
  'url ftp': { members: [{ id: 'a', url: 'ftp://x' }] },
  'probe 5': { members: [{ id: 'a' }], probe: 5 },
  'probe intervalMs 0': { members: [{ id: 'a' }], probe: { intervalMs: 0, check: probe } },
  'probe timeoutMs -1': { members: [{ id: 'a' }], probe: { timeoutMs: -1, check: probe } },
  'probe failureThreshold 0': { members: [{ id: 'a' }], probe: { failureThreshold: 0, check: probe } },
  'probe successThreshold 1.5': { members: [{ id: 'a' }], probe: { successThreshold: 1.5, check: probe } },
  'probe path "x"': { members: [{ id: 'a', url: 'http://127.0.0.1:1' }], probe: { path: 'x' } },
  'probe path 5': { members: [{ id: 'a', url: 'http://127.0.0.1:1' }], probe: { path: 5 } },
  'probe check 5': { members: [{ id: 'a' }], probe: { check: 5 } },
  'checkDuplicates "yes"': { members: [{ id: 'a' }], checkDuplicates: 'yes' },
  'two members, second no url': { members: [{ id: 'a', url: 'http://127.0.0.1:1' }, { id: 'b' }] },
  'two bad: id + probe': { members: [{ id: '' }], probe: 5 },
  'unknown key': { members: [{ id: 'a' }], memebrs: 1 },
};

/** fbbff79's answers. */
const expected: Record<string, string> = {
  null: 'ConfigurationError INVALID_OPTION [@election/static] createStaticMembership needs an options object.',
  string:
    'ConfigurationError INVALID_OPTION [@election/static] createStaticMembership needs an options object.',
  'no members':
    'ConfigurationError INVALID_OPTION [@election/static] members must be a non-empty array of { id, url?, priority?, observer?, meta? }.',
  'members []':
    'ConfigurationError INVALID_OPTION [@election/static] members must be a non-empty array of { id, url?, priority?, observer?, meta? }.',
  'members "a"':
    'ConfigurationError INVALID_OPTION [@election/static] members must be a non-empty array of { id, url?, priority?, observer?, meta? }.',
  'member null': "TypeError undefined Cannot read properties of null (reading 'id')",
  'member no id':
    'InvalidIdError INVALID_ID [@election/static] A member id must be a string, got undefined. Pass id: "<name>".',
  'member id ""':
    'InvalidIdError INVALID_ID [@election/static] A member id must not be empty. Pass a non-empty id such as "node-1".',
  'member id 5':
    'InvalidIdError INVALID_ID [@election/static] A member id must be a string, got number. Pass id: "<name>".',
  'duplicate ids':
    'ConfigurationError INVALID_OPTION [@election/static] member id "a" is listed twice. Each id must appear once.',
  'priority "1"':
    'ConfigurationError INVALID_OPTION [@election/static] priority of "a" must be a finite number (lower leads first), got 1.',
  'priority NaN':
    'ConfigurationError INVALID_OPTION [@election/static] priority of "a" must be a finite number (lower leads first), got NaN.',
  'metadata 5': 'ok',
  'metadata value 5': 'ok',
  'url 5':
    'ConfigurationError INVALID_OPTION [@election/static] url of member "a" is not a valid URL: 5. Use e.g. http://127.0.0.1:8080.',
  'url "not a url"':
    'ConfigurationError INVALID_OPTION [@election/static] url of member "a" is not a valid URL: "not a url". Use e.g. http://127.0.0.1:8080.',
  'url ftp':
    'ConfigurationError INVALID_OPTION [@election/static] url of member "a" must start with http:// or https://, got "ftp://x".',
  'probe 5':
    'ConfigurationError INVALID_OPTION [@election/static] probe must be an options object or a function.',
  'probe intervalMs 0':
    'ConfigurationError INVALID_OPTION [@election/static] probe.intervalMs must be an integer >= 1, got 0.',
  'probe timeoutMs -1':
    'ConfigurationError INVALID_OPTION [@election/static] probe.timeoutMs must be an integer >= 1, got -1.',
  'probe failureThreshold 0':
    'ConfigurationError INVALID_OPTION [@election/static] probe.failureThreshold must be an integer >= 1, got 0.',
  'probe successThreshold 1.5':
    'ConfigurationError INVALID_OPTION [@election/static] probe.successThreshold must be an integer >= 1, got 1.5.',
  'probe path "x"':
    'ConfigurationError INVALID_OPTION [@election/static] probe.path must start with "/", got "x".',
  'probe path 5':
    'ConfigurationError INVALID_OPTION [@election/static] probe.path must start with "/", got 5.',
  'probe check 5': 'ConfigurationError INVALID_OPTION [@election/static] probe.check must be a function.',
  'checkDuplicates "yes"':
    'ConfigurationError INVALID_OPTION [@election/static] checkDuplicates must be true or false.',
  'two members, second no url': 'ok',
  'two bad: id + probe':
    'InvalidIdError INVALID_ID [@election/static] A member id must not be empty. Pass a non-empty id such as "node-1".',
  'unknown key': 'ok',
};

testOptionAnswers(
  vitest,
  'review16c: static option errors are those of fbbff79',
  createStaticMembership,
  cases,
  expected,
);
