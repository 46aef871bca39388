import {
  redact,
  redactUrl,
  withoutCredentials,
  withoutRepoCredentials,
} from './redact';

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
    // Passwords typed without percent-encoding: every position of `@`, `/` and `:` (security issue: the first
    // `@` or `/` used to end the user information, leaking the rest of the password).
    ['https://alice:p@ss@host/repo', 'https://***@host/repo'],
    ['https://alice:pa/ss@host/repo', 'https://***@host/repo'],
    ['https://alice:pa:ss@host:8443/r', 'https://***@host:8443/r'],
    ['https://alice:@/:@host', 'https://***@host'],
    ['https://alice:p@a/b@host/x', 'https://***@host/x'],
    ['https://abc/def+ghi=@host/repo.git', 'https://***@host/repo.git'],
    ['https://a:b@[::1]:8080/x', 'https://***@[::1]:8080/x'],
    ['"https://a:p@ss@host"', '"https://***@host"'],
    ['git@github.com:org/repo.git', 'git@github.com:org/repo.git'],
    ['https://host/path?q=a@b', 'https://host/path?q=a@b'],
  ])('redactUrl(%s)', (url, expected) => {
    expect(redactUrl(url)).toBe(expected);
  });
});

describe('withoutCredentials', () => {
  it.each([
    ['http://alice:S3cret@host/repo.git', 'http://host/repo.git'],
    ['https://alice:p@ss@host/repo.git', 'https://host/repo.git'],
    ['https://ghp_token@github.com/acme/repo', 'https://github.com/acme/repo'],
    [
      'oci://bob:pw@registry.example/charts/app',
      'oci://registry.example/charts/app',
    ],
    ['ssh://git:S3cret@host:22/repo.git', 'ssh://git@host:22/repo.git'],
    ['ssh://git@host/repo.git', 'ssh://git@host/repo.git'],
    ['git@github.com:acme/repo.git', 'git@github.com:acme/repo.git'],
    ['https://host/org/@scope/repo.git', 'https://host/org/@scope/repo.git'],
    ['file:///tmp/repo.git', 'file:///tmp/repo.git'],
  ])('%s is stored as %s', (url, expected) => {
    expect(withoutCredentials(url)).toBe(expected);
  });
});

describe('withoutRepoCredentials', () => {
  it('removes credentials from every repoURL at any depth, copying what changes and never the input', () => {
    const input = {
      commits: [{ repoURL: 'https://token@git.example/app.git', id: 'a' }],
      images: [{ repoURL: 'ghcr.io/example/app', tag: 'v1' }],
      artifacts: [
        { kind: 'Other', nested: { repoURL: 'oci://u:p@registry/chart' } },
      ],
      createdAt: '2026-01-01T00:00:00Z',
    };
    const snapshot = JSON.parse(JSON.stringify(input));
    const clean = withoutRepoCredentials(input);
    expect(clean).toEqual({
      ...snapshot,
      commits: [{ repoURL: 'https://git.example/app.git', id: 'a' }],
      artifacts: [
        { kind: 'Other', nested: { repoURL: 'oci://registry/chart' } },
      ],
    });
    // The input is unchanged; the parts without credentials are shared, the others copied.
    expect(input).toEqual(snapshot);
    expect(clean.images).toBe(input.images);
    expect(clean.commits).not.toBe(input.commits);
  });

  it('returns a value without credentials as it is', () => {
    const value = { commits: [{ repoURL: 'https://git.example/a.git' }], n: 1 };
    expect(withoutRepoCredentials(value)).toBe(value);
    expect(withoutRepoCredentials([value, null, 'x'])).toEqual([
      value,
      null,
      'x',
    ]);
  });
});
