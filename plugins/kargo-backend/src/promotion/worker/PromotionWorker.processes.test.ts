import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import knexFactory, { Knex } from 'knex';
import { TestDatabaseId } from '@backstage/backend-test-utils';
import { kargoTestDatabases } from '../../__testUtils__/databases';
import {
  TestProcess,
  killGroup,
  startTestProcess,
} from '../../__testUtils__/testProcesses';
import {
  promotionManifests,
  promotionTestBed,
} from '../../__testUtils__/promotionFixtures';
import type { WorkerProcessConfig } from '../../__testUtils__/promotionWorkerProcess';
import { PromotionRunRow } from '../../database/tables';

// Worker processes against one database: several at once, and one killed with SIGKILL over and over.

jest.setTimeout(180_000);

const databases = kargoTestDatabases();
const postgres = databases
  .eachSupportedId()
  .map(([id]) => id)
  .find(id => id.startsWith('POSTGRES'));
const childScript = 'src/__testUtils__/promotionWorkerProcess.ts';

function startWorker(config: WorkerProcessConfig): TestProcess {
  return startTestProcess(
    childScript,
    { KARGO_TEST_WORKER: JSON.stringify(config) },
    { stdin: 'pipe' },
  );
}

async function within<T>(
  promise: Promise<T>,
  ms: number,
  what: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([
      promise,
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${what}`)),
          ms,
        );
      }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

let tmp: string;
const running: TestProcess[] = [];
const opened: Knex[] = [];
beforeEach(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'kargo-processes-test-'));
});
afterEach(async () => {
  running.splice(0).forEach(killGroup);
  await Promise.all(opened.splice(0).map(k => k.destroy()));
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A database the test and its worker processes share: a PostgreSQL test database, or an SQLite file. */
async function testDatabase(id: TestDatabaseId | 'SQLITE_FILE') {
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
  const bed = await promotionTestBed(knex);
  return { knex, bed, database: knex.client.config as Knex.Config };
}

const describeWithPostgres = postgres ? describe : describe.skip;

describeWithPostgres('promotion workers in several processes', () => {
  it('share one queue: no promotion runs twice, one at a time per stage, oldest first', async () => {
    const { knex, bed, database } = await testDatabase(postgres!);
    await knex.schema.createTable('kargo_test_step_runs', table => {
      table.string('promotion_id').notNullable();
      table.string('stage').notNullable();
      table.string('alias').notNullable();
      table.string('worker_id').notNullable();
      table.bigInteger('started_at').notNullable();
      table.bigInteger('finished_at').nullable();
    });
    const stages = ['s1', 's2', 's3', 's4'];
    const pipeline = {
      stages: Object.fromEntries(
        stages.map(s => [
          s,
          [
            { uses: 'record', as: 'first' },
            { uses: 'record', as: 'second' },
          ],
        ]),
      ),
    };
    const created: string[] = [];
    for (let i = 0; i < 12; i++) {
      for (const stage of stages) created.push((await bed.promote(stage)).id);
    }

    const workers = ['one', 'two'].map(workerId =>
      startWorker({
        database,
        manifests: promotionManifests(pipeline),
        workerId,
        barrier: true,
        stepDelayMs: 15,
        settings: {
          workDir: path.join(tmp, 'work'),
          concurrency: 2,
          leaseMs: 5_000,
          pollIntervalMs: 50,
        },
      }),
    );
    running.push(...workers);
    await within(
      Promise.all(
        workers.map(
          w =>
            new Promise<void>(resolve =>
              w.child.stdout!.on('data', d => {
                if (String(d).includes('ready')) resolve();
              }),
            ),
        ),
      ),
      60_000,
      'the workers to start',
    );
    workers.forEach(w => w.child.stdin!.write('go\n'));
    const codes = await within(
      Promise.all(workers.map(w => w.exited)),
      90_000,
      'the workers to finish',
    );
    expect({ codes, output: workers.flatMap(w => w.output) }).toEqual({
      codes: [0, 0],
      output: ['ready\n', 'ready\n'],
    });

    const runs: Array<{
      promotion_id: string;
      stage: string;
      alias: string;
      worker_id: string;
      started_at: string | number;
      finished_at: string | number;
    }> = await knex('kargo_test_step_runs').orderBy('started_at');
    expect(runs).toHaveLength(created.length * 2);
    const keys = runs.map(r => `${r.promotion_id}/${r.alias}`);
    expect(new Set(keys).size).toBe(keys.length);
    // Both processes took part.
    expect(new Set(runs.map(r => r.worker_id))).toEqual(
      new Set(['one', 'two']),
    );
    for (const stage of stages) {
      const ofStage = runs.filter(r => r.stage === stage);
      // Oldest first...
      const order = ofStage
        .filter(r => r.alias === 'first')
        .map(r => r.promotion_id);
      expect(order).toEqual(
        created.filter((_, i) => stages[i % stages.length] === stage),
      );
      // ... and one at a time: a promotion's steps end before the next promotion's start.
      const overlaps = ofStage.filter(
        (r, i) =>
          i > 0 &&
          r.promotion_id !== ofStage[i - 1].promotion_id &&
          Number(r.started_at) < Number(ofStage[i - 1].finished_at),
      );
      expect(overlaps).toEqual([]);
    }
    const phases = await knex('kargo_promotions').distinct('phase');
    expect(phases).toEqual([{ phase: 'Succeeded' }]);
  });
});

// PostgreSQL, and an SQLite file (the embedded default) that the processes open one after the other.
const crashDatabases: Array<TestDatabaseId | 'SQLITE_FILE'> = [
  ...(postgres ? [postgres] : []),
  'SQLITE_FILE',
];

describe.each(crashDatabases)(
  'a promotion worker process on %p',
  databaseId => {
    it('survives SIGKILL at every step boundary and in the middle of a push: one commit per promotion', async () => {
      const { knex, bed, database } = await testDatabase(databaseId);
      const remote = path.join(tmp, 'remote.git');
      const seed = path.join(tmp, 'seed');
      const git = (cwd: string, ...args: string[]) =>
        execFileSync('git', args, {
          cwd,
          stdio: ['ignore', 'pipe', 'pipe'],
          env: {
            ...process.env,
            GIT_AUTHOR_NAME: 'Test',
            GIT_AUTHOR_EMAIL: 'test@example.com',
            GIT_COMMITTER_NAME: 'Test',
            GIT_COMMITTER_EMAIL: 'test@example.com',
          },
        }).toString();
      git(tmp, 'init', '--bare', '--initial-branch=main', remote);
      git(tmp, 'clone', remote, seed);
      fs.writeFileSync(path.join(seed, 'README.md'), 'gitops\n');
      git(seed, 'add', '-A');
      git(seed, 'commit', '-m', 'initial');
      git(seed, 'push', 'origin', 'HEAD:main', 'HEAD:a', 'HEAD:b');
      // Hooks that stop a push of the chosen promotion before (pre-receive) or after (post-receive) the remote
      // takes it, so that the process pushing can be killed right there.
      for (const hook of ['pre-receive', 'post-receive']) {
        const file = path.join(remote, 'hooks', hook);
        fs.writeFileSync(
          file,
          `#!/bin/sh
while read old new ref; do
  if [ "$KARGO_TEST_PAUSE_HOOK" = "${hook}" ] && [ -n "$KARGO_TEST_PAUSE_PROMOTION" ] &&
     git log -1 --format=%B "$new" | grep -q "Promotion: $KARGO_TEST_PAUSE_PROMOTION"; then
    echo ${hook} > "$KARGO_TEST_MARKER"
    sleep 600
  fi
done
exit 0
`,
        );
        fs.chmodSync(file, 0o755);
      }

      const aliases = ['clone', 'write', 'commit', 'push'];
      const stepsFor = (branch: string) => [
        { uses: 'test-clone', as: 'clone', config: { remote, branch } },
        { uses: 'test-write', as: 'write' },
        { uses: 'test-commit', as: 'commit' },
        { uses: 'test-push', as: 'push', config: { branch } },
      ];
      const manifests = promotionManifests({
        stages: { a: stepsFor('a'), b: stepsFor('b') },
      });
      const created: Array<{ id: string; stage: string }> = [];
      for (let i = 0; i < 3; i++) {
        for (const stage of ['a', 'b']) {
          created.push({ id: (await bed.promote(stage)).id, stage });
        }
      }
      const settings = {
        workDir: path.join(tmp, 'work'),
        concurrency: 1,
        leaseMs: 1_500,
        pollIntervalMs: 100,
        // Each promotion is killed several times here; a real replica gives up sooner.
        maxStepInterruptions: 20,
      };
      const marker = path.join(tmp, 'paused');

      /** The oldest promotion that will still pass `point` (the step it is in runs again after a kill). */
      async function target(point: string): Promise<string | undefined> {
        const index = aliases.indexOf(
          point.endsWith('-receive') ? 'push' : point.split(':')[1],
        );
        const rows: PromotionRunRow[] = await knex('kargo_promotions')
          .whereIn('phase', ['Pending', 'Running'])
          .orderBy([{ column: 'created_at' }, { column: 'id' }]);
        return rows.find(row => {
          const current = Number(row.current_step ?? 0);
          const status = JSON.parse(row.steps)[index]?.status;
          return (
            current < index || (current === index && status !== 'Succeeded')
          );
        })?.id;
      }

      // In the order a promotion passes them: the push is cut short before and after the remote takes it.
      const points = [...aliases.flatMap(a => [`start:${a}`, `end:${a}`])];
      points.splice(
        points.indexOf('end:push'),
        0,
        'pre-receive',
        'post-receive',
      );
      const killed: Array<{ point: string; promotion: string }> = [];
      for (const point of points) {
        const promotion = await target(point);
        if (!promotion) throw new Error(`nothing left to kill at ${point}`);
        const worker = startWorker({
          database,
          manifests,
          workerId: `crashing-${killed.length}`,
          settings,
          pause: { promotion, point },
          markerFile: marker,
        });
        running.push(worker);
        const reached = await within(
          new Promise<boolean>(resolve => {
            const timer = setInterval(() => {
              if (fs.existsSync(marker)) {
                clearInterval(timer);
                resolve(true);
              }
            }, 25);
            worker.exited.then(() => {
              clearInterval(timer);
              resolve(fs.existsSync(marker));
            });
          }),
          60_000,
          `${point} of ${promotion}`,
        );
        if (!reached) {
          throw new Error(
            `the worker ended before ${point} of ${promotion}: ${worker.output.join(
              '',
            )}`,
          );
        }
        killGroup(worker);
        await worker.exited;
        fs.rmSync(marker);
        killed.push({ point, promotion });
      }
      expect(killed.map(k => k.point)).toEqual(points);

      const last = startWorker({
        database,
        manifests,
        workerId: 'survivor',
        settings,
      });
      running.push(last);
      expect(await within(last.exited, 90_000, 'the last worker')).toBe(0);

      const rows: PromotionRunRow[] = await knex('kargo_promotions').orderBy(
        'created_at',
      );
      expect(rows.map(r => [r.id, r.phase])).toEqual(
        created.map(c => [c.id, 'Succeeded']),
      );
      // The killed steps ran again; nothing else did.
      const attempts = rows.flatMap(r =>
        (JSON.parse(r.steps) as Array<{ attempts: number }>).map(
          s => s.attempts,
        ),
      );
      expect(attempts.reduce((a, b) => a + b, 0)).toBe(
        rows.length * aliases.length + killed.length,
      );
      // Exactly one commit per promotion on the remote, each branch in promotion order.
      const messages = git(
        tmp,
        '--git-dir',
        remote,
        'log',
        '--all',
        '--format=%B%x00',
      );
      for (const { id } of created) {
        expect([id, messages.split(`Promotion: ${id}`).length - 1]).toEqual([
          id,
          1,
        ]);
      }
      for (const stage of ['a', 'b']) {
        const log = git(
          tmp,
          '--git-dir',
          remote,
          'log',
          stage,
          '--format=%B%x00',
        )
          .split('\0')
          .map(m => m.match(/Promotion: (\S+)/)?.[1])
          .filter(Boolean)
          .reverse();
        expect(log).toEqual(
          created.filter(c => c.stage === stage).map(c => c.id),
        );
        const history = await bed.stores.stages.getStageHistory({
          project: 'shop',
          stage,
          limit: 10,
        });
        expect(history.map(h => h.promotion).reverse()).toEqual(log);
      }
      expect(fs.readdirSync(settings.workDir)).toEqual([]);
    });
  },
);
