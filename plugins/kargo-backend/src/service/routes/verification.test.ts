import request from 'supertest';
import { AuthorizeResult } from '@backstage/plugin-permission-common';
import { kargoStageVerifyPermission } from '@kargo-portal/plugin-kargo-common';
import { createApiFixture } from '../../__testUtils__/apiFixture';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import { freight, uniqueAlias } from '../../__testUtils__/storeFixtures';

const databases = kargoTestDatabases();

const manifests = `
apiVersion: kargo.akuity.io/v1alpha1
kind: Project
metadata: { name: shop }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Warehouse
metadata: { name: app, namespace: shop }
spec:
  subscriptions: [{ git: { repoURL: https://git.example/app } }]
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: dev, namespace: shop }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: app }, sources: { direct: true } }]
  verification:
    analysisTemplates: [{ name: check }]
    analysisRunMetadata: { labels: { team: shop } }
---
apiVersion: kargo.akuity.io/v1alpha1
kind: Stage
metadata: { name: staging, namespace: shop }
spec:
  requestedFreight: [{ origin: { kind: Warehouse, name: app }, sources: { stages: [dev] } }]
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: check, namespace: shop }
spec:
  metrics:
    - name: up
      provider: { web: { url: "http://127.0.0.1:9/status" } }
`;

describe.each(databases.eachSupportedId())(
  'verification routes on %p',
  databaseId => {
    it('re-verify and abort: permission-checked, audited, shown in the pipeline', async () => {
      const fx = await createApiFixture({
        knex: await databases.init(databaseId),
      });
      await fx.definitions.createProject(manifests, 'user:default/admin');
      const f = freight(1);
      await fx.stores.freight.insertFreight(f, uniqueAlias);
      await fx.stores.stages.setCurrentFreight({
        project: 'shop',
        stage: 'dev',
        freightId: f.id,
        at: new Date(),
      });
      const reverify = () =>
        request(fx.app).post('/projects/shop/stages/dev/verification');
      const abort = () =>
        request(fx.app).post('/projects/shop/stages/dev/verification/abort');

      fx.permissions.decisions[kargoStageVerifyPermission.name] = {
        result: AuthorizeResult.DENY,
      };
      for (const call of [reverify, abort]) {
        const denied = await call();
        expect(denied.status).toBe(403);
        expect(denied.body.error.message).toContain('kargo.stage.verify');
      }
      expect(fx.audits).toEqual([]);
      fx.permissions.decisions = {};

      const started = await reverify();
      expect(started.status).toBe(201);
      expect(started.body).toMatchObject({
        phase: 'Pending',
        attempt: 1,
        actor: 'user:default/guest',
        freight: [f.id],
        templates: ['AnalysisTemplate/check'],
        runMetadata: { labels: { team: 'shop' } },
        measurements: [],
      });
      expect((await reverify()).status).toBe(409);

      const pipeline = await request(fx.app).get('/projects/shop/pipeline');
      const stages = pipeline.body.stages as Array<{
        name: string;
        verification?: { id: string; phase: string };
      }>;
      expect(stages.find(s => s.name === 'dev')?.verification).toMatchObject({
        id: started.body.id,
        phase: 'Pending',
      });
      expect(
        stages.find(s => s.name === 'staging')?.verification,
      ).toBeUndefined();

      const aborted = await abort();
      expect(aborted.status).toBe(200);
      expect(aborted.body).toMatchObject({
        id: started.body.id,
        phase: 'Aborted',
        abortedBy: 'user:default/guest',
      });
      expect((await abort()).status).toBe(409);
      const second = await reverify();
      expect(second.body).toMatchObject({ attempt: 2 });

      // Downstream eligibility follows the verification: staging may take the freight once dev verified it.
      const eligibleInStaging = async () =>
        (
          (await request(fx.app).get('/projects/shop/pipeline')).body
            .stages as Array<{ name: string; eligibleFreightCount: number }>
        ).find(s => s.name === 'staging')?.eligibleFreightCount;
      expect(await eligibleInStaging()).toBe(0);
      await fx.stores.verifications.claim({
        id: second.body.id,
        workerId: 'w',
        now: new Date(),
        leaseMs: 60_000,
      });
      await fx.stores.verifications.finish({
        id: second.body.id,
        workerId: 'w',
        phase: 'Successful',
        measurements: [],
        at: new Date(),
      });
      expect(await eligibleInStaging()).toBe(1);

      const noVerification = await request(fx.app).post(
        '/projects/shop/stages/staging/verification',
      );
      expect(noVerification.status).toBe(400);
      expect(noVerification.body.error.message).toContain(
        'has no verification',
      );
      expect(fx.audits.map(a => [a.eventId, a.outcome, a.meta])).toEqual([
        ['stage-reverify', 'success', { project: 'shop', stage: 'dev' }],
        ['stage-reverify', 'fail', { project: 'shop', stage: 'dev' }],
        [
          'stage-verification-abort',
          'success',
          { project: 'shop', stage: 'dev' },
        ],
        ['stage-verification-abort', 'fail', { project: 'shop', stage: 'dev' }],
        ['stage-reverify', 'success', { project: 'shop', stage: 'dev' }],
        ['stage-reverify', 'fail', { project: 'shop', stage: 'staging' }],
      ]);
    });
  },
);
