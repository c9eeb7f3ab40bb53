import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { ScriptDirectory } from '../../src/migrate/script/script-directory.js';
import { slugify } from '../../src/migrate/script/slug.js';

const dirs: string[] = [];
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

/** A scripts folder with three revisions: one from the template, one importing a module, one with top-level await. */
function folder(): { dir: string; script: ScriptDirectory; files: string[] } {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-loader-'));
  dirs.push(dir);
  const script = new ScriptDirectory(dir);
  const common = { branchLabels: [], dependsOn: [], createDate: '2026-11-25 00:00:00.000000' };
  const files = [
    script.writeRevision(
      {
        ...common,
        revision: 'aaaaaaaaaaa1',
        downRevisions: [],
        message: 'plain',
        upgrade: ["  await op.execute('SELECT 1');"],
      },
      'plain',
    ),
    script.writeRevision(
      { ...common, revision: 'aaaaaaaaaaa2', downRevisions: ['aaaaaaaaaaa1'], message: 'imports' },
      'imports',
    ),
    script.writeRevision(
      { ...common, revision: 'aaaaaaaaaaa3', downRevisions: ['aaaaaaaaaaa2'], message: 'top level await' },
      'tla',
    ),
  ];
  // A revision that imports at run time, and one that awaits at its top level: ES modules of their own.
  fs.appendFileSync(
    files[1]!,
    "import { createHash } from 'node:crypto';\nexport const digest = createHash('sha1').update('x').digest('hex');\n",
  );
  fs.appendFileSync(files[2]!, 'export const awaited = await Promise.resolve(42);\n');
  return { dir, script, files };
}

const cache = (dir: string) => fs.readdirSync(path.join(dir, '__cache__')).sort();

test('self-contained revisions are served from one pack; the others are imported as modules of their own', async () => {
  const { dir, script } = folder();
  const map = await script.map();
  const [plain, imports, tla] = ['aaaaaaaaaaa1', 'aaaaaaaaaaa2', 'aaaaaaaaaaa3'].map((r) => map.get(r)!);
  const executed: string[] = [];
  const op = { execute: async (s: string) => void executed.push(s) } as never;
  await (await script.module(plain!)).upgrade(op);
  assert.deepEqual(executed, ['SELECT 1']);
  assert.equal(((await script.module(imports!)) as unknown as { digest: string }).digest.length, 40);
  assert.equal(((await script.module(tla!)) as unknown as { awaited: number }).awaited, 42);

  const files = cache(dir);
  const packs = files.filter((f) => f.startsWith('pack.'));
  assert.equal(packs.length, 1, files.join(', '));
  const pack = fs.readFileSync(path.join(dir, '__cache__', packs[0]!), 'utf8');
  assert.match(pack, /SELECT 1/);
  assert.doesNotMatch(pack, /createHash|Promise\.resolve\(42\)/);
  assert.deepEqual(
    files.filter((f) => f.endsWith('.mjs') && !f.startsWith('pack.')).map((f) => f.split('.')[0]),
    ['aaaaaaaaaaa2_imports', 'aaaaaaaaaaa3_tla'],
  );
  // A second process (a new directory object) builds nothing: it imports what is cached.
  const again = new ScriptDirectory(dir);
  const before = files.map((f) => fs.statSync(path.join(dir, '__cache__', f)).mtimeMs);
  await (await again.module((await again.map()).get('aaaaaaaaaaa1')!)).upgrade(op);
  assert.deepEqual(
    cache(dir).map((f) => fs.statSync(path.join(dir, '__cache__', f)).mtimeMs),
    before,
  );
});

