import { ConflictError, NotFoundError } from '@backstage/errors';
import {
  at,
  createStores,
  freight,
  storeTestDatabases,
  uniqueAlias,
} from '../__testUtils__/storeFixtures';
import { VerificationLeaseLostError } from '../stores/VerificationStore';

const analysis = {
  templates: ['AnalysisTemplate/up'],
  metrics: [{ name: 'up', provider: { web: { url: 'http://x' } } }],
  args: [],
};

describe.each(storeTestDatabases.eachSupportedId())(
  'DatabaseVerificationStore on %p',
  databaseId => {
    async function setup() {
      const stores = await createStores(databaseId);
      const f = freight(1);
      await stores.freight.insertFreight(f, uniqueAlias);
      await stores.stages.setCurrentFreight({
        project: 'shop',
        stage: 'dev',
        freightId: f.id,
        at: at(1),
      });
      const base = {
        project: 'shop',
        stage: 'dev',
        collectionId: 'c1',
        freightIds: [f.id],
        analysis,
      };
      return { stores, f, base };
    }

    it('starts the first verification of a collection once, and re-verifies only when none is active', async () => {
      const { stores, base } = await setup();
      const first = await stores.verifications.create({
        ...base,
        first: true,
        at: at(2),
      });
      expect(first).toMatchObject({ phase: 'Pending', attempt: 1 });
      expect(
        await stores.verifications.create({ ...base, first: true, at: at(2) }),
      ).toBeUndefined();
      await expect(
        stores.verifications.create({
          ...base,
          first: false,
          actor: 'user:default/ann',
          at: at(3),
        }),
      ).rejects.toThrow(ConflictError);
      await stores.verifications.abort({
        project: 'shop',
        stage: 'dev',
        actor: 'user:default/ann',
        at: at(3),
      });
      const again = await stores.verifications.create({
        ...base,
        first: false,
        actor: 'user:default/ann',
        at: at(4),
      });
      expect(again).toMatchObject({ attempt: 2, actor: 'user:default/ann' });
      expect(
        (await stores.verifications.getCurrent('shop', ['dev', 'prod'])).dev
          ?.id,
      ).toBe(again!.id);
    });

    it('tells which collections were verified Successful in the stage, which only failed, and leaves out the rest', async () => {
      const { stores, base } = await setup();
      const end = async (
        collectionId: string,
        phase: 'Successful' | 'Failed',
      ) => {
        const v = (await stores.verifications.create({
          ...base,
          collectionId,
          first: true,
          at: at(2),
        }))!;
        await stores.verifications.claim({
          id: v.id,
          workerId: 'w',
          now: at(2),
          leaseMs: 60_000,
        });
        await stores.verifications.finish({
          id: v.id,
          workerId: 'w',
          phase,
          measurements: [],
          at: at(3),
        });
      };
      await end('c1', 'Failed');
      await end('c2', 'Successful');
      // A re-verification that succeeds makes the collection verified.
      await end('c3', 'Failed');
      const again = (await stores.verifications.create({
        ...base,
        collectionId: 'c3',
        first: false,
        actor: 'user:default/ann',
        at: at(4),
      }))!;
      await stores.verifications.claim({
        id: again.id,
        workerId: 'w',
        now: at(4),
        leaseMs: 60_000,
      });
      await stores.verifications.finish({
        id: again.id,
        workerId: 'w',
        phase: 'Successful',
        measurements: [],
        at: at(5),
      });
      expect(
        await stores.verifications.getCollectionOutcomes({
          project: 'shop',
          stage: 'dev',
          collectionIds: ['c1', 'c2', 'c3', 'c4'],
        }),
      ).toEqual({ c1: false, c2: true, c3: true });
      expect(
        await stores.verifications.getCollectionOutcomes({
          project: 'shop',
          stage: 'prod',
          collectionIds: ['c1', 'c2'],
        }),
      ).toEqual({});
    });

    it('claims with compare-and-set, fences writes by the claim, and resumes from released measurements', async () => {
      const { stores, base } = await setup();
      const v = (await stores.verifications.create({
        ...base,
        first: true,
        at: at(2),
      }))!;
      expect(
        await stores.verifications.findClaimable({
          now: at(2),
          limit: 5,
          exclude: [],
        }),
      ).toEqual([v.id]);
      const claim = { id: v.id, now: at(2), leaseMs: 60_000 };
      expect(
        await stores.verifications.claim({ ...claim, workerId: 'a' }),
      ).toMatchObject({ phase: 'Running' });
      expect(
        await stores.verifications.claim({ ...claim, workerId: 'b' }),
      ).toBeUndefined();
      const measurement = {
        metric: 'up',
        phase: 'Successful' as const,
        value: '1',
        startedAt: at(2).toISOString(),
        finishedAt: at(2).toISOString(),
      };
      await expect(
        stores.verifications.release({
          id: v.id,
          workerId: 'b',
          measurements: [measurement],
          nextRunAt: at(3),
        }),
      ).rejects.toThrow(VerificationLeaseLostError);
      await stores.verifications.release({
        id: v.id,
        workerId: 'a',
        measurements: [measurement],
        nextRunAt: at(3),
      });
      expect(
        await stores.verifications.findClaimable({
          now: at(2),
          limit: 5,
          exclude: [],
        }),
      ).toEqual([]);
      // Another worker takes it over once its lease expired, with the measurements taken so far.
      await stores.verifications.claim({ ...claim, now: at(3), workerId: 'a' });
      const taken = await stores.verifications.claim({
        ...claim,
        now: at(5),
        workerId: 'b',
      });
      expect(taken?.measurements).toEqual([measurement]);
      await expect(
        stores.verifications.finish({
          id: v.id,
          workerId: 'a',
          phase: 'Successful',
          measurements: [],
          at: at(5),
        }),
      ).rejects.toThrow(VerificationLeaseLostError);
    });

    it('marks the freight the stage runs verified when Successful, and nothing when aborted meanwhile', async () => {
      const { stores, base, f } = await setup();
      const verifiedIn = async () =>
        (
          await stores.freight.listFreightCandidates({
            project: 'shop',
            origins: ['app'],
            verifiedIn: ['dev'],
            approvedFor: 'staging',
          })
        ).map(c => c.freight.id);
      const v = (await stores.verifications.create({
        ...base,
        first: true,
        at: at(2),
      }))!;
      await stores.verifications.claim({
        id: v.id,
        workerId: 'a',
        now: at(2),
        leaseMs: 60_000,
      });
      await stores.verifications.abort({
        project: 'shop',
        stage: 'dev',
        actor: 'user:default/ann',
        at: at(3),
      });
      await expect(
        stores.verifications.finish({
          id: v.id,
          workerId: 'a',
          phase: 'Successful',
          measurements: [],
          at: at(3),
        }),
      ).rejects.toThrow(VerificationLeaseLostError);
      expect(await verifiedIn()).toEqual([]);
      await expect(
        stores.verifications.abort({
          project: 'shop',
          stage: 'dev',
          actor: 'user:default/ann',
          at: at(3),
        }),
      ).rejects.toThrow(ConflictError);
      await expect(
        stores.verifications.abort({
          project: 'shop',
          stage: 'prod',
          actor: 'user:default/ann',
          at: at(3),
        }),
      ).rejects.toThrow(NotFoundError);

      const again = (await stores.verifications.create({
        ...base,
        first: false,
        at: at(4),
      }))!;
      await stores.verifications.claim({
        id: again.id,
        workerId: 'a',
        now: at(4),
        leaseMs: 60_000,
      });
      await stores.verifications.finish({
        id: again.id,
        workerId: 'a',
        phase: 'Successful',
        measurements: [],
        at: at(5),
      });
      expect(await verifiedIn()).toEqual([f.id]);
      expect(
        (await stores.verifications.getCurrent('shop', ['dev'])).dev,
      ).toMatchObject({ phase: 'Successful', finishedAt: at(5).toISOString() });
    });
  },
);
