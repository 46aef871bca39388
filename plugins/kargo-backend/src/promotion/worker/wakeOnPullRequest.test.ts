import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  ScmDoubles,
  startScmDoubles,
} from '../../__testUtils__/doubles/scmDoubles';
import {
  promotionCatalog,
  promotionTestBed,
} from '../../__testUtils__/promotionFixtures';
import { PullRequestProviders } from '../scm/PullRequestProviders';
import { createGitWaitForPrStep } from '../steps/git-wait-for-pr';

const databases = kargoTestDatabases();

let doubles: ScmDoubles;
let workDir: string;
beforeAll(async () => {
  doubles = await startScmDoubles();
});
afterAll(() => doubles.close());
beforeEach(() => {
  workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-wake-test-'));
});
afterEach(() => {
  fs.rmSync(workDir, { recursive: true, force: true });
});

let repoCount = 0;

describe.each(databases.eachSupportedId())(
  'a promotion waiting in git-wait-for-pr on %p',
  databaseId => {
    it('runs again as soon as a pull request event wakes it, not at its next poll', async () => {
      const bed = await promotionTestBed(await databases.init(databaseId));
      const repoName = `acme/wake-${++repoCount}`;
      const repo = doubles.github.addRepository(repoName);
      repo.git.commit('kargo/promo', 'Promote', { 'app.yaml': 'v2' });
      repo.pulls.push({
        number: 1,
        title: 'Promote',
        body: '',
        head: 'kargo/promo',
        base: 'main',
        state: 'open',
        createdAt: '2026-01-01T00:00:00Z',
        draft: false,
        labels: [],
      });
      const catalog = promotionCatalog({
        stages: {
          dev: [
            {
              uses: 'git-wait-for-pr',
              as: 'wait',
              config: {
                repoURL: `https://github.com/${repoName}`,
                prNumber: 1,
                pollInterval: '1h',
              },
            },
          ],
        },
      });
      const worker = bed.worker({
        catalog,
        steps: [
          createGitWaitForPrStep({
            providers: PullRequestProviders.fromConfig(doubles.config),
          }),
        ],
        workDir,
      });
      const promotion = await bed.promote('dev');

      expect(await worker.runOnce()).toBe(1);
      const waiting = await bed.promotion(promotion.id);
      expect(waiting.steps[0]).toMatchObject({
        status: 'Running',
        output: { pr: { url: `https://github.com/${repoName}/pull/1` } },
      });
      // Not due for an hour.
      expect(await worker.runOnce()).toBe(0);

      const mergeCommit = repo.mergePull(1);
      await expect(
        bed.stores.promotions.wakeWaitingForPullRequest({
          prUrl: `https://github.com/${repoName}/pull/1`,
          project: 'shop',
          now: new Date(),
        }),
      ).resolves.toEqual([{ project: 'shop', id: promotion.id }]);

      expect(await worker.runOnce()).toBe(1);
      const done = await bed.promotion(promotion.id);
      expect(done.phase).toBe('Succeeded');
      expect(done.steps[0]).toMatchObject({
        status: 'Succeeded',
        attempts: 2,
        output: { commit: mergeCommit.sha },
      });
    });
  },
);
