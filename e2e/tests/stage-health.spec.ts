import { expect, test } from '@playwright/test';
import { seedFreight } from '../fixtures/kargoDb';
import { pipelineCard, signInAsGuest } from '../fixtures/portal';

// The promotion syncs the stage's Argo CD app in the simulator (about 8 s), which then stays Progressing for 8 s
// (playwright.config.ts starts the test doubles).
test.setTimeout(180_000);

test("promoting from the card shows the stage's health go Progressing, then Healthy, with its Argo CD app", async ({
  page,
}, testInfo) => {
  const [freight] = seedFreight([`e2e-health-${Date.now()}`]);
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');

  await page.getByRole('button', { name: 'Promote to dev' }).click();
  const dialog = page.getByRole('dialog', { name: 'Promote to dev' });
  await dialog.getByRole('radio', { name: new RegExp(freight.alias) }).check();
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toBeHidden();

  const dev = page.getByRole('listitem', { name: 'dev', exact: true });
  const health = dev.getByRole('group', { name: 'Health of dev' });
  // Health as icon and text, announced by name; Progressing while Argo CD rolls the app out.
  await expect(
    health.getByRole('img', { name: 'health Progressing' }),
  ).toBeVisible({ timeout: 90_000 });
  await expect(dev).toContainText('promotion Succeeded');
  await expect(dev).toContainText(freight.alias);
  const progressing = testInfo.outputPath('kargo-stage-progressing.png');
  await pipelineCard(page).screenshot({ path: progressing });
  await testInfo.attach('kargo-stage-progressing.png', {
    path: progressing,
    contentType: 'image/png',
  });

  await expect(health.getByRole('img', { name: 'health Healthy' })).toBeVisible(
    { timeout: 60_000 },
  );
  const app = health.getByRole('listitem', {
    name: 'Argo CD application guestbook-dev',
  });
  await expect(
    app.getByRole('img', { name: 'Healthy', exact: true }),
  ).toBeVisible();
  await expect(app).toContainText(/Synced at [0-9a-f]{7}(?![0-9a-f])/);
  const link = app.getByRole('link', {
    name: /^Open guestbook-dev in simulated Argo CD/,
  });
  await expect(link).toHaveText(/simulated Argo CD/);
  const href = await link.getAttribute('href');
  expect(href).toBe('http://localhost:7078/applications/argocd/guestbook-dev');
  // The link leads to the app's page in the simulated Argo CD, which shows what the card shows.
  const appPage = await page.request.get(href!);
  expect(appPage.ok()).toBe(true);
  const appHtml = await appPage.text();
  expect(appHtml).toContain('argocd/guestbook-dev');
  expect(appHtml).toContain('<tr><th>Health</th><td>Healthy</td></tr>');
  const healthy = testInfo.outputPath('kargo-stage-healthy.png');
  await pipelineCard(page).screenshot({ path: healthy });
  await testInfo.attach('kargo-stage-healthy.png', {
    path: healthy,
    contentType: 'image/png',
  });

  // The Kargo tab lists the stage's health with its app.
  await page.getByRole('link', { name: 'Kargo', exact: true }).click();
  const table = page.getByRole('table', {
    name: 'Health of the stages and their Argo CD applications',
  });
  await expect(
    table
      .getByRole('row', { name: 'Health of dev' })
      .getByRole('img', { name: 'health Healthy' }),
  ).toBeVisible();
  await expect(
    table.getByRole('row', {
      name: 'Argo CD application guestbook-dev of dev',
    }),
  ).toContainText('Synced');
});
