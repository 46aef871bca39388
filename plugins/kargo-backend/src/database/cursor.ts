import { InputError } from '@backstage/errors';

/** Position in a newest-first list: the sort time and the id that breaks ties. */
export interface Cursor {
  t: string;
  id: string;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');
}

export function decodeCursor(text: string): Cursor {
  try {
    const value: unknown = JSON.parse(
      Buffer.from(text, 'base64url').toString('utf8'),
    );
    if (
      typeof value === 'object' &&
      value !== null &&
      't' in value &&
      'id' in value &&
      typeof value.t === 'string' &&
      typeof value.id === 'string'
    ) {
      return { t: value.t, id: value.id };
    }
  } catch {
    // reported below
  }
  throw new InputError('cursor: not a cursor returned by this API');
}
