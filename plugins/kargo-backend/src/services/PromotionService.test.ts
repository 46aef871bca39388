import { ConflictError, InputError, NotFoundError } from '@backstage/errors';
import { createApiFixture } from '../__testUtils__/apiFixture';
import { kargoTestDatabases } from '../__testUtils__/databases';

const databases = kargoTestDatabases();

const NOW = new Date('2026-03-01T12:00:00.000Z');
const actor = 'user:default/ops';
const origin = { actor };

// The demo project: dev takes freight of the guestbook warehouse directly, staging after dev, prod after staging.
const F1 = 'a'.repeat(40);
const F2 = 'b'.repeat(40);
// Freight of a warehouse no stage of the project requests.
const STRAY = 'c'.repeat(40);

type Fixture = Awaited<ReturnType<typeof createApiFixture>>;

async function insert(
  fx: Fixture,
  id: string,
  alias: string,
  warehouse: string,
  createdAt: string,
) {
  await fx.stores.freight.insertFreight(
    {
      project: 'guestbook',
      id,
      origin: { kind: 'Warehouse', name: warehouse },
      commits: [{ repoURL: 'file:///tmp/app.git', id: id.slice(0, 8) }],
      images: [],
      charts: [],
      createdAt: new Date(createdAt),
    },
    { generateAlias: async () => alias },
  );
}

