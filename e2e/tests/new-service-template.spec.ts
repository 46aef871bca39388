import { expect, test } from '@playwright/test';
import { pipelineCard, signInAsGuest } from '../fixtures/portal';

// The template publishes a repository, registers a Kargo project, applies an ApplicationSet in the simulated
// cluster and waits for the catalog to read the new repository; the promotion then syncs the dev app in the
// simulated Argo CD (about 8 s, then Progressing for 8 s).
test.setTimeout(300_000);

test('the "New service" template creates a service whose pipeline promotes to dev, with health from Argo CD', async ({
  page,
}, testInfo) => {
  // A new name per run: the demo's repositories outlive a run.
  const name = `shop-${Date.now().toString(36)}`;
  await signInAsGuest(page);

  await page.goto('/create');
  const card = page
    .getByText('New service with a promotion pipeline')
    .locator('xpath=ancestor::*[contains(@class, "MuiCard-root")][1]');
  await card.getByRole('button', { name: 'Choose' }).click();
  await page.getByRole('textbox', { name: 'Name' }).fill(name);
  await page.getByRole('button', { name: 'Review' }).click();
  await page.getByRole('button', { name: 'Create' }).click();

  // The task page ends with the template's output links.
  const open = page.getByRole('link', {
    name: 'Open the service in the catalog',
  });
  await expect(open).toBeVisible({ timeout: 120_000 });
  await expect(open).toHaveAttribute(
    'href',
    `/catalog/default/component/${name}`,
  );
  const done = testInfo.outputPath('new-service-task.png');
  await page.screenshot({ path: done, fullPage: true });
  await testInfo.attach('new-service-task.png', {
    path: done,
    contentType: 'image/png',
  });

  // The catalog reads the new repository's catalog-info.yaml within a few seconds.
  await expect
    .poll(
      async () => {
        const response = await page.request.get(
          `/api/catalog/entities/by-name/component/default/${name}`,
          { headers: await authHeader(page) },
        );
        return response.status();
      },
      { timeout: 60_000 },
    )
    .toBe(200);
  await page.goto(`/catalog/default/component/${name}`);

  const stages = page.getByRole('list', {
    name: 'Kargo stages in pipeline order',
  });
  await expect(stages).toBeVisible();
  for (const stage of ['dev', 'staging', 'prod']) {
    await expect(
      stages.getByRole('listitem', { name: stage, exact: true }),
    ).toBeVisible();
  }

  // Freight from the new repository: the owner asks the warehouse to look now, and the card offers it.
  await page.getByRole('link', { name: 'Kargo', exact: true }).click();
  const warehouse = page.getByRole('region', { name: `Warehouse ${name}` });
  await warehouse
    .getByRole('button', { name: `Refresh warehouse ${name}` })
    .click();
  await expect(warehouse).toContainText(/requested .* by user:default\/guest/);
  await page.goto(`/catalog/default/component/${name}`);
  const promote = page.getByRole('button', { name: 'Promote to dev' });
  await expect(async () => {
    await page.reload();
    await expect(promote).toBeEnabled({ timeout: 5_000 });
  }).toPass({ timeout: 90_000 });
  await promote.click();
  const dialog = page.getByRole('dialog', { name: 'Promote to dev' });
  await dialog.getByRole('radio').first().check();
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toBeHidden();

  const dev = page.getByRole('listitem', { name: 'dev', exact: true });
  await expect(dev).toContainText('promotion Succeeded', { timeout: 120_000 });
  const health = dev.getByRole('group', { name: 'Health of dev' });
  await expect(health.getByRole('img', { name: 'health Healthy' })).toBeVisible(
    { timeout: 90_000 },
  );
  await expect(
    health.getByRole('listitem', {
      name: `Argo CD application ${name}-dev`,
    }),
  ).toContainText(/Synced at [0-9a-f]{7}(?![0-9a-f])/);

  const path = testInfo.outputPath('new-service-pipeline.png');
  await pipelineCard(page).screenshot({ path });
  await testInfo.attach('new-service-pipeline.png', {
    path,
    contentType: 'image/png',
  });
});

/** The signed-in user's token, for the catalog API. */
async function authHeader(page: import('@playwright/test').Page) {
  const token = await page.evaluate(async () => {
    const response = await fetch('/api/auth/guest/refresh', {
      headers: { 'x-requested-with': 'XMLHttpRequest' },
    });
    const body = await response.json();
    return body.backstageIdentity?.token as string;
  });
  return { authorization: `Bearer ${token}` };
}
