import { JsonDepthScanner, parseBoundedJson } from './boundedJson';

describe('parseBoundedJson', () => {
  it.each([
    ['[[1]]', [[1]]],
    ['{"a": "[[[[[[", "b": "\\\\\\"[["}', { a: '[[[[[[', b: '\\"[[' }],
  ])('parses %s, brackets in strings not counted', (text, expected) => {
    expect(parseBoundedJson(Buffer.from(text), 'body', 2)).toEqual(expected);
  });

  it('refuses nesting deeper than allowed, naming what it read', () => {
    expect(() =>
      parseBoundedJson(Buffer.from('[[[1]]]'), 'payload', 2),
    ).toThrow('payload: JSON nested deeper than 2 levels');
  });

  it('says when a text is not JSON', () => {
    expect(() => parseBoundedJson(Buffer.from('{'), 'body')).toThrow(
      /^body: not valid JSON: /,
    );
  });

  it('follows strings and escapes across chunks', () => {
    const scanner = new JsonDepthScanner(1);
    scanner.write(Buffer.from('["a\\'));
    scanner.write(Buffer.from('"[[['));
    expect(() => scanner.write(Buffer.from('", [1]]'))).toThrow(
      'nested deeper than 1 levels',
    );
  });
});
