import fs from 'node:fs';
import http from 'node:http';
import { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { kargoTestDatabases } from '../__testUtils__/databases';
import {
  TestProcess,
  killGroup,
  startTestProcess,
} from '../__testUtils__/testProcesses';
import { freight, uniqueAlias } from '../__testUtils__/storeFixtures';
import type { VerifierProcessConfig } from '../__testUtils__/verificationWorkerProcess';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { applyDatabaseMigrations } from '../database/migrations';

// A verifier process killed with SIGKILL in the middle of a measurement: another one resumes the verification
// from the measurements stored, once the lease of the dead one runs out; nothing is lost or measured twice.

jest.setTimeout(120_000);

const databases = kargoTestDatabases();
const childScript = 'src/__testUtils__/verificationWorkerProcess.ts';

function startVerifier(config: VerifierProcessConfig): TestProcess {
  return startTestProcess(childScript, {
    KARGO_TEST_VERIFIER: JSON.stringify(config),
  });
}

const manifests = (url: string) => `
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
---
apiVersion: argoproj.io/v1alpha1
kind: AnalysisTemplate
metadata: { name: check, namespace: shop }
spec:
  metrics:
    - name: up
      interval: 200ms
      count: 4
      successCondition: result.ok == 1
      provider: { web: { url: "${url}" } }
`;

let tmp: string;
const running: TestProcess[] = [];
const opened: Knex[] = [];
let server: http.Server | undefined;
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-verifier-test-'));
});
afterEach(async () => {
  running.splice(0).forEach(killGroup);
  await Promise.all(opened.splice(0).map(k => k.destroy()));
  await new Promise<void>(resolve =>
    server ? server.close(() => resolve()) : resolve(),
  );
  server = undefined;
  fs.rmSync(tmp, { recursive: true, force: true });
});

const ids: Array<TestDatabaseId | 'SQLITE_FILE'> = [
  ...databases
    .eachSupportedId()
    .map(([id]) => id)
    .filter(id => id.startsWith('POSTGRES')),
  'SQLITE_FILE',
];

describe.each(ids)('verifier processes on %p', id => {
  it('resume a verification whose process was killed mid-measurement', async () => {
    let knex: Knex;
    if (id === 'SQLITE_FILE') {
      knex = knexFactory({
        client: 'better-sqlite3',
        connection: { filename: path.join(tmp, 'kargo.sqlite') },
        useNullAsDefault: true,
      });
      opened.push(knex);
    } else {
      knex = await databases.init(id);
    }
    await applyDatabaseMigrations(knex);
    const stores = DatabaseKargoStores.fromKnex(knex);
    const f = freight(1);
    await stores.freight.insertFreight(f, uniqueAlias);
    await stores.stages.setCurrentFreight({
      project: 'shop',
      stage: 'dev',
      freightId: f.id,
      at: new Date(),
    });
    await stores.stages.putStageHealth({
      project: 'shop',
      stage: 'dev',
      health: { status: 'NotApplicable', applications: [] },
      at: new Date(),
    });

    // The second measurement hangs until the process taking it is killed.
    let requests = 0;
    let hang: (() => void) | undefined;
    const hanging = new Promise<void>(resolve => {
      hang = resolve;
    });
    server = http.createServer((_req, res) => {
      requests += 1;
      if (requests === 2) {
        hang!();
        return; // never answered
      }
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ ok: 1 }));
    });
    await new Promise<void>(resolve => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    const config = {
      database: knex.client.config as Knex.Config,
      manifests: manifests(url),
      leaseMs: 1_500,
    };

    const first = startVerifier({ ...config, workerId: 'first' });
    running.push(first);
    await hanging;
    killGroup(first);
    await first.exited;
    const [stored] = Object.values(
      await stores.verifications.getCurrent('shop', ['dev']),
    );
    expect(stored).toMatchObject({ phase: 'Running' });
    expect(stored.measurements).toHaveLength(1);

    const second = startVerifier({ ...config, workerId: 'second' });
    running.push(second);
    expect(await second.exited).toBe(0);
    const done = (await stores.verifications.getCurrent('shop', ['dev'])).dev;
    expect(done).toMatchObject({ id: stored.id, phase: 'Successful' });
    // The measurement the killed process was taking is taken again: four in all, none twice.
    expect(done.measurements.map(m => m.phase)).toEqual([
      'Successful',
      'Successful',
      'Successful',
      'Successful',
    ]);
    expect(requests).toBe(5);
    expect(second.output.join('')).toContain(`Verification ${stored.id}`);
    const verified = await stores.freight.listFreightCandidates({
      project: 'shop',
      origins: ['app'],
      verifiedIn: ['dev'],
      approvedFor: 'staging',
    });
    expect(verified.map(c => c.freight.id)).toEqual([f.id]);
  });
});
