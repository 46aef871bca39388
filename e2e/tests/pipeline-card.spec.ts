import { expect, test } from '@playwright/test';

async function signInAsGuest(page: import('@playwright/test').Page) {
  await page.goto('/');
  const enter = page.getByRole('button', { name: 'Enter' });
  await expect(enter).toBeVisible();
  await enter.click();
  // The sign-in is done once the app shell shows; navigating earlier would land on the sign-in page again.
  await expect(
    page.getByRole('navigation', { name: 'sidebar nav' }),
  ).toBeAttached();
}

test('the demo entity shows its Kargo stages in pipeline order', async ({
  page,
}, testInfo) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');

  const stages = page.getByRole('list', {
    name: 'Kargo stages in pipeline order',
  });
  await expect(stages).toBeVisible();
  await expect(stages.getByRole('heading')).toHaveText([
    'dev',
    'staging',
    'prod',
  ]);

  const card = stages.locator(
    'xpath=ancestor::*[contains(@class, "MuiCard-root")][1]',
  );
  for (const [name, shot] of [
    ['kargo-pipeline-card.png', card],
    ['guestbook-entity-page.png', page],
  ] as const) {
    const path = testInfo.outputPath(name);
    await shot.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
});

test('an entity naming an unknown project says so', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook-without-pipeline');
  await expect(
    page.getByText('Kargo project "no-such-project" not found'),
  ).toBeVisible();
});
