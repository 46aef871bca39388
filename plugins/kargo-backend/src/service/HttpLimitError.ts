/** An error the Backstage error middleware answers with its own status (413, 415, 503...), its message as body. */
export class HttpLimitError extends Error {
  constructor(readonly statusCode: number, message: string) {
    super(message);
    this.name = 'HttpLimitError';
  }
}
