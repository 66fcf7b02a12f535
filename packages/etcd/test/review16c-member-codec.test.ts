import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { encodeMember, keyLayout, parseEntry } from '../src/keys.js';

/**
 * review16c: etcd's key parsing (now on core's memberCodec) for a table of keys and values,
 * malformed ones included, as fbbff79 parsed and wrote them.
 */
const layout = keyLayout('election', 'e');
const member = 'election/e/members/a';
const values: Record<string, [string, string]> = {
  'member empty': [member, ''],
  'member not json': [member, '{'],
  'member json null': [member, 'null'],
  'member json array': [member, '[]'],
  'member id only': [member, '{"id":"a"}'],
  'member other id': [member, '{"id":"b"}'],
  'member no id': [member, '{"priority":1}'],
  'member priority string': [member, '{"id":"a","priority":"1"}'],
  'member priority null': [member, '{"id":"a","priority":null}'],
  'member priority float': [member, '{"id":"a","priority":1.5}'],
  'member metadata number': [member, '{"id":"a","metadata":5}'],
  'member metadata value number': [member, '{"id":"a","metadata":{"k":5}}'],
  'member metadata null': [member, '{"id":"a","metadata":null}'],
  'member extra field': [member, '{"id":"a","x":1}'],
  'member full': [member, '{"id":"a","priority":3,"metadata":{"zone":"z1"}}'],
  'member eligible string': [member, '{"id":"a","eligible":"no"}'],
  'member empty id key': ['election/e/members/', '{"id":""}'],
  'member nested key': ['election/e/members/a/b', '{"id":"a/b"}'],
  'leader plain': ['election/e/leader', 'a'],
  'leader empty': ['election/e/leader', ''],
  'other key': ['election/e/other', 'x'],
};

/** fbbff79's answers (captured by running this file on fbbff79's src with R16C_OUT set). */
const expected: Record<string, string> = {
  'member empty': '{"kind":"malformed","reason":"the value is not JSON"}',
  'member not json': '{"kind":"malformed","reason":"the value is not JSON"}',
  'member json null': '{"kind":"malformed","reason":"the value is not a JSON object"}',
  'member json array': '{"kind":"malformed","reason":"the value is not a JSON object"}',
  'member id only': '{"kind":"member","member":{"id":"a"}}',
  'member other id': '{"kind":"malformed","reason":"the id in the value (\\"b\\") does not match the key"}',
  'member no id': '{"kind":"malformed","reason":"the id in the value (undefined) does not match the key"}',
  'member priority string':
    '{"kind":"malformed","reason":"[@election/core] priority of \\"a\\" must be a finite number (lower leads first), got 1."}',
  'member priority null': '{"kind":"member","member":{"id":"a"}}',
  'member priority float': '{"kind":"member","member":{"id":"a","priority":1.5}}',
  'member metadata number': '{"kind":"member","member":{"id":"a"}}',
  'member metadata value number': '{"kind":"member","member":{"id":"a"}}',
  'member metadata null': '{"kind":"member","member":{"id":"a"}}',
  'member extra field': '{"kind":"member","member":{"id":"a"}}',
  'member full': '{"kind":"member","member":{"id":"a","priority":3}}',
  'member eligible string': '{"kind":"member","member":{"id":"a"}}',
  'member empty id key':
    '{"kind":"malformed","reason":"a member key must be <root>/members/<id> with no further \\"/\\""}',
  'member nested key':
    '{"kind":"malformed","reason":"a member key must be <root>/members/<id> with no further \\"/\\""}',
  'leader plain': '{"kind":"leader","id":"a"}',
  'leader empty': '{"kind":"malformed","reason":"the leader id is empty"}',
  'other key': '{"kind":"malformed","reason":"unexpected key under the election prefix"}',
  'encode id': '{"id":"a","priority":0,"observer":false,"meta":{}}',
  'encode full': '{"id":"a","priority":2,"observer":false,"meta":{}}',
};

describe('review16c: etcd entries as fbbff79 parsed them', () => {
  const got: Record<string, string> = {};
  for (const [name, [key, value]] of Object.entries(values))
    got[name] = JSON.stringify(parseEntry(layout, key, value));
  got['encode id'] = encodeMember({ id: 'a' });
  got['encode full'] = encodeMember({ id: 'a', priority: 2, metadata: { z: '1' } } as never);
  if (process.env.R16C_OUT)
    writeFileSync(`${process.env.R16C_OUT}/etcd-codec.json`, JSON.stringify(got, null, 2));
  for (const name of Object.keys(got)) {
    it(name, () => {
      expect(got[name]).toBe(expected[name]);
    });
  }
});
