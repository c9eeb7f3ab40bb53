import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { promisify } from 'node:util';
import { DIALECTS, type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { scratchScripts, writeRevision } from '../support/engine.js';

const run = promisify(execFile);
const PROJECT = path.resolve(import.meta.dirname, '..', '..', '..');
const DRIVER = { mysql: 'mysql2', postgres: 'pg' } as const;

/**
 * The CLI runs the database drivers, bundled as CommonJS, through V8's code cache
 * (src/cli/code-cached-require.ts). Each test runs a copy of the built CLI, so that the cache it
 * writes is its own: written by the first command, used (not written again) by the next, and
 * replaced when V8 refuses it — a damaged cache never stops a command.
 */
for (const dialect of DIALECTS.filter((d) => d !== 'sqlite')) {
  describe(`the ${DRIVER[dialect]} code cache (${dialect})`, () => {
    let db: ScratchDatabase;
    let scripts: ReturnType<typeof scratchScripts>;
    let copy: string;
    before(async () => {
      db = await scratchDatabase(dialect);
      scripts = scratchScripts();
      writeRevision(scripts.dir, { id: 'aa0000000001', message: 'one' });
      copy = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-cli-copy-'));
      fs.cpSync(path.join(PROJECT, 'bin'), path.join(copy, 'bin'), { recursive: true });
      fs.cpSync(path.join(PROJECT, 'dist', 'cli'), path.join(copy, 'dist', 'cli'), {
        recursive: true,
        filter: (source) => !source.endsWith('.v8cache'),
      });
      fs.symlinkSync(path.join(PROJECT, 'node_modules'), path.join(copy, 'node_modules'));
    });
    after(async () => {
      fs.rmSync(copy, { recursive: true, force: true });
      scripts.cleanup();
      await db.drop();
    });

    const vendor = () => path.join(copy, 'dist', 'cli', 'vendor');
    const caches = () =>
      fs.readdirSync(vendor()).filter((f) => f.startsWith(`${DRIVER[dialect]}-`) && f.endsWith('.v8cache'));
    const db_ = (...args: string[]) =>
      run(process.execPath, [path.join(copy, 'bin', 'expireeye.js'), 'db', ...args], {
        env: { ...process.env, DATABASE_URL: db.url, EXPIREEYE_SCRIPT_LOCATION: scripts.dir },
      });

    test('the first command writes the cache, the next uses it, a damaged one is replaced', async () => {
      assert.deepEqual(caches(), []);
      await db_('upgrade', 'head');
      const [cache] = caches();
      assert.ok(cache, `no cache written in ${fs.readdirSync(vendor()).join(', ')}`);
      const file = path.join(vendor(), cache);
      const written = fs.readFileSync(file);
      assert.ok(written.length > 10_000, `a cache of ${written.length} bytes`);

      // Accepted: the command succeeds and leaves the file as it was.
      const mtime = fs.statSync(file).mtimeMs;
      assert.equal((await db_('current')).stdout, 'aa0000000001 (head)\n');
      assert.equal(fs.statSync(file).mtimeMs, mtime);
      assert.deepEqual(fs.readFileSync(file), written);

      // Damaged: V8 refuses it, the driver compiles as usual, and a good cache replaces it.
      fs.writeFileSync(file, Buffer.alloc(4096, 0x5a));
      assert.equal((await db_('current')).stdout, 'aa0000000001 (head)\n');
      const rewritten = fs.readFileSync(file);
      assert.ok(
        rewritten.length > 10_000 && !rewritten.every((b) => b === 0x5a),
        'the damaged cache was kept',
      );
      assert.deepEqual(caches(), [cache], 'one cache file, no temporary left behind');
    });
  });
}
