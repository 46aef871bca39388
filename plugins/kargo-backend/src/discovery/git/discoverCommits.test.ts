import fs from 'node:fs/promises';
import path from 'node:path';
import {
  parseManifests,
  type GitSubscription,
} from '@kargo-portal/plugin-kargo-common';
import { parse } from '../../expressions';
import {
  GitTestServer,
  type TestRepository,
} from '../../__testUtils__/services/gitServer';
import type { FixtureCommit } from '../../__testUtils__/services/gitRepository';
import { GitClient } from '../../git/GitClient';
import { evaluateGitFilter } from '../../warehouses/discoverers';
import { discoverCommits } from './discoverCommits';
import { GitMirrorCache } from './GitMirrorCache';

/** The portal's expr-lang evaluator, as the warehouse service hands it to discovery. */
const evaluateFilter = evaluateGitFilter;
const compileFilter = (expression: string) => {
  parse(expression);
};

const ALICE = { name: 'Alice', email: 'alice@example.com' };
const BOB = { name: 'Bob', email: 'bob@example.com' };

function subscription(
  repoURL: string,
  fields: Partial<GitSubscription> = {},
): GitSubscription {
  return {
    repoURL,
    commitSelectionStrategy: 'NewestFromBranch',
    strictSemvers: true,
    discoveryLimit: 20,
    ...fields,
  };
}

