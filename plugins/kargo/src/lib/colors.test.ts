import { stageColor } from './colors';

describe('stageColor', () => {
  it.each([
    [undefined, undefined],
    ['', undefined],
    ['green', 'green'],
    ['Amber', '#ffbf00'],
    ['#8a2be2', '#8a2be2'],
    ['url(javascript:alert(1))', undefined],
  ])('%s -> %s', (input, expected) => {
    expect(stageColor(input)).toBe(expected);
  });
});
