// The SQLite executor's turns: transactions started together on one connection run one after another, never one inside another.
import Database from 'better-sqlite3';
import { afterEach, expect, it } from 'vitest';
import { SqliteSql } from '../../src/store/sqliteSql.js';

const open: Database.Database[] = [];
afterEach(() => {
  for (const db of open.splice(0)) db.close();
});

it('three transactions started while a fourth runs all commit, each in its own turn, instead of "a transaction within a transaction"', async () => {
  const db = new Database(':memory:');
  open.push(db);
  db.exec('CREATE TABLE t (n INTEGER)');
  const sql = new SqliteSql(db);
  const write = (n: number) =>
    sql.transaction(async (tx) => {
      await tx.run('INSERT INTO t (n) VALUES (?)', [n]);
      await new Promise((resolve) => setImmediate(resolve));
      return n;
    });
  const first = write(0);
  await Promise.resolve();
  expect(await Promise.all([first, write(1), write(2), write(3)])).toEqual([0, 1, 2, 3]);
  expect(db.prepare('SELECT count(*) AS n FROM t').get()).toEqual({ n: 4 });
});
