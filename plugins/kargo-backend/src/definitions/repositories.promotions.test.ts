import { spawnSync } from 'node:child_process';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseAllDocuments } from 'yaml';
import { ConfigReader } from '@backstage/config';
import { mockServices } from '@backstage/backend-test-utils';
import { Promotion } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { applicationManifest } from '../__testUtils__/doubles/argoCdApplications';
import { ArgoCdApplicationSetController } from '../__testUtils__/doubles/argoCdApplicationSetController';
import { resolveFileRepositoryRevision } from '../__testUtils__/doubles/argoCdGitRevisions';
import { ArgoCdSimulator } from '../__testUtils__/doubles/argoCdSimulator';
import {
  GithubApiDouble,
  startGithubApiDouble,
} from '../__testUtils__/doubles/githubApi';
import { mirrorGitRepository } from '../__testUtils__/doubles/gitMirror';
import { KubernetesApiServerDouble } from '../__testUtils__/doubles/kubernetesApiServer';
import { resourceTypes } from '../__testUtils__/doubles/kubernetesResources';
import {
  GitTestServer,
  TestRepository,
} from '../__testUtils__/services/gitServer';
import {
  TestRegistry,
  startRegistry,
} from '../__testUtils__/services/registry';
import {
  RegistryWriter,
  buildImage,
} from '../__testUtils__/services/registryContent';
import { haveCommands } from '../__testUtils__/services/tools';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { evaluateExpression } from '../expressions';
import { GitClient } from '../git/GitClient';
import { builtinPromotionSteps } from '../promotion/builtinSteps';
import { StepRegistry } from '../promotion/engine/StepRegistry';
import {
  PromotionWorker,
  createPromotionWorker,
} from '../promotion/worker/PromotionWorker';
import { createDiscoverers } from '../warehouses/discoverers';
import { artifactSources } from '../warehouses/sources';
import { WarehouseService } from '../warehouses/WarehouseService';
import { DefinitionService } from './DefinitionService';

/*
 * The promotions of repositories of the shapes of Kargo's public examples (akuity/kargo-simple,
 * akuity/kargo-advanced, akuity/kargo-helm and the GitOps repository of Kargo's quickstart, akuity/kargo-demo;
 * see __fixtures__/repositories/README.md), run end to end: the definitions load from a directory, the
 * warehouses discover from a real registry and real Git repositories, and the real engine and steps promote
 * dev -> staging -> prod into local repositories, with the Argo CD simulator on the Kubernetes API double and
 * the GitHub API double for pull requests. What the tests expect of Git is what Kargo does, read from its
 * source (akuity/kargo@1c764767, pkg/promotion/runner/builtin/...):
 *   - kustomize_image_setter.go: the Kustomization is decoded into a yaml.v3 node and written back with
 *     kyaml.Marshal (2-space indentation, compact sequences; yaml.v3 keeps no blank lines, go-yaml/yaml#627);
 *     `commitMessage` is "Updated <path as configured> to use new image\n\n- <name>:<tag>".
 *   - kustomize_builder.go: rendered resources go one per file, named `[namespace-]kind-name.yaml` (lower
 *     case), written with sigs.k8s.io/yaml (keys sorted, compact sequences).
 *   - git_cloner.go (ensureRemoteBranch): a missing branch with `create: true` starts as an orphan holding one
 *     empty commit, "Initial commit".
 *   - git_commiter.go: the message as given, by the controller's Git user (charts/kargo/values.yaml
 *     `controller.gitClient`: Kargo <no-reply@kargo.io>).
 *   - git_pusher.go: `generateTargetBranch` pushes to `kargo/promotion/<promotion name>`.
 *   - git_pr_opener.go: the title is the first line of the source branch's head commit message, the
 *     description the rest; its output is `pr: {id, url}` (`prNumber` was removed in v1.10, #4709).
 *   - git_pr_waiter.go: the output `commit` is the pull request's merge commit.
 * Promotions are created in the store in pipeline order; eligibility and verification have their own tests.
 */

const databases = kargoTestDatabases();
const describeWithRegistry = haveCommands('docker-registry')
  ? describe
  : describe.skip;
