import { ResponseError } from '@backstage/errors';
import { classifyError, errorMessage } from './errors';

async function responseError(status: number, message: string) {
  return ResponseError.fromResponse(
    new Response(
      JSON.stringify({
        error: { name: 'Error', message },
        response: { statusCode: status },
      }),
      { status, headers: { 'content-type': 'application/json' } },
    ),
  );
}

describe('classifyError', () => {
  it.each([
    [404, 'Kargo project "x" not found', 'not-found'],
    [404, 'Stage "s" not found in Kargo project "x"', 'not-found'],
    [404, 'No route for GET /api/kargo/projects', 'unreachable'],
    [403, 'denied', 'forbidden'],
    [409, 'already Succeeded', 'conflict'],
    [502, 'bad gateway', 'unreachable'],
    [503, 'unavailable', 'unreachable'],
    [500, 'boom', 'other'],
  ])('%d %s -> %s', async (status, message, expected) => {
    const error = await responseError(status, message);
    expect(classifyError(error)).toBe(expected);
    expect(errorMessage(error)).toBe(message);
  });

  it('treats a failed fetch as an unreachable backend', () => {
    expect(classifyError(new TypeError('Failed to fetch'))).toBe('unreachable');
    expect(classifyError(new Error('other'))).toBe('other');
  });
});
