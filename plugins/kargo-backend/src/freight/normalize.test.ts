import fs from 'node:fs';
import path from 'node:path';
import {
  normalizeChart,
  normalizeGit,
  normalizeImage,
  sanitizeURL,
} from './normalize';

interface NormalizationCase {
  name?: string;
  input: string;
  expected: string;
}

interface NormalizationVectors {
  sanitizeURL: { cases: NormalizationCase[] };
  normalizeGit: { cases: NormalizationCase[] };
  normalizeChart: { cases: NormalizationCase[] };
  normalizeImage: { cases: NormalizationCase[] };
}

const vectors: NormalizationVectors = JSON.parse(
  fs.readFileSync(
    path.resolve(
      __dirname,
      '../../../../test-vectors/kargo/03-freight-naming/url-normalization.json',
    ),
    'utf8',
  ),
);

const functions = {
  sanitizeURL,
  normalizeGit,
  normalizeChart,
  normalizeImage,
};

describe.each(Object.entries(functions))('%s', (key, normalize) => {
  const { cases } = vectors[key as keyof NormalizationVectors];

  it('has upstream vectors to check', () => {
    expect(cases.length).toBeGreaterThan(0);
  });

  it.each(cases)('upstream case $input', ({ input, expected }) => {
    expect(normalize(input)).toBe(expected);
  });
});

// Cases beyond Kargo's own tests, for the Go behaviour the normalizers inherit (url.Parse and
// URL.String of Go 1.26, go-containerregistry v0.21.7). Each expected value was checked against
// Kargo's pkg/urls compiled with Go.
describe('Go semantics Kargo inherits', () => {
  it.each([
    // lowercase, then one trailing '/' and then one '.git' go
    ['HTTPS://GitHub.com/Example/Repo.GIT', 'https://github.com/example/repo'],
    [
      'https://github.com/example/repo.git.git',
      'https://github.com/example/repo.git',
    ],
    [
      'https://user@github.com/example/repo.git//',
      'https://github.com/example/repo.git/',
    ],
    // a lone '?' is no query parameter, so normalization goes on and keeps it
    [
      'https://github.com/example/repo.git?',
      'https://github.com/example/repo?',
    ],
    ['https://github.com/example/repo?x', 'https://github.com/example/repo?x'],
    [
      'https://github.com/example/repo?a;b',
      'https://github.com/example/repo?a;b',
    ],
    [
      'https://github.com/example/repo.git#main',
      'https://github.com/example/repo#main',
    ],
    // Go prints non-ASCII hosts and unsafe path bytes %-escaped
    ['https://bücher.example/repo.git', 'https://b%C3%BCcher.example/repo'],
    ['https://github.com/example/re po', 'https://github.com/example/re%20po'],
    // an escaping is kept only while the path it encodes is unchanged
    ['https://github.com/a%2Fb', 'https://github.com/a%2fb'],
    ['https://github.com/a%2Fb.git', 'https://github.com/a/b'],
    // Go lowercases İ to i (JavaScript's toLowerCase gives i + U+0307)
    ['https://github.com/İ', 'https://github.com/i'],
    // non-printable characters go from anywhere, spaces only from the ends
    [
      '\u00a0https://github.com/\u00a0example/repo.git',
      'https://github.com/example/repo',
    ],
    // bracketed hosts must be IPv6 addresses, and a host has at most one colon (Go 1.26)
    ['https://[::1]:8443/example/repo.git', 'https://[::1]:8443/example/repo'],
    ['https://[1.2.3.4]/example/repo', 'https://[1.2.3.4]/example/repo'],
    [
      'https://localhost:1:2/example/repo.git',
      'https://localhost:1:2/example/repo.git',
    ],
    ['ssh://git@github.com:22:33/repo', 'ssh://git@github.com:22:33/repo'],
    // SCP-style: the path is parsed as a URL of its own, query and all
    [
      'git@github.com:example/repo.git?x=1',
      'ssh://git@github.com/example/repo?x=1',
    ],
    ['github.com:foo:bar/x', 'ssh://github.com'],
  ])('normalizeGit(%j) is %j', (input, expected) => {
    expect(normalizeGit(input)).toBe(expected);
  });

  it.each([
    ['https://Charts.Example.com/', 'https://charts.example.com/'],
    ['https://charts.example.com/~user', 'https://charts.example.com/~user'],
    ['http://[::1]:8080/charts', 'http://[::1]:8080/charts'],
    ['oci://localhost:5000/charts/app', 'localhost:5000/charts/app'],
    ['oci://docker.io/library/app', 'app'],
    ['OCI://GHCR.io/Example/Chart', 'ghcr.io/example/chart'],
    ['oci://ghcr.io/example/chart:1.0.0', 'ghcr.io/example/chart'],
    // not a valid URL: returned as given
    ['https://charts example.com', 'https://charts example.com'],
    ['%zz', '%zz'],
  ])('normalizeChart(%j) is %j', (input, expected) => {
    expect(normalizeChart(input)).toBe(expected);
  });

  it.each([
    ['Ghcr.IO/Example/App', 'ghcr.io/example/app'],
    ['docker.io/nginx:latest', 'nginx'],
    [`nginx:1.25@sha256:${'a'.repeat(64)}`, 'nginx'],
    [`ghcr.io/example/app:v1@sha256:${'a'.repeat(64)}`, 'ghcr.io/example/app'],
    ['index.docker.io/library/library/x', 'library/x'],
    ['localhost/foo', 'localhost/foo'],
    ['localhost:5000/foo:bar', 'localhost:5000/foo'],
    [
      'registry.example.com:5000/team/app',
      'registry.example.com:5000/team/app',
    ],
    ['https://ghcr.io/example/app', 'https://ghcr.io/example/app'],
    // invalid references come back exactly as given, case included
    ['ghcr.io/example/app@sha256:abc', 'ghcr.io/example/app@sha256:abc'],
    ['nginx:', 'nginx:'],
    ['a:1:2/x', 'a:1:2/x'],
    // repository names have at least two characters in go-containerregistry v0.21.7
    ['A', 'A'],
    ['AB', 'ab'],
  ])('normalizeImage(%j) is %j', (input, expected) => {
    expect(normalizeImage(input)).toBe(expected);
  });
});