describe('discoverCommits', () => {
  let server: GitTestServer;
  let git: GitClient;
  let mirrors: GitMirrorCache;
  let cacheDir: string;
  let app: TestRepository;
  let appCommits: string[];

  beforeAll(async () => {
    server = await GitTestServer.create();
    git = await GitClient.create({ tmpDir: await server.tempDir('client-') });
    cacheDir = path.join(await server.tempDir('cache-'), 'mirrors');
    mirrors = await GitMirrorCache.create({ git, cacheDir });

    app = await server.createRepository('app');
    appCommits = await app.commit([
      {
        files: { 'README.md': 'hello\n' },
        message: 'initial',
        author: ALICE,
        date: '2024-02-01T10:00:00Z',
      },
      {
        files: { 'app/main.go': 'v1\n' },
        message: 'app: first',
        author: ALICE,
        date: '2024-02-02T10:00:00Z',
      },
      {
        files: { 'docs/guide.md': 'guide\n' },
        message: 'docs: guide',
        author: BOB,
        date: '2024-02-03T10:00:00Z',
      },
      {
        files: { 'app/main.go': 'v2\n', 'docs/guide.md': 'guide 2\n' },
        message: 'app and docs',
        author: BOB,
        committer: ALICE,
        date: '2024-02-04T10:00:00Z',
      },
      {
        files: { 'docs/more.md': 'more\n' },
        message: 'docs: more',
        date: '2024-02-05T10:00:00Z',
      },
      {
        files: { 'app/values.yaml': 'x: 1\n' },
        message: `app: values ${'x'.repeat(100)}`,
        date: '2024-02-06T10:00:00Z',
      },
    ]);
  });

  afterAll(async () => {
    await git.close();
    await server.stop();
  });

  const deps = () => ({ mirrors, evaluateFilter, compileFilter });

  describe('NewestFromBranch', () => {
    it('lists the default branch newest first with Kargo’s commit fields', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app')),
        deps(),
      );
      expect(result.repoURL).toBe(server.fileUrl('app'));
      expect(result.commits.map(c => c.id)).toEqual([...appCommits].reverse());
      expect(result.commits[2]).toEqual({
        id: appCommits[3],
        subject: 'app and docs',
        author: 'Bob <bob@example.com>',
        committer: 'Alice <alice@example.com>',
        creatorDate: '2024-02-04T10:00:00Z',
      });
      // Subjects are cut to 80 characters, as Kargo does.
      expect(result.commits[0].subject).toHaveLength(80);
      expect(result.commits[0].subject?.endsWith('...')).toBe(true);
    });

    it('stops at discoveryLimit', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app'), { discoveryLimit: 2 }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([
        appCommits[5],
        appCommits[4],
      ]);
    });

    it('applies includePaths and excludePaths to the files each commit changed', async () => {
      const include = await discoverCommits(
        subscription(server.fileUrl('app'), { includePaths: ['app'] }),
        deps(),
      );
      expect(include.commits.map(c => c.id)).toEqual([
        appCommits[5],
        appCommits[3],
        appCommits[1],
      ]);

      const excludeDocs = await discoverCommits(
        subscription(server.fileUrl('app'), {
          excludePaths: ['glob:docs/*.md'],
        }),
        deps(),
      );
      // A commit that also changed a file outside docs/ still counts.
      expect(excludeDocs.commits.map(c => c.id)).toEqual([
        appCommits[5],
        appCommits[3],
        appCommits[1],
        appCommits[0],
      ]);

      const regex = await discoverCommits(
        subscription(server.fileUrl('app'), {
          includePaths: ['regex:\\.ya?ml$'],
        }),
        deps(),
      );
      expect(regex.commits.map(c => c.id)).toEqual([appCommits[5]]);
    });

    it('applies the expression filter to commit fields', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app'), {
          expressionFilter: 'author == "Bob <bob@example.com>"',
        }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([
        appCommits[3],
        appCommits[2],
      ]);
    });

    it('reports a filter that does not compile before touching the repository', async () => {
      await expect(
        discoverCommits(
          subscription(server.fileUrl('no-such-repository'), {
            expressionFilter: '(1 + 2',
          }),
          deps(),
        ),
      ).rejects.toThrow(/^error compiling filter expression/);
    });

    it('filters with expr-lang operators on the subject', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app'), {
          expressionFilter:
            'subject startsWith "app" && !(subject contains "values")',
        }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([
        appCommits[3],
        appCommits[1],
      ]);
    });

    it('filters branch history on commitDate as a time value', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app'), {
          expressionFilter:
            "commitDate.Day() <= 2 && commitDate.Weekday().String() == 'Friday' && commitDate.Before(now())",
        }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([appCommits[1]]);
    });

    it('fails when a filter is set and no evaluator is available', async () => {
      await expect(
        discoverCommits(
          subscription(server.fileUrl('app'), { expressionFilter: 'true' }),
          {
            mirrors,
          },
        ),
      ).rejects.toThrow(/error compiling filter expression/);
    });

    it('reads history from since on', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('app'), { since: '2024-02-04T00:00:00Z' }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([
        appCommits[5],
        appCommits[4],
        appCommits[3],
      ]);
    });

    it('follows a named branch, its first parents only, and records the branch', async () => {
      const repo = await server.createRepository('merges');
      const [base] = await repo.commit([
        { files: { a: '1' }, message: 'base' },
      ]);
      const [side] = await repo.commit([
        { branch: 'feature', from: 'main', files: { b: '1' }, message: 'side' },
      ]);
      const [release] = await repo.commit([
        {
          branch: 'release',
          from: 'main',
          files: { c: '1' },
          message: 'release',
        },
      ]);
      const [merge] = await repo.commit([
        {
          branch: 'release',
          merge: ['feature'],
          files: { b: '1' },
          message: 'merge feature',
        },
      ]);
      const result = await discoverCommits(
        subscription(server.fileUrl('merges'), { branch: 'release' }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([merge, release, base]);
      expect(result.commits.map(c => c.branch)).toEqual([
        'release',
        'release',
        'release',
      ]);
      expect(result.commits.map(c => c.id)).not.toContain(side);

      // The merge changed b against its first parent.
      const paths = await discoverCommits(
        subscription(server.fileUrl('merges'), {
          branch: 'release',
          includePaths: ['b'],
        }),
        deps(),
      );
      expect(paths.commits.map(c => c.id)).toEqual([merge]);
    });

    it('follows the remote default branch when no branch is set', async () => {
      const repo = await server.createRepository('trunk', {
        defaultBranch: 'trunk',
      });
      const [t] = await repo.commit([{ branch: 'trunk', files: { a: '1' } }]);
      await repo.commit([{ branch: 'main', files: { a: '2' } }]);
      const result = await discoverCommits(
        subscription(server.fileUrl('trunk')),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([t]);
      expect(result.commits[0].branch).toBeUndefined();
    });

    it('treats a URL that looks like an option as a repository', async () => {
      const marker = path.join(await server.tempDir('marker-'), 'pwned');
      await expect(
        discoverCommits(subscription(`--upload-pack=touch ${marker}`), deps()),
      ).rejects.toThrow();
      await expect(fs.stat(marker)).rejects.toThrow(/ENOENT/);
    });

    it('fails for a branch that does not exist', async () => {
      await expect(
        discoverCommits(
          subscription(server.fileUrl('app'), { branch: 'nope' }),
          deps(),
        ),
      ).rejects.toThrow(/remote branch "nope" not found/);
    });

    it('finds the newest commits of a long history', async () => {
      const repo = await server.createRepository('long');
      const shas = await repo.commitMany(5000);
      const result = await discoverCommits(
        subscription(server.fileUrl('long')),
        deps(),
      );
      expect(result.commits).toHaveLength(20);
      expect(result.commits[0].id).toBe(shas[shas.length - 1]);
    });
  });

  describe('tags', () => {
    let tagged: TestRepository;
    const ids: Record<string, string> = {};

    beforeAll(async () => {
      tagged = await server.createRepository('tagged');
      const shas = await tagged.commit([
        {
          files: { 'app/a': '1' },
          message: 'one',
          date: '2024-03-01T00:00:00Z',
          tags: [
            {
              name: 'v1.0.0',
              message: 'release 1.0.0\n\nnotes',
              tagger: BOB,
              date: '2024-03-20T00:00:00Z',
            },
          ],
        },
        {
          files: { 'docs/b': '1' },
          message: 'two',
          date: '2024-03-02T00:00:00Z',
          tags: ['v1.2.0', 'not-a-version'],
        },
        {
          files: { 'app/c': '1' },
          message: 'three',
          date: '2024-03-03T00:00:00Z',
          tags: ['v1.10.0', 'v2.0.0-rc.1'],
        },
        {
          files: { 'app/d': '1' },
          message: 'four',
          date: '2024-03-04T00:00:00Z',
          tags: ['v1.2'],
        },
      ]);
      [ids.one, ids.two, ids.three, ids.four] = shas;
    });

    it('SemVer: newest version first, strict by default, within the constraint', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'SemVer',
        }),
        deps(),
      );
      expect(result.commits.map(c => [c.tag, c.id])).toEqual([
        ['v2.0.0-rc.1', ids.three],
        ['v1.10.0', ids.three],
        ['v1.2.0', ids.two],
        ['v1.0.0', ids.one],
      ]);

      const constrained = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'SemVer',
          semverConstraint: '^1.0.0',
          strictSemvers: false,
        }),
        deps(),
      );
      // v1.2 and v1.2.0 are the same version: the original text breaks the tie, descending.
      expect(constrained.commits.map(c => c.tag)).toEqual([
        'v1.10.0',
        'v1.2.0',
        'v1.2',
        'v1.0.0',
      ]);
    });

    it('Lexical: descending tag names, with allow and ignore regexes', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'Lexical',
          allowTagsRegexes: ['^v1'],
          ignoreTagsRegexes: ['^v1\\.2$'],
        }),
        deps(),
      );
      expect(result.commits.map(c => c.tag)).toEqual([
        'v1.2.0',
        'v1.10.0',
        'v1.0.0',
      ]);
    });

    it('NewestTag: by creator date, the tag time of annotated tags', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'NewestTag',
          ignoreTagsRegexes: ['^not-', 'rc'],
        }),
        deps(),
      );
      // v1.0.0 is on the oldest commit, but its annotated tag was made last.
      expect(result.commits[0]).toEqual({
        id: ids.one,
        tag: 'v1.0.0',
        subject: 'one',
        author: 'Fixture Author <fixture@example.com>',
        committer: 'Fixture Author <fixture@example.com>',
        creatorDate: '2024-03-20T00:00:00Z',
      });
      expect(result.commits.map(c => c.tag)).toEqual([
        'v1.0.0',
        'v1.2',
        'v1.10.0',
        'v1.2.0',
      ]);
    });

    it.each([
      ['creatorDate.Year() == 2024 && creatorDate.Day() > 10', ['v1.0.0']],
      [
        "creatorDate.After(date('2024-03-03')) && int(creatorDate.Month()) == 3",
        ['v1.0.0', 'v1.2'],
      ],
      ["creatorDate.Format('2006-01-02') == '2024-03-02'", ['v1.2.0']],
      ["now().Sub(creatorDate) > duration('24h') && tag == 'v1.2'", ['v1.2']],
      ["creatorDate + duration('72h') <= date('2024-03-05')", ['v1.2.0']],
    ])(
      'filters tags on their creatorDate as a time value: %s',
      async (expressionFilter, tags) => {
        const result = await discoverCommits(
          subscription(server.fileUrl('tagged'), {
            commitSelectionStrategy: 'Lexical',
            allowTagsRegexes: ['^v1\\.(0|2)'],
            expressionFilter,
          }),
          deps(),
        );
        expect(result.commits.map(c => c.tag).sort()).toEqual(tags);
      },
    );

    it('passes tagger and annotation to the expression filter', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'NewestTag',
          expressionFilter: 'annotation == "release 1.0.0"',
        }),
        deps(),
      );
      expect(result.commits.map(c => c.tag)).toEqual(['v1.0.0']);
      const byTagger = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'NewestTag',
          expressionFilter: 'tagger == "Bob <bob@example.com>"',
        }),
        deps(),
      );
      expect(byTagger.commits.map(c => c.tag)).toEqual(['v1.0.0']);
    });

    it('applies path filters to the tagged commits', async () => {
      const result = await discoverCommits(
        subscription(server.fileUrl('tagged'), {
          commitSelectionStrategy: 'Lexical',
          includePaths: ['app'],
          discoveryLimit: 2,
        }),
        deps(),
      );
      expect(result.commits.map(c => c.tag)).toEqual(['v2.0.0-rc.1', 'v1.2']);
    });

    it('discovers with the deprecated allowTags and ignoreTags of a loaded Warehouse, read as their regexes', async () => {
      const [warehouse] = parseManifests({
        source: 'old.yaml',
        text: `
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  subscriptions:
  - git:
      repoURL: ${server.fileUrl('tagged')}
      commitSelectionStrategy: Lexical
      allowTags: ^v1
      ignoreTags: [v1.2]
`,
      });
      if (warehouse.kind !== 'Warehouse') throw new Error('not a Warehouse');
      const gitSubscription = warehouse.spec.subscriptions[0].git!;
      expect(gitSubscription).toMatchObject({
        allowTagsRegexes: ['^v1'],
        ignoreTagsRegexes: ['^v1\\.2$'],
      });
      const result = await discoverCommits(gitSubscription, deps());
      expect(result.commits.map(c => c.tag)).toEqual([
        'v1.2.0',
        'v1.10.0',
        'v1.0.0',
      ]);
    });
  });

  describe('the mirror cache', () => {
    async function fetchHeadTime(repoURL: string): Promise<number> {
      const stat = await fs.stat(
        path.join(cacheDir, GitMirrorCache.keyOf(repoURL), 'FETCH_HEAD'),
      );
      return stat.mtimeMs;
    }

    it('fetches only when the remote changed, and sees new, rewritten and deleted refs', async () => {
      const repo = await server.createRepository('polled');
      const [first] = await repo.commit([
        { files: { a: '1' }, tags: ['v1.0.0'] },
      ]);
      const url = server.fileUrl('polled');
      const poll = () => discoverCommits(subscription(url), deps());

      expect((await poll()).commits.map(c => c.id)).toEqual([first]);
      const fetched = await fetchHeadTime(url);
      await new Promise(resolve => setTimeout(resolve, 20));
      expect((await poll()).commits.map(c => c.id)).toEqual([first]);
      expect(await fetchHeadTime(url)).toBe(fetched);

      const [second] = await repo.commit([{ files: { a: '2' } }]);
      expect((await poll()).commits.map(c => c.id)).toEqual([second, first]);
      expect(await fetchHeadTime(url)).not.toBe(fetched);

      // A force-push replaces history; a deleted tag disappears.
      const [rewritten] = await repo.commit([
        { branch: 'rewrite', files: { a: 'x' } },
      ]);
      await repo.git(['update-ref', 'refs/heads/main', rewritten]);
      await repo.git(['update-ref', '-d', 'refs/tags/v1.0.0']);
      expect((await poll()).commits.map(c => c.id)).toEqual([rewritten]);
      const tags = await discoverCommits(
        subscription(url, { commitSelectionStrategy: 'Lexical' }),
        deps(),
      );
      expect(tags.commits).toEqual([]);
    });

    it('fetches no file contents for a blobless subscription, and still filters on changed paths', async () => {
      const blobTypes = async (repoURL: string) => {
        const { stdout } = await git.run(
          ['cat-file', '--batch-all-objects', '--batch-check=%(objecttype)'],
          { cwd: path.join(cacheDir, GitMirrorCache.keyOf(repoURL)) },
        );
        return stdout.split('\n').filter(type => type === 'blob').length;
      };
      const files: FixtureCommit[] = [
        { files: { 'app/main.go': 'v1\n', 'README.md': 'hi\n' } },
        { files: { 'docs/guide.md': 'guide\n' } },
        { files: { 'app/main.go': 'v2\n' } },
      ];
      const full = await server.createRepository('full-clone');
      await full.git(['config', 'uploadpack.allowFilter', 'true']);
      await full.commit(files);
      const partial = await server.createRepository('blobless');
      await partial.git(['config', 'uploadpack.allowFilter', 'true']);
      const ids = await partial.commit(files);

      const appOnly = { includePaths: ['app/'] };
      await discoverCommits(
        subscription(server.fileUrl('full-clone'), appOnly),
        deps(),
      );
      const result = await discoverCommits(
        subscription(server.fileUrl('blobless'), {
          ...appOnly,
          blobless: true,
        }),
        deps(),
      );
      expect(result.commits.map(c => c.id)).toEqual([ids[2], ids[0]]);
      expect(await blobTypes(server.fileUrl('full-clone'))).toBeGreaterThan(0);
      expect(await blobTypes(server.fileUrl('blobless'))).toBe(0);

      // A later fetch stays blobless.
      const [next] = await partial.commit([
        { files: { 'app/main.go': 'v3\n' } },
      ]);
      const again = await discoverCommits(
        subscription(server.fileUrl('blobless'), {
          ...appOnly,
          blobless: true,
        }),
        deps(),
      );
      expect(again.commits[0].id).toBe(next);
      expect(await blobTypes(server.fileUrl('blobless'))).toBe(0);
    });

    it('serves concurrent callers of one repository from one mirror', async () => {
      const url = server.fileUrl('app');
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          discoverCommits(
            subscription(url, { discoveryLimit: 1 + (i % 3) }),
            deps(),
          ),
        ),
      );
      expect(results.map(r => r.commits.length)).toEqual([1, 2, 3, 1, 2, 3]);
      expect(results.every(r => r.commits[0].id === appCommits[5])).toBe(true);
      const dirs = (await fs.readdir(cacheDir)).filter(
        d => d === GitMirrorCache.keyOf(url),
      );
      expect(dirs).toHaveLength(1);
    });

    it('keeps at most maxMirrors mirrors, dropping the least recently used', async () => {
      const smallDir = path.join(await server.tempDir('small-'), 'mirrors');
      const small = await GitMirrorCache.create({
        git,
        cacheDir: smallDir,
        maxMirrors: 2,
      });
      const names = ['lru-a', 'lru-b', 'lru-c'];
      for (const name of names) {
        await server.createRepository(name, {
          commits: [{ files: { f: name } }],
        });
      }
      for (const name of names) {
        await discoverCommits(subscription(server.fileUrl(name)), {
          mirrors: small,
        });
        // Distinct last-use times.
        await new Promise(resolve => setTimeout(resolve, 20));
      }
      const kept = (await fs.readdir(smallDir)).sort();
      expect(kept).toEqual(
        [
          GitMirrorCache.keyOf(server.fileUrl('lru-b')),
          GitMirrorCache.keyOf(server.fileUrl('lru-c')),
        ].sort(),
      );
    });

    it('removes mirrors a crashed process left half-made', async () => {
      const dir = path.join(await server.tempDir('crashed-'), 'mirrors');
      await fs.mkdir(path.join(dir, `${GitMirrorCache.keyOf('x')}.tmp-1234`), {
        recursive: true,
      });
      await GitMirrorCache.create({ git, cacheDir: dir });
      expect(await fs.readdir(dir)).toEqual([]);
    });

    it('recovers after an aborted fetch', async () => {
      const repo = await server.createRepository('aborted');
      await repo.commitMany(50);
      const url = server.fileUrl('aborted');
      const controller = new AbortController();
      controller.abort();
      await expect(
        discoverCommits(subscription(url), {
          ...deps(),
          signal: controller.signal,
        }),
      ).rejects.toThrow();
      const result = await discoverCommits(subscription(url), deps());
      expect(result.commits).toHaveLength(20);
    });
  });

  describe('over HTTP', () => {
    const credentials = { username: 'robot', password: 'http-secret-42' };

    beforeAll(async () => {
      await server.startHttp({ auth: credentials });
    });

    it('authenticates with the credentials the lookup returns', async () => {
      const url = server.httpUrl('app');
      const result = await discoverCommits(
        subscription(url, { discoveryLimit: 1 }),
        {
          ...deps(),
          credentials: async repoURL =>
            repoURL === url ? credentials : undefined,
        },
      );
      expect(result.commits.map(c => c.id)).toEqual([appCommits[5]]);
    });

    it('removes a half-made mirror when a first fetch is aborted, and fetches again later', async () => {
      const repo = await server.createRepository('aborted-http');
      const [sha] = await repo.commit([{ files: { a: '1' } }]);
      const url = server.httpUrl('aborted-http');
      const controller = new AbortController();
      let advertisements = 0;
      let release: () => void = () => {};
      server.configureHttp({
        auth: credentials,
        beforeRequest: async ({ query }) => {
          // The first advertisement serves ls-remote; the second starts the fetch.
          if (query === 'service=git-upload-pack' && ++advertisements === 2) {
            controller.abort();
            await new Promise<void>(resolve => {
              release = resolve;
            });
          }
        },
      });
      const options = { ...deps(), credentials: async () => credentials };
      try {
        await expect(
          discoverCommits(subscription(url), {
            ...options,
            signal: controller.signal,
          }),
        ).rejects.toThrow(/aborted/);
      } finally {
        release();
        server.configureHttp({ auth: credentials });
      }
      const leftovers = (await fs.readdir(cacheDir)).filter(d =>
        d.startsWith(GitMirrorCache.keyOf(url)),
      );
      expect(leftovers).toEqual([]);
      const result = await discoverCommits(subscription(url), options);
      expect(result.commits.map(c => c.id)).toEqual([sha]);
    });

    it('keeps a wrong password out of the error', async () => {
      const wrong = 'not-the-password-77';
      const error = await discoverCommits(
        subscription(server.httpUrl('tagged')),
        {
          ...deps(),
          credentials: async () => ({ username: 'robot', password: wrong }),
        },
      ).catch(e => e);
      expect(error).toBeInstanceOf(Error);
      expect(error.message).toMatch(/Authentication failed/);
      expect(error.message).not.toContain(wrong);
    });
  });
});
