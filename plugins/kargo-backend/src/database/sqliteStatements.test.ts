import knexFactory, { Knex } from 'knex';
import { reuseSqliteStatements } from './sqliteStatements';

describe('reuseSqliteStatements', () => {
  let knex: Knex;
  let prepared: string[];

  beforeEach(async () => {
    knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: ':memory:' },
      useNullAsDefault: true,
    });
    // The driver's own prepare, spied on before the connection is first used by a query.
    const connection = await knex.client.acquireConnection();
    prepared = [];
    const prepare = connection.prepare.bind(connection);
    connection.prepare = (sql: string) => {
      prepared.push(sql);
      return prepare(sql);
    };
    await knex.client.releaseConnection(connection);
    await knex.schema.createTable('t', table => {
      table.integer('n');
      table.string('s');
    });
  });

  afterEach(() => knex.destroy());

  it('prepares a SQL text once and runs it again with other bindings', async () => {
    reuseSqliteStatements(knex, 2);
    prepared.length = 0;
    for (let n = 1; n <= 3; n++) await knex('t').insert({ n, s: `s${n}` });
    expect(await knex('t').where('n', '>', 1).orderBy('n')).toEqual([
      { n: 2, s: 's2' },
      { n: 3, s: 's3' },
    ]);
    expect(await knex('t').where('n', '>', 2).orderBy('n')).toEqual([
      { n: 3, s: 's3' },
    ]);
    expect(prepared).toEqual([
      'insert into `t` (`n`, `s`) values (?, ?)',
      'select * from `t` where `n` > ? order by `n` asc',
    ]);
  });

  it('keeps the most recently used statements, and prepares again one it dropped', async () => {
    reuseSqliteStatements(knex, 2);
    prepared.length = 0;
    const a = () => knex('t').where({ n: 1 });
    const b = () => knex('t').where({ s: 'x' });
    const c = () => knex('t').whereNull('s');
    await a();
    await b();
    await a(); // a is the most recently used: b is dropped for c
    await c();
    await a();
    await b();
    expect(prepared).toEqual([
      'select * from `t` where `n` = ?',
      'select * from `t` where `s` = ?',
      'select * from `t` where `s` is null',
      'select * from `t` where `s` = ?',
    ]);
  });

  it('serves transactions on the same connection, and their rollbacks', async () => {
    reuseSqliteStatements(knex);
    await knex('t').insert({ n: 1 });
    await knex.transaction(async tx => {
      await tx('t').insert({ n: 2 });
      expect(await tx('t').count({ c: '*' })).toEqual([{ c: 2 }]);
    });
    await expect(
      knex.transaction(async tx => {
        await tx('t').insert({ n: 3 });
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    expect(await knex('t').orderBy('n').pluck('n')).toEqual([1, 2]);
    expect(
      prepared.filter(sql => sql === 'insert into `t` (`n`) values (?)'),
    ).toHaveLength(1);
  });

  it('leaves other databases alone', () => {
    const pg = knexFactory({ client: 'pg' });
    const query = (pg.client as { _query: unknown })._query;
    reuseSqliteStatements(pg);
    expect((pg.client as { _query: unknown })._query).toBe(query);
  });
});