const FIXTURES = path.join(__dirname, '__fixtures__', 'repositories');

/** Whether a program is on PATH (without failing under CI as haveCommands does: a missing one is skipped). */
const onPath = (command: string) =>
  spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
// kustomize-build runs `kustomize build`, else the kustomize built into kubectl (`kubectl kustomize`, found on PATH
// by the step itself): either renders for real here.
const haveKustomize = onPath('kustomize') || onPath('kubectl');
const describeWithKustomize = haveKustomize ? describe : describe.skip;
const KUSTOMIZE_SKIP_REASON = haveKustomize
  ? ''
  : ' (SKIPPED: neither kustomize nor kubectl is on PATH, so kustomize-build cannot run)';

/** Every file under a fixture folder (`''` for the whole folder), tokens replaced, by path inside it. */
async function fixtureFiles(
  folder: string,
  replacements: Record<string, string>,
  exclude: string[] = [],
): Promise<Record<string, string>> {
  const dir = path.join(FIXTURES, folder);
  const files: Record<string, string> = {};
  for (const entry of await fs.readdir(dir, {
    recursive: true,
    withFileTypes: true,
  })) {
    if (!entry.isFile() || entry.name === 'README.md') continue;
    const relative = path.relative(
      dir,
      path.join(entry.parentPath, entry.name),
    );
    if (exclude.some(prefix => relative.startsWith(prefix))) continue;
    let text = await fs.readFile(path.join(dir, relative), 'utf8');
    for (const [token, value] of Object.entries(replacements)) {
      text = text.replaceAll(token, value);
    }
    files[relative] = text;
  }
  return files;
}

async function writeFiles(root: string, files: Record<string, string>) {
  for (const [file, text] of Object.entries(files)) {
    await fs.mkdir(path.dirname(path.join(root, file)), { recursive: true });
    await fs.writeFile(path.join(root, file), text);
  }
}

/** Steps of a promotion as `[alias, status]`, for readable failures. */
const stepsOf = (promotion: Promotion) =>
  promotion.steps.map(step => [step.alias, step.status]);

interface Harness {
  registry: TestRegistry;
  gitServer: GitTestServer;
  github: GithubApiDouble;
  kubernetes: KubernetesApiServerDouble;
  simulator: ArgoCdSimulator;
  git: GitClient;
  root: string;
  repos: Record<'simple' | 'advanced' | 'helm' | 'quickstart', TestRepository>;
  urls: Record<'simple' | 'advanced' | 'helm' | 'quickstart', string>;
  definitions: DefinitionService;
  stores: DatabaseKargoStores;
  worker: PromotionWorker;
}