describe.each(databases.eachSupportedId())('PromotionService on %p', id => {
  let fx: Fixture;

  beforeAll(async () => {
    fx = await createApiFixture({
      knex: await databases.init(id),
      now: () => NOW,
    });
    await insert(fx, F1, 'first-fox', 'guestbook', '2026-02-01T00:00:00Z');
    await insert(fx, F2, 'second-seal', 'guestbook', '2026-02-02T00:00:00Z');
    await insert(fx, STRAY, 'stray-cat', 'elsewhere', '2026-02-03T00:00:00Z');
  });

  beforeEach(() => {
    fx.audits.length = 0;
  });

  const promotions = () => fx.services.promotions;

  describe('promote', () => {
    it('creates a Pending promotion of eligible freight, by the actor, and tells the worker', async () => {
      const before = fx.createdPromotions.length;
      const promotion = await promotions().promote({
        project: 'guestbook',
        stage: 'dev',
        freight: 'first-fox',
        origin,
      });
      expect(promotion).toMatchObject({
        stage: 'dev',
        freight: F1,
        phase: 'Pending',
        createdBy: actor,
      });
      expect(fx.createdPromotions).toHaveLength(before + 1);
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'success',
          meta: { project: 'guestbook', stage: 'dev', freight: 'first-fox' },
        }),
      ]);
    });

    it('refuses freight the stage may not receive with a conflict, audited as failed', async () => {
      const refused = await promotions()
        .promote({
          project: 'guestbook',
          stage: 'staging',
          freight: F2,
          origin,
        })
        .catch(e => e);
      expect(refused).toBeInstanceOf(ConflictError);
      expect(refused.message).toContain(
        'Freight "second-seal" is not available to stage "staging"',
      );
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'fail',
        }),
      ]);
    });

    it('refuses an unknown stage before anything is audited', async () => {
      await expect(
        promotions().promote({
          project: 'guestbook',
          stage: 'qa',
          freight: F1,
          origin,
        }),
      ).rejects.toThrow(NotFoundError);
      expect(fx.audits).toEqual([]);
    });
  });

  describe('approve', () => {
    it('approves freight of an origin the stage requests, making it eligible there', async () => {
      const approved = await promotions().approve({
        project: 'guestbook',
        stage: 'prod',
        freight: 'first-fox',
        origin,
      });
      expect(approved.status.approvedFor.prod).toMatchObject({
        approvedBy: actor,
      });
      await expect(
        promotions().promote({
          project: 'guestbook',
          stage: 'prod',
          freight: F1,
          origin,
        }),
      ).resolves.toMatchObject({ stage: 'prod', phase: 'Pending' });
    });

    it('refuses freight of a warehouse the stage does not request (the origin check)', async () => {
      const refused = await promotions()
        .approve({
          project: 'guestbook',
          stage: 'staging',
          freight: 'stray-cat',
          origin,
        })
        .catch(e => e);
      expect(refused).toBeInstanceOf(InputError);
      expect(refused.message).toBe(
        'freight: Stage "staging" does not request freight from Warehouse "elsewhere"',
      );
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'freight-approve',
          outcome: 'fail',
        }),
      ]);
      const freight = await fx.stores.freight.getFreight('guestbook', STRAY);
      expect(freight?.status.approvedFor).toEqual({});
    });
  });

  describe('abort', () => {
    it('asks a Pending promotion to stop, recording who asked', async () => {
      const created = await fx.stores.promotions.createPromotion({
        project: 'guestbook',
        stage: 'dev',
        freightId: F2,
        at: NOW,
      });
      const aborted = await promotions().abort({
        project: 'guestbook',
        id: created.id,
        origin,
      });
      expect(aborted).toMatchObject({
        id: created.id,
        phase: 'Aborted',
        abortRequestedBy: actor,
      });
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-abort',
          outcome: 'success',
          meta: { project: 'guestbook', stage: 'dev', promotion: created.id },
        }),
      ]);
    });

    it('refuses an unknown promotion before anything is audited', async () => {
      await expect(
        promotions().abort({ project: 'guestbook', id: 'nope', origin }),
      ).rejects.toThrow(
        'Promotion "nope" not found in Kargo project "guestbook"',
      );
      expect(fx.audits).toEqual([]);
    });
  });

  describe('rollback', () => {
    it('has nothing to roll back to before the stage ran two freight', async () => {
      await expect(
        promotions().rollback({
          project: 'guestbook',
          stage: 'staging',
          origin,
        }),
      ).rejects.toThrow(ConflictError);
    });

    it('promotes the freight the stage ran before, or a named earlier one', async () => {
      await fx.stores.stages.setCurrentFreight({
        project: 'guestbook',
        stage: 'dev',
        freightId: F1,
        at: new Date('2026-02-10T00:00:00Z'),
      });
      await fx.stores.stages.setCurrentFreight({
        project: 'guestbook',
        stage: 'dev',
        freightId: F2,
        at: new Date('2026-02-11T00:00:00Z'),
      });
      const rollback = await promotions().rollback({
        project: 'guestbook',
        stage: 'dev',
        origin,
      });
      expect(rollback).toMatchObject({
        stage: 'dev',
        freight: F1,
        phase: 'Pending',
        rollback: true,
      });
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'success',
          meta: {
            project: 'guestbook',
            stage: 'dev',
            freight: F1,
            rollback: true,
          },
        }),
      ]);
      await expect(
        promotions().rollback({
          project: 'guestbook',
          stage: 'dev',
          freight: 'first-fox',
          origin,
        }),
      ).resolves.toMatchObject({ freight: F1 });
      await expect(
        promotions().rollback({
          project: 'guestbook',
          stage: 'dev',
          freight: 'second-seal',
          origin,
        }),
      ).rejects.toThrow('Stage "dev" already runs freight "second-seal"');
      await expect(
        promotions().rollback({
          project: 'guestbook',
          stage: 'dev',
          freight: 'stray-cat',
          origin,
        }),
      ).rejects.toThrow(InputError);
    });

    it('marks a promotion of freight from the stage history as a rollback, and only that', async () => {
      // staging ran F1, then F2 (and F2 is verified in dev, so staging may take it again).
      for (const [freightId, day] of [
        [F1, 12],
        [F2, 13],
      ] as const) {
        await fx.stores.freight.markVerified({
          project: 'guestbook',
          freightId,
          stage: 'dev',
          at: new Date(`2026-02-${day}T00:00:00Z`),
        });
        await fx.stores.stages.setCurrentFreight({
          project: 'guestbook',
          stage: 'staging',
          freightId,
          at: new Date(`2026-02-${day}T01:00:00Z`),
        });
      }
      const back = await promotions().promote({
        project: 'guestbook',
        stage: 'staging',
        freight: 'first-fox',
        origin,
      });
      expect(back.rollback).toBe(true);
      expect(fx.audits.at(-1)).toMatchObject({
        eventId: 'promotion-create',
        outcome: 'success',
      });
      // The freight it runs now, again: not a rollback.
      const again = await promotions().promote({
        project: 'guestbook',
        stage: 'staging',
        freight: 'second-seal',
        origin,
      });
      expect(again.rollback).toBeUndefined();
      expect(
        (await fx.stores.promotions.getPromotion('guestbook', back.id))
          ?.rollback,
      ).toBe(true);
    });
  });

  describe('promotion windows', () => {
    // NOW is Sunday 2026-03-01 12:00 UTC: outside weekday business hours, inside the prod freeze.
    const WINDOWED = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: windowed }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: ProjectConfig
metadata: { name: windowed, namespace: windowed }
spec:
  promotionWindows:
    - name: business-hours
      kind: Allow
      stageSelector: { name: 'glob:staging*' }
      rrule: FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR
      dtstart: TZID=Europe/Berlin:20260105T090000
      dtend: TZID=Europe/Berlin:20260105T170000
    - name: march-freeze
      kind: Deny
      stageSelector: { name: prod }
      dtstart: 20260228T000000Z
      dtend: 20260303T000000Z
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: windowed }
spec:
  subscriptions: [{ image: { repoURL: ghcr.io/example/app } }]
