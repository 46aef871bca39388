import { Knex } from 'knex';
import { mockServices } from '@backstage/backend-test-utils';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { kargoTestDatabases } from '../__testUtils__/databases';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { FinishedPhase } from '../stores/PromotionStore';
import { PromotionService } from '../services/PromotionService';
import { FreightQueries } from '../services/FreightQueries';
import { AutoPromoter } from './AutoPromoter';
import { AUTO_PROMOTION_ACTOR, AUTO_ROLLBACK_ACTOR } from './policies';

const databases = kargoTestDatabases();

const user = { actor: 'user:default/ops' };

/** Project `shop`: dev takes `app` freight directly, staging what dev runs (MatchUpstream), prod after staging. */
function manifests(options: { policies?: string; windows?: string } = {}) {
  const policies =
    options.policies ??
    `
    - stage: prod
      autoPromotionEnabled: false
    - stageSelector: { name: 'regex:^(dev|staging)$' }
      autoPromotionEnabled: true`;
  return `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: shop, namespace: shop }
spec:
  promotionPolicies:${policies}
${options.windows ? `  promotionWindows:${options.windows}` : ''}
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  subscriptions:
    - image: { repoURL: ghcr.io/example/app, constraint: '^1' }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: shop }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { direct: true }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: staging, namespace: shop }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources:
        stages: [dev]
        autoPromotionOptions: { selectionPolicy: MatchUpstream }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: prod, namespace: shop }
spec:
  requestedFreight:
    - origin: { kind: Warehouse, name: app }
      sources: { stages: [staging] }
`;
}

function catalogOf(text: string): DefinitionCatalog {
  return DefinitionCatalog.fromManifests(
    parseManifests({ source: 'shop.yaml', text }),
  );
}

async function bed(knex: Knex) {
  await applyDatabaseMigrations(knex);
  const stores = DatabaseKargoStores.fromKnex(knex);
  let catalog = catalogOf(manifests());
  let clock = Date.parse('2026-03-01T12:00:00.000Z');
  const now = () => new Date(clock);
  const audits: Array<{ eventId: string; meta?: unknown }> = [];
  const auditor = mockServices.auditor.mock({
    createEvent: async ({ eventId, meta }) => {
      audits.push({ eventId, meta });
      return { success: async () => {}, fail: async () => {} };
    },
  });
  const definitions = { getCatalog: async () => catalog };
  const promotions = PromotionService.create({
    stores,
    definitions,
    auditor,
    now,
  });
  const promoter = () =>
    AutoPromoter.create({
      stores,
      definitions,
      promotions,
      logger: mockServices.logger.mock(),
      now,
    });
  let n = 0;
  return {
    stores,
    promotions,
    audits,
    promoter,
    catalog: definitions.getCatalog,
    setManifests(text: string) {
      catalog = catalogOf(text);
    },
    advance(ms: number) {
      clock += ms;
    },
    async addFreight() {
      n += 1;
      clock += 1000;
      const { freight } = await stores.freight.insertFreight(
        {
          project: 'shop',
          id: n.toString(16).padStart(40, '0'),
          origin: { kind: 'Warehouse', name: 'app' },
          commits: [],
          images: [
            { repoURL: 'ghcr.io/example/app', tag: `1.0.${n}`, digest: '' },
          ],
          charts: [],
          createdAt: now(),
        },
        { generateAlias: async () => `freight-${n}` },
      );
      return freight;
    },
    /**
     * Runs a promotion to its end as a worker would, with the stage's freight verified at once (as for a stage
     * without verification) unless `verifyAtOnce` is false.
     */
    async finish(
      id: string,
      phase: FinishedPhase = 'Succeeded',
      verifyAtOnce = true,
    ) {
      clock += 1000;
      const claimed = await stores.promotions.claim({
        id,
        workerId: 'test-worker',
        now: now(),
        leaseMs: 10_000,
      });
      if (!claimed) throw new Error(`could not claim ${id}`);
      await stores.promotions.finish({
        id,
        workerId: 'test-worker',
        phase,
        now: now(),
        verifyAtOnce,
      });
    },
    /** Verifies the stage's current collection as the verifier would, ending in `phase`. */
    async verify(
      stage: string,
      phase: 'Successful' | 'Failed' | 'Error',
      first = true,
    ) {
      clock += 1000;
      const [entry] = await stores.stages.getStageHistory({
        project: 'shop',
        stage,
        limit: 1,
      });
      const verification = await stores.verifications.create({
        project: 'shop',
        stage,
        collectionId: entry.collection.id,
        freightIds: entry.collection.items.map(i => i.name),
        analysis: { templates: [], metrics: [], args: [] },
        first,
        at: now(),
      });
      if (!verification) throw new Error('no verification created');
      await stores.verifications.claim({
        id: verification.id,
        workerId: 'test-verifier',
        now: now(),
        leaseMs: 10_000,
      });
      await stores.verifications.finish({
        id: verification.id,
        workerId: 'test-verifier',
        phase,
        measurements: [],
        at: now(),
      });
    },
    async current(stage: string) {
      const summary = (
        await stores.stages.getStageSummaries('shop', [stage])
      ).find(s => s.stage === stage);
      return summary?.current.map(c => c.freight.id) ?? [];
    },
  };
}

