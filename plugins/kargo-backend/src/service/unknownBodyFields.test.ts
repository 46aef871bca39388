import express from 'express';
import request from 'supertest';
import { mockErrorHandler } from '@backstage/backend-test-utils';
import { spec } from '../schema/openapi/generated';
import { rejectUnknownBodyFields } from './unknownBodyFields';

// Which bodies are closed, and to which fields, comes from the spec's `additionalProperties: false`.
describe('rejectUnknownBodyFields', () => {
  const app = express()
    .use(express.json())
    .use(rejectUnknownBodyFields(spec))
    .use((_req, res) => {
      res.json({ passed: true });
    })
    .use(mockErrorHandler());

  it.each([
    [
      'post',
      '/projects/p/warehouses/w/freight',
      { images: [], tags: [] },
      'tags: unknown field; the body takes images, commits, charts, artifacts',
    ],
    [
      'post',
      '/projects',
      { manifests: 'x', name: 'p' },
      'name: unknown field; the body takes manifests',
    ],
    [
      'put',
      '/projects/p',
      { manifests: 'x', force: 1 },
      'force: unknown field; the body takes manifests',
    ],
    [
      'post',
      '/projects/p/stages/s/approvals/',
      { freight: 'f', note: 'n' },
      'note: unknown field; the body takes freight',
    ],
  ] as const)(
    'names the unknown field of %s %s',
    async (method, path, body, message) => {
      const res = await request(app)[method](path).send(body);
      expect(res.status).toBe(400);
      expect(res.body.error.message).toBe(message);
    },
  );

  it.each([
    ['post', '/projects/p/stages/s/promotions', { freight: 'f' }],
    // Not a body the spec closes: left to the validator.
    ['post', '/projects/p/promotions/x/abort', { anything: 1 }],
  ] as const)('lets %s %s through', async (method, path, body) => {
    const res = await request(app)[method](path).send(body);
    expect(res.body).toEqual({ passed: true });
  });
});
