import { checkedEffects } from './effects';
import { Redactor } from './redaction';

describe('checkedEffects', () => {
  const effect = {
    kind: 'metadata',
    target: 'Stage',
    name: 'dev',
    values: { team: 'a' },
  };

  it('has none without effects or with an empty list', () => {
    expect(checkedEffects(undefined, new Redactor())).toEqual({});
    expect(checkedEffects([], new Redactor())).toEqual({});
  });

  it('keeps well-formed effects, with known secrets redacted', () => {
    const redactor = new Redactor();
    redactor.add('s3cret-value');
    const secret = { ...effect, values: { token: 'x s3cret-value y' } };
    const { effects, error } = checkedEffects([effect, secret], redactor);
    expect(error).toBeUndefined();
    expect(effects).toEqual([
      effect,
      { ...secret, values: { token: expect.not.stringContaining('s3cret') } },
    ]);
  });

  it.each([
    [{ ...effect, kind: 'warehouse' }, '0.kind'],
    [{ ...effect, target: 'Warehouse' }, '0.target'],
    [{ ...effect, name: '' }, '0.name'],
    [{ ...effect, values: [1] }, '0.values'],
    [{ ...effect, extra: 1 }, '0'],
  ])('refuses %j', (bad, path) => {
    const { effects, error } = checkedEffects([bad], new Redactor());
    expect(effects).toBeUndefined();
    expect(error?.message).toContain(`invalid effects in the step's result`);
    expect(error?.message).toContain(path);
  });

  it('refuses what is not a list', () => {
    expect(checkedEffects(effect, new Redactor()).error).toBeInstanceOf(Error);
  });
});
