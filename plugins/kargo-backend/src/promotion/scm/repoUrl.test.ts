import { parseRepoUrl } from './repoUrl';

describe('parseRepoUrl', () => {
  it.each([
    ['https://github.com/acme/gitops', 'https', 'github.com', 'acme/gitops'],
    [
      'https://github.com/acme/gitops.git',
      'https',
      'github.com',
      'acme/gitops',
    ],
    ['https://github.com/acme/gitops/', 'https', 'github.com', 'acme/gitops'],
    [
      'https://user:pw@GitHub.com/acme/gitops',
      'https',
      'github.com',
      'acme/gitops',
    ],
    ['http://git.local:8080/a/b.git', 'http', 'git.local:8080', 'a/b'],
    [
      'ssh://git@github.com:22/acme/gitops.git',
      'https',
      'github.com',
      'acme/gitops',
    ],
    [
      'git@gitlab.com:group/sub/project.git',
      'https',
      'gitlab.com',
      'group/sub/project',
    ],
  ])('%s', (url, scheme, host, path) => {
    expect(parseRepoUrl(url)).toEqual({ scheme, host, path });
  });

  it.each([
    'not a url',
    'ftp://github.com/a/b',
    'https://github.com/',
    'https://github.com',
  ])('rejects %s', url => {
    expect(() => parseRepoUrl(url)).toThrow();
  });

  it('does not repeat credentials of a rejected URL', () => {
    expect(() => parseRepoUrl('https://user:s3cret@github.com/')).toThrow(
      '"https://***@github.com/" does not name a repository',
    );
  });
});
