import { describe, expect, it } from 'vitest';
import { MalformedEntryError, type MemberCodecOptions, memberCodec } from '../src/adapter/index.js';

const reasons = {
  empty: 'no value',
  notJson: 'not JSON',
  notObject: 'not an object',
  idMismatch: (stored: unknown) => `id ${JSON.stringify(stored)} is not the key's`,
};
const base: MemberCodecOptions = { source: '@election/x', form: 'compact', nulls: 'invalid', reasons };

describe('memberCodec', () => {
  it('full form writes every field with its default; compact only what differs; both read back', () => {
    const full = memberCodec({ ...base, form: 'full' });
    const compact = memberCodec(base);
    expect(full.encode({ id: 'a' })).toBe('{"id":"a","priority":0,"observer":false,"meta":{}}');
    expect(compact.encode({ id: 'a' })).toBe('{"id":"a"}');
    const member = { id: 'a', priority: 2, observer: true, meta: { zone: 'x' } };
    expect(compact.encode(member)).toBe('{"id":"a","priority":2,"observer":true,"meta":{"zone":"x"}}');
    expect(compact.encode({ id: 'a', observer: false })).toBe('{"id":"a"}');
    for (const codec of [full, compact]) expect(codec.decode(codec.encode(member), 'a')).toEqual({ member });
  });

  it('the id it is registered under (a key, a row) must be the record id; unknown fields are ignored', () => {
    const codec = memberCodec(base);
    expect(codec.decode('{"id":"a","future":1}', 'a')).toEqual({ member: { id: 'a' } });
    expect(codec.decode('{"id":"b"}', 'a')).toEqual({ reason: `id "b" is not the key's` });
  });

  it('says why a value is not a record, in the adapter words, with the parse failure as cause', () => {
    const codec = memberCodec(base);
    expect(codec.decode(null, 'a')).toEqual({ reason: 'no value' });
    expect(codec.decode('', 'a')).toEqual({ reason: 'no value' });
    const notJson = codec.decode('{', 'a');
    expect(notJson).toMatchObject({ reason: 'not JSON' });
    expect((notJson as { cause?: unknown }).cause).toBeInstanceOf(SyntaxError);
    expect(codec.decode('[1]', 'a')).toEqual({ reason: 'not an object' });
    expect(codec.decode('null', 'a')).toEqual({ reason: 'not an object' });
    // Without an `empty` reason, no value is text that is not JSON.
    const { empty: _, ...withoutEmpty } = reasons;
    expect(memberCodec({ ...base, reasons: withoutEmpty }).decode('', 'a')).toMatchObject({
      reason: 'not JSON',
    });
  });

  it('validates known fields; a null field is absent or invalid as the adapter says', () => {
    const strict = memberCodec({ ...base, sourceInReason: true });
    expect(strict.decode('{"id":"a","priority":"high"}', 'a')).toMatchObject({
      reason: '[@election/x] priority of "a" must be a finite number (lower leads first), got high.',
    });
    expect(memberCodec(base).decode('{"id":"a","priority":"high"}', 'a')).toMatchObject({
      reason: expect.stringMatching(/^\[@election\/core\] priority of "a"/),
    });
    expect(strict.decode('{"id":"a","observer":null}', 'a')).toMatchObject({
      reason: '[@election/x] observer of "a" must be true or false.',
    });
    const lenient = memberCodec({ ...base, nulls: 'absent' });
    expect(lenient.decode('{"id":"a","priority":null,"observer":null,"meta":null}', 'a')).toEqual({
      member: { id: 'a' },
    });
  });

  it('malformed: a MalformedEntryError of the adapter source, in its wording', () => {
    const codec = memberCodec({ ...base, message: (key, reason) => `skipping ${key}: ${reason}` });
    const error = codec.malformed('k', 'bad', 'why');
    expect(error).toBeInstanceOf(MalformedEntryError);
    expect(error.message).toBe('[@election/x] skipping k: bad');
    expect(error.key).toBe('k');
    expect(error.cause).toBe('why');
    expect(memberCodec(base).malformed('k', 'bad').message).toBe(
      '[@election/x] Skipping malformed entry "k": bad.',
    );
  });
});

describe('memberCodec defaults', () => {
  it('without form and nulls: compact records, and a null field makes the record malformed', () => {
    const codec = memberCodec({ source: '@election/x', reasons });
    expect(codec.encode({ id: 'a', priority: 1 })).toBe('{"id":"a","priority":1}');
    expect(codec.decode('{"id":"a","priority":null}', 'a')).toHaveProperty('reason');
  });
});
