import { createHash } from 'node:crypto';
import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { LeaseLostError } from '../stores/PromotionStore';
import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabasePromotionStore on %p',
  databaseId => {
    describe('promotions', () => {
      it('creates Pending promotions, lists them newest first and aborts a Pending one', async () => {
        const stores = await createStores(databaseId);
        await stores.freight.insertFreight(freight(1), uniqueAlias);
        const ids: string[] = [];
        for (let i = 0; i < 5; i++) {
          const p = await stores.promotions.createPromotion({
            project: 'shop',
            stage: i % 2 ? 'prod' : 'dev',
            freightId: freight(1).id,
            actor: 'user:default/amy',
            at: at(i),
          });
          expect(p).toMatchObject({
            phase: 'Pending',
            steps: [],
            createdBy: 'user:default/amy',
          });
          // Kargo's name: <stage>.<ulid>.<first 7 of the freight>, lowercased.
          expect(p.id).toMatch(
            new RegExp(
              `^${i % 2 ? 'prod' : 'dev'}\\.[0-9a-hjkmnp-tv-z]{26}\\.${freight(
                1,
              ).id.slice(0, 7)}$`,
            ),
          );
          expect(await stores.promotions.getPromotion('shop', p.id)).toEqual(p);
          ids.push(p.id);
        }
        const page1 = await stores.promotions.listPromotions({
          project: 'shop',
          limit: 3,
        });
        const page2 = await stores.promotions.listPromotions({
          project: 'shop',
          limit: 3,
          cursor: page1.nextCursor,
        });
        expect([...page1.items, ...page2.items].map(p => p.id)).toEqual(
          [...ids].reverse(),
        );
        expect(
          (
            await stores.promotions.listPromotions({
              project: 'shop',
              stage: 'prod',
              limit: 10,
            })
          ).items,
        ).toHaveLength(2);

        const aborted = await stores.promotions.requestAbort({
          project: 'shop',
          id: ids[0],
          actor: 'user:default/bob',
          at: at(9),
        });
        expect(aborted).toMatchObject({
          phase: 'Aborted',
          finishedAt: at(9).toISOString(),
        });
        expect(await stores.promotions.getPromotion('shop', ids[0])).toEqual(
          aborted,
        );
        await expect(
          stores.promotions.requestAbort({
            project: 'shop',
            id: ids[0],
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(ConflictError);
        await expect(
          stores.promotions.requestAbort({
            project: 'shop',
            id: 'nope',
            actor: 'x',
            at: at(9),
          }),
        ).rejects.toThrow(NotFoundError);
      });

      it('refuses a promotion of unknown freight', async () => {
        const stores = await createStores(databaseId);
        await expect(
          stores.promotions.createPromotion({
            project: 'shop',
            stage: 'dev',
            freightId: 'a'.repeat(40),
            at: at(0),
          }),
        ).rejects.toThrow(
          `Freight "${'a'.repeat(40)}" not found in project "shop"`,
        );
      });
    });

    describe('a promotion run', () => {
      const state = (message: string) => ({
        currentStep: 1,
        steps: [
          {
            alias: 'step-1',
            uses: 'set-metadata',
            status: 'Succeeded' as const,
            message,
          },
        ],
        runtime: [{}],
        outputs: {},
      });
      const effects = (name: string) => ({
        effects: [
          {
            kind: 'metadata' as const,
            target: 'Freight' as const,
            name,
            values: { checked: true },
          },
        ],
        stages: ['dev'],
      });

      async function claimed(databaseIdArg: typeof databaseId) {
        const stores = await createStores(databaseIdArg);
        await stores.freight.insertFreight(freight(1), uniqueAlias);
        const created = await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(1),
        });
        const claim = await stores.promotions.claim({
          id: created.id,
          workerId: 'w1',
          now: at(2),
          leaseMs: 60_000,
        });
        expect(claim).toMatchObject({ id: created.id, runCount: 1 });
        return { stores, id: created.id };
      }

      it('saves a step state and its effects together, fenced by the claim', async () => {
        const { stores, id } = await claimed(databaseId);
        await stores.promotions.saveProgress({
          id,
          workerId: 'w1',
          state: state('saved'),
          effects: effects(freight(1).id),
        });
        expect(
          await stores.stages.getMetadata({ project: 'shop', kind: 'Freight' }),
        ).toEqual({ [freight(1).id]: { checked: true } });

        // An unknown freight: neither the effects nor the state are saved.
        await expect(
          stores.promotions.saveProgress({
            id,
            workerId: 'w1',
            state: state('not saved'),
            effects: {
              effects: [
                ...effects(freight(1).id).effects.map(e => ({
                  ...e,
                  values: { other: 1 },
                })),
                ...effects('missing').effects,
              ],
              stages: ['dev'],
            },
          }),
        ).rejects.toThrow(NotFoundError);
        expect(
          await stores.stages.getMetadata({ project: 'shop', kind: 'Freight' }),
        ).toEqual({ [freight(1).id]: { checked: true } });
        expect(
          (await stores.promotions.getPromotion('shop', id))?.steps[0].message,
        ).toBe('saved');

        // Another worker's claim: nothing is written.
        await expect(
          stores.promotions.saveProgress({
            id,
            workerId: 'w2',
            state: state('not mine'),
            effects: effects(freight(1).id),
          }),
        ).rejects.toThrow(LeaseLostError);
      });

      it('wakes a promotion waiting in git-wait-for-pr on a pull request, even one being run, until it is claimed', async () => {
        const { stores, id } = await claimed(databaseId);
        const prUrl = 'https://github.com/acme/gitops/pull/7';
        const waiting = (url: string) => ({
          currentStep: 1,
          steps: [
            {
              alias: 'open',
              uses: 'git-open-pr',
              status: 'Succeeded' as const,
            },
            {
              alias: 'wait',
              uses: 'git-wait-for-pr',
              status: 'Running' as const,
              output: { pr: { id: 7, url } },
            },
          ],
          runtime: [{}, {}],
          outputs: {},
        });
        await stores.promotions.saveProgress({
          id,
          workerId: 'w1',
          state: waiting(prUrl),
        });
        await stores.promotions.release({
          id,
          workerId: 'w1',
          nextRunAt: at(60),
        });
        const claimable = () =>
          stores.promotions.findClaimable({
            now: at(3),
            limit: 10,
            exclude: [],
          });
        expect(await claimable()).toEqual([]);

        // Another pull request, another project: nothing.
        for (const options of [
          { prUrl: `${prUrl}0` },
          { prUrl, project: 'other' },
        ]) {
          await expect(
            stores.promotions.wakeWaitingForPullRequest({
              ...options,
              now: at(3),
            }),
          ).resolves.toEqual([]);
        }
        expect(await claimable()).toEqual([]);

        await expect(
          stores.promotions.wakeWaitingForPullRequest({ prUrl, now: at(3) }),
        ).resolves.toEqual([{ project: 'shop', id }]);
        expect(await claimable()).toEqual([id]);

        // The claim serves the wake; a wake during the run survives the release with a later time.
        await stores.promotions.claim({
          id,
          workerId: 'w2',
          now: at(3),
          leaseMs: 60_000,
        });
        await stores.promotions.release({
          id,
          workerId: 'w2',
          nextRunAt: at(60),
        });
        expect(await claimable()).toEqual([]);
        await stores.promotions.claim({
          id,
          workerId: 'w3',
          now: at(3),
          leaseMs: 60_000,
        });
        await stores.promotions.wakeWaitingForPullRequest({
          prUrl,
          project: 'shop',
          now: at(3),
        });
        expect(await claimable()).toEqual([]);
        await stores.promotions.release({
          id,
          workerId: 'w3',
          nextRunAt: at(60),
        });
        expect(await claimable()).toEqual([id]);

        // A promotion past that step is not woken.
        await stores.promotions.claim({
          id,
          workerId: 'w4',
          now: at(3),
          leaseMs: 60_000,
        });
        await stores.promotions.saveProgress({
          id,
          workerId: 'w4',
          state: { ...waiting(prUrl), currentStep: 0 },
        });
        await expect(
          stores.promotions.wakeWaitingForPullRequest({ prUrl, now: at(3) }),
        ).resolves.toEqual([]);
      });

      it('gives a freight a new alias, refusing an unknown freight or an alias another freight holds', async () => {
        const { stores, id } = await claimed(databaseId);
        await stores.freight.insertFreight(freight(2), uniqueAlias);
        const aliasEffect = (name: string, alias: string) => ({
          effects: [{ kind: 'freight-alias' as const, name, alias }],
          stages: ['dev'],
        });
        await stores.promotions.saveProgress({
          id,
          workerId: 'w1',
          state: state('aliased'),
          effects: aliasEffect(freight(1).id, 'release-1'),
        });
        expect(
          await stores.freight.getFreight('shop', 'release-1'),
        ).toMatchObject({ id: freight(1).id, alias: 'release-1' });
        // Repeating it (a step run again after a crash) is harmless.
        await stores.promotions.saveProgress({
          id,
          workerId: 'w1',
          state: state('aliased'),
          effects: aliasEffect(freight(1).id, 'release-1'),
        });

        await expect(
          stores.promotions.saveProgress({
            id,
            workerId: 'w1',
            state: state('not saved'),
            effects: aliasEffect(freight(2).id, 'release-1'),
          }),
        ).rejects.toThrow(
          new InputError(
            `failed to set the alias of Freight "${
              freight(2).id
            }": alias "release-1" already used by another piece of Freight ("${
              freight(1).id
            }") in project "shop"`,
          ),
        );
        await expect(
          stores.promotions.saveProgress({
            id,
            workerId: 'w1',
            state: state('not saved'),
            effects: aliasEffect('missing', 'other'),
          }),
        ).rejects.toThrow(
          new NotFoundError(
            'failed to set the alias of Freight "missing": Freight "missing" not found in project "shop"',
          ),
        );
        expect(
          (await stores.promotions.getPromotion('shop', id))?.steps[0].message,
        ).toBe('aliased');
        expect(
          (await stores.freight.getFreight('shop', freight(2).id))?.alias,
        ).not.toBe('release-1');
      });

      it('finishes a success in one transaction: phase, current freight, history, verification', async () => {
        const { stores, id } = await claimed(databaseId);
        await stores.promotions.finish({
          id,
          workerId: 'w1',
          phase: 'Succeeded',
          state: state('done'),
          now: at(3),
          verifyAtOnce: true,
        });
        expect(await stores.promotions.getPromotion('shop', id)).toMatchObject({
          phase: 'Succeeded',
          finishedAt: at(3).toISOString(),
        });
        expect(
          await stores.stages.getStageHistory({
            project: 'shop',
            stage: 'dev',
            limit: 5,
          }),
        ).toEqual([
          {
            freight: freight(1).id,
            promotion: id,
            promotedAt: at(3).toISOString(),
            collection: {
              id: createHash('sha1').update(freight(1).id).digest('hex'),
              items: [
                {
                  origin: { kind: 'Warehouse', name: 'app' },
                  name: freight(1).id,
                },
              ],
            },
          },
        ]);
        const view = await stores.freight.getFreight('shop', freight(1).id);
        expect(view?.status.currentlyIn).toEqual(['dev']);
        expect(view?.status.verifiedIn.dev).toEqual({
          verifiedAt: at(3).toISOString(),
        });
        // The claim is gone with the end.
        await expect(
          stores.promotions.release({ id, workerId: 'w1' }),
        ).rejects.toThrow(LeaseLostError);
      });

      it('records the health checks of the succeeded steps with the end, and reads what stage health needs', async () => {
        const { stores, id } = await claimed(databaseId);
        const check = {
          uses: 'argocd-update',
          config: { apps: [{ name: 'web', desiredRevisions: ['abc'] }] },
        };
        // While it runs: the stage's running promotion, no finished one.
        expect(
          await stores.promotions.getStageHealthSubjects('shop', [
            'dev',
            'prod',
          ]),
        ).toEqual([{ stage: 'dev', running: id }, { stage: 'prod' }]);
        // The check is saved with the step's state, as the engine saves a success...
        const done = {
          ...state('done'),
          steps: [
            ...state('done').steps,
            { alias: 'step-2', uses: 'other', status: 'Skipped' as const },
          ],
          runtime: [
            { healthCheck: check },
            { healthCheck: { uses: 'other', config: {} } },
          ],
        };
        await stores.promotions.saveProgress({
          id,
          workerId: 'w1',
          state: done,
        });
        // ...and the end records those of succeeded steps only.
        await stores.promotions.finish({
          id,
          workerId: 'w1',
          phase: 'Succeeded',
          state: done,
          now: at(3),
        });
        expect(
          await stores.promotions.getStageHealthSubjects('shop', ['dev']),
        ).toEqual([
          {
            stage: 'dev',
            lastFinished: { id, phase: 'Succeeded', healthChecks: [check] },
          },
        ]);
        // A later promotion that fails is the last finished one, with no checks.
        const next = await stores.promotions.createPromotion({
          project: 'shop',
          stage: 'dev',
          freightId: freight(1).id,
          at: at(4),
        });
        await stores.promotions.claim({
          id: next.id,
          workerId: 'w1',
          now: at(5),
          leaseMs: 60_000,
        });
        await stores.promotions.finish({
          id: next.id,
          workerId: 'w1',
          phase: 'Failed',
          now: at(6),
        });
        expect(
          await stores.promotions.getStageHealthSubjects('shop', ['dev']),
        ).toEqual([
          {
            stage: 'dev',
            lastFinished: { id: next.id, phase: 'Failed', healthChecks: [] },
          },
        ]);
      });

      it('leaves verification to the stage when it has one, and moves nothing when the run failed', async () => {
        const { stores, id } = await claimed(databaseId);
        await stores.promotions.finish({
          id,
          workerId: 'w1',
          phase: 'Failed',
          message: 'no',
          now: at(3),
          verifyAtOnce: true,
        });
        expect(
          (await stores.freight.getFreight('shop', freight(1).id))?.status,
        ).toMatchObject({ currentlyIn: [], verifiedIn: {} });

        const second = await claimed(databaseId);
        await second.stores.promotions.finish({
          id: second.id,
          workerId: 'w1',
          phase: 'Succeeded',
          now: at(3),
          verifyAtOnce: false,
        });
        expect(
          (await second.stores.freight.getFreight('shop', freight(1).id))
            ?.status,
        ).toMatchObject({ currentlyIn: ['dev'], verifiedIn: {} });
      });

      it('writes nothing of an ending whose effects cannot apply', async () => {
        const { stores, id } = await claimed(databaseId);
        await expect(
          stores.promotions.finish({
            id,
            workerId: 'w1',
            phase: 'Succeeded',
            now: at(3),
            effects: effects('missing'),
            verifyAtOnce: true,
          }),
        ).rejects.toThrow(NotFoundError);
        expect(await stores.promotions.getPromotion('shop', id)).toMatchObject({
          phase: 'Running',
        });
        expect(
          await stores.stages.getStageHistory({
            project: 'shop',
            stage: 'dev',
            limit: 5,
          }),
        ).toEqual([]);
      });
    });

    describe('units of work', () => {
      it('commits the writes of several stores together, or none of them', async () => {
        const stores = await createStores(databaseId);
        await stores.freight.insertFreight(freight(1), uniqueAlias);
        await expect(
          stores.transaction(async tx => {
            await stores.freight.approveFreight(
              {
                project: 'shop',
                freightId: freight(1).id,
                stage: 'prod',
                actor: 'user:default/amy',
                at: at(2),
              },
              tx,
            );
            await stores.promotions.createPromotion(
              {
                project: 'shop',
                stage: 'prod',
                freightId: freight(1).id,
                at: at(2),
              },
              tx,
            );
            throw new Error('changed my mind');
          }),
        ).rejects.toThrow('changed my mind');
        expect(
          (await stores.freight.getFreight('shop', freight(1).id))?.status
            .approvedFor,
        ).toEqual({});
        expect(
          (
            await stores.promotions.listPromotions({
              project: 'shop',
              limit: 5,
            })
          ).items,
        ).toEqual([]);

        const created = await stores.transaction(async tx => {
          await stores.stages.setCurrentFreight(
            {
              project: 'shop',
              stage: 'dev',
              freightId: freight(1).id,
              at: at(3),
            },
            tx,
          );
          return stores.promotions.createPromotion(
            {
              project: 'shop',
              stage: 'prod',
              freightId: freight(1).id,
              at: at(3),
            },
            tx,
          );
        });
        expect(
          await stores.promotions.getPromotion('shop', created.id),
        ).toMatchObject({ phase: 'Pending' });
        expect(
          (await stores.freight.getFreight('shop', freight(1).id))?.status
            .currentlyIn,
        ).toEqual(['dev']);
      });
    });
  },
);
