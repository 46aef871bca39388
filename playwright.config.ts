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
  webServer: {
    command:
      'yarn workspace backend start --config ../../app-config.yaml --config ../../e2e/app-config.e2e.yaml',
    url: 'http://localhost:7077/api/kargo/health',
    reuseExistingServer: false,
    timeout: 180_000,
    stdout: 'ignore',
    stderr: 'pipe',
  },
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
