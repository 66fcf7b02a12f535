import { describe, expect, it } from 'vitest';
import { MemberView } from '../src/adapter/index.js';
import { compareIds, compareMembers, elect, type Member } from '../src/index.js';

const utf8Order = (a: string, b: string) => Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));

/** Small deterministic PRNG so a failing case can be replayed. */
function rng(seed: number) {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 0x1_0000_0000;
  };
}

const alphabet = ['a', 'b', 'Z', '0', 'é', '\uFF61', '\uE000', '\u{1F600}', '\u{10000}', '中', '\uD7FF'];
function randomId(random: () => number): string {
  let id = '';
  const length = 1 + Math.floor(random() * 4);
  for (let i = 0; i < length; i++) id += alphabet[Math.floor(random() * alphabet.length)];
  return id;
}

describe('compareIds: UTF-8 byte order, as Rust String::cmp', () => {
  it('differs from JS < where UTF-16 and UTF-8 disagree', () => {
    const bmpHigh = '\uFF61'; // U+FF61, 3 UTF-8 bytes EF BD A1
    const astral = '\u{1F600}'; // U+1F600, 4 UTF-8 bytes F0 9F 98 80, UTF-16 D83D DE00
    expect(astral < bmpHigh).toBe(true); // what plain JS says
    expect(compareIds(bmpHigh, astral)).toBeLessThan(0); // what Rust and UTF-8 say
    expect(utf8Order(bmpHigh, astral)).toBeLessThan(0);
  });

  it('agrees with Buffer.compare of the UTF-8 bytes on random ids', () => {
    const random = rng(42);
    for (let i = 0; i < 5000; i++) {
      const a = randomId(random);
      const b = randomId(random);
      expect(Math.sign(compareIds(a, b)), `${JSON.stringify(a)} vs ${JSON.stringify(b)}`).toBe(
        Math.sign(utf8Order(a, b)),
      );
    }
  });

  it('puts a prefix first', () => {
    expect(compareIds('node', 'node-1')).toBeLessThan(0);
    expect(compareIds('node-1', 'node-1')).toBe(0);
  });
});

describe('elect', () => {
  it('picks the lowest id, never an observer, priority first', () => {
    expect(elect([{ id: 'c' }, { id: 'b' }, { id: 'd' }])?.id).toBe('b');
    expect(elect([{ id: 'a', observer: true }, { id: 'b' }])?.id).toBe('b');
    expect(elect([{ id: 'a', priority: 1 }, { id: 'z' }])?.id).toBe('z');
    expect(
      elect([
        { id: 'a', priority: 1 },
        { id: 'z', priority: 2 },
      ])?.id,
    ).toBe('a');
    expect(elect([{ id: 'a', observer: true }])).toBeUndefined();
    expect(elect([])).toBeUndefined();
  });

  it('matches sort-then-first (the seed) on random inputs', () => {
    const random = rng(7);
    for (let round = 0; round < 300; round++) {
      const members: Member[] = [];
      const ids = new Set<string>();
      for (let i = 0; i < 20; i++) {
        const id = randomId(random);
        if (ids.has(id)) continue;
        ids.add(id);
        members.push({ id, priority: Math.floor(random() * 3), observer: random() < 0.2 });
      }
      const expected = members.filter((m) => !m.observer).sort(compareMembers)[0];
      expect(elect(members)?.id).toBe(expected?.id);
    }
  });

  it('accepts a custom comparator (e.g. highest id first)', () => {
    const reversed = (a: Member, b: Member) => compareIds(b.id, a.id);
    expect(elect([{ id: 'a' }, { id: 'c' }, { id: 'b' }], { compare: reversed })?.id).toBe('c');
  });
});

describe('MemberView', () => {
  it('tracks the leader through random puts and deletes exactly as elect() on the same set', () => {
    const random = rng(99);
    const view = new MemberView();
    const live = new Map<string, Member>();
    for (let step = 0; step < 4000; step++) {
      const id = `n${Math.floor(random() * 60)}`;
      if (random() < 0.55) {
        const m: Member = { id, priority: Math.floor(random() * 3), observer: random() < 0.15 };
        view.put(m);
        live.set(id, m);
      } else {
        expect(view.delete(id)).toBe(live.delete(id));
      }
      if (step % 500 === 0) {
        view.reset(live.values());
      }
      expect(view.leader()?.id).toBe(elect(live.values())?.id);
      expect(view.size).toBe(live.size);
    }
    expect(view.sorted().map((m) => m.id)).toEqual(
      [...live.values()]
        .filter((m) => !m.observer)
        .sort(compareMembers)
        .map((m) => m.id)
        .concat(
          [...live.values()]
            .filter((m) => m.observer)
            .map((m) => m.id)
            .sort(compareIds),
        ),
    );
  });
});
