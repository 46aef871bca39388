import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { expect, Locator, Page, test } from '@playwright/test';
import {
  pipelineCard,
  signInAsGuest,
  signInAsReleaseManager,
} from '../fixtures/portal';

// The seeds' story (issue 12): a new commit makes freight; dev auto-promotes it and verifies it with a web check;
// staging auto-promotes what dev verified (MatchUpstream), its verification fails and it rolls back by itself to
// its previous freight; prod waits for a manual promotion, and a deny window keeps it closed: a release manager's
// Promote is refused by the backend with the window and when it next opens.
// Discovery, auto-promotion and verification each take a few seconds.
test.setTimeout(300_000);

/** Where the demo's catalog reads the browser tests' repositories (e2e/app-config.e2e.yaml). */
const SERVICES = '/tmp/kargo-portal-demo/e2e-services';

/** The git CLI without the user's configuration, with a fixed identity. */
function git(args: string[], cwd?: string): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    env: {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'e2e',
      GIT_AUTHOR_EMAIL: 'e2e@kargo-portal.invalid',
      GIT_COMMITTER_NAME: 'e2e',
      GIT_COMMITTER_EMAIL: 'e2e@kargo-portal.invalid',
    },
  }).trim();
}

/** Commits `files` to the main branch of the bare repository `bare`, through a throw-away clone; returns the SHA. */
function commitTo(bare: string, files: Record<string, string>): string {
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-e2e-work-'));
  try {
    // The first commit clones an empty repository: git warns, harmlessly.
    git(['clone', '--quiet', bare, work]);
    git(['checkout', '--quiet', '-B', 'main'], work);
    for (const [name, text] of Object.entries(files)) {
      fs.writeFileSync(path.join(work, name), text);
    }
    git(['add', '--all'], work);
    git(['commit', '--quiet', '-m', `change ${Object.keys(files)}`], work);
    git(['push', '--quiet', 'origin', 'main'], work);
    return git(['rev-parse', 'HEAD'], work);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

function bareRepository(at: string) {
  fs.mkdirSync(path.dirname(at), { recursive: true });
  git(['init', '--quiet', '--bare', '--initial-branch=main', at]);
}

/**
 * The checks the stages' AnalysisTemplates call, as the services deployed there would answer: dev's status, and
 * staging's error rate for the version (commit) it runs, high for the commits the test marks as broken.
 */
async function startChecks() {
  const broken = new Set<string>();
  const server = http.createServer((request, response) => {
    const url = request.url ?? '';
    const commit = /^\/staging\/([0-9a-f]{40})$/.exec(url)?.[1];
    let answer: object | undefined;
    if (url === '/dev') answer = { status: 'up' };
    else if (commit) answer = { errorRate: broken.has(commit) ? 0.4 : 0.01 };
    response.writeHead(answer ? 200 : 404, {
      'content-type': 'application/json',
    });
    response.end(JSON.stringify(answer ?? { error: 'no such check' }));
  });
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    broken,
    close: () => new Promise<void>(resolve => server.close(() => resolve())),
  };
}

/** A compact iCal UTC date-time, as promotion windows take it. */
function ical(date: Date): string {
  return `${date.toISOString().replace(/[-:]/g, '').slice(0, 15)}Z`;
}

function manifests(options: {
  project: string;
  appRepo: string;
  checks: string;
  freezeUntil: Date;
}) {
  const { project, appRepo, checks, freezeUntil } = options;
  return `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata:
  name: ${project}
  annotations:
    kargo-portal/owners: component:default/${project}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: ${project}, namespace: ${project} }
spec:
  promotionPolicies:
    - stage: dev
      autoPromotionEnabled: true
    - stage: staging
      autoPromotionEnabled: true
      autoRollback: { onVerification: [Failed] }
  promotionWindows:
    - name: release-freeze
      kind: Deny
      stageSelector: { name: prod }
      dtstart: ${ical(new Date(Date.now() - 3600_000))}
      dtend: ${ical(freezeUntil)}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: ${project} }
spec:
  subscriptions:
    - git: { repoURL: 'file://${appRepo}', branch: main }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: ${project} }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { direct: true }
  verification:
    analysisTemplates: [{ name: web-check }]
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: staging, namespace: ${project} }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources:
        stages: [dev]
        autoPromotionOptions: { selectionPolicy: MatchUpstream }
  verification:
    analysisTemplates: [{ name: error-rate }]
    # The version staging runs, for its error rate.
    args:
      - name: commit
        value: '\${{ commitFrom("file://${appRepo}").ID }}'
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: prod, namespace: ${project} }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { stages: [staging] }
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: web-check, namespace: ${project} }
spec:
  metrics:
    - name: web-check
      successCondition: result == "up"
      provider:
        web: { url: '${checks}/dev', jsonPath: '{$.status}' }
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: error-rate, namespace: ${project} }
spec:
  args: [{ name: commit }]
  metrics:
    # Measured four times, 3 s apart; the third failure fails it.
    - name: error-rate
      count: 4
      interval: 3s
      failureLimit: 2
      successCondition: result < 0.05
      provider:
        web:
          url: '${checks}/staging/{{args.commit}}'
          jsonPath: '{$.errorRate}'
`;
}

async function guestToken(page: Page): Promise<string> {
  const session = await page.request.get('/api/auth/guest/refresh', {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  return (await session.json()).backstageIdentity.token;
}

/** The stage's card item. */
function stageItem(page: Page, name: string): Locator {
  return page.getByRole('listitem', { name, exact: true });
}

async function refreshWarehouse(page: Page) {
  await page.getByRole('link', { name: 'Kargo', exact: true }).click();
  const refresh = page.getByRole('button', { name: 'Refresh warehouse app' });
  await expect(refresh).toBeEnabled();
  await refresh.click();
  await page.getByRole('link', { name: 'Overview', exact: true }).click();
}

test('the seed story: auto-promotion with verification, an automatic rollback, a manual prod behind a deny window', async ({
  page,
  browser,
}, testInfo) => {
  const project = `story-${Date.now().toString(36)}`;
  const checks = await startChecks();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-e2e-story-'));
  try {
    // The service's repository, read by the catalog: its component shows the project's pipeline card.
    const serviceRepo = path.join(SERVICES, `${project}.git`);
    bareRepository(serviceRepo);
    commitTo(serviceRepo, {
      'catalog-info.yaml': `apiVersion: backstage.io/v1alpha1
kind: Component
metadata:
  name: ${project}
  annotations:
    kargo/project: ${project}
spec:
  type: service
  lifecycle: experimental
  owner: guests
`,
    });
    // The application's repository, to which the warehouse subscribes: each commit makes freight.
    const appRepo = path.join(tmp, 'app.git');
    bareRepository(appRepo);
    const first = commitTo(appRepo, { 'version.txt': '1\n' });

    await signInAsGuest(page);
    const token = await guestToken(page);
    const headers = { Authorization: `Bearer ${token}` };
    const freezeUntil = new Date(Date.now() + 73 * 3600_000);
    const created = await page.request.post('/api/kargo/projects', {
      headers,
      data: {
        manifests: manifests({
          project,
          appRepo,
          checks: checks.url,
          freezeUntil,
        }),
      },
    });
    expect(created.status(), await created.text()).toBe(201);
    await expect
      .poll(
        async () =>
          (
            await page.request.get(
              `/api/catalog/entities/by-name/component/default/${project}`,
              { headers },
            )
          ).status(),
        { timeout: 60_000 },
      )
      .toBe(200);
    await page.goto(`/catalog/default/component/${project}`);

    const dev = stageItem(page, 'dev');
    const staging = stageItem(page, 'staging');
    const prod = stageItem(page, 'prod');
    await expect(dev.getByText('auto', { exact: true })).toBeVisible();
    await expect(staging.getByText('auto', { exact: true })).toBeVisible();
    await expect(prod.getByText('auto', { exact: true })).toHaveCount(0);
    // The deny window keeps prod closed, with its next opening (73 hours from now).
    await expect(prod).toContainText('promotions closed · opens in 3 days');
    await expect(
      prod.getByTitle(
        'Promotions to prod are closed: promotion window "release-freeze" (Deny) is active',
      ),
    ).toBeVisible();

    // A new commit makes freight; dev auto-promotes it and verifies it with its web check.
    await refreshWarehouse(page);
    await expect(dev).toContainText(first.slice(0, 7), { timeout: 60_000 });
    await expect(
      dev.getByRole('img', { name: 'verification Successful' }),
    ).toBeVisible({ timeout: 60_000 });
    await dev.getByRole('button', { name: 'Details of dev' }).click();
    const devDrawer = page.getByRole('dialog', { name: 'Stage dev' });
    const devVerification = devDrawer.getByRole('region', {
      name: 'Verification of dev',
    });
    await expect(devVerification).toContainText(
      'Attempt 1 · started by the stage',
    );
    const devMeasurement = devVerification
      .getByRole('table', { name: 'Measurements of the verification of dev' })
      .getByRole('row', { name: /^Measurement of web-check at / });
    await expect(devMeasurement).toHaveCount(1);
    await expect(devMeasurement).toContainText('web-check');
    await expect(devMeasurement).toContainText('up');
    await expect(
      devMeasurement.getByRole('img', { name: 'Successful' }),
    ).toBeVisible();
    await expect(
      devVerification.getByRole('button', { name: 'Re-verify' }),
    ).toBeEnabled();
    const devShot = testInfo.outputPath('kargo-stage-drawer-verification.png');
    await page.screenshot({ path: devShot });
    await testInfo.attach('kargo-stage-drawer-verification.png', {
      path: devShot,
      contentType: 'image/png',
    });
    await devDrawer.getByRole('button', { name: 'Close' }).click();

    // staging auto-promotes what dev verified (MatchUpstream) and verifies it too.
    await expect(staging).toContainText(first.slice(0, 7), { timeout: 60_000 });
    await expect(
      staging.getByRole('img', { name: 'verification Successful' }),
    ).toBeVisible({ timeout: 60_000 });
    // prod waits for a manual promotion: the freight is eligible, nothing moves in.
    await expect(prod).toContainText('1 freight eligible');
    await expect(prod).toContainText('no freight yet');

    // The next commit breaks staging: its error rate is too high there. dev (whose check it passes) promotes it,
    // staging follows and measures it failing, then rolls back by itself to the freight it ran before.
    const second = commitTo(appRepo, { 'version.txt': '2\n' });
    checks.broken.add(second);
    await refreshWarehouse(page);
    await expect(dev).toContainText(second.slice(0, 7), { timeout: 60_000 });
    await expect(
      dev.getByRole('img', { name: 'verification Successful' }),
    ).toBeVisible({ timeout: 60_000 });
    await expect(staging).toContainText(second.slice(0, 7), {
      timeout: 60_000,
    });
    await expect(
      staging.getByRole('img', { name: 'verification Running' }),
    ).toBeVisible();
    await staging.getByRole('button', { name: 'Details of staging' }).click();
    const stagingDrawer = page.getByRole('dialog', { name: 'Stage staging' });
    const stagingVerification = stagingDrawer.getByRole('region', {
      name: 'Verification of staging',
    });
    await expect(
      stagingVerification.getByRole('button', { name: 'Abort verification' }),
    ).toBeVisible();
    // The drawer follows the verification (signals): its three failed measurements, then Failed.
    await expect(
      stagingVerification.getByRole('img', { name: 'verification Failed' }),
    ).toBeVisible({ timeout: 60_000 });
    const failed = stagingVerification
      .getByRole('table', {
        name: 'Measurements of the verification of staging',
      })
      .getByRole('row', { name: /^Measurement of error-rate at / });
    await expect(failed).toHaveCount(3);
    for (const row of await failed.all()) {
      await expect(row).toContainText('0.4');
      await expect(row.getByRole('img', { name: 'Failed' })).toBeVisible();
    }
    await expect(stagingVerification).toContainText('Failed');
    const failedShot = testInfo.outputPath(
      'kargo-stage-verification-failed.png',
    );
    await page.screenshot({ path: failedShot });
    await testInfo.attach('kargo-stage-verification-failed.png', {
      path: failedShot,
      contentType: 'image/png',
    });
    await stagingDrawer.getByRole('button', { name: 'Close' }).click();

    // The automatic rollback: staging runs the first commit again, its last promotion is a rollback by the system,
    // and it holds auto-promotion of the broken freight.
    await expect(staging).toContainText(first.slice(0, 7), { timeout: 60_000 });
    await expect(staging).toContainText('promotion Succeededrollback');
    await expect(staging).toContainText(
      'auto-promotion of app held: system:kargo/auto-rollback rolled back',
    );
    await expect(staging).toContainText(
      'verification Failedof earlier freight',
    );
    await expect(dev).toContainText(second.slice(0, 7));
    const rolledBack = testInfo.outputPath('kargo-pipeline-rolled-back.png');
    await pipelineCard(page).screenshot({ path: rolledBack });
    await testInfo.attach('kargo-pipeline-rolled-back.png', {
      path: rolledBack,
      contentType: 'image/png',
    });

    // prod still waits for a manual promotion. The guest may not promote to production (the demo policy: only
    // release managers), so Promote stays disabled for them; the deny window that keeps prod closed is shown all
    // the same, with its reason and next opening.
    await expect(prod).toContainText('no freight yet');
    await expect(prod).toContainText('1 freight eligible');
    const promoteProd = prod.getByRole('button', { name: 'Promote to prod' });
    await expect(promoteProd).toBeDisabled();
    await prod.getByRole('button', { name: 'Details of prod' }).click();
    const prodDrawer = page.getByRole('dialog', { name: 'Stage prod' });
    await expect(prodDrawer).toContainText(
      'Promotions to prod are closed: promotion window "release-freeze" (Deny) is active. They open in 3 days',
    );
    await expect(prodDrawer).toContainText(
      'Off: freight moves in only when someone promotes it.',
    );
    const prodShot = testInfo.outputPath('kargo-stage-drawer-window.png');
    await page.screenshot({ path: prodShot });
    await testInfo.attach('kargo-stage-drawer-window.png', {
      path: prodShot,
      contentType: 'image/png',
    });
    await prodDrawer.getByRole('button', { name: 'Close' }).click();

    // A release manager may promote to prod, and tries, in a browser of her own: Promote is enabled for her, she
    // chooses the eligible freight, and the backend refuses the promotion inside the deny window (409), naming the
    // window and when promotions next open (the window's end: its dtend, whole seconds); the dialog shows the
    // backend's message as is.
    const nextOpen = new Date(
      Math.floor(freezeUntil.getTime() / 1000) * 1000,
    ).toISOString();
    const refusal = `Promotions to stage "prod" are closed: promotion window "release-freeze" (Deny) is active; they next open at ${nextOpen}`;
    const managerContext = await browser.newContext({
      baseURL: testInfo.project.use.baseURL,
    });
    try {
      const manager = await managerContext.newPage();
      await signInAsReleaseManager(manager);
      await manager.goto(`/catalog/default/component/${project}`);
      const managerProd = stageItem(manager, 'prod');
      await expect(managerProd).toContainText(
        'promotions closed · opens in 3 days',
      );
      await expect(managerProd).toContainText('1 freight eligible');
      const promote = managerProd.getByRole('button', {
        name: 'Promote to prod',
      });
      await expect(promote).toBeEnabled();
      await promote.click();
      const dialog = manager.getByRole('dialog', { name: 'Promote to prod' });
      const choice = dialog.getByRole('radio');
      await expect(choice).toHaveCount(1);
      await choice.check();
      // The freight staging verified: the first commit.
      await expect(
        dialog.getByRole('table', { name: 'What changes' }),
      ).toContainText(first.slice(0, 7));
      const answer = manager.waitForResponse(
        response =>
          response.request().method() === 'POST' &&
          response
            .url()
            .endsWith(`/api/kargo/projects/${project}/stages/prod/promotions`),
      );
      await dialog.getByRole('button', { name: 'Promote' }).click();
      const refused = await answer;
      expect(refused.status()).toBe(409);
      expect((await refused.json()).error.message).toBe(refusal);
      await expect(dialog.getByRole('alert')).toHaveText(
        `Promotion refused: Conflict (409): ${refusal}`,
      );
      const refusedShot = testInfo.outputPath(
        'kargo-promote-dialog-window-refused.png',
      );
      await dialog.screenshot({ path: refusedShot });
      await testInfo.attach('kargo-promote-dialog-window-refused.png', {
        path: refusedShot,
        contentType: 'image/png',
      });
      await dialog.getByRole('button', { name: 'Cancel' }).click();
      await expect(dialog).toBeHidden();
      // Nothing moved in, for her as for the guest.
      await expect(managerProd).toContainText('no freight yet');
    } finally {
      await managerContext.close();
    }
    await expect(prod).toContainText('no freight yet');

    // The Kargo tab: the promotion history marks the automatic rollback, and the timeline opens the same drawer.
    await page.getByRole('link', { name: 'Kargo', exact: true }).click();
    const history = page.getByRole('table', { name: 'Promotions' });
    // Its row: stage, freight, phase, the rollback mark, who asked for it.
    await expect(
      history
        .getByRole('row')
        .filter({ hasText: 'system:kargo/auto-rollback' }),
    ).toContainText(/^staging.*Succeededrollbacksystem:kargo\/auto-rollback/);
    await page.getByRole('button', { name: 'Details of staging' }).click();
    await expect(
      page
        .getByRole('dialog', { name: 'Stage staging' })
        .getByRole('region', { name: 'Auto-promotion of staging' }),
    ).toContainText(
      'auto-promotion of app held: system:kargo/auto-rollback rolled back',
    );
    await page
      .getByRole('dialog', { name: 'Stage staging' })
      .getByRole('button', { name: 'Close' })
      .click();
    await page.getByRole('link', { name: 'Overview', exact: true }).click();
    const cardShot = testInfo.outputPath('kargo-pipeline-story.png');
    await pipelineCard(page).screenshot({ path: cardShot });
    await testInfo.attach('kargo-pipeline-story.png', {
      path: cardShot,
      contentType: 'image/png',
    });
  } finally {
    await checks.close();
    fs.rmSync(tmp, { recursive: true, force: true });
  }
});
