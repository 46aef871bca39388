import { UlidFactory, generatePromotionName } from './promotionName';

const zeros = () => Buffer.alloc(10);
const freight = '1d2f3e4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e';

describe('generatePromotionName', () => {
  it('names a promotion as Kargo does: <stage>.<ulid>.<short freight>, lowercased', () => {
    const name = generatePromotionName(
      'Prod-West',
      freight,
      new Date('2026-12-03T07:00:00.000Z'),
      new UlidFactory(zeros),
    );
    const [stage, ulid, short] = name.split('.');
    expect(stage).toBe('prod-west');
    expect(short).toBe('1d2f3e4');
    expect(ulid).toMatch(/^[0-9a-hjkmnp-tv-z]{26}$/);
    // The first 10 characters are the time in milliseconds, in Crockford's base32.
    const ms = [...ulid.slice(0, 10).toUpperCase()].reduce(
      (value, c) => value * 32 + '0123456789ABCDEFGHJKMNPQRSTVWXYZ'.indexOf(c),
      0,
    );
    expect(ms).toBe(Date.parse('2026-12-03T07:00:00.000Z'));
    expect(ulid.slice(10)).toBe('0'.repeat(16));
  });

  it('encodes the ULID of a known time and randomness as the ULID spec does', () => {
    // The spec's example time, 1469918176385 ms, encodes as 01ARYZ6S41.
    const ulid = new UlidFactory(() => Buffer.alloc(10, 0xff)).make(
      new Date(1469918176385),
    );
    expect(ulid).toBe(`01ARYZ6S41${'Z'.repeat(16)}`);
  });

  it('sorts names of one stage in the order they were made, within one millisecond too', () => {
    const ulids = new UlidFactory();
    const now = new Date('2026-12-03T07:00:00.000Z');
    const names = [0, 0, 0, 1, 1].map(ms =>
      generatePromotionName(
        'dev',
        freight,
        new Date(now.getTime() + ms),
        ulids,
      ),
    );
    expect([...names].sort()).toEqual(names);
    expect(new Set(names).size).toBe(names.length);
  });

  it('cuts a long stage name so that the name stays within 253 characters', () => {
    const stage = `${'a'.repeat(217)}-b`;
    const name = generatePromotionName(stage, freight, new Date(0));
    expect(name.length).toBeLessThanOrEqual(253);
    // Cut at 218 characters, the trailing '-' dropped.
    expect(name.split('.')[0]).toBe('a'.repeat(217));
    const exact = generatePromotionName('s'.repeat(218), freight, new Date(0));
    expect(exact).toHaveLength(253);
  });
});
