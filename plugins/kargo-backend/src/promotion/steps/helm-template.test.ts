import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import {
  isTerminalStepError,
  TerminalStepError,
} from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { findOnPath } from '../stepHelpers/externalTool';
import { createHelmTemplateStep } from './helm-template';

const rendered = `---
# Source: app/templates/cm.yaml
apiVersion: v1
kind: ConfigMap
metadata:
  name: app-settings
  namespace: demo
data:
  tag: v2
---
# Source: app/templates/deploy.yaml
apiVersion: apps/v1
kind: Deployment
metadata:
  name: app
spec:
  replicas: 1
---
# Source: app/templates/ingress.yaml
apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: app
`;

const chart = {
  'Chart.yaml': 'apiVersion: v2\nname: app\nversion: 1.0.0\n',
  'values.yaml': 'tag: v1\n',
  templates: {
    'cm.yaml':
      'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {{ .Release.Name }}-settings\n  namespace: {{ .Release.Namespace }}\ndata:\n  tag: {{ .Values.tag }}\n',
  },
};

describe('helm-template', () => {
  const mockDir = createMockDirectory();
  const tools = createMockDirectory();
  const realPath = process.env.PATH ?? '';
  const context = () =>
    createStepContext({ workDir: mockDir.path, project: 'demo' });
  const workDir = () => fs.realpathSync(mockDir.path);

  /** A stand-in helm on a PATH of its own: it records each call's arguments (one call per line). */
  function standIn(body: string) {
    const file = path.join(tools.path, 'bin', 'helm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      `#!/bin/sh\necho "$*" >> "${tools.path}/calls"\nenv > "${tools.path}/env"\n${body}\n`,
      { mode: 0o755 },
    );
    process.env.PATH = `${path.join(tools.path, 'bin')}:/usr/bin:/bin`;
  }
  const calls = () =>
    fs.readFileSync(path.join(tools.path, 'calls'), 'utf8').trim().split('\n');
  const printRendered = `cat <<'EOF'\n${rendered}EOF`;

  beforeEach(() => {
    mockDir.clear();
    tools.clear();
  });
  afterEach(() => {
    process.env.PATH = realPath;
  });

  it.each([
    [{ path: 'c', outPath: 'o' }, '(root): releaseName is required'],
    [
      { path: 'c', outPath: 'o', releaseName: 'r', outLayout: 'tree' },
      'outLayout: outLayout must be one of the following: "helm", "flat"',
    ],
    [
      { path: 'c', outPath: 'o', releaseName: 'r', setValues: [{ key: 'a' }] },
      'setValues.0: value is required',
    ],
    [
      { path: 'c', outPath: 'o', releaseName: 'r', valuesFiles: [''] },
      'valuesFiles.0: String length must be greater than or equal to 1',
    ],
    [
      { path: 'c', outPath: 'o', releaseName: 'r', wait: true },
      '(root): Additional property wait is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => createHelmTemplateStep().parseConfig(config)).toThrow(
      new TerminalStepError(`invalid helm-template config: ${problem}`),
    );
  });

  it('passes every option to helm template and writes one file', async () => {
    mockDir.setContent({
      chart,
      'values-dev.yaml': 'tag: v2\n',
    });
    standIn(printRendered);
    const step = createHelmTemplateStep();
    await expect(
      step.run(
        context(),
        step.parseConfig({
          path: 'chart',
          outPath: 'out/app.yaml',
          releaseName: 'app',
          valuesFiles: ['values-dev.yaml', 'values-missing.yaml'],
          ignoreMissingValueFiles: true,
          setValues: [
            { key: 'image.tag', value: 'v2' },
            { key: 'note', value: 'a,b', literal: true },
          ],
          buildDependencies: true,
          includeCRDs: true,
          disableHooks: true,
          skipTests: true,
          kubeVersion: '1.30.0',
          apiVersions: ['monitoring.coreos.com/v1'],
        }),
      ),
    ).resolves.toEqual({ status: 'Succeeded' });
    const dir = workDir();
    expect(calls()).toEqual([
      `dependency build ${dir}/chart`,
      [
        `template app ${dir}/chart --namespace demo`,
        `--values ${dir}/values-dev.yaml`,
        '--set image.tag=v2 --set-literal note=a,b',
        '--include-crds --no-hooks --skip-tests --kube-version 1.30.0',
        '--api-versions monitoring.coreos.com/v1',
      ].join(' '),
    ]);
    const env = fs.readFileSync(path.join(tools.path, 'env'), 'utf8');
    expect(env).toMatch(new RegExp(`^HOME=${dir}/\\.helm-home-`, 'm'));
    expect(
      fs.readFileSync(path.join(mockDir.path, 'out/app.yaml'), 'utf8'),
    ).toBe(`${rendered.trim()}\n`);
    expect(fs.readdirSync(mockDir.path).sort()).toEqual([
      'chart',
      'out',
      'values-dev.yaml',
    ]);
  });

  it('refuses a missing values file unless told to skip it', async () => {
    mockDir.setContent({ chart });
    standIn(
      `echo "Error: open values-missing.yaml: no such file or directory" >&2; exit 1`,
    );
    const step = createHelmTemplateStep();
    await expect(
      step.run(context(), {
        path: 'chart',
        outPath: 'out.yaml',
        releaseName: 'app',
        valuesFiles: ['values-missing.yaml'],
      }),
    ).rejects.toThrow(
      'failed to render chart: helm failed: Error: open values-missing.yaml: no such file or directory',
    );
  });

  it("uses helm's own output directory layout by default, with the release name when asked", async () => {
    mockDir.setContent({ chart });
    standIn('echo "wrote something"');
    const step = createHelmTemplateStep();
    await step.run(context(), {
      path: 'chart',
      outPath: 'rendered',
      releaseName: 'app',
      namespace: 'apps',
      useReleaseName: true,
    });
    expect(calls()).toEqual([
      `template app ${workDir()}/chart --namespace apps --output-dir ${workDir()}/rendered --release-name`,
    ]);
  });

  it('writes one file per resource with the flat layout', async () => {
    mockDir.setContent({ chart });
    standIn(printRendered);
    const step = createHelmTemplateStep();
    await step.run(context(), {
      path: 'chart',
      outPath: 'flat',
      outLayout: 'flat',
      releaseName: 'app',
    });
    const dir = path.join(mockDir.path, 'flat');
    expect(fs.readdirSync(dir).sort()).toEqual([
      'apps-deployment-app.yaml',
      'configmap-demo-app-settings.yaml',
      'networking_k8s_io-ingress-app.yaml',
    ]);
    expect(
      fs.readFileSync(path.join(dir, 'apps-deployment-app.yaml'), 'utf8'),
    ).toBe(
      '# Source: app/templates/deploy.yaml\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: app\nspec:\n  replicas: 1\n',
    );
  });

  it('refuses a chart with a link leading outside the work directory, and names what to install', async () => {
    mockDir.setContent({
      chart: { ...chart, files: { secret: ctx => ctx.symlink('/etc/passwd') } },
    });
    standIn('exit 0');
    const step = createHelmTemplateStep();
    const config = { path: 'chart', outPath: 'o.yaml', releaseName: 'app' };
    await expect(step.run(context(), config)).rejects.toThrow(
      new TerminalStepError(
        `chart "chart" holds a symbolic link "chart/files/secret" that leads outside the promotion's work directory`,
      ),
    );
    expect(fs.existsSync(path.join(tools.path, 'calls'))).toBe(false);

    mockDir.setContent({ chart });
    process.env.PATH = path.join(tools.path, 'empty');
    const error = await step.run(context(), config).catch((e: Error) => e);
    expect(error).toEqual(
      new Error(
        'the helm binary was not found: looked for helm on PATH; install it or set kargo.promotions.tools.helm',
      ),
    );
    expect(isTerminalStepError(error)).toBe(false);
  });

  it('renders a chart with a real helm', async () => {
    const helm = await findOnPath('helm', realPath);
    if (!helm) {
      // helm is not installed here; the stand-in tests above cover the step.
      return;
    }
    mockDir.setContent({ chart, 'values-dev.yaml': 'tag: v2\n' });
    const step = createHelmTemplateStep();
    await step.run(context(), {
      path: 'chart',
      outPath: 'flat',
      outLayout: 'flat',
      releaseName: 'app',
      valuesFiles: ['values-dev.yaml'],
    });
    expect(
      fs.readFileSync(
        path.join(mockDir.path, 'flat/configmap-demo-app-settings.yaml'),
        'utf8',
      ),
    ).toContain('tag: v2');
  });
});
