import crypto from 'node:crypto';

// Crockford's base32, as ULIDs use it.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const SEPARATOR = '.';
const SHORT_HASH_LENGTH = 7;
const ULID_LENGTH = 26;
/** Kargo's maxPrefixForPromotionName: the longest stage name that keeps the name within 253 characters. */
const MAX_PREFIX_LENGTH =
  253 - SEPARATOR.length - ULID_LENGTH - SEPARATOR.length - SHORT_HASH_LENGTH;

/** Encodes `value` as `length` base32 digits, most significant first. */
function base32(value: bigint, length: number): string {
  let out = '';
  let rest = value;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[Number(rest & 31n)] + out;
    rest >>= 5n;
  }
  return out;
}

/**
 * Makes ULIDs (48-bit millisecond time, 80 random bits; 26 characters) that sort in the order they were made,
 * as oklog/ulid's `Make` does: within one millisecond the random part of the previous one is incremented.
 */
export class UlidFactory {
  private lastMs = -1;
  private lastRandom = 0n;

  constructor(
    private readonly randomBytes: (size: number) => Buffer = crypto.randomBytes,
  ) {}

  make(now: Date): string {
    const ms = Math.max(now.getTime(), this.lastMs);
    let random: bigint;
    if (ms === this.lastMs && this.lastRandom < (1n << 80n) - 1n) {
      random = this.lastRandom + 1n;
    } else {
      random = BigInt(`0x${this.randomBytes(10).toString('hex')}`);
    }
    this.lastMs = ms;
    this.lastRandom = random;
    return base32(BigInt(ms), 10) + base32(random, 16);
  }
}

const defaultUlids = new UlidFactory();

/**
 * Kargo's `GeneratePromotionName`: `<stage>.<ulid>.<first 7 characters of the freight>`, lowercased, the stage
 * name cut (and stripped of a trailing `.` or `-`) so that the name stays within 253 characters. The ULID makes
 * the names of a stage's promotions sort in the order they were created.
 */
export function generatePromotionName(
  stage: string,
  freight: string,
  now: Date,
  ulids: UlidFactory = defaultUlids,
): string {
  let prefix = stage;
  if (prefix.length > MAX_PREFIX_LENGTH) {
    prefix = prefix.slice(0, MAX_PREFIX_LENGTH).replace(/[.-]+$/, '');
  }
  return [prefix, ulids.make(now), freight.slice(0, SHORT_HASH_LENGTH)]
    .join(SEPARATOR)
    .toLowerCase();
}
