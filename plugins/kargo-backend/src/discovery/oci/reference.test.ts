import {
  allowsPlainHttp,
  normalizeRegistryHost,
  parseImageRepository,
} from './reference';

describe('parseImageRepository', () => {
  // go-containerregistry name.ParseReference defaults, which Kargo relies on (pkg/image/repository_client.go).
  it.each([
    ['debian', 'index.docker.io', 'library/debian'],
    ['example/image', 'index.docker.io', 'example/image'],
    ['docker.io/debian', 'index.docker.io', 'library/debian'],
    ['docker.io/library/debian', 'index.docker.io', 'library/debian'],
    ['index.docker.io/acme/app', 'index.docker.io', 'acme/app'],
    ['ghcr.io/Acme/App', 'ghcr.io', 'acme/app'],
    ['127.0.0.1:5000/foo', '127.0.0.1:5000', 'foo'],
    ['localhost:5000/a/b/c', 'localhost:5000', 'a/b/c'],
    // No "." or ":" in the first segment: a Docker Hub namespace, as in go-containerregistry.
    ['localhost/foo', 'index.docker.io', 'localhost/foo'],
    ['oci://ghcr.io/acme/chart', 'ghcr.io', 'acme/chart'],
  ])('reads %j as %s / %s', (repoURL, registry, repository) => {
    expect(parseImageRepository(repoURL)).toEqual({ registry, repository });
  });

  it.each([
    '',
    'ghcr.io/acme/app:1.0',
    'ghcr.io/acme//app',
    'acme/app@sha256:abc',
  ])('refuses %j', repoURL => {
    expect(() => parseImageRepository(repoURL)).toThrow(/image repository/);
  });
});

describe('normalizeRegistryHost', () => {
  it('folds Docker Hub names together and lower-cases the rest', () => {
    expect(normalizeRegistryHost('docker.io')).toBe('index.docker.io');
    expect(normalizeRegistryHost('registry-1.docker.io')).toBe(
      'index.docker.io',
    );
    expect(normalizeRegistryHost('GHCR.io')).toBe('ghcr.io');
  });
});

describe('allowsPlainHttp', () => {
  it.each([
    ['127.0.0.1:5000', true],
    ['localhost:5000', true],
    ['10.1.2.3:5000', true],
    ['172.20.0.1', true],
    ['192.168.1.10:443', true],
    ['172.32.0.1', false],
    ['ghcr.io', false],
    ['index.docker.io', false],
  ])('%s: %s', (host, allowed) => {
    expect(allowsPlainHttp(host)).toBe(allowed);
  });
});
