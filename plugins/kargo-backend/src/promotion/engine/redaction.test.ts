import {
  MAX_LOG_LINES,
  MAX_TEXT_LENGTH,
  Redactor,
  StepLog,
  bounded,
} from './redaction';

describe('Redactor', () => {
  it('masks every known secret, the longest first, deep in values', () => {
    const redactor = new Redactor();
    redactor.add('abc');
    redactor.add('abcdef');
    redactor.add('');
    redactor.add(42);
    expect(redactor.redact('x abcdef y abc z')).toBe('x *** y *** z');
    expect(
      redactor.redactDeep({ a: ['abc', 1, null], abc: { b: 'token abcdef' } }),
    ).toEqual({ a: ['***', 1, null], '***': { b: 'token ***' } });
  });
});

describe('StepLog', () => {
  it('redacts and cuts lines', () => {
    const redactor = new Redactor();
    redactor.add('pw');
    const log = new StepLog(redactor, [], () => new Date(0));
    log.append('info', 'login with pw');
    log.append('warn', 'x'.repeat(MAX_TEXT_LENGTH + 10));
    expect(log.lines()).toEqual([
      {
        time: '1970-01-01T00:00:00.000Z',
        level: 'info',
        message: 'login with ***',
      },
      {
        time: '1970-01-01T00:00:00.000Z',
        level: 'warn',
        message: `${'x'.repeat(MAX_TEXT_LENGTH)}… [10 characters omitted]`,
      },
    ]);
    expect(bounded('short')).toBe('short');
  });

  it('keeps the first and last lines of a long log, across attempts', () => {
    const redactor = new Redactor();
    const first = new StepLog(redactor);
    for (let i = 1; i <= 150; i++) first.append('info', `line ${i}`);
    const second = new StepLog(redactor, first.lines());
    for (let i = 151; i <= 500; i++) second.append('info', `line ${i}`);
    const lines = second.lines().map(l => l.message);
    expect(lines).toHaveLength(MAX_LOG_LINES);
    expect(lines.slice(0, 100)).toEqual(
      Array.from({ length: 100 }, (_, i) => `line ${i + 1}`),
    );
    expect(lines[100]).toBe('[301 log lines omitted]');
    expect(lines.slice(101)).toEqual(
      Array.from({ length: 99 }, (_, i) => `line ${402 + i}`),
    );
  });
});
