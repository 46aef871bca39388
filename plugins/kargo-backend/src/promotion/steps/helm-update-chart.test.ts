import fs from 'node:fs';
import path from 'node:path';
import { createMockDirectory } from '@backstage/backend-test-utils';
import { TerminalStepError } from '@kargo-portal/plugin-kargo-node';
import { createStepContext } from '../../__testUtils__/stepContext';
import { createHelmUpdateChartStep } from './helm-update-chart';

const chartYaml = `apiVersion: v2
name: umbrella # the app of apps
version: 0.1.0
dependencies:
  - name: redis
    repository: https://charts.example.com/stable
    version: "17.0.0" # pinned by Kargo
  - name: api
    repository: oci://registry.example.com/charts
    version: 1.0.0
  - name: local
    repository: file://../local
    version: 0.1.0
`;

const lock = (redis: string, api: string) => `dependencies:
- name: redis
  repository: https://charts.example.com/stable
  version: ${redis}
- name: api
  repository: oci://registry.example.com/charts
  version: ${api}
- name: local
  repository: file://../local
  version: 0.1.0
digest: sha256:${redis}${api}
generated: "2026-12-03T00:00:00Z"
`;

describe('helm-update-chart', () => {
  const mockDir = createMockDirectory();
  const tools = createMockDirectory();
  const realPath = process.env.PATH ?? '';
  const context = () => createStepContext({ workDir: mockDir.path });
  const credentials = [
    { host: 'charts.example.com', username: 'reader', password: 's3cret-repo' },
    { host: 'registry.example.com', username: 'ci', password: 's3cret-oci' },
  ];
  const step = createHelmUpdateChartStep({ credentials: () => credentials });
  const read = (file: string) =>
    fs.readFileSync(path.join(mockDir.path, file), 'utf8');

  /**
   * A stand-in helm: records each call and what it read on standard input; `dependency update` writes the lock
   * prepared in `next.lock`, as helm would after resolving the versions.
   */
  function standIn() {
    const file = path.join(tools.path, 'bin', 'helm');
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(
      file,
      [
        '#!/bin/sh',
        `echo "$* <stdin:$(cat)>" >> "${tools.path}/calls"`,
        'if [ "$1" = dependency ]; then',
        `  cp "${tools.path}/next.lock" "$3/Chart.lock"`,
        'fi',
      ].join('\n'),
      { mode: 0o755 },
    );
    process.env.PATH = `${path.join(tools.path, 'bin')}:/usr/bin:/bin`;
  }
  const calls = () =>
    fs.readFileSync(path.join(tools.path, 'calls'), 'utf8').trim().split('\n');

  beforeEach(() => {
    mockDir.clear();
    tools.clear();
    standIn();
  });
  afterEach(() => {
    process.env.PATH = realPath;
  });

  it.each([
    [{}, '(root): path is required'],
    [{ path: 'c', charts: [] }, 'charts: Array must have at least 1 items'],
    [
      { path: 'c', charts: [{ name: 'a', repository: 'r' }] },
      'charts.0: version is required',
    ],
    [
      {
        path: 'c',
        charts: [{ name: 'a', repository: 'r', version: '1', alias: 'b' }],
      },
      'charts.0: Additional property alias is not allowed',
    ],
  ])('refuses config %j', (config, problem) => {
    expect(() => step.parseConfig(config)).toThrow(
      new TerminalStepError(`invalid helm-update-chart config: ${problem}`),
    );
  });

  it('sets the versions in Chart.yaml in place, updates the dependencies and lists what moved', async () => {
    mockDir.setContent({
      chart: { 'Chart.yaml': chartYaml, 'Chart.lock': lock('17.0.0', '1.0.0') },
      local: { 'Chart.yaml': 'apiVersion: v2\nname: local\nversion: 0.1.0\n' },
    });
    fs.writeFileSync(
      path.join(tools.path, 'next.lock'),
      lock('18.1.0', '1.0.0'),
    );
    const result = await step.run(
      context(),
      step.parseConfig({
        path: 'chart',
        charts: [
          {
            repository: 'https://charts.example.com/stable',
            name: 'redis',
            version: '18.1.0',
          },
          {
            repository: 'oci://registry.example.com/charts',
            name: 'api',
            version: '1.0.0',
          },
        ],
      }),
    );
    expect(result).toEqual({
      status: 'Succeeded',
      output: {
        commitMessage:
          'Updated chart dependencies for chart\n\n- redis: 17.0.0 -> 18.1.0',
      },
    });
    expect(read('chart/Chart.yaml')).toBe(
      // Written as Kargo's YAML updater writes a string that needs no quotes.
      chartYaml.replace('"17.0.0" # pinned', '18.1.0 # pinned'),
    );
    const dir = fs.realpathSync(mockDir.path);
    const repoCall = calls()[0];
    // The password goes to helm's standard input, never to its arguments.
    expect(repoCall).toMatch(
      /^repo add [0-9a-f]{64} https:\/\/charts\.example\.com\/stable --username reader --password-stdin <stdin:s3cret-repo>$/,
    );
    expect(calls().slice(1)).toEqual([
      'registry login registry.example.com --username ci --password-stdin <stdin:s3cret-oci>',
      `dependency update ${dir}/chart <stdin:>`,
    ]);
    expect(fs.readdirSync(mockDir.path).sort()).toEqual(['chart', 'local']);
  });

  it('leaves Chart.lock as it was when no locked version moved, with no output', async () => {
    const original = lock('17.0.0', '1.0.0');
    mockDir.setContent({
      chart: { 'Chart.yaml': chartYaml, 'Chart.lock': original },
      local: { 'Chart.yaml': 'apiVersion: v2\nname: local\nversion: 0.1.0\n' },
    });
    // helm rewrote the digest and date only.
    fs.writeFileSync(
      path.join(tools.path, 'next.lock'),
      original.replace('2026-12-03', '2026-12-04'),
    );
    await expect(step.run(context(), { path: 'chart' })).resolves.toEqual({
      status: 'Succeeded',
    });
    expect(read('chart/Chart.lock')).toBe(original);
    expect(read('chart/Chart.yaml')).toBe(chartYaml);
  });

  it('refuses an update no dependency matches, and a local dependency outside the work directory', async () => {
    mockDir.setContent({
      chart: { 'Chart.yaml': chartYaml },
      local: { 'Chart.yaml': 'name: local\n' },
    });
    await expect(
      step.run(context(), {
        path: 'chart',
        charts: [
          {
            repository: 'https://other.example.com',
            name: 'redis',
            version: '1',
          },
        ],
      }),
    ).rejects.toThrow(
      new TerminalStepError(
        'process dependency updates: no dependency in Chart.yaml matches update with repository "https://other.example.com" and name "redis"',
      ),
    );
    mockDir.setContent({
      chart: {
        'Chart.yaml': chartYaml.replace(
          'file://../local',
          'file://../../../etc',
        ),
      },
    });
    await expect(step.run(context(), { path: 'chart' })).rejects.toThrow(
      new TerminalStepError(
        'validate dependencies: invalid dependency "file://../../../etc": dependency path is outside the work directory',
      ),
    );
    expect(fs.existsSync(path.join(tools.path, 'calls'))).toBe(false);
  });
});
