import fs from 'node:fs/promises';
import path from 'node:path';
import { ConfigReader } from '@backstage/config';
import {
  isTerminalStepError,
  PromotionStepRunner,
} from '@kargo-portal/plugin-kargo-node';
import {
  GithubApiDouble,
  GithubGitRepositoryDouble,
  startGithubApiDouble,
} from '../../__testUtils__/doubles/githubApi';
import {
  GitTestServer,
  runGit,
  type TestRepository,
} from '../../__testUtils__/services/gitServer';
import {
  generateSigningKey,
  TestSigningKey,
} from '../../__testUtils__/services/gpg';
import { selfSignedCertificate } from '../../__testUtils__/services/tls';
import { createStepContext } from '../../__testUtils__/stepContext';
import { GitClient } from '../../git/GitClient';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitCloneStep } from './git-clone';
import { createGitCommitStep } from './git-commit';
import { createGithubPushStep, GithubPushSettings } from './github-push';

describe('github-push', () => {
  let server: GitTestServer;
  let github: GithubApiDouble;
  let git: GitClient;
  let credentials: { username: string; password: string };
  let providers: PullRequestProviders;
  let clone: PromotionStepRunner<unknown>;
  let commit: PromotionStepRunner<unknown>;
  let push: PromotionStepRunner<unknown>;
  let key: TestSigningKey;
  let counter = 0;

  const pushStep = (settings: GithubPushSettings = {}) =>
    createGithubPushStep({
      git,
      pushBackoffMs: () => 0,
      github: repoURL => providers.githubRepository(repoURL),
      settings,
    }) as PromotionStepRunner<unknown>;

  beforeAll(async () => {
    github = await startGithubApiDouble();
    credentials = { username: 'x-access-token', password: github.token };
    server = await GitTestServer.create();
    await server.startHttp({ auth: credentials });
    const host = new URL(server.httpUrl('probe')).host;
    // The Git server's host is a GitHub host whose API is the double, as an app-config would say.
    providers = PullRequestProviders.fromConfig(
      new ConfigReader({
        integrations: {
          github: [
            { host, apiBaseUrl: github.apiBaseUrl, token: github.token },
          ],
        },
      }),
    );
    git = await GitClient.create({ tmpDir: await server.tempDir('client-') });
    clone = createGitCloneStep({ git }) as PromotionStepRunner<unknown>;
    commit = createGitCommitStep({ git }) as PromotionStepRunner<unknown>;
    push = pushStep();
    key = await generateSigningKey('Release Bot', 'release@example.com');
  }, 30_000);

  afterAll(async () => {
    await git.close();
    await server.stop();
    await github.close();
  });

  const run = (
    step: PromotionStepRunner<unknown>,
    ctx: ReturnType<typeof createStepContext>,
    config: unknown,
  ) => step.run(ctx, step.parseConfig(config));

  /** A GitHub repository (served over Git and through the API double), cloned by a promotion into ./out. */
  async function promotion(
    options: {
      author?: { name: string; email: string; signingKey?: string };
      credentials?: boolean;
    } = {},
  ) {
    counter += 1;
    const name = `acme/app-${counter}`;
    const repo = await server.createRepository(name);
    await repo.commit([
      { files: { 'values.yaml': 'tag: v1\n', 'other.yaml': 'x\n' } },
    ]);
    const remote = github.addGitRepository(name, repo.dir);
    const url = server.httpUrl(name);
    const ctx = createStepContext({
      workDir: await server.tempDir('promo-'),
      promotion: `dev.01jgh${counter}`,
      credentials: {
        git: async repoURL =>
          repoURL === url && options.credentials !== false
            ? credentials
            : undefined,
      },
    });
    await run(
      clone,
      createStepContext({
        ...ctx,
        credentials: { git: async () => credentials },
      }),
      {
        repoURL: url,
        checkout: [{ branch: 'main', path: 'out' }],
        ...(options.author ? { author: options.author } : {}),
      },
    );
    const out = path.join(ctx.workDir, 'out');
    const change = async (file: string, content: string) => {
      await fs.writeFile(path.join(out, file), content);
      return (await run(commit, ctx, { path: 'out', message: `set ${file}` }))
        .output?.commit as string;
    };
    const gitIn = (args: string[]) => runGit(args, { cwd: out });
    return { repo, remote, url, ctx, out, change, gitIn };
  }

  /** A commit made on the remote by someone else. */
  const concurrentCommit = (
    repo: TestRepository,
    file: string,
    content: string,
  ) =>
    repo.commit([
      { files: { [file]: content }, message: `concurrent ${file}` },
    ]);

  /** The commit at the head of a remote branch, as the API double reports it. */
  async function remoteCommit(
    remote: GithubGitRepositoryDouble,
    branch = 'main',
  ) {
    const sha = (await remote.refSha(`heads/${branch}`))!;
    return remote.commit(sha, github.apiBaseUrl);
  }

  describe('config', () => {
    it.each([
      ['no path', {}, /path/],
      ['an unknown field', { path: 'out', tag: 'v1' }, /tag/],
      [
        'generateTargetBranch with targetBranch',
        { path: 'out', generateTargetBranch: true, targetBranch: 'x' },
        /mutually exclusive/,
      ],
      ['maxAttempts 0', { path: 'out', maxAttempts: 0 }, /maxAttempts/],
      [
        'an invalid targetBranch',
        { path: 'out', targetBranch: 'a..b' },
        /targetBranch "a\.\.b" is not a valid Git ref name/,
      ],
    ])('refuses %s', (_name, config, message) => {
      let error: unknown;
      try {
        push.parseConfig(config);
      } catch (e) {
        error = e;
      }
      expect(isTerminalStepError(error)).toBe(true);
      expect((error as Error).message).toMatch(message);
    });

    it('accepts Kargo’s documented fields', () => {
      expect(
        push.parseConfig({
          path: './out',
          targetBranch: 'main',
          generateTargetBranch: false,
          force: false,
          maxAttempts: 3,
          insecureSkipTLSVerify: false,
        }),
      ).toMatchObject({ path: './out', targetBranch: 'main' });
    });
  });

  it('replays an unsigned commit through the API with its author kept: unverified', async () => {
    const { remote, ctx, change, gitIn } = await promotion();
    const local = await change('values.yaml', 'tag: v2\n');
    const result = await run(push, ctx, { path: 'out' });

    const head = await remoteCommit(remote);
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        branch: 'main',
        commit: head.sha,
        commitURL: expect.stringMatching(
          new RegExp(`/acme/app-${counter}/commit/${head.sha}$`),
        ),
      },
    });
    // The commit created again with the original's author, committer and dates is the original, bit for bit:
    // provenance intact, and GitHub did not sign it.
    expect(head.sha).toBe(local);
    expect(head.tree.sha).toBe(
      (await gitIn(['rev-parse', `${local}^{tree}`])).trim(),
    );
    expect(head.message).toBe('set values.yaml');
    expect(head.author.name).toBe(
      (await gitIn(['log', '-1', '--format=%an', local])).trim(),
    );
    expect(head.verification.verified).toBe(false);
    // The working tree follows the remote; the staging ref is gone.
    expect((await gitIn(['rev-parse', 'HEAD'])).trim()).toBe(head.sha);
    expect(await remote.refSha(`kargo/staging/${ctx.promotion}`)).toBe(
      undefined,
    );
    const posted = github.requests.filter(
      r => r.method === 'POST' && r.rawPath.endsWith('/git/commits'),
    );
    expect(posted.at(-1)?.body).toMatchObject({
      author: { name: head.author.name },
    });
    expect(JSON.stringify(ctx.log)).not.toContain(github.token);
    expect(JSON.stringify(result)).not.toContain(github.token);
  });

  it('replays a commit signed by git-clone’s key without author: GitHub signs it, the author is co-author', async () => {
    const { remote, ctx, change } = await promotion({
      author: {
        name: 'Kargo',
        email: 'kargo@example.com',
        signingKey: key.privateKey,
      },
    });
    await change('values.yaml', 'tag: v2\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result.status).toBe('Succeeded');
    const head = await remoteCommit(remote);
    expect(head.verification.verified).toBe(true);
    expect(head.author.name).toBe(github.appIdentity.name);
    // The key's identity (Release Bot) signed; the author (Kargo) is someone else.
    expect(head.message).toBe(
      'set values.yaml\n\nCo-authored-by: Kargo <kargo@example.com>',
    );
    expect(ctx.log.info.join('\n')).toContain('(trusted)');
  });

  it('keeps no trailer when the signer is the author', async () => {
    const { remote, ctx, change } = await promotion({
      author: {
        name: 'Release Bot',
        email: 'release@example.com',
        signingKey: key.privateKey,
      },
    });
    await change('values.yaml', 'tag: v2\n');
    await run(push, ctx, { path: 'out' });
    const head = await remoteCommit(remote);
    expect(head.verification.verified).toBe(true);
    expect(head.message).toBe('set values.yaml');
  });

  it('verifies untrusted commits too when the operator says so', async () => {
    const { remote, ctx, change, gitIn } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    const author = (await gitIn(['log', '-1', '--format=%an <%ae>'])).trim();
    await run(pushStep({ verifyUntrustedCommits: true }), ctx, { path: 'out' });
    const head = await remoteCommit(remote);
    expect(head.verification.verified).toBe(true);
    expect(head.message).toBe(`set values.yaml\n\nCo-authored-by: ${author}`);
  });

  it('creates the generated branch kargo/promotion/<promotion>', async () => {
    const { remote, repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    const result = await run(push, ctx, {
      path: 'out',
      generateTargetBranch: true,
    });
    const branch = `kargo/promotion/${ctx.promotion}`;
    const head = await remoteCommit(remote, branch);
    expect(result.output).toMatchObject({ branch, commit: head.sha });
    expect(await repo.show(branch, 'values.yaml')).toBe('tag: v2\n');
    expect(await repo.show('main', 'values.yaml')).toBe('tag: v1\n');
    // Repeating the step (a crash before its result was saved) force-updates the same branch.
    const again = await run(push, ctx, {
      path: 'out',
      generateTargetBranch: true,
    });
    expect(again.status).toBe('Succeeded');
    expect(await repo.show(branch, 'values.yaml')).toBe('tag: v2\n');
  });

  it('pushes several commits in order, each on the one before', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    await change('other.yaml', 'y\n');
    await run(push, ctx, { path: 'out' });
    expect((await repo.log()).map(c => c.subject)).toEqual([
      'set other.yaml',
      'set values.yaml',
      'commit 1',
    ]);
  });

  it('rebases onto commits the remote got meanwhile, and is safe to repeat', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    await concurrentCommit(repo, 'other.yaml', 'theirs\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result.status).toBe('Succeeded');
    const subjects = async () => (await repo.log()).map(c => c.subject);
    expect(await subjects()).toEqual([
      'set values.yaml',
      'concurrent other.yaml',
      'commit 1',
    ]);
    const again = await run(push, ctx, { path: 'out' });
    expect(again.output?.commit).toBe(result.output?.commit);
    expect(await subjects()).toHaveLength(3);
  });

  it('integrates and tries again when the branch moves between the comparison and the ref update', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    let raced = 0;
    github.onRequest = async request => {
      if (request.method === 'PATCH' && raced === 0) {
        raced += 1;
        await concurrentCommit(repo, 'other.yaml', 'raced\n');
      }
    };
    try {
      const result = await run(push, ctx, { path: 'out' });
      expect(result.status).toBe('Succeeded');
    } finally {
      github.onRequest = undefined;
    }
    expect(raced).toBe(1);
    expect((await repo.log()).map(c => c.subject)).toEqual([
      'set values.yaml',
      'concurrent other.yaml',
      'commit 1',
    ]);
    expect(ctx.log.info.join('\n')).toMatch(
      /not a fast forward\); attempt 2 of 10/,
    );
  });

  it('fails on a conflict with remote changes', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    await concurrentCommit(repo, 'values.yaml', 'tag: theirs\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result.status).toBe('Failed');
    expect(result.message).toMatch(/merge conflict/);
  });

  it('refuses more commits than maxRevisions', async () => {
    const { repo, ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    await change('other.yaml', 'y\n');
    const error = await run(pushStep({ maxRevisions: 1 }), ctx, {
      path: 'out',
    }).catch(e => e);
    expect(isTerminalStepError(error)).toBe(true);
    expect(error.message).toMatch(
      /contains 2 commits, which exceeds the configured maximum of 1/,
    );
    expect((await repo.log()).map(c => c.subject)).toEqual(['commit 1']);
  });

  it('skips TLS verification of the API with insecureSkipTLSVerify only', async () => {
    const enterprise = await startGithubApiDouble({
      token: github.token,
      enterprise: true,
      tls: selfSignedCertificate(),
    });
    try {
      const { repo, ctx, change } = await promotion();
      enterprise.addGitRepository(`acme/app-${counter}`, repo.dir);
      await change('values.yaml', 'tag: v2\n');
      const selfSigned = createGithubPushStep({
        git,
        pushBackoffMs: () => 0,
        github: repoURL => ({
          ...providers.githubRepository(repoURL),
          apiBaseUrl: enterprise.apiBaseUrl,
        }),
      }) as PromotionStepRunner<unknown>;
      const refused = await run(selfSigned, ctx, { path: 'out' }).catch(e => e);
      expect(refused.message).toMatch(/self[- ]signed certificate/);
      expect((await repo.log()).map(c => c.subject)).toEqual(['commit 1']);
      const result = await run(selfSigned, ctx, {
        path: 'out',
        insecureSkipTLSVerify: true,
      });
      expect(result.status).toBe('Succeeded');
      expect(enterprise.apiBaseUrl).toMatch(/^https:/);
      expect(await repo.show('main', 'values.yaml')).toBe('tag: v2\n');
    } finally {
      await enterprise.close();
    }
  });

  it('fails without credentials for the repository', async () => {
    const { ctx, change, url } = await promotion({ credentials: false });
    await change('values.yaml', 'tag: v2\n');
    const result = await run(push, ctx, { path: 'out' });
    expect(result).toEqual({
      status: 'Failed',
      message: `no credentials found for ${url}`,
    });
  });

  it('ends with the API’s refusal when the token is refused', async () => {
    const { ctx, change } = await promotion();
    await change('values.yaml', 'tag: v2\n');
    const other = pushStep();
    const wrong = { ...credentials, password: `${github.token}-wrong` };
    server.configureHttp({ auth: wrong });
    try {
      const error = await run(
        other,
        { ...ctx, credentials: { git: async () => wrong } },
        { path: 'out' },
      ).catch(e => e);
      expect(isTerminalStepError(error)).toBe(true);
      expect(error.message).toMatch(
        /GitHub API answered 401 .*Bad credentials/,
      );
      expect(error.message).not.toContain(wrong.password);
    } finally {
      server.configureHttp({ auth: credentials });
    }
  });
});
