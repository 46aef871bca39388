import { ConfigReader } from '@backstage/config';
import { credentialsFromIntegrations } from './credentials';

describe('credentialsFromIntegrations', () => {
  const lookup = credentialsFromIntegrations(
    new ConfigReader({
      integrations: {
        github: [
          { host: 'github.com', token: 'ghp_public' },
          {
            host: 'ghe.example.com',
            apiBaseUrl: 'https://ghe.example.com/api/v3',
            token: 'ghp_enterprise',
          },
        ],
        gitlab: [
          {
            host: 'gitlab.example.com',
            apiBaseUrl: 'https://gitlab.example.com/api/v4',
            token: 'glpat-1',
          },
        ],
        bitbucketCloud: [
          { username: 'bb-user', appPassword: 'bb-app-password' },
        ],
        bitbucketServer: [
          { host: 'bitbucket.example.com', token: 'bbs-token' },
          {
            host: 'bitbucket-basic.example.com',
            username: 'svc',
            password: 'bbs-password',
          },
        ],
        gitea: [
          {
            host: 'gitea.example.com',
            username: 'gitea-user',
            password: 'gitea-password',
          },
        ],
        azure: [
          {
            host: 'dev.azure.com',
            credentials: [{ personalAccessToken: 'azure-pat' }],
          },
        ],
      },
    }),
  );

  it.each([
    [
      'https://github.com/acme/app.git',
      { username: 'x-access-token', password: 'ghp_public' },
    ],
    [
      'https://ghe.example.com/acme/app',
      { username: 'x-access-token', password: 'ghp_enterprise' },
    ],
    [
      'https://gitlab.example.com/group/sub/project.git',
      { username: 'oauth2', password: 'glpat-1' },
    ],
    [
      'https://bitbucket.org/ws/repo.git',
      { username: 'bb-user', password: 'bb-app-password' },
    ],
    [
      'https://bitbucket.example.com/scm/prj/repo.git',
      { username: 'x-token-auth', password: 'bbs-token' },
    ],
    [
      'https://bitbucket-basic.example.com/scm/prj/repo.git',
      { username: 'svc', password: 'bbs-password' },
    ],
    [
      'https://gitea.example.com/org/repo.git',
      { username: 'gitea-user', password: 'gitea-password' },
    ],
    [
      'https://dev.azure.com/org/project/_git/repo',
      { username: 'kargo-portal', password: 'azure-pat' },
    ],
  ])('%s', async (url, expected) => {
    await expect(lookup(url)).resolves.toEqual(expected);
  });

  it.each([
    'https://unknown.example.com/acme/app.git',
    'file:///srv/git/app.git',
    '/srv/git/app.git',
    'git@github.com:acme/app.git',
    'ssh://git@github.com/acme/app.git',
    'not a url',
  ])('has none for %s', async url => {
    await expect(lookup(url)).resolves.toBeUndefined();
  });

  it('has none for an integration without a token', async () => {
    const anonymous = credentialsFromIntegrations(new ConfigReader({}));
    await expect(
      anonymous('https://github.com/acme/app.git'),
    ).resolves.toBeUndefined();
    await expect(
      anonymous('https://gitlab.com/acme/app.git'),
    ).resolves.toBeUndefined();
  });
});
