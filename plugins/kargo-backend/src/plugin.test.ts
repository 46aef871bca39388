import path from 'node:path';
import fs from 'node:fs/promises';
import os from 'node:os';
import request from 'supertest';
import { mockServices, startTestBackend } from '@backstage/backend-test-utils';
import { kargoPlugin } from './plugin';

const examples = path.resolve(__dirname, '../../../examples/kargo');

async function start(definitions: Array<{ type: string; target: string }>) {
  const { server } = await startTestBackend({
    features: [
      kargoPlugin,
      mockServices.rootConfig.factory({ data: { kargo: { definitions } } }),
    ],
  });
  return server;
}

describe('kargo backend plugin', () => {
  it('serves the example project with its stages in pipeline order', async () => {
    const server = await start([
      { type: 'file', target: path.join(examples, '*.yaml') },
    ]);

    const projects = await request(server).get('/api/kargo/projects');
    expect(projects.status).toBe(200);
    expect(projects.body.items).toEqual([
      { name: 'guestbook', stageCount: 3, warehouseCount: 1 },
    ]);

    const pipeline = await request(server).get(
      '/api/kargo/projects/guestbook/pipeline',
    );
    expect(pipeline.status).toBe(200);
    expect(pipeline.body.warehouses).toEqual(['guestbook']);
    expect(
      pipeline.body.stages.map((s: { name: string; color?: string }) => [
        s.name,
        s.color,
      ]),
    ).toEqual([
      ['dev', 'green'],
      ['staging', 'amber'],
      ['prod', 'purple'],
    ]);
  });

  it('answers 404 with a message for an unknown project', async () => {
    const server = await start([
      { type: 'file', target: path.join(examples, '*.yaml') },
    ]);
    const res = await request(server).get('/api/kargo/projects/nope/pipeline');
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe('Kargo project "nope" not found');
  });

  it('keeps the valid projects when another file is invalid', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'kargo-defs-'));
    try {
      await fs.copyFile(
        path.join(examples, 'guestbook.yaml'),
        path.join(dir, 'a.yaml'),
      );
      await fs.writeFile(
        path.join(dir, 'b.yaml'),
        'apiVersion: kargo.akuity.io/v1alpha1\nkind: Project\nmetadata: { name: Bad_Name }\n',
      );
      const server = await start([
        { type: 'file', target: path.join(dir, '*.yaml') },
      ]);
      const res = await request(server).get('/api/kargo/projects');
      expect(res.body.items.map((p: { name: string }) => p.name)).toEqual([
        'guestbook',
      ]);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects an unsupported location type at startup', async () => {
    await expect(start([{ type: 'git', target: 'x' }])).rejects.toThrow(
      'kargo.definitions[0].type: unsupported location type "git", expected "file"',
    );
  });
});
