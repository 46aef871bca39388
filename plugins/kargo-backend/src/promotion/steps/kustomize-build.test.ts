import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { findOnPath } from '../stepHelpers/externalTool';
import { createKustomizeBuildStep } from './kustomize-build';

const rendered = `apiVersion: v1
kind: ConfigMap
metadata:
  name: settings
  namespace: dev
data:
  b: "2"
  a: "1"
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
  namespace: prod
spec:
  replicas: 2
---
apiVersion: v1
kind: Namespace
metadata:
  name: dev
`;

describe('kustomize-build', () => {
  const mockDir = createMockDirectory();
  const tools = createMockDirectory();
  const realPath = process.env.PATH ?? '';
  const context = () => createStepContext({ workDir: mockDir.path });

  /** A stand-in `name` on a PATH of its own: it records its arguments and environment, then runs `body`. */
  function standIn(name: string, body: string) {
    const file = path.join(tools.path, 'bin', name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `#!/bin/sh\nprintf '%s\\n' "$@" > "${tools.path}/args"\nenv > "${tools.path}/env"\npwd > "${tools.path}/cwd"\n${body}\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${path.join(tools.path, 'bin')}:/usr/bin:/bin`;
  }
  const recorded = (what: 'args' | 'env' | 'cwd') =>
    fs.readFileSync(path.join(tools.path, what), 'utf8').trim().split('\n');

  beforeEach(() => {
    mockDir.clear();
    tools.clear();
  });
  afterEach(() => {
    process.env.PATH = realPath;
  });

  it.each([
    [{ outPath: 'out.yaml' }, '(root): path is required'],
    [{ path: 'app' }, '(root): outPath is required'],
    [
      { path: 'app', outPath: 'out', outputFormat: 'helm' },
      'outputFormat: outputFormat must be one of the following: "kargo", "kustomize"',
    ],
    [
      { path: 'app', outPath: 'out', plugin: { helm: { apiVersions: [''] } } },
      'plugin.helm.apiVersions.0: String length must be greater than or equal to 1',
    ],
    [
      { path: 'app', outPath: 'out', plugin: { kustomize: {} } },
      'plugin: Additional property kustomize is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => createKustomizeBuildStep().parseConfig(config)).toThrow(
      new TerminalStepError(`invalid kustomize-build config: ${problem}`),
    );
  });

  it('runs kustomize build with helm inflation on, in the work directory, with PATH and its own HOME only', async () => {
    mockDir.setContent({ app: { 'kustomization.yaml': 'resources: []\n' } });
    standIn('kustomize', `cat <<'EOF'\n${rendered}EOF`);
    process.env.KARGO_TEST_SECRET = 'not for tools';
    try {
      const step = createKustomizeBuildStep({ helm: '/opt/helm/bin/helm' });
      await expect(
        step.run(
          context(),
          step.parseConfig({
            path: 'app',
            outPath: 'out/all.yaml',
            plugin: {
              helm: { apiVersions: ['a/v1', 'b/v2'], kubeVersion: '1.30' },
            },
          }),
        ),
      ).resolves.toEqual({ status: 'Succeeded' });
    } finally {
      delete process.env.KARGO_TEST_SECRET;
    }
    const workDir = fs.realpathSync(mockDir.path);
    expect(recorded('args')).toEqual([
      'build',
      path.join(workDir, 'app'),
      '--load-restrictor',
      'LoadRestrictionsNone',
      '--enable-helm',
      '--helm-command',
      '/opt/helm/bin/helm',
      '--helm-api-versions',
      'a/v1',
      '--helm-api-versions',
      'b/v2',
      '--helm-kube-version',
      '1.30',
    ]);
    expect(recorded('cwd')).toEqual([workDir]);
    const env = recorded('env');
    expect(env).toContain(`PATH=${process.env.PATH}`);
    expect(env.find(line => line.startsWith('HOME='))).toMatch(
      new RegExp(`^HOME=${workDir}/\\.kustomize-home-`),
    );
    expect(env.join('\n')).not.toContain('not for tools');
    expect(
      fs.readFileSync(path.join(mockDir.path, 'out/all.yaml'), 'utf8'),
    ).toBe(rendered);
    // The HOME of the run is gone.
    expect(fs.readdirSync(mockDir.path).sort()).toEqual(['app', 'out']);
  });

  it.each([
    [
      'kargo',
      {
        'dev-configmap-settings.yaml':
          'apiVersion: v1\ndata:\n  a: "1"\n  b: "2"\nkind: ConfigMap\nmetadata:\n  name: settings\n  namespace: dev\n',
        'prod-deployment-web.yaml':
          'apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\n  namespace: prod\nspec:\n  replicas: 2\n',
        'namespace-dev.yaml':
          'apiVersion: v1\nkind: Namespace\nmetadata:\n  name: dev\n',
      },
    ],
    [
      'kustomize',
      {
        'dev_v1_configmap_settings.yaml': expect.any(String),
        'prod_apps_v1_deployment_web.yaml': expect.any(String),
        'v1_namespace_dev.yaml': expect.any(String),
      },
    ],
  ])(
    'writes one file per resource with outputFormat %s',
    async (outputFormat, files) => {
      mockDir.setContent({ app: { 'kustomization.yaml': 'resources: []\n' } });
      standIn('kustomize', `cat <<'EOF'\n${rendered}EOF`);
      const step = createKustomizeBuildStep();
      await step.run(
        context(),
        step.parseConfig({ path: 'app', outPath: 'out', outputFormat }),
      );
      const dir = path.join(mockDir.path, 'out');
      expect(
        Object.fromEntries(
          fs
            .readdirSync(dir)
            .map(name => [name, fs.readFileSync(path.join(dir, name), 'utf8')]),
        ),
      ).toEqual(files);
    },
  );

  it('falls back on kubectl kustomize, and names what to install when neither is there', async () => {
    mockDir.setContent({ app: { 'kustomization.yaml': 'resources: []\n' } });
    standIn('kubectl', `echo 'kind: Namespace\nmetadata:\n  name: x'`);
    const step = createKustomizeBuildStep();
    await step.run(context(), { path: 'app', outPath: 'x.yaml' });
    expect(recorded('args').slice(0, 1)).toEqual(['kustomize']);

    process.env.PATH = path.join(tools.path, 'empty');
    const error = await step
      .run(context(), { path: 'app', outPath: 'x.yaml' })
      .catch((e: Error) => e);
    expect(error).toEqual(
      new Error(
        'the kustomize binary was not found: looked for kustomize build, then kubectl kustomize on PATH; install it or set kargo.promotions.tools.kustomize',
      ),
    );
    // Installing it and retrying may succeed: not a terminal error.
    expect(isTerminalStepError(error)).toBe(false);
  });

  it('reports what kustomize printed when it fails', async () => {
    mockDir.setContent({ app: { 'kustomization.yaml': 'resources: []\n' } });
    standIn(
      'kustomize',
      `echo "Error: accumulating resources: missing.yaml" >&2\nexit 1`,
    );
    const step = createKustomizeBuildStep();
    await expect(
      step.run(context(), { path: 'app', outPath: 'x.yaml' }),
    ).rejects.toThrow(
      'failed to build kustomization "app": kustomize failed: Error: accumulating resources: missing.yaml',
    );
  });

  it.each([
    [
      'a base outside the work directory',
      { 'kustomization.yaml': 'resources:\n- ../../../etc\n' },
      'kustomization app/kustomization.yaml refers to "../../../etc", which is outside the promotion\'s work directory',
    ],
    [
      'a patch through a link that leaves it',
      {
        'kustomization.yaml': 'patches:\n- path: link/patch.yaml\n',
        link: (ctx: { symlink(target: string): void }) => ctx.symlink('/etc'),
      },
      'kustomization app/kustomization.yaml refers to "link/patch.yaml", which is outside the promotion\'s work directory',
    ],
    [
      'a generator file, in a base',
      {
        'kustomization.yaml': 'resources:\n- base\n',
        base: {
          'kustomization.yml':
            'configMapGenerator:\n- name: c\n  files:\n  - passwd=/etc/passwd\n',
        },
      },
      'kustomization app/base/kustomization.yml refers to "/etc/passwd", which is outside the promotion\'s work directory',
    ],
    [
      'a remote base',
      {
        'kustomization.yaml':
          'resources:\n- https://github.com/argoproj/argo-cd//manifests?ref=v2.0.0\n',
      },
      'kustomization app/kustomization.yaml refers to "https://github.com/argoproj/argo-cd//manifests?ref=v2.0.0", which is not in the work directory: remote resources are not fetched',
    ],
  ])('refuses %s before running kustomize', async (_case, app, message) => {
    mockDir.setContent({ app });
    standIn('kustomize', 'exit 0');
    const step = createKustomizeBuildStep();
    await expect(
      step.run(context(), { path: 'app', outPath: 'x.yaml' }),
    ).rejects.toThrow(new TerminalStepError(message));
    expect(fs.existsSync(path.join(tools.path, 'args'))).toBe(false);
  });

  describe('with a real kustomize', () => {
    it('builds an overlay of a base', async () => {
      const real =
        (await findOnPath('kustomize', realPath)) ??
        (await findOnPath('kubectl', realPath));
      if (!real) {
        // Neither kustomize nor kubectl is installed here; the stand-in tests above cover the step.
        return;
      }
      mockDir.setContent({
        base: {
          'kustomization.yaml': 'resources:\n- cm.yaml\n',
          'cm.yaml':
            'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  tag: v1\n',
        },
        overlay: {
          'kustomization.yaml':
            'resources:\n- ../base\nnamePrefix: dev-\nnamespace: dev\n',
        },
      });
      const step = createKustomizeBuildStep();
      await step.run(context(), { path: 'overlay', outPath: 'out' });
      expect(
        fs.readFileSync(
          path.join(mockDir.path, 'out/dev-configmap-dev-settings.yaml'),
          'utf8',
        ),
      ).toBe(
        'apiVersion: v1\ndata:\n  tag: v1\nkind: ConfigMap\nmetadata:\n  name: dev-settings\n  namespace: dev\n',
      );
    });
  });
});
