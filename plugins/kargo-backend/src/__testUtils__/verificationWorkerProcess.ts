/* eslint-disable no-console */
// One verification worker in its own process, for the crash tests of the verifier
// (src/verification/VerificationWorker.processes.test.ts). Started with
//   node --require @backstage/cli/config/nodeTransform.cjs src/__testUtils__/verificationWorkerProcess.ts
// from the package directory, configured by the JSON in KARGO_TEST_VERIFIER. It runs the worker until no
// verification is Pending or Running and at least one exists, then stops and exits 0.
import knexFactory, { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { readManifestSource } from '@kargo-portal/plugin-kargo-common';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { VerificationWorker } from '../verification/VerificationWorker';

/** What the parent test tells a verifier process. */
export interface VerifierProcessConfig {
  /** Knex config of the shared database (already migrated). */
  database: Knex.Config;
  /** Kargo manifests and AnalysisTemplates of the project. */
  manifests: string;
  workerId: string;
  leaseMs: number;
}

const config: VerifierProcessConfig = JSON.parse(
  process.env.KARGO_TEST_VERIFIER ?? '{}',
);

const logger: LoggerService = {
  debug: () => {},
  info: m => console.log(`[${config.workerId}] ${m}`),
  warn: m => console.error(`[${config.workerId}] warn: ${m}`),
  error: m => console.error(`[${config.workerId}] error: ${m}`),
  child: () => logger,
};

async function main() {
  const knex = knexFactory(config.database);
  const contents = readManifestSource({
    source: 'verifier.yaml',
    text: config.manifests,
  });
  const catalog = DefinitionCatalog.fromManifests(
    contents.manifests,
    contents.analysisTemplates,
  );
  const worker = VerificationWorker.create({
    stores: DatabaseKargoStores.fromKnex(knex),
    definitions: { getCatalog: async () => catalog },
    secret: () => undefined,
    logger,
    workerId: config.workerId,
    leaseMs: config.leaseMs,
    pollIntervalMs: 100,
  });
  worker.start();
  for (;;) {
    await new Promise(r => setTimeout(r, 100));
    const rows: Array<{ phase: string }> = await knex(
      'kargo_verifications',
    ).select('phase');
    if (
      rows.length > 0 &&
      rows.every(r => r.phase !== 'Pending' && r.phase !== 'Running')
    ) {
      break;
    }
  }
  await worker.stop();
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
