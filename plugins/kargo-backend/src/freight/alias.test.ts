import fs from 'node:fs';
import path from 'node:path';
import { ConflictError } from '@backstage/errors';
import { generateAlias, randomAlias } from './alias';
import { ALIAS_ANIMALS, ALIAS_DESCRIPTORS } from './aliasWords';

interface AliasVectors {
  format: {
    regex: string;
    descriptorCount: number;
    animalCount: number;
    combinations: number;
  };
  docExample: { alias: string };
  wordLists: { descriptors: string[]; animals: string[] };
}

const vectors: AliasVectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../test-vectors/kargo/03-freight-naming/alias.json',
    ),
    'utf8',
  ),
);

/** A small seeded PRNG (mulberry32), so that picks are reproducible. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The aliases a random source yields, computed from the word lists independently of alias.ts. */
function expectedPicks(random: () => number, count: number): string[] {
  const { descriptors, animals } = vectors.wordLists;
  return Array.from({ length: count }, () => {
    const descriptor = descriptors[Math.floor(random() * descriptors.length)];
    const animal = animals[Math.floor(random() * animals.length)];
    return `${descriptor}-${animal}`;
  });
}

describe('alias word lists', () => {
  it('are the moniker lists Kargo uses, in order', () => {
    expect(ALIAS_DESCRIPTORS).toEqual(vectors.wordLists.descriptors);
    expect(ALIAS_ANIMALS).toEqual(vectors.wordLists.animals);
    expect(ALIAS_DESCRIPTORS).toHaveLength(vectors.format.descriptorCount);
    expect(ALIAS_ANIMALS).toHaveLength(vectors.format.animalCount);
    expect(ALIAS_DESCRIPTORS.length * ALIAS_ANIMALS.length).toBe(
      vectors.format.combinations,
    );
  });

  it('contain the words of the alias in Kargo’s documentation', () => {
    const [descriptor, animal] = vectors.docExample.alias.split('-');
    expect(ALIAS_DESCRIPTORS).toContain(descriptor);
    expect(ALIAS_ANIMALS).toContain(animal);
  });
});

describe('randomAlias', () => {
  const format = new RegExp(vectors.format.regex);

  it('draws the descriptor, then the animal', () => {
    const draws = [0.5, 0];
    const alias = randomAlias(() => draws.shift() ?? 0);
    expect(alias).toBe(
      `${vectors.wordLists.descriptors[194]}-${vectors.wordLists.animals[0]}`,
    );
  });

  it.each([
    [0, 'affable-aardvark'],
    [0.999999999, 'zooming-zorse'],
    // A generator out of [0, 1) must not index past the lists.
    [1, 'zooming-zorse'],
    [-0.5, 'affable-aardvark'],
  ])('maps %p to the ends of the lists (%s)', (value, expected) => {
    expect(randomAlias(() => value)).toBe(expected);
    expect(expected).toMatch(format);
  });

  it('makes aliases of the documented format', () => {
    const random = seeded(7);
    for (let i = 0; i < 200; i++) {
      expect(randomAlias(random)).toMatch(format);
    }
  });
});

describe('generateAlias', () => {
  it('returns the first pick when it is free', async () => {
    const isTaken = jest.fn().mockReturnValue(false);
    const alias = await generateAlias({ random: seeded(1), isTaken });
    expect(alias).toBe(expectedPicks(seeded(1), 1)[0]);
    expect(isTaken).toHaveBeenCalledTimes(1);
  });

  it.each([1, 3, 10])(
    'draws again while picks are taken (%i taken)',
    async taken => {
      const picks = expectedPicks(seeded(42), taken + 1);
      const seen: string[] = [];
      const alias = await generateAlias({
        random: seeded(42),
        isTaken: candidate => {
          seen.push(candidate);
          return seen.length <= taken;
        },
      });
      expect(seen).toEqual(picks);
      expect(alias).toBe(picks[taken]);
    },
  );

  it('waits for an asynchronous isTaken', async () => {
    const taken = new Set(expectedPicks(seeded(5), 2));
    const alias = await generateAlias({
      random: seeded(5),
      isTaken: async candidate => taken.has(candidate),
    });
    expect(alias).toBe(expectedPicks(seeded(5), 3)[2]);
  });

  it('falls back to a numeric suffix after maxAttempts taken picks', async () => {
    const seen: string[] = [];
    const alias = await generateAlias({
      random: seeded(9),
      maxAttempts: 4,
      isTaken: candidate => {
        seen.push(candidate);
        // Every plain alias and the first two suffixes are taken.
        return !/-\d+$/.test(candidate) || /-[23]$/.test(candidate);
      },
    });
    const picks = expectedPicks(seeded(9), 5);
    expect(seen.slice(0, 4)).toEqual(picks.slice(0, 4));
    expect(seen.slice(4)).toEqual([
      `${picks[4]}-2`,
      `${picks[4]}-3`,
      `${picks[4]}-4`,
    ]);
    expect(alias).toBe(`${picks[4]}-4`);
    expect(alias).toMatch(/^[a-z]+-[a-z]+-\d+$/);
  });

  it('terminates with a ConflictError when isTaken rejects everything', async () => {
    const isTaken = jest.fn().mockReturnValue(true);
    await expect(
      generateAlias({ random: seeded(3), maxAttempts: 2, isTaken }),
    ).rejects.toBeInstanceOf(ConflictError);
    expect(isTaken.mock.calls.length).toBeLessThan(20_000);
  });

  it('passes errors of isTaken on', async () => {
    await expect(
      generateAlias({
        random: seeded(3),
        isTaken: () => Promise.reject(new Error('database down')),
      }),
    ).rejects.toThrow('database down');
  });
});
