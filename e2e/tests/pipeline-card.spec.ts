import { expect, test } from '@playwright/test';
import { pipelineCard, signInAsGuest } from '../fixtures/portal';

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

  for (const [name, shot] of [
    ['kargo-pipeline-card.png', pipelineCard(page)],
    ['guestbook-entity-page.png', page],
  ] as const) {
    const path = testInfo.outputPath(name);
    await shot.screenshot({ path });
    await testInfo.attach(name, { path, contentType: 'image/png' });
  }
});

test('the pipeline card leads the overview, above the relation cards', async ({
  page,
}) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');
  const top = async (text: string) => {
    const title = page.getByText(text, { exact: true });
    await expect(title).toBeVisible();
    return (await title.boundingBox())!.y;
  };
  const kargo = await top('Kargo pipeline');
  for (const relations of [
    'Depends on components',
    'Depends on resources',
    'Has subcomponents',
  ]) {
    expect(kargo).toBeLessThan(await top(relations));
  }
});

test('an entity naming an unknown project says so', async ({ page }) => {
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook-without-pipeline');
  await expect(
    page.getByText('Kargo project "no-such-project" not found'),
  ).toBeVisible();
});
