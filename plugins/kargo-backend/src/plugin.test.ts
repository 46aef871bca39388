import path from 'node:path';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import { kargoPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples/kargo');

// The plugin as a backend starts it: database migrations, the scheduled definitions sync, permissions and the
// router wired together. Routes and rules are tested in detail elsewhere.
describe('kargo backend plugin', () => {
  it('loads the configured manifests and serves them', async () => {
    const { server } = await startTestBackend({
      features: [
        kargoPlugin,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: {
            kargo: {
              definitions: [
                { type: 'file', target: path.join(examples, '*.yaml') },
              ],
            },
          },
        }),
      ],
    });

    expect((await request(server).get('/api/kargo/health')).status).toBe(200);
    // The first sync runs as a scheduled task right after startup: wait for it; Jest's timeout bounds the wait.
    let projects: unknown[] = [];
    while (projects.length === 0) {
      const res = await request(server).get('/api/kargo/projects');
      expect(res.status).toBe(200);
      projects = res.body.items;
      if (projects.length === 0) await new Promise(r => setTimeout(r, 50));
    }
    expect(projects).toEqual([
      {
        name: 'guestbook',
        stageCount: 3,
        warehouseCount: 1,
        source: 'file',
        // The demo project names the entity whose owners own it.
        annotations: { 'kargo-portal/owners': 'component:default/guestbook' },
      },
    ]);

    const pipeline = await request(server).get(
      '/api/kargo/projects/guestbook/pipeline',
    );
    expect(pipeline.body.stages.map((s: { name: string }) => s.name)).toEqual([
      'dev',
      'staging',
      'prod',
    ]);
    const spec = await request(server).get('/api/kargo/openapi.json');
    expect(spec.body.info.title).toBe('kargo');
  });
});
