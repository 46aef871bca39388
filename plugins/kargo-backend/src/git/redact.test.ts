import { redact, redactUrl } from './redact';

describe('redact', () => {
  it('removes a secret in every form git may print it', () => {
    const secret = 'p@ss/word+1';
    const text = [
      `password ${secret}`,
      `url https://robot:${encodeURIComponent(secret)}@example.com/repo.git`,
      `Authorization: Basic ${Buffer.from(`robot:${secret}`).toString(
        'base64',
      )}`,
    ].join('\n');
    const result = redact(text, [{ username: 'robot', password: secret }]);
    expect(result).toBe(
      [
        'password ***',
        'url https://***@example.com/repo.git',
        'Authorization: Basic ***',
      ].join('\n'),
    );
  });

  it('removes plain strings, longest first', () => {
    expect(redact('token abc and abcdef', ['abc', 'abcdef'])).toBe(
      'token *** and ***',
    );
  });

  it('removes a secret escaped inside a JSON string', () => {
    const secret = 'pa"ss\\word';
    const json = JSON.stringify({ token: secret });
    expect(redact(`sent ${json}`, [secret])).toBe('sent {"token":"***"}');
  });

  it('ignores empty secrets', () => {
    expect(redact('nothing to hide', ['', { password: '' }])).toBe(
      'nothing to hide',
    );
  });

  it.each([
    ['https://user:pw@github.com/a/b.git', 'https://***@github.com/a/b.git'],
    ['https://ghp_token@github.com/a/b.git', 'https://***@github.com/a/b.git'],
    ['https://github.com/a/b.git', 'https://github.com/a/b.git'],
    [
      'fatal: unable to access http://u:p@127.0.0.1:8080/x/: 401',
      'fatal: unable to access http://***@127.0.0.1:8080/x/: 401',
    ],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});