test('an edited revision is picked up by the next process; replaced packs are removed once stale', async () => {
  const { dir, script, files } = folder();
  await script.module((await script.map()).get('aaaaaaaaaaa1')!);
  const [first] = cache(dir).filter((f) => f.startsWith('pack.'));
  fs.writeFileSync(files[0]!, fs.readFileSync(files[0]!, 'utf8').replace("'SELECT 1'", "'SELECT 2'"));

  const edited = new ScriptDirectory(dir);
  const executed: string[] = [];
  const op = { execute: async (s: string) => void executed.push(s) } as never;
  await (await edited.module((await edited.map()).get('aaaaaaaaaaa1')!)).upgrade(op);
  assert.deepEqual(executed, ['SELECT 2']);
  // The replaced pack stays a while: a process started before the edit may still import it.
  const packs = cache(dir).filter((f) => f.startsWith('pack.'));
  assert.equal(packs.length, 2);
  assert.ok(packs.includes(first!));

  // Once stale, the next rebuild removes it.
  const hoursAgo = new Date(Date.now() - 2 * 3_600_000);
  fs.utimesSync(path.join(dir, '__cache__', first!), hoursAgo, hoursAgo);
  fs.writeFileSync(files[0]!, fs.readFileSync(files[0]!, 'utf8').replace("'SELECT 2'", "'SELECT 3'"));
  const third = new ScriptDirectory(dir);
  await (await third.module((await third.map()).get('aaaaaaaaaaa1')!)).upgrade(op);
  assert.deepEqual(executed, ['SELECT 2', 'SELECT 3']);
  const now = cache(dir).filter((f) => f.startsWith('pack.'));
  assert.equal(now.length, 2);
  assert.ok(!now.includes(first!));

  // A module of its own whose revision was edited goes too, once stale; an unchanged one stays.
  const own = () => cache(dir).filter((f) => !f.startsWith('pack.'));
  const fourth = new ScriptDirectory(dir);
  const map = await fourth.map();
  await fourth.module(map.get('aaaaaaaaaaa2')!);
  await fourth.module(map.get('aaaaaaaaaaa3')!);
  const [oldImports, tla] = own();
  assert.match(oldImports!, /^aaaaaaaaaaa2_imports\./);
  fs.utimesSync(path.join(dir, '__cache__', oldImports!), hoursAgo, hoursAgo);
  fs.utimesSync(path.join(dir, '__cache__', tla!), hoursAgo, hoursAgo);
  fs.appendFileSync(files[1]!, '// edited\n');
  const fifth = new ScriptDirectory(dir);
  await fifth.module((await fifth.map()).get('aaaaaaaaaaa1')!);
  assert.deepEqual(own(), [tla]);
});

test('a read-only cache folder: the pack runs from memory; a module that imports others says what to do', async () => {
  const { dir, script } = folder();
  const cacheDir = path.join(dir, '__cache__');
  fs.mkdirSync(cacheDir);
  // Immutable even for root (the tests may run as root, for whom permission bits do not count).
  execFileSync('chattr', ['+i', cacheDir]);
  try {
    const map = await script.map();
    const executed: string[] = [];
    const op = { execute: async (s: string) => void executed.push(s) } as never;
    await (await script.module(map.get('aaaaaaaaaaa1')!)).upgrade(op);
    assert.deepEqual(executed, ['SELECT 1']);
    await assert.rejects(script.module(map.get('aaaaaaaaaaa2')!), (e: Error) => {
      assert.match(
        e.message,
        /^cannot write the revision cache .*aaaaaaaaaaa2_imports\.[0-9a-f]{16}\.mjs \(EPERM\): make /,
      );
      assert.match(e.message, /upgrade \.\.\. --sql/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(cacheDir), []);
  } finally {
    execFileSync('chattr', ['-i', cacheDir]);
  }
});

test('any .ts/.mjs/.js file name is a revision file, as any .py is to Alembic: accents, hyphens', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-loader-'));
  dirs.push(dir);
  const script = new ScriptDirectory(dir);
  const common = { branchLabels: [], dependsOn: [], createDate: '2026-11-25 00:00:00.000000' };
  const message = "Vérifier l'adresse e-mail";
  const accented = script.writeRevision(
    {
      ...common,
      revision: 'bbbbbbbbbbb1',
      downRevisions: [],
      message,
      upgrade: ["  await op.execute('SELECT 1');"],
    },
    slugify(message),
  );
  assert.equal(path.basename(accented), 'bbbbbbbbbbb1_vérifier_l_adresse_e_mail.ts');
  // Importing at run time makes it a module of its own, imported from a cache file named after it.
  fs.appendFileSync(
    accented,
    "import { createHash } from 'node:crypto';\nexport const h = createHash('sha1');\n",
  );
  const hyphen = script.writeRevision(
    { ...common, revision: 'bbbbbbbbbbb2', downRevisions: ['bbbbbbbbbbb1'], message: 'renamed by hand' },
    'renamed',
  );
  fs.renameSync(hyphen, path.join(path.dirname(hyphen), 'bbbbbbbbbbb2-renamed-by-hand.ts'));
  // Not revisions: an editor's lock file and a declaration file.
  fs.writeFileSync(path.join(dir, 'versions', '.#bbbbbbbbbbb2-renamed-by-hand.ts'), 'not a revision');
  fs.writeFileSync(path.join(dir, 'versions', 'types.d.ts'), 'export {};\n');

  const map = await script.map();
  assert.deepEqual(map.heads, ['bbbbbbbbbbb2']);
  const executed: string[] = [];
  const op = { execute: async (s: string) => void executed.push(s) } as never;
  await (await script.module(map.get('bbbbbbbbbbb1')!)).upgrade(op);
  assert.deepEqual(executed, ['SELECT 1']);
});