describe.each(databases.eachSupportedId())('AutoPromoter on %p', id => {
  let b: Awaited<ReturnType<typeof bed>>;

  beforeEach(async () => {
    b = await bed(await databases.init(id));
  });

  it('auto-promotes new freight to dev, then staging follows dev (MatchUpstream); prod is not auto-promoted', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    const [toDev] = await promoter.promoteProject('shop');
    expect(toDev).toMatchObject({
      stage: 'dev',
      freight: f1.id,
      phase: 'Pending',
      createdBy: AUTO_PROMOTION_ACTOR,
    });
    expect(b.audits).toEqual([
      {
        eventId: 'promotion-create',
        meta: { project: 'shop', stage: 'dev', freight: f1.id, auto: true },
      },
    ]);
    // Nothing more while the promotion is under way.
    expect(await promoter.promoteProject('shop')).toEqual([]);
    await b.finish(toDev.id);

    const [toStaging] = await promoter.promoteProject('shop');
    expect(toStaging).toMatchObject({ stage: 'staging', freight: f1.id });
    await b.finish(toStaging.id);
    // prod's policy disables auto-promotion: f1 is verified in staging, but prod waits for a user.
    expect(await promoter.promoteProject('shop')).toEqual([]);

    // Newer freight: dev takes it; staging matches dev only once dev runs it.
    const f2 = await b.addFreight();
    const passes = await promoter.promoteProject('shop');
    expect(passes.map(p => [p.stage, p.freight])).toEqual([['dev', f2.id]]);
    await b.finish(passes[0].id);
    const [next] = await promoter.promoteProject('shop');
    expect(next).toMatchObject({ stage: 'staging', freight: f2.id });
    await b.finish(next.id);
    expect(await b.current('staging')).toEqual([f2.id]);
    expect(await b.current('prod')).toEqual([]);
  });

  it('a user promoting other freight holds the stage; promoting the candidate releases it', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    const f2 = await b.addFreight();
    // The user moves older freight into dev: a hold, and auto-promotion leaves dev alone.
    const manual = await b.promotions.promote({
      project: 'shop',
      stage: 'dev',
      freight: f1.id,
      origin: user,
    });
    await b.finish(manual.id);
    expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({
      dev: [
        expect.objectContaining({
          origin: 'app',
          freightId: f1.id,
          actor: user.actor,
          rollback: false,
        }),
      ],
    });
    // The pipeline shows the hold, and which stages auto-promote.
    const pipeline = await new FreightQueries(b.stores).getPipeline(
      (await b.catalog()).getProject('shop')!,
      new Date(),
    );
    expect(
      Object.fromEntries(pipeline.stages.map(s => [s.name, s.autoPromotion])),
    ).toEqual({
      dev: {
        enabled: true,
        holds: [
          {
            origin: 'app',
            freight: f1.id,
            promotion: manual.id,
            actor: user.actor,
            rollback: false,
            since: expect.any(String),
          },
        ],
      },
      staging: { enabled: true },
      prod: { enabled: false },
    });
    const passes = await promoter.promoteProject('shop');
    // staging still follows what dev runs.
    expect(passes.map(p => [p.stage, p.freight])).toEqual([['staging', f1.id]]);
    await b.finish(passes[0].id);
    expect(await b.current('dev')).toEqual([f1.id]);

    // The user promotes the candidate (the newest freight): the hold goes, auto-promotion resumes.
    const candidate = await b.promotions.promote({
      project: 'shop',
      stage: 'dev',
      freight: f2.id,
      origin: user,
    });
    expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({});
    await b.finish(candidate.id);
    const f3 = await b.addFreight();
    const [resumed] = await promoter.promoteProject('shop');
    expect(resumed).toMatchObject({ stage: 'dev', freight: f3.id });
  });

  it('resumes a held stage on request (audited); a stage that does not auto-promote is refused', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    const f2 = await b.addFreight();
    const manual = await b.promotions.promote({
      project: 'shop',
      stage: 'dev',
      freight: f1.id,
      origin: user,
    });
    await b.finish(manual.id);
    expect(await promoter.promoteProject('shop')).toEqual([
      expect.objectContaining({ stage: 'staging' }),
    ]);
    b.audits.length = 0;
    await expect(
      b.promotions.resumeAutoPromotion({
        project: 'shop',
        stage: 'dev',
        origin: user,
      }),
    ).resolves.toEqual({ enabled: true });
    expect(b.audits).toEqual([
      {
        eventId: 'auto-promotion-resume',
        meta: { project: 'shop', stage: 'dev' },
      },
    ]);
    expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({});
    const passes = await promoter.promoteProject('shop');
    expect(passes.map(p => [p.stage, p.freight])).toEqual([['dev', f2.id]]);

    await expect(
      b.promotions.resumeAutoPromotion({
        project: 'shop',
        stage: 'prod',
        origin: user,
      }),
    ).rejects.toThrow(
      'Stage "prod" is not auto-promoted: no promotion policy of the project enables it',
    );
  });

  it('a user promotion that fails holds nothing: auto-promotion goes on', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    const f2 = await b.addFreight();
    const manual = await b.promotions.promote({
      project: 'shop',
      stage: 'dev',
      freight: f1.id,
      origin: user,
    });
    await b.finish(manual.id, 'Failed');
    const passes = await promoter.promoteProject('shop');
    expect(passes.map(p => [p.stage, p.freight])).toEqual([['dev', f2.id]]);
    expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({});
  });

  it('a rollback holds the stage; switching auto-promotion off releases the hold', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    await b.finish((await promoter.promoteProject('shop'))[0].id);
    const f2 = await b.addFreight();
    await b.finish((await promoter.promoteProject('shop'))[0].id);
    expect(await b.current('dev')).toEqual([f2.id]);

    const back = await b.promotions.rollback({
      project: 'shop',
      stage: 'dev',
      origin: user,
    });
    expect(back).toMatchObject({ freight: f1.id });
    await b.finish(back.id);
    expect((await b.stores.autoPromotions.getHolds('shop')).dev).toEqual([
      expect.objectContaining({ freightId: f1.id, rollback: true }),
    ]);
    // Held: f2, the newest, is not promoted back into dev.
    const passes = await promoter.promoteProject('shop');
    expect(passes.filter(p => p.stage === 'dev')).toEqual([]);

    b.setManifests(
      manifests({
        policies: `
    - stageSelector: { name: 'glob:*' }
      autoPromotionEnabled: false`,
      }),
    );
    await promoter.promoteProject('shop');
    expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({});
  });

  it('does not try again freight whose last promotion to the stage failed (the loop guard)', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    const [first] = await promoter.promoteProject('shop');
    await b.finish(first.id, 'Failed');
    expect(await promoter.promoteProject('shop')).toEqual([]);
    const list = await b.stores.promotions.listPromotions({
      project: 'shop',
      stage: 'dev',
      limit: 10,
    });
    expect(list.items.map(p => [p.freight, p.phase])).toEqual([
      [f1.id, 'Failed'],
    ]);
    // Newer freight is tried.
    const f2 = await b.addFreight();
    const [next] = await promoter.promoteProject('shop');
    expect(next).toMatchObject({ stage: 'dev', freight: f2.id });
  });

  it('promoters racing create one promotion per decision, round after round', async () => {
    const promoters = [b.promoter(), b.promoter(), b.promoter()];
    for (let round = 1; round <= 5; round++) {
      const freight = await b.addFreight();
      const results = await Promise.all(
        promoters.map(p => p.promoteProject('shop')),
      );
      const toDev = results.flat().filter(p => p.stage === 'dev');
      expect(toDev.map(p => p.freight)).toEqual([freight.id]);
      const list = await b.stores.promotions.listPromotions({
        project: 'shop',
        stage: 'dev',
        limit: 10,
      });
      expect(list.items).toHaveLength(round);
      await b.finish(toDev[0].id);
    }
  });

  it('does not promote again freight whose promotion finishes while a pass decides', async () => {
    const f1 = await b.addFreight();
    const [toDev] = await b.promoter().promoteProject('shop');
    // The pass reads the candidates while the promotion to dev runs; it ends before the pass reads the stage's
    // promotions.
    let finished = false;
    const promotions = Object.create(b.stores.promotions);
    promotions.getStagePromotionFacts = async (
      options: Parameters<typeof b.stores.promotions.getStagePromotionFacts>[0],
    ) => {
      if (!finished && options.stage === 'dev') {
        finished = true;
        await b.finish(toDev.id);
      }
      return b.stores.promotions.getStagePromotionFacts(options);
    };
    const promoter = AutoPromoter.create({
      stores: {
        freight: b.stores.freight,
        stages: b.stores.stages,
        promotions,
        autoPromotions: b.stores.autoPromotions,
        verifications: b.stores.verifications,
      },
      definitions: { getCatalog: b.catalog },
      promotions: b.promotions,
      logger: mockServices.logger.mock(),
    });
    const passes = await promoter.promoteProject('shop');
    expect(finished).toBe(true);
    // staging follows dev; dev is not promoted f1 a second time.
    expect(passes.map(p => [p.stage, p.freight])).toEqual([['staging', f1.id]]);
    const toDevAll = await b.stores.promotions.listPromotions({
      project: 'shop',
      stage: 'dev',
      limit: 10,
    });
    expect(toDevAll.items.map(p => p.id)).toEqual([toDev.id]);
  });

  it('waits for a deny window to close', async () => {
    b.setManifests(
      manifests({
        windows: `
    - name: freeze
      kind: Deny
      stageSelector: { name: dev }
      dtstart: 20260301T000000Z
      dtend: 20260301T130000Z`,
      }),
    );
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    expect(await promoter.promoteProject('shop')).toEqual([]);
    expect(b.audits).toEqual([]);
    b.advance(60 * 60_000);
    const [promotion] = await promoter.promoteProject('shop');
    expect(promotion).toMatchObject({ stage: 'dev', freight: f1.id });
  });

  it('logs a pass that cannot read the definitions, and goes on', async () => {
    const logger = mockServices.logger.mock();
    const promoter = AutoPromoter.create({
      stores: b.stores,
      definitions: {
        getCatalog: async () => {
          throw new Error('definitions unavailable');
        },
      },
      promotions: b.promotions,
      logger,
    });
    promoter.notify();
    promoter.notify('shop');
    await promoter.idle();
    expect(logger.warn).toHaveBeenCalledWith(
      expect.stringContaining('definitions unavailable'),
    );
  });

  it('reacts to a notification without waiting for the sweep', async () => {
    const promoter = b.promoter();
    const f1 = await b.addFreight();
    promoter.notify('shop');
    await promoter.idle();
    const list = await b.stores.promotions.listPromotions({
      project: 'shop',
      limit: 10,
    });
    expect(list.items.map(p => [p.stage, p.freight])).toEqual([['dev', f1.id]]);
    await promoter.stop();
  });

  describe('autoRollback', () => {
    const rollbackPolicies = (autoRollback: string) => `
    - stage: prod
      autoPromotionEnabled: false
    - stageSelector: { name: staging }
      autoPromotionEnabled: true
      autoRollback: ${autoRollback}
    - stageSelector: { name: dev }
      autoPromotionEnabled: true`;

    /** f1 runs verified in dev and staging; f2 runs in dev and is promoted to staging (not finished yet). */
    async function f2PromotedToStaging(promoter: AutoPromoter) {
      const f1 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      expect(await b.current('staging')).toEqual([f1.id]);
      const f2 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      const [toStaging] = await promoter.promoteProject('shop');
      expect(toStaging).toMatchObject({ stage: 'staging', freight: f2.id });
      return { f1, f2, toStaging };
    }

    it('rolls a stage whose verification failed back to its last stable freight, marked as a rollback, with a hold, once', async () => {
      b.setManifests(
        manifests({
          policies: rollbackPolicies('{ onVerification: [Failed, Error] }'),
        }),
      );
      const promoter = b.promoter();
      const { f1, f2, toStaging } = await f2PromotedToStaging(promoter);
      await b.finish(toStaging.id, 'Succeeded', false);
      expect(await b.current('staging')).toEqual([f2.id]);
      // Nothing while the verification runs or succeeds.
      expect(await promoter.promoteProject('shop')).toEqual([]);
      b.audits.length = 0;
      await b.verify('staging', 'Failed');

      const [back] = await promoter.promoteProject('shop');
      expect(back).toMatchObject({
        stage: 'staging',
        freight: f1.id,
        rollback: true,
        createdBy: AUTO_ROLLBACK_ACTOR,
        phase: 'Pending',
      });
      expect(b.audits).toEqual([
        {
          eventId: 'promotion-create',
          meta: {
            project: 'shop',
            stage: 'staging',
            freight: f1.id,
            rollback: true,
            auto: true,
            reason: expect.stringMatching(
              /^verification .+ of freight collection [0-9a-f]{40} ended Failed$/,
            ),
          },
        },
      ]);
      expect((await b.stores.autoPromotions.getHolds('shop')).staging).toEqual([
        expect.objectContaining({
          origin: 'app',
          freightId: f1.id,
          promotionId: back.id,
          actor: AUTO_ROLLBACK_ACTOR,
          rollback: true,
        }),
      ]);
      // Once: the passes after it neither roll back again nor promote f2 back (the hold).
      expect(await promoter.promoteProject('shop')).toEqual([]);
      await b.finish(back.id);
      expect(await b.current('staging')).toEqual([f1.id]);
      expect(await promoter.promoteProject('shop')).toEqual([]);

      // A collection a rollback brought in triggers nothing when its verification fails.
      await b.verify('staging', 'Failed', false);
      expect(await promoter.promoteProject('shop')).toEqual([]);

      // Resumed, auto-promotion moves f2 (what dev runs) in again (from the stage's history: marked a rollback, as
      // Kargo marks it); its collection failed before and was rolled back once already: no second rollback.
      await b.promotions.resumeAutoPromotion({
        project: 'shop',
        stage: 'staging',
        origin: user,
      });
      const [again] = await promoter.promoteProject('shop');
      expect(again).toMatchObject({ stage: 'staging', freight: f2.id });
      await b.finish(again.id, 'Succeeded', false);
      await b.verify('staging', 'Failed', false);
      expect(await promoter.promoteProject('shop')).toEqual([]);
      const list = await b.stores.promotions.listPromotions({
        project: 'shop',
        stage: 'staging',
        limit: 10,
      });
      expect(
        list.items.filter(p => p.createdBy === AUTO_ROLLBACK_ACTOR),
      ).toHaveLength(1);
    });

    it('onVerification defaults to Failed: an Error verification does not roll back then', async () => {
      b.setManifests(manifests({ policies: rollbackPolicies('{}') }));
      const promoter = b.promoter();
      const { f1, toStaging } = await f2PromotedToStaging(promoter);
      await b.finish(toStaging.id, 'Succeeded', false);
      await b.verify('staging', 'Error');
      expect(await promoter.promoteProject('shop')).toEqual([]);
      await b.verify('staging', 'Failed', false);
      expect(await promoter.promoteProject('shop')).toEqual([
        expect.objectContaining({ freight: f1.id, rollback: true }),
      ]);
    });

    it('rolls back after a failed promotion (the stage still runs its stable freight), and not after a failed rollback', async () => {
      b.setManifests(
        manifests({
          policies: rollbackPolicies('{ onPromotion: [Failed, Errored] }'),
        }),
      );
      const promoter = b.promoter();
      const { f1, toStaging } = await f2PromotedToStaging(promoter);
      await b.finish(toStaging.id, 'Failed');
      expect(await b.current('staging')).toEqual([f1.id]);
      const [back] = await promoter.promoteProject('shop');
      expect(back).toMatchObject({
        stage: 'staging',
        freight: f1.id,
        rollback: true,
        createdBy: AUTO_ROLLBACK_ACTOR,
      });
      // The rollback fails too: nothing more, and the loop guard keeps f2 out.
      await b.finish(back.id, 'Errored');
      expect(await promoter.promoteProject('shop')).toEqual([]);
      expect(await b.current('staging')).toEqual([f1.id]);
    });

    it('does not roll back a stage without autoRollback, nor on a phase it does not name', async () => {
      b.setManifests(
        manifests({
          policies: rollbackPolicies('{ onPromotion: [Errored] }'),
        }),
      );
      const promoter = b.promoter();
      const { toStaging } = await f2PromotedToStaging(promoter);
      await b.finish(toStaging.id, 'Failed');
      expect(await promoter.promoteProject('shop')).toEqual([]);
    });

    it('rolls back a stage that does not auto-promote too, without a hold', async () => {
      b.setManifests(
        manifests({
          policies: `
    - stageSelector: { name: staging }
      autoRollback: { onVerification: [Failed] }
    - stageSelector: { name: dev }
      autoPromotionEnabled: true`,
        }),
      );
      const promoter = b.promoter();
      const f1 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      await b.finish(
        (
          await b.promotions.promote({
            project: 'shop',
            stage: 'staging',
            freight: f1.id,
            origin: user,
          })
        ).id,
      );
      const f2 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      const manual = await b.promotions.promote({
        project: 'shop',
        stage: 'staging',
        freight: f2.id,
        origin: user,
      });
      await b.finish(manual.id, 'Succeeded', false);
      await b.verify('staging', 'Failed');
      expect(await promoter.promoteProject('shop')).toEqual([
        expect.objectContaining({
          stage: 'staging',
          freight: f1.id,
          rollback: true,
        }),
      ]);
      expect(await b.stores.autoPromotions.getHolds('shop')).toEqual({});
    });

    it('without a verified collection to go back to, rolls back nothing and says so once', async () => {
      b.setManifests(
        manifests({
          policies: rollbackPolicies('{ onPromotion: [Failed] }'),
        }),
      );
      const logger = mockServices.logger.mock();
      const promoter = AutoPromoter.create({
        stores: b.stores,
        definitions: { getCatalog: b.catalog },
        promotions: b.promotions,
        logger,
      });
      const f1 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      // staging runs f1, never verified there.
      await b.finish(
        (
          await promoter.promoteProject('shop')
        )[0].id,
        'Succeeded',
        false,
      );
      const f2 = await b.addFreight();
      await b.finish((await promoter.promoteProject('shop'))[0].id);
      const [toStaging] = await promoter.promoteProject('shop');
      expect(toStaging).toMatchObject({ stage: 'staging', freight: f2.id });
      await b.finish(toStaging.id, 'Failed');
      expect(await promoter.promoteProject('shop')).toEqual([]);
      expect(await promoter.promoteProject('shop')).toEqual([]);
      expect(await b.current('staging')).toEqual([f1.id]);
      expect(logger.warn).toHaveBeenCalledTimes(1);
      expect(logger.warn).toHaveBeenCalledWith(
        expect.stringMatching(
          /^Stage shop\/staging cannot roll back by itself after promotion .+ ended Failed: no earlier freight collection was verified there$/,
        ),
      );
    });

    it('promoters racing create one rollback', async () => {
      b.setManifests(
        manifests({
          policies: rollbackPolicies('{ onVerification: [Failed] }'),
        }),
      );
      const { f1, toStaging } = await f2PromotedToStaging(b.promoter());
      await b.finish(toStaging.id, 'Succeeded', false);
      await b.verify('staging', 'Failed');
      const promoters = [b.promoter(), b.promoter(), b.promoter()];
      const results = await Promise.all(
        promoters.map(p => p.promoteProject('shop')),
      );
      expect(results.flat().map(p => [p.stage, p.freight, p.rollback])).toEqual(
        [['staging', f1.id, true]],
      );
      const list = await b.stores.promotions.listPromotions({
        project: 'shop',
        stage: 'staging',
        limit: 10,
      });
      expect(list.items.filter(p => p.rollback)).toHaveLength(1);
    });
  });
});
