/* eslint-disable no-console */
// One auto-promoter in its own process, for the crash tests of auto-promotion and automatic rollback
// (src/autopromotion/AutoPromoter.processes.test.ts). Started with
//   node --require @backstage/cli/config/nodeTransform.cjs src/__testUtils__/autoPromoterProcess.ts
// from the package directory, configured by the JSON in KARGO_TEST_AUTO_PROMOTER. It runs passes over the project
// and prints `created <stage> <freight> <rollback> <id>` for each promotion it created; after a few passes it exits 0.
// With `stopAt`, it stops for good at that point of its first creation (after writing the point to `markerFile`),
// so that the parent kills it there:
// - `claimed`: inside the creating transaction, right after the claim (not committed yet);
// - `created`: right after the creation committed, before anything else.
import fs from 'node:fs';
import knexFactory, { Knex } from 'knex';
import { LoggerService } from '@backstage/backend-plugin-api';
import { parseManifests } from '@kargo-portal/plugin-kargo-common';
import { AutoPromoter } from '../autopromotion/AutoPromoter';
import { DatabaseKargoStores } from '../database/DatabaseKargoStores';
import { DefinitionCatalog } from '../definitions/DefinitionCatalog';
import { PromotionService } from '../services/PromotionService';

/** What the parent test tells an auto-promoter process. */
export interface AutoPromoterProcessConfig {
  /** Knex config of the shared database (already migrated). */
  database: Knex.Config;
  /** Kargo manifests of project `shop`. */
  manifests: string;
  name: string;
  stopAt?: 'claimed' | 'created';
  markerFile?: string;
}

const config: AutoPromoterProcessConfig = JSON.parse(
  process.env.KARGO_TEST_AUTO_PROMOTER ?? '{}',
);

const logger: LoggerService = {
  debug: () => {},
  info: m => console.error(`[${config.name}] ${m}`),
  warn: m => console.error(`[${config.name}] warn: ${m}`),
  error: m => console.error(`[${config.name}] error: ${m}`),
  child: () => logger,
};

async function stopHere(point: 'claimed' | 'created') {
  if (config.stopAt !== point) return;
  fs.writeFileSync(config.markerFile!, point);
  await new Promise(() => {}); // until killed
}

async function main() {
  const knex = knexFactory(config.database);
  const stores = DatabaseKargoStores.fromKnex(knex);
  const catalog = DefinitionCatalog.fromManifests(
    parseManifests({ source: 'shop.yaml', text: config.manifests }),
  );
  const definitions = { getCatalog: async () => catalog };
  // The claim as the store makes it, then (when asked) a stop inside the transaction that creates the promotion.
  const claim = stores.autoPromotions.claim.bind(stores.autoPromotions);
  stores.autoPromotions.claim = async (options, transaction) => {
    const claimed = await claim(options, transaction);
    if (claimed) await stopHere('claimed');
    return claimed;
  };
  const service = PromotionService.create({
    stores,
    definitions,
    auditor: {
      createEvent: async () => ({
        success: async () => {},
        fail: async () => {},
      }),
    },
  });
  const promoter = AutoPromoter.create({
    stores,
    definitions,
    promotions: {
      autoPromote: async request => {
        const promotion = await service.autoPromote(request);
        await stopHere('created');
        return promotion;
      },
      autoRollback: async request => {
        const promotion = await service.autoRollback(request);
        await stopHere('created');
        return promotion;
      },
    },
    logger,
  });
  for (let pass = 0; pass < 3; pass++) {
    for (const p of await promoter.promoteProject('shop')) {
      console.log(
        `created ${p.stage} ${p.freight} ${p.rollback ?? false} ${p.id}`,
      );
    }
    await new Promise(resolve => setTimeout(resolve, 100));
  }
  await knex.destroy();
}

main().then(
  () => process.exit(0),
  error => {
    console.error(error);
    process.exit(1);
  },
);
