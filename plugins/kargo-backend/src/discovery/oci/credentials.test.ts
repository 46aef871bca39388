import { ConfigReader } from '@backstage/config';
import {
  basicAuthorization,
  findRegistryCredentials,
  readRegistryCredentials,
} from './credentials';

describe('readRegistryCredentials', () => {
  it('reads kargo.registries, normalizing hosts', () => {
    const credentials = readRegistryCredentials(
      new ConfigReader({
        kargo: {
          registries: [
            { host: 'https://GHCR.io/', username: 'bot', password: 'p1' },
            { host: 'docker.io', username: 'hub', password: 'p2' },
            { host: '127.0.0.1:5000', username: 'local', password: 'p3' },
          ],
        },
      }),
    );
    expect(credentials.map(c => c.host)).toEqual([
      'ghcr.io',
      'index.docker.io',
      '127.0.0.1:5000',
    ]);
    expect(
      findRegistryCredentials(credentials, 'registry-1.docker.io'),
    ).toEqual({ username: 'hub', password: 'p2' });
    expect(
      findRegistryCredentials(credentials, '127.0.0.1:5000')?.username,
    ).toBe('local');
    expect(
      findRegistryCredentials(credentials, '127.0.0.1:5001'),
    ).toBeUndefined();
  });

  it('is empty without configuration', () => {
    expect(readRegistryCredentials(new ConfigReader({}))).toEqual([]);
  });

  it('refuses a host configured twice, without echoing passwords', () => {
    const read = () =>
      readRegistryCredentials(
        new ConfigReader({
          kargo: {
            registries: [
              { host: 'docker.io', username: 'a', password: 'secret-one' },
              {
                host: 'index.docker.io',
                username: 'b',
                password: 'secret-two',
              },
            ],
          },
        }),
      );
    expect(read).toThrow(/configured twice/);
    expect(read).not.toThrow(/secret/);
  });

  it('writes basic authorization', () => {
    expect(basicAuthorization({ username: 'alice', password: 's3cret' })).toBe(
      `Basic ${Buffer.from('alice:s3cret').toString('base64')}`,
    );
  });
});
