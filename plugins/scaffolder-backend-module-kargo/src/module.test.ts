import request from 'supertest';
import {
  mockCredentials,
  mockServices,
  startTestBackend,
} from '@backstage/backend-test-utils';
import { catalogServiceMock } from '@backstage/plugin-catalog-node/testUtils';
import scaffolderPlugin from '@backstage/plugin-scaffolder-backend';
import { scaffolderModuleKargo } from './module';

// The module as a backend installs it: its actions are listed by the scaffolder with their schemas and examples.
describe('scaffolder module kargo', () => {
  it('adds both actions to the scaffolder', async () => {
    const { server } = await startTestBackend({
      features: [
        scaffolderPlugin,
        scaffolderModuleKargo,
        catalogServiceMock.factory(),
        mockServices.rootConfig.factory({
          data: { backend: { baseUrl: 'http://localhost:7007' } },
        }),
      ],
    });
    const res = await request(server)
      .get('/api/scaffolder/v2/actions')
      .set('Authorization', mockCredentials.user.header());
    expect(res.status).toBe(200);
    const actions = new Map<
      string,
      { examples?: unknown[]; schema?: { input?: { properties?: object } } }
    >(res.body.map((a: { id: string }) => [a.id, a]));
    for (const id of ['kargo:project:create', 'argocd:applicationset:create']) {
      expect(actions.get(id)?.examples?.length).toBeGreaterThan(0);
      expect(actions.get(id)?.schema?.input?.properties).toBeDefined();
    }
  });
});
