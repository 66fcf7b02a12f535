import { describe, expect, it } from 'vitest';
import { ElectionError, InvalidIdError, validateId, validateMember } from '../src/index.js';

describe('member ids', () => {
  it.each([
    ['', /must not be empty/],
    ['a/b', /contains "\/"/],
    ['tab\there', /control character/],
    ['nul\u0000', /control character/],
    ['c1\u0085', /control character/],
    ['x'.repeat(256), /256 UTF-8 bytes long; the limit is 255/],
    ['é'.repeat(128), /256 UTF-8 bytes/],
    ['\uD800', /lone UTF-16 surrogate/],
  ])('rejects %j', (id, message) => {
    expect(() => validateId(id)).toThrow(InvalidIdError);
    expect(() => validateId(id)).toThrow(message);
  });

  it('accepts printable Unicode up to 255 UTF-8 bytes', () => {
    expect(validateId('node-1')).toBe('node-1');
    expect(validateId('x'.repeat(255))).toHaveLength(255);
    expect(validateId('節點-😀')).toBe('節點-😀');
  });

  it('prefixes messages with the raising package and keeps a stable code', () => {
    try {
      validateId('', '@election/etcd');
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ElectionError);
      expect((error as ElectionError).code).toBe('INVALID_ID');
      expect((error as Error).message.startsWith('[@election/etcd] ')).toBe(true);
    }
  });

  it('rejects non-string meta values and non-finite priorities', () => {
    expect(() => validateMember({ id: 'a', meta: { port: 80 as unknown as string } })).toThrow(
      /meta.port .* must be a string/,
    );
    expect(() => validateMember({ id: 'a', priority: Number.POSITIVE_INFINITY })).toThrow(/finite number/);
  });
});
