import { defineConfig } from '@playwright/test';

/**
 * Browser tests against the real backend serving the built frontend. Chromium is the system's (Debian package
 * `chromium`): Playwright's own browser downloads cannot work without internet. `./portal test` builds the app,
 * installs Chromium when missing and runs these tests.
 */
const chromium = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export default defineConfig({
  testDir: 'e2e/tests',
  timeout: 90_000,
  expect: { timeout: 30_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  workers: 1,
  reporter: [
    ['list'],
    ['html', { open: 'never', outputFolder: 'e2e/artifacts/report' }],
  ],
  outputDir: 'e2e/artifacts/results',
  // Started in this order, each once the previous one answers.
  webServer: [
    {
      // The Kubernetes API server double and the Argo CD simulator, with the demo's Argo CD apps
      // (examples/argocd): they write the backend's kargo.argocd config into .cache/e2e/argocd. A sync and the
      // Progressing that follows take 8 s each: argocd-update looks every 5 s, so the app is still Progressing
      // when the promotion has succeeded, as the demo shows it.
      command: [
        'node --require @backstage/cli/config/nodeTransform.cjs',
        'plugins/kargo-backend/src/__testUtils__/argoCdDoublesProcess.ts',
        '--out .cache/e2e/argocd --applications examples/argocd/applications.yaml --resolve-git',
        '--ui-port 7078 --tick-ms 1000 --delay-steps 8',
      ].join(' '),
      url: 'http://localhost:7078/healthz',
      reuseExistingServer: false,
      timeout: 60_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
    {
      command: [
        'yarn workspace backend start --config ../../app-config.yaml',
        '--config ../../e2e/app-config.e2e.yaml',
        '--config ../../.cache/e2e/argocd/app-config.yaml',
      ].join(' '),
      url: 'http://localhost:7077/api/kargo/health',
      reuseExistingServer: false,
      timeout: 180_000,
      stdout: 'ignore',
      stderr: 'pipe',
    },
  ],
  use: {
    baseURL: 'http://localhost:7077',
    screenshot: 'only-on-failure',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: chromium,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--disable-quic',
        '--no-first-run',
      ],
    },
  },
  projects: [{ name: 'chromium', use: { browserName: 'chromium' } }],
});