${['dev', 'staging', 'prod']
  .map(
    stage => `---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: ${stage}, namespace: windowed }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: app }, sources: { direct: true } }]
`,
  )
  .join('')}`;

    beforeAll(async () => {
      await fx.definitions.createProject(WINDOWED, actor);
      await fx.stores.freight.insertFreight(
        {
          project: 'windowed',
          id: 'd'.repeat(40),
          origin: { kind: 'Warehouse', name: 'app' },
          commits: [],
          images: [
            {
              repoURL: 'ghcr.io/example/app',
              tag: '1.0.0',
              digest: 'sha256:1',
            },
          ],
          charts: [],
          createdAt: new Date('2026-02-01T00:00:00Z'),
        },
        { generateAlias: async () => 'windowed-freight' },
      );
    });

    const promote = (stage: string) =>
      promotions().promote({
        project: 'windowed',
        stage,
        freight: 'windowed-freight',
        origin,
      });

    it('refuses a promotion inside a Deny window, naming it and when promotions open again', async () => {
      await expect(promote('prod')).rejects.toThrow(
        new ConflictError(
          'Promotions to stage "prod" are closed: promotion window "march-freeze" (Deny) is active; they next open at 2026-03-03T00:00:00.000Z',
        ),
      );
      expect(fx.audits).toEqual([
        expect.objectContaining({
          eventId: 'promotion-create',
          outcome: 'fail',
        }),
      ]);
    });

    it('refuses a promotion outside its Allow windows, naming the next opening', async () => {
      await expect(promote('staging')).rejects.toThrow(
        new ConflictError(
          'Promotions to stage "staging" are closed: no Allow promotion window is active ("business-hours"); they next open at 2026-03-02T08:00:00.000Z',
        ),
      );
    });

    it('lets a stage no window selects be promoted', async () => {
      await expect(promote('dev')).resolves.toMatchObject({
        stage: 'dev',
        phase: 'Pending',
      });
    });

    it('refuses, at load, a window that cannot be evaluated', async () => {
      await expect(
        fx.definitions.createProject(
          WINDOWED.replace(/windowed/g, 'broken').replace(
            'dtend: 20260303T000000Z',
            'dtend: 20260227T000000Z',
          ),
          actor,
        ),
      ).rejects.toThrow(
        'ProjectConfig broken: spec.promotionWindows[1].dtend: must be after dtstart',
      );
    });
  });
});
