import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { migrateToHead } from '../support/app.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { insertUser } from '../support/inventory-rows.js';

// SQLite keeps whatever a column is given: a timestamp written by hand or by another program may
// be a number (Unix time, as SQLite's own 'unixepoch' reads it) where the application writes text.
describe('SQLite timestamps stored as numbers', () => {
  let scratch: ScratchDatabase;
  let database: AppDatabase;
  before(async () => {
    scratch = await scratchDatabase('sqlite');
    await migrateToHead(scratch);
    database = await openDatabase(scratch.parsed);
  });
  after(async () => {
    await database.destroy();
    await scratch.drop();
  });

  test('come back as the Date they mean: Unix seconds, or milliseconds when that large', async () => {
    const user = await insertUser(database, 'numbers');
    for (const [stored, meant] of [
      [1764237600, '2025-11-27T10:00:00Z'],
      [1764237600123, '2025-11-27T10:00:00.123Z'],
    ] as const) {
      await sql`update users set created_at = ${stored} where id = ${user.id}`.execute(database.db);
      const row = await database.db
        .selectFrom('users')
        .select('created_at')
        .where('id', '=', user.id)
        .executeTakeFirstOrThrow();
      assert.deepEqual(row.created_at, new Date(meant), String(stored));
    }
  });
});