describeWithRegistry('promotions of the Kargo example repositories', () => {
  // One database: what is checked here is Git, which does not depend on it (the stores and the worker have
  // their own tests on SQLite and PostgreSQL), and each run takes seconds per promotion.
  describe.each(['SQLITE_3' as const])('on %p', id => {
    let h: Harness;

    beforeAll(async () => {
      const registry = await startRegistry();
      const writer = new RegistryWriter(registry.url);
      const image = buildImage({ created: '2026-01-01T00:00:00Z' });
      for (const tag of ['v1.0.0', 'v1.1.0', 'latest']) {
        await writer.pushImage('acme/storefront', tag, image);
      }
      for (const tag of ['1.28.0', '1.29.0', '1.29.2']) {
        await writer.pushImage('acme/web', tag, image);
      }

      // The GitOps repositories, over HTTP (kargo-simple: its pull requests go through the GitHub API double,
      // configured for the Git server's host) or file:// (the Argo CD simulator resolves their revisions).
      const gitServer = await GitTestServer.create();
      await gitServer.startHttp();
      const urls = {
        simple: gitServer.httpUrl('acme/simple'),
        advanced: gitServer.fileUrl('acme/advanced'),
        helm: gitServer.fileUrl('acme/helm'),
        quickstart: gitServer.fileUrl('acme/quickstart'),
      };
      const tokens = (name: keyof typeof urls) => ({
        REGISTRY: registry.host,
        GIT_REPO: urls[name],
      });
      const repos = {
        // kargo-simple, -advanced and -helm hold their Kargo manifests beside the GitOps content.
        simple: await gitServer.createRepository('acme/simple', {
          commits: [
            {
              message: 'initial',
              files: await fixtureFiles('simple', tokens('simple')),
            },
          ],
        }),
        advanced: await gitServer.createRepository('acme/advanced', {
          commits: [
            {
              message: 'initial',
              files: await fixtureFiles('advanced', tokens('advanced')),
            },
          ],
        }),
        helm: await gitServer.createRepository('acme/helm', {
          commits: [
            {
              message: 'initial',
              files: await fixtureFiles('helm', tokens('helm')),
            },
            {
              message: 'enable fast search',
              files: {
                'base/flags.yaml':
                  'flags:\n  NEW_CHECKOUT: enabled\n  FAST_SEARCH: enabled\n',
              },
            },
            // Not under the flags warehouse's includePaths: no freight of its own.
            {
              message: 'chart docs',
              files: { 'charts/storefront/README.md': '# storefront\n' },
            },
          ],
        }),
        // The quickstart's manifests are applied from its docs; its GitOps repository is the kargo-demo fork.
        quickstart: await gitServer.createRepository('acme/quickstart', {
          commits: [
            {
              message: 'initial',
              files: await fixtureFiles(
                'quickstart/gitops',
                tokens('quickstart'),
              ),
            },
          ],
        }),
      };

      const root = await fs.realpath(
        await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-repo-promotions-')),
      );
      for (const name of ['simple', 'advanced', 'helm'] as const) {
        await writeFiles(
          path.join(root, 'definitions', name),
          await fixtureFiles(name, tokens(name)),
        );
      }
      await writeFiles(
        path.join(root, 'definitions', 'quickstart'),
        await fixtureFiles('quickstart', tokens('quickstart'), ['gitops']),
      );

      const knex = await databases.init(id);
      await applyDatabaseMigrations(knex);
      const stores = DatabaseKargoStores.fromKnex(knex);
      const logger = mockServices.logger.mock();
      const definitions = new DefinitionService({
        locations: [
          { type: 'file', target: 'simple/kargo/*.yaml' },
          { type: 'file', target: 'advanced/kargo/*.yaml' },
          { type: 'file', target: 'advanced/argocd/*.yaml' },
          { type: 'file', target: 'helm/kargo/*.yaml' },
          { type: 'file', target: 'helm/argocd/*.yaml' },
          { type: 'file', target: 'quickstart/*.yaml' },
        ],
        store: stores.definitions,
        logger,
        urlReader: mockServices.urlReader.mock(),
        baseDir: path.join(root, 'definitions'),
      });
      await definitions.syncConfiguredSources();
      const failed = (await definitions.listSources()).filter(s => s.lastError);
      if (failed.length > 0) {
        throw new Error(`definitions did not load: ${JSON.stringify(failed)}`);
      }

      const warehouses = new WarehouseService({
        stores,
        getCatalog: () => definitions.getCatalog(),
        sources: artifactSources(
          await createDiscoverers({
            config: new ConfigReader({}),
            logger,
            cacheDir: path.join(root, 'mirrors'),
          }),
        ),
        logger,
      });
      await warehouses.pollDue();

      // Argo CD: the quickstart's ApplicationSet (a list generator) through the ApplicationSet controller
      // double; the Applications the git directory generators of kargo-advanced and kargo-helm would make.
      const kubernetes = await KubernetesApiServerDouble.start({
        bookmarkIntervalMs: 0,
      });
      const simulator = new ArgoCdSimulator({
        store: kubernetes.store,
        resolveRevision: resolveFileRepositoryRevision,
      });
      for (const document of parseAllDocuments(
        await fs.readFile(
          path.join(root, 'definitions', 'quickstart', 'argocd.yaml'),
          'utf8',
        ),
      )) {
        kubernetes.store.put(document.toJS(), 'kubectl');
      }
      new ArgoCdApplicationSetController({
        store: kubernetes.store,
      }).reconcile();
      for (const stage of ['dev', 'canary', 'prod-eu']) {
        kubernetes.store.put(
          applicationManifest({
            name: `storefront-${stage}`,
            authorizedStage: `advanced-shop:${stage}`,
            source: {
              repoURL: urls.advanced,
              path: './',
              targetRevision: `env/${stage}`,
            },
          }),
        );
      }
      for (const stage of ['dev', 'staging', 'prod-eu']) {
        kubernetes.store.put(
          applicationManifest({
            name: `helm-shop-${stage}`,
            authorizedStage: `helm-shop:${stage}`,
            source: {
              repoURL: urls.helm,
              path: 'charts/storefront',
              targetRevision: 'HEAD',
              helm: { valueFiles: [`/env/${stage}/values.yaml`] },
            },
          }),
        );
      }
      simulator.startRealTime(20);

      // GitHub for kargo-simple's repository: the API double, mirroring the real repository on every request.
      const github = await startGithubApiDouble();
      const simpleOnGithub = github.addRepository('acme/simple');
      github.onRequest = () =>
        mirrorGitRepository(repos.simple.dir, simpleOnGithub.git);

      const git = await GitClient.create();
      const stepsConfig = new ConfigReader({
        kargo: { argocd: { clusters: [{ ...kubernetes.cluster }] } },
        integrations: {
          github: [
            {
              host: new URL(urls.simple).host,
              apiBaseUrl: github.apiBaseUrl,
              token: github.token,
            },
          ],
        },
      });
      const worker = createPromotionWorker({
        stores,
        definitions,
        registry: StepRegistry.create(
          builtinPromotionSteps({
            config: stepsConfig,
            git,
            evaluateExpression,
            argoCdPollIntervalMs: 20,
            pushBackoffMs: () => 0,
          }),
        ),
        logger,
        config: new ConfigReader({
          kargo: { promotions: { workDir: path.join(root, 'promotions') } },
        }),
        engine: { minRetryAfterMs: 20, errorRetryDelayMs: () => 0 },
      });
      h = {
        registry,
        gitServer,
        github,
        kubernetes,
        simulator,
        git,
        root,
        repos,
        urls,
        definitions,
        stores,
        worker,
      };
    }, 60_000);

    afterAll(async () => {
      h?.simulator.stopRealTime();
      await h?.kubernetes.close();
      await h?.github.close();
      await h?.git.close();
      await h?.registry.stop();
      await h?.gitServer.stop();
      if (h?.root) await fs.rm(h.root, { recursive: true, force: true });
    });

    async function freightOf(project: string, warehouse: string) {
      const { items } = await h.stores.freight.listFreight({
        project,
        origins: [warehouse],
        limit: 10,
      });
      expect(items.length).toBeGreaterThan(0);
      // Newest first.
      return items[0];
    }

    /** Requests a promotion and runs the worker until it is no longer Pending or Running (or `until` holds). */
    async function promote(
      project: string,
      stage: string,
      freightId: string,
      until: (p: Promotion) => boolean = p =>
        p.phase !== 'Pending' && p.phase !== 'Running',
    ): Promise<Promotion> {
      const created = await h.stores.promotions.createPromotion({
        project,
        stage,
        freightId,
        actor: 'user:default/amy',
        at: new Date(),
      });
      return run(project, created.id, until);
    }

    async function run(
      project: string,
      promotionId: string,
      until: (p: Promotion) => boolean = p =>
        p.phase !== 'Pending' && p.phase !== 'Running',
    ): Promise<Promotion> {
      const deadline = Date.now() + 20_000;
      for (;;) {
        const current = await h.stores.promotions.getPromotion(
          project,
          promotionId,
        );
        if (!current) throw new Error(`no promotion ${promotionId}`);
        if (until(current)) return current;
        if (Date.now() > deadline) {
          throw new Error(
            `promotion ${promotionId} still ${current.phase}: ${JSON.stringify(
              stepsOf(current),
            )}`,
          );
        }
        if ((await h.worker.runOnce()) === 0) {
          await new Promise(resolve => setTimeout(resolve, 20));
        }
      }
    }

    /** `git log` of a branch: full messages and authors, newest first. */
    async function history(repo: TestRepository, branch: string) {
      const out = await repo.git([
        'log',
        '--format=%an <%ae>%x1f%B%x1e',
        `refs/heads/${branch}`,
        '--',
      ]);
      return out
        .split('\x1e')
        .map(entry => entry.trim())
        .filter(Boolean)
        .map(entry => {
          const [author, message] = entry.split('\x1f');
          return { author, message: message.trim() };
        });
    }

    async function filesOf(repo: TestRepository, branch: string) {
      return (await repo.git(['ls-tree', '--name-only', branch]))
        .split('\n')
        .filter(Boolean);
    }

    function argoApp(name: string) {
      return h.kubernetes.store.get(resourceTypes.application, 'argocd', name);
    }

    const KARGO = 'Kargo <no-reply@kargo.io>';

    it('kargo-simple: kustomize-set-image on main for dev and staging, a pull request for prod', async () => {
      const repo = h.repos.simple;
      const host = h.registry.host;
      const freight = await freightOf('simple-shop', 'storefront');
      expect(freight.images[0].tag).toBe('v1.1.0');
      const kustomization = (stage: string) =>
        [
          'apiVersion: kustomize.config.k8s.io/v1beta1',
          'kind: Kustomization',
          'resources:',
          '- ../../base',
          `namespace: simple-shop-${stage}`,
          'images:',
          `- name: ${host}/acme/storefront`,
          '  newTag: v1.1.0',
          '',
        ].join('\n');
      const message = (stage: string) =>
        `Updated ./src/env/${stage} to use new image\n\n- ${host}/acme/storefront:v1.1.0`;

      for (const stage of ['dev', 'staging']) {
        const done = await promote('simple-shop', stage, freight.id);
        expect({ phase: done.phase, steps: stepsOf(done) }).toEqual({
          phase: 'Succeeded',
          steps: [
            ['task-1::step-1', 'Succeeded'],
            ['task-1::set-image', 'Succeeded'],
            ['task-1::commit', 'Succeeded'],
            ['task-1::step-4', 'Succeeded'],
            ['task-1::push', 'Skipped'],
            ['task-1::open-pr', 'Skipped'],
            ['task-1::wait-for-pr', 'Skipped'],
          ],
        });
        expect(await repo.show('main', `env/${stage}/kustomization.yaml`)).toBe(
          kustomization(stage),
        );
      }
      expect(await history(repo, 'main')).toEqual([
        { author: KARGO, message: message('staging') },
        { author: KARGO, message: message('dev') },
        { author: 'Fixture Author <fixture@example.com>', message: 'initial' },
      ]);
      const mainBefore = await repo.resolve('main');

      // prod, as the repository has it: the pull request is opened, then git-wait-for-pr gets no number, because
      // the task reads `task.outputs['open-pr'].prNumber`, an output Kargo removed in v1.10 (#4709). Kargo fails
      // the step on its config (`prNumber` must be an integer) and so does the portal.
      const first = await promote('simple-shop', 'prod', freight.id);
      const firstBranch = `kargo/promotion/${first.id}`;
      expect({ phase: first.phase, steps: stepsOf(first) }).toEqual({
        phase: 'Failed',
        steps: [
          ['task-1::step-1', 'Succeeded'],
          ['task-1::set-image', 'Succeeded'],
          ['task-1::commit', 'Succeeded'],
          ['task-1::step-4', 'Skipped'],
          ['task-1::push', 'Succeeded'],
          ['task-1::open-pr', 'Succeeded'],
          ['task-1::wait-for-pr', 'Failed'],
        ],
      });
      // Kargo's JSON schema says `Expected: integer` here.
      expect(first.message).toBe(
        'step "task-1::wait-for-pr": invalid git-wait-for-pr config: prNumber: Invalid type. Expected: number, given: null',
      );
      expect(await repo.resolve('main')).toBe(mainBefore);
      expect(await history(repo, firstBranch)).toEqual([
        { author: KARGO, message: message('prod') },
        ...(await history(repo, 'main')),
      ]);
      expect(await repo.show(firstBranch, 'env/prod/kustomization.yaml')).toBe(
        kustomization('prod'),
      );
      const onGithub = h.github.repository('acme/simple')!;
      expect(onGithub.pulls).toEqual([
        expect.objectContaining({
          number: 1,
          state: 'open',
          head: firstBranch,
          base: 'main',
          title: `Updated ./src/env/prod to use new image`,
          body: `\n- ${host}/acme/storefront:v1.1.0\n`,
        }),
      ]);
      onGithub.closePull(1);

      // prod with the task reading `pr.id`, as Kargo's docs have it since: the promotion waits for the pull
      // request, a user merges it on GitHub, and the webhook wakes the promotion, which ends with the merge.
      const taskFile = path.join(
        h.root,
        'definitions',
        'simple',
        'kargo',
        'promotiontask.yaml',
      );
      const task = await fs.readFile(taskFile, 'utf8');
      expect(task).toContain('.prNumber }}');
      await fs.writeFile(
        taskFile,
        task.replace("['open-pr'].prNumber }}", "['open-pr'].pr.id }}"),
      );
      await h.definitions.syncConfiguredSources();
      const waiting = await promote(
        'simple-shop',
        'prod',
        freight.id,
        p =>
          p.steps[6]?.status === 'Running' ||
          (p.phase !== 'Pending' && p.phase !== 'Running'),
      );
      expect(stepsOf(waiting).slice(4)).toEqual([
        ['task-1::push', 'Succeeded'],
        ['task-1::open-pr', 'Succeeded'],
        ['task-1::wait-for-pr', 'Running'],
      ]);
      const branch = `kargo/promotion/${waiting.id}`;
      const pull = onGithub.pull(2)!;
      expect(pull).toMatchObject({ state: 'open', head: branch, base: 'main' });

      // The user merges on GitHub: a merge commit of the branch into main, in the real repository.
      await repo.commit([
        {
          branch: 'main',
          merge: [branch],
          message: `Merge pull request #2 from acme/${branch}\n\n${pull.title}`,
          files: {
            'env/prod/kustomization.yaml': (await repo.show(
              branch,
              'env/prod/kustomization.yaml',
            ))!,
          },
        },
      ]);
      const mergeCommit = (await repo.resolve('main'))!;
      mirrorGitRepository(repo.dir, onGithub.git);
      Object.assign(pull, {
        state: 'closed',
        frozenHeadSha: await repo.resolve(branch),
        mergedAt: new Date().toISOString(),
        mergeCommitSha: mergeCommit,
      });
      await h.stores.promotions.wakeWaitingForPullRequest({
        prUrl: `https://github.com/acme/simple/pull/2`,
        project: 'simple-shop',
        now: new Date(),
      });
      const merged = await run('simple-shop', waiting.id);
      expect({ phase: merged.phase, steps: stepsOf(merged) }).toEqual({
        phase: 'Succeeded',
        steps: [
          ['task-1::step-1', 'Succeeded'],
          ['task-1::set-image', 'Succeeded'],
          ['task-1::commit', 'Succeeded'],
          ['task-1::step-4', 'Skipped'],
          ['task-1::push', 'Succeeded'],
          ['task-1::open-pr', 'Succeeded'],
          ['task-1::wait-for-pr', 'Succeeded'],
        ],
      });
      expect(merged.steps[4].output).toMatchObject({ branch });
      expect(merged.steps[6].output).toMatchObject({ commit: mergeCommit });
      expect(await repo.show('main', 'env/prod/kustomization.yaml')).toBe(
        kustomization('prod'),
      );
      expect((await history(repo, 'main'))[0].message).toBe(
        `Merge pull request #2 from acme/${branch}\n\nUpdated ./src/env/prod to use new image`,
      );
    });

    describeWithKustomize(
      `rendered with kustomize-build${KUSTOMIZE_SKIP_REASON}`,
      () => {
        it('kargo-advanced: rendered branches env/<stage>, one file per resource, Argo CD synced to the commit', async () => {
          const repo = h.repos.advanced;
          const host = h.registry.host;
          const freight = await freightOf('advanced-shop', 'storefront');
          expect(freight.images[0].tag).toBe('v1.1.0');
          const mainHead = await repo.resolve('main');
          expect(freight.commits[0].id).toBe(mainHead);

          // dev, canary (whose verification runs elsewhere), then prod-eu behind the control-flow stage prod.
          for (const stage of ['dev', 'canary', 'prod-eu']) {
            const done = await promote('advanced-shop', stage, freight.id);
            expect({ stage, phase: done.phase, steps: stepsOf(done) }).toEqual({
              stage,
              phase: 'Succeeded',
              steps: [
                ['task-1::step-1', 'Succeeded'],
                ['task-1::step-2', 'Succeeded'],
                ['task-1::set-image', 'Succeeded'],
                ['task-1::step-4', 'Succeeded'],
                ['task-1::commit', 'Succeeded'],
                ['task-1::step-6', 'Succeeded'],
                ['task-1::step-7', 'Succeeded'],
              ],
            });
            const envBranch = `env/${stage}`;
            expect(await history(repo, envBranch)).toEqual([
              {
                author: KARGO,
                message: `Updated ./src/env/${stage} to use new image\n\n- ${host}/acme/storefront:v1.1.0`,
              },
              { author: KARGO, message: 'Initial commit' },
            ]);
            const ns = `advanced-shop-${stage}`;
            expect(await filesOf(repo, envBranch)).toEqual([
              `${ns}-deployment-storefront.yaml`,
              `${ns}-service-storefront.yaml`,
              `namespace-${ns}.yaml`,
            ]);
            expect(
              await repo.show(envBranch, `${ns}-deployment-storefront.yaml`),
            ).toBe(
              [
                'apiVersion: apps/v1',
                'kind: Deployment',
                'metadata:',
                '  name: storefront',
                `  namespace: ${ns}`,
                'spec:',
                '  replicas: 1',
                '  revisionHistoryLimit: 3',
                '  selector:',
                '    matchLabels:',
                '      app: storefront',
                '  template:',
                '    metadata:',
                '      labels:',
                '        app: storefront',
                '    spec:',
                '      containers:',
                `      - image: ${host}/acme/storefront:v1.1.0`,
                '        name: storefront',
                '        ports:',
                '        - containerPort: 3000',
                '          name: http',
                '',
              ].join('\n'),
            );
            expect(await repo.show(envBranch, `namespace-${ns}.yaml`)).toBe(
              `apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${ns}\n`,
            );
            // argocd-update synced the stage's app to the rendered commit.
            expect(argoApp(`storefront-${stage}`)?.status).toMatchObject({
              sync: {
                status: 'Synced',
                revision: await repo.resolve(envBranch),
              },
              operationState: { phase: 'Succeeded' },
            });
          }
          // The kustomize-set-image edit stays in the work directory: main is untouched.
          expect(await repo.resolve('main')).toBe(mainHead);
        });

        it('quickstart (kargo-demo): rendered branches stage/<stage> through the ApplicationSet’s apps', async () => {
          const repo = h.repos.quickstart;
          const host = h.registry.host;
          const freight = await freightOf('quick-shop', 'quick-shop');
          expect(freight.images[0].tag).toBe('1.29.2');
          const mainHead = await repo.resolve('main');

          for (const [i, stage] of ['test', 'uat', 'prod'].entries()) {
            const done = await promote('quick-shop', stage, freight.id);
            expect({ stage, phase: done.phase, steps: stepsOf(done) }).toEqual({
              stage,
              phase: 'Succeeded',
              steps: [
                'step-1',
                'step-2',
                'update',
                'step-4',
                'commit',
                'step-6',
                'step-7',
              ].map(alias => [`promo-process::${alias}`, 'Succeeded']),
            });
            const branch = `stage/${stage}`;
            expect(await history(repo, branch)).toEqual([
              {
                author: KARGO,
                message: `Updated ./src/base to use new image\n\n- ${host}/acme/web:1.29.2`,
              },
              { author: KARGO, message: 'Initial commit' },
            ]);
            expect(await filesOf(repo, branch)).toEqual([
              'configmap-quick-shop-content.yaml',
              'deployment-quick-shop.yaml',
              'service-quick-shop.yaml',
            ]);
            expect(await repo.show(branch, 'service-quick-shop.yaml')).toBe(
              [
                'apiVersion: v1',
                'kind: Service',
                'metadata:',
                '  name: quick-shop',
                'spec:',
                '  ports:',
                `  - nodePort: ${30081 + i}`,
                '    port: 3000',
                '    protocol: TCP',
                '    targetPort: 80',
                '  selector:',
                '    app: quick-shop',
                '  type: NodePort',
                '',
              ].join('\n'),
            );
            expect(
              await repo.show(branch, 'deployment-quick-shop.yaml'),
            ).toContain(`- image: ${host}/acme/web:1.29.2\n`);
            expect(
              await repo.show(branch, 'configmap-quick-shop-content.yaml'),
            ).toContain(`  title: ${stage}\n`);
            expect(argoApp(`quick-shop-${stage}`)?.status).toMatchObject({
              sync: { status: 'Synced', revision: await repo.resolve(branch) },
              operationState: { phase: 'Succeeded' },
            });
          }
          expect(await repo.resolve('main')).toBe(mainHead);
        });
      },
    );

    it('kargo-helm: yaml-update of the values and a copy of the flags from their commit, on main', async () => {
      const repo = h.repos.helm;
      const storefront = await freightOf('helm-shop', 'storefront');
      const flags = await freightOf('helm-shop', 'flags');
      expect(storefront.images[0].tag).toBe('v1.1.0');
      const flagsCommit = flags.commits[0].id;
      expect(flags.commits[0].message).toBe('enable fast search');

      const messages: string[] = [];
      for (const stage of ['dev', 'staging', 'prod-eu']) {
        const image = await promote('helm-shop', stage, storefront.id);
        expect({ stage, phase: image.phase, steps: stepsOf(image) }).toEqual({
          stage,
          phase: 'Succeeded',
          steps: [
            ['task-1::step-1', 'Succeeded'],
            ['task-1::set-tag', 'Succeeded'],
            ['task-1::step-3', 'Skipped'],
            ['task-1::step-4', 'Skipped'],
            ['task-1::commit', 'Succeeded'],
            ['task-1::step-6', 'Succeeded'],
            ['task-1::step-7', 'Succeeded'],
          ],
        });
        const gitops = await promote('helm-shop', stage, flags.id);
        expect({ stage, phase: gitops.phase, steps: stepsOf(gitops) }).toEqual({
          stage,
          phase: 'Succeeded',
          steps: [
            ['task-1::step-1', 'Succeeded'],
            ['task-1::set-tag', 'Skipped'],
            ['task-1::step-3', 'Succeeded'],
            ['task-1::step-4', 'Succeeded'],
            ['task-1::commit', 'Succeeded'],
            ['task-1::step-6', 'Succeeded'],
            ['task-1::step-7', 'Succeeded'],
          ],
        });
        messages.push(
          `storefront ${stage} to v1.1.0`,
          `flags of ${stage} from ${flagsCommit}`,
        );
        // yaml-update edits in place: the comment and the blank line stay.
        expect(await repo.show('main', `env/${stage}/values.yaml`)).toBe(
          'image:\n  tag: v1.1.0 # set by Kargo\n\nreplicaCount: 1\n',
        );
        expect(await repo.show('main', `env/${stage}/flags.yaml`)).toBe(
          'flags:\n  NEW_CHECKOUT: enabled\n  FAST_SEARCH: enabled\n',
        );
        expect(argoApp(`helm-shop-${stage}`)?.status).toMatchObject({
          sync: { status: 'Synced', revision: await repo.resolve('main') },
          operationState: { phase: 'Succeeded' },
        });
      }
      const log = await history(repo, 'main');
      expect(log.map(c => c.message)).toEqual([
        ...[...messages].reverse(),
        'chart docs',
        'enable fast search',
        'initial',
      ]);
      expect(log.slice(0, 6).every(c => c.author === KARGO)).toBe(true);
    });
  });
});
