import { expect, test } from '@playwright/test';
import { seedFreight } from '../fixtures/kargoDb';
import { signInAsGuest } from '../fixtures/portal';

test('the Kargo tab shows freight by stage, promotions and warehouses', async ({
  page,
}, testInfo) => {
  const stamp = Date.now();
  const [older, newer] = seedFreight([
    `e2e-tab-older-${stamp}`,
    `e2e-tab-newer-${stamp}`,
  ]);
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');
  await page.getByRole('link', { name: 'Kargo', exact: true }).click();
  await expect(page).toHaveURL(
    /\/catalog\/default\/component\/guestbook\/kargo$/,
  );

  const timeline = page.getByRole('table', { name: 'Freight timeline' });
  await expect(timeline.getByRole('columnheader')).toHaveText([
    'Freight',
    'dev',
    'staging',
    'prod',
  ]);
  // Newest first.
  const rows = timeline.locator('tbody tr');
  const aliases = await rows.locator('th strong').allTextContents();
  expect(aliases.indexOf(newer.alias)).toBeLessThan(
    aliases.indexOf(older.alias),
  );
  expect(aliases.indexOf(newer.alias)).toBeGreaterThanOrEqual(0);

  // Selecting a cell offers the actions on that freight and stage.
  await page
    .getByRole('button', { name: new RegExp(`^${newer.alias} in staging: `) })
    .click();
  const selection = page.getByRole('region', { name: 'Selected freight' });
  await expect(selection).toContainText(newer.alias);
  await expect(
    selection.getByRole('button', { name: 'Approve for staging' }),
  ).toBeEnabled();

  await expect(
    page
      .getByRole('table', { name: 'Promotions' })
      .or(page.getByText('No promotions yet')),
  ).toBeVisible();

  const warehouse = page.getByRole('region', { name: 'Warehouse guestbook' });
  await expect(warehouse).toBeVisible();
  await warehouse
    .getByRole('button', { name: 'Refresh warehouse guestbook' })
    .click();
  await expect(warehouse).toContainText(/requested .* by user:default\/guest/);

  const path = testInfo.outputPath('kargo-entity-tab.png');
  await page.screenshot({ path, fullPage: true });
  await testInfo.attach('kargo-entity-tab.png', {
    path,
    contentType: 'image/png',
  });
});
