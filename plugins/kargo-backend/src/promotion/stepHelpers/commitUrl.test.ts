import { commitUrl } from './commitUrl';

describe('commitUrl', () => {
  const sha = 'abc123';
  it.each([
    [
      'https://github.com/acme/app.git',
      undefined,
      `https://github.com/acme/app/commit/${sha}`,
    ],
    [
      'git@github.com:acme/app.git',
      undefined,
      `https://github.com/acme/app/commit/${sha}`,
    ],
    [
      'https://github.acme.com/org/repo',
      undefined,
      `https://github.acme.com/org/repo/commit/${sha}`,
    ],
    [
      'https://gitlab.com/group/sub/project.git',
      undefined,
      `https://gitlab.com/group/sub/project/-/commit/${sha}`,
    ],
    [
      'https://gitea.example.com/o/r.git',
      undefined,
      `https://gitea.example.com/o/r/commit/${sha}`,
    ],
    [
      'https://bitbucket.org/ws/repo.git',
      undefined,
      `https://bitbucket.org/ws/repo/commits/${sha}`,
    ],
    [
      'https://dev.azure.com/org/project/_git/repo',
      undefined,
      `https://dev.azure.com/org/project/_git/repo/commit/${sha}`,
    ],
    [
      'https://git.example.com/team/repo.git',
      'gitlab',
      `https://git.example.com/team/repo/-/commit/${sha}`,
    ],
    ['https://git.example.com/team/repo.git', undefined, undefined],
    ['file:///srv/git/repo.git', undefined, undefined],
  ] as const)('%s (%s)', (url, provider, expected) => {
    expect(commitUrl(url, sha, provider)).toBe(expected);
  });
});
