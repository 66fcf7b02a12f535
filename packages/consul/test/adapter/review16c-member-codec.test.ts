import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { decodeHolder, decodeMember, encodeHolder, encodeMember } from '../../src/member-codec.js';

/**
 * review16c: Consul's member and holder records (now on core's memberCodec) for a table of
 * values, malformed ones included, as fbbff79 read and wrote them: the decoded member or the
 * MalformedEntryError's message; the encoding of a few members.
 */
const key = 'election/e/members/a';
const values: Record<string, string> = {
  empty: '',
  'not json': '{',
  'json null': 'null',
  'json array': '[]',
  'json string': '"a"',
  'id only': '{"id":"a"}',
  'other id': '{"id":"b"}',
  'no id': '{"priority":1}',
  'priority string': '{"id":"a","priority":"1"}',
  'priority null': '{"id":"a","priority":null}',
  'priority float': '{"id":"a","priority":1.5}',
  'priority NaN-ish': '{"id":"a","priority":1e400}',
  'metadata number': '{"id":"a","metadata":5}',
  'metadata value number': '{"id":"a","metadata":{"k":5}}',
  'metadata null': '{"id":"a","metadata":null}',
  'meta field': '{"id":"a","meta":{"k":"v"}}',
  'extra field': '{"id":"a","x":1}',
  full: '{"id":"a","priority":3,"metadata":{"zone":"z1"}}',
  'eligible false': '{"id":"a","eligible":false}',
  'eligible string': '{"id":"a","eligible":"no"}',
  drained: '{"id":"a","drained":true}',
};
const holders: Record<string, string> = {
  'plain id': 'a',
  'json id': '{"id":"a"}',
  'json with delay': '{"id":"a","lockDelayMs":15000}',
  'json handed': '{"id":"a","handed":true}',
  'json delay string': '{"id":"a","lockDelayMs":"x"}',
  'json no id': '{"lockDelayMs":1}',
  empty: '',
  'not json': '{',
};

function show(result: unknown): string {
  return result instanceof Error ? `${result.constructor.name}: ${result.message}` : JSON.stringify(result);
}

/** fbbff79's answers (captured by running this file on fbbff79's src with R16C_OUT set). */
const expected: Record<string, string> = {
  'member empty':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the key has no value.',
  'member not json':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the value is not JSON.',
  'member json null':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the value is not a JSON object.',
  'member json array':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the value is not a JSON object.',
  'member json string':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the value is not a JSON object.',
  'member id only': '{"id":"a"}',
  'member other id':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: the value\'s id "b" does not match the key\'s id.',
  'member no id':
    "MalformedEntryError: [@election/consul] skipping election/e/members/a: the value's id undefined does not match the key's id.",
  'member priority string':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: [@election/consul] priority of "a" must be a finite number (lower leads first), got 1.',
  'member priority null':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: [@election/consul] priority of "a" must be a finite number (lower leads first), got null.',
  'member priority float': '{"id":"a","priority":1.5}',
  'member priority NaN-ish':
    'MalformedEntryError: [@election/consul] skipping election/e/members/a: [@election/consul] priority of "a" must be a finite number (lower leads first), got Infinity.',
  'member metadata number': '{"id":"a"}',
  'member metadata value number': '{"id":"a"}',
  'member metadata null': '{"id":"a"}',
  'member meta field': '{"id":"a","meta":{"k":"v"}}',
  'member extra field': '{"id":"a"}',
  'member full': '{"id":"a","priority":3}',
  'member eligible false': '{"id":"a"}',
  'member eligible string': '{"id":"a"}',
  'member drained': '{"id":"a"}',
  'holder plain id':
    'MalformedEntryError: [@election/consul] skipping election/e/leader: the leader key is locked but its value names no holder ({"id": "<member id>"}).',
  'holder json id': '{"id":"a","handed":false}',
  'holder json with delay': '{"id":"a","lockDelayMs":15000,"handed":false}',
  'holder json handed': '{"id":"a","handed":true}',
  'holder json delay string': '{"id":"a","handed":false}',
  'holder json no id':
    'MalformedEntryError: [@election/consul] skipping election/e/leader: the leader key is locked but its value names no holder ({"id": "<member id>"}).',
  'holder empty':
    'MalformedEntryError: [@election/consul] skipping election/e/leader: the leader key is locked but its value names no holder ({"id": "<member id>"}).',
  'holder not json':
    'MalformedEntryError: [@election/consul] skipping election/e/leader: the leader key is locked but its value names no holder ({"id": "<member id>"}).',
  'encode id': '{"id":"a"}',
  'encode full': '{"id":"a","priority":2}',
  'encode holder': '{"id":"a","lockDelayMs":15000}',
  'encode holder handed': '{"id":"a","handed":true}',
};

describe('review16c: Consul member records as fbbff79 read and wrote them', () => {
  const got: Record<string, string> = {};
  for (const [name, value] of Object.entries(values))
    got[`member ${name}`] = show(decodeMember(key, 'a', value));
  for (const [name, value] of Object.entries(holders))
    got[`holder ${name}`] = show(decodeHolder('election/e/leader', value));
  got['encode id'] = encodeMember({ id: 'a' });
  got['encode full'] = encodeMember({ id: 'a', priority: 2, metadata: { z: '1' } } as never);
  got['encode holder'] = encodeHolder('a', 15000);
  got['encode holder handed'] = encodeHolder('a', undefined, true);
  if (process.env.R16C_OUT)
    writeFileSync(`${process.env.R16C_OUT}/consul-codec.json`, JSON.stringify(got, null, 2));
  for (const name of Object.keys(got)) {
    it(name, () => {
      expect(got[name]).toBe(expected[name]);
    });
  }
});
