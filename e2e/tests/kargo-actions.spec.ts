import { expect, test } from '@playwright/test';
import { promotionsOf, seedFreight } from '../fixtures/kargoDb';
import { pipelineCard, signInAsGuest } from '../fixtures/portal';

// Each promotion ends with argocd-update, which waits for the sync in the simulated Argo CD (about 8 s).
test.setTimeout(180_000);

test('promoting from the card runs the promotion: dev, then staging', async ({
  page,
}, testInfo) => {
  const [freight] = seedFreight([`e2e-promote-${Date.now()}`]);
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');

  const promote = page.getByRole('button', { name: 'Promote to dev' });
  await expect(promote).toBeEnabled();
  await promote.click();

  const dialog = page.getByRole('dialog', { name: 'Promote to dev' });
  await dialog.getByRole('radio', { name: new RegExp(freight.alias) }).check();
  const changes = dialog.getByRole('table', { name: 'What changes' });
  await expect(changes).toContainText(freight.tag);
  await expect(changes).toContainText(freight.commit.slice(0, 7));
  const path = testInfo.outputPath('kargo-promote-dialog.png');
  await dialog.screenshot({ path });
  await testInfo.attach('kargo-promote-dialog.png', {
    path,
    contentType: 'image/png',
  });
  await dialog.getByRole('button', { name: 'Promote' }).click();
  await expect(dialog).toBeHidden();

  // The promotion is stored for the guest, and the card shows the stage's newest promotion.
  await expect
    .poll(() => promotionsOf(freight.id, 'dev'))
    .toEqual([expect.objectContaining({ created_by: 'user:default/guest' })]);
  await expect(
    page.getByRole('listitem', { name: 'dev', exact: true }),
  ).toContainText(/promotion (Pending|Running|Succeeded|Failed|Errored)/);

  // The backend runs it against the demo GitOps repository; the card follows it until the freight is in dev.
  const dev = page.getByRole('listitem', { name: 'dev', exact: true });
  await expect(dev).toContainText('promotion Succeeded', { timeout: 60_000 });
  await expect(dev).toContainText(freight.alias);

  // dev has no verification, so the freight is now eligible for staging.
  await page.getByRole('button', { name: 'Promote to staging' }).click();
  const toStaging = page.getByRole('dialog', { name: 'Promote to staging' });
  await toStaging
    .getByRole('radio', { name: new RegExp(freight.alias) })
    .check();
  await toStaging.getByRole('button', { name: 'Promote' }).click();
  await expect(toStaging).toBeHidden();
  const staging = page.getByRole('listitem', { name: 'staging', exact: true });
  await expect(staging).toContainText('promotion Succeeded', {
    timeout: 60_000,
  });
  await expect(staging).toContainText(freight.alias);
  const cardPath = testInfo.outputPath('kargo-pipeline-card-promoted.png');
  await pipelineCard(page).screenshot({ path: cardPath });
  await testInfo.attach('kargo-pipeline-card-promoted.png', {
    path: cardPath,
    contentType: 'image/png',
  });
});

test('a user without the right sees the production actions disabled, with the reason', async ({
  page,
}, testInfo) => {
  seedFreight([`e2e-denied-${Date.now()}`]);
  await signInAsGuest(page);
  await page.goto('/catalog/default/component/guestbook');

  // The demo policy: the guest's group owns the service, so it acts on dev and staging but not on prod.
  await expect(
    page.getByRole('button', { name: 'Approve freight for dev' }),
  ).toBeEnabled();
  for (const name of ['Promote to prod', 'Approve freight for prod']) {
    const button = page.getByRole('button', { name });
    await expect(button).toBeDisabled();
    await expect(button.locator('xpath=..')).toHaveAttribute(
      'title',
      /^You are not allowed to (promote to|approve freight for) stage prod \(permission kargo\.(stage\.promote|freight\.approve) on guestbook\/prod\)\.$/,
    );
  }
  await page
    .getByRole('button', { name: 'Promote to prod' })
    .locator('xpath=..')
    .hover();
  await expect(page.getByRole('tooltip')).toContainText(
    'You are not allowed to promote to stage prod',
  );

  // The backend enforces it too: the guest's own token gets 403 from the API.
  const session = await page.request.get('/api/auth/guest/refresh', {
    headers: { 'X-Requested-With': 'XMLHttpRequest' },
  });
  const token = (await session.json()).backstageIdentity.token;
  const direct = await page.request.post(
    '/api/kargo/projects/guestbook/stages/prod/promotions',
    {
      headers: { Authorization: `Bearer ${token}` },
      data: { freight: 'anything' },
    },
  );
  expect(direct.status()).toBe(403);
  expect((await direct.json()).error.message).toContain('kargo.stage.promote');
  const path = testInfo.outputPath('kargo-pipeline-card-denied.png');
  await pipelineCard(page).screenshot({ path });
  await testInfo.attach('kargo-pipeline-card-denied.png', {
    path,
    contentType: 'image/png',
  });
});
