#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, produced by tsc) into dist/cli/ with esbuild.
// Why: Kysely alone is ~280 ES modules, and resolving them costs a CLI command ~140 ms before it
// does anything. Bundled, and split so that commands which never touch a database (history,
// heads, show, revision) don't load Kysely or a driver at all, `history` starts in ~30 ms over a
// bare `node`. The server and the tests keep running the plain tsc output in dist/src.
//
// The database drivers (mysql2, pg) are bundled apart, as CommonJS files in dist/cli/vendor/ that
// the CLI runs through V8's code cache (src/cli/code-cached-require.ts): Node 20 has no compile
// cache for ES modules, and compiling mysql2 was the largest start-up cost of a MySQL command.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
const outdir = path.join(root, 'dist/cli');
// Chunk names carry content hashes: start clean so stale chunks (and code caches) do not pile up.
fs.rmSync(outdir, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  logLevel: 'warning',
};

/** Each driver as one CommonJS file named for its content: its code cache is named after it. */
const drivers = {};
for (const name of ['mysql2', 'pg']) {
  const result = await build({
    ...common,
    stdin: { contents: `module.exports = require('${name}');`, resolveDir: root },
    format: 'cjs',
    // pg's optional native binding is required only when `pg.native` is read.
    external: ['pg-native'],
    write: false,
    outfile: 'driver.cjs',
  });
  const code = result.outputFiles[0].contents;
  const file = `${name}-${createHash('sha256').update(code).digest('hex').slice(0, 12)}.cjs`;
  fs.mkdirSync(path.join(outdir, 'vendor'), { recursive: true });
  fs.writeFileSync(path.join(outdir, 'vendor', file), code);
  drivers[name] = file;
}

const loader = path.join(root, 'dist/src/cli/code-cached-require.js');
/** `import('mysql2')` and `import('pg')` in the CLI load the CommonJS bundles above. */
const driversThroughCodeCache = {
  name: 'drivers-through-code-cache',
  setup(b) {
    b.onResolve({ filter: /^(mysql2|pg)$/ }, (args) => ({ path: args.path, namespace: 'driver' }));
    b.onLoad({ filter: /.*/, namespace: 'driver' }, (args) => ({
      resolveDir: root,
      contents:
        `import { requireWithCodeCache } from ${JSON.stringify(loader)};\n` +
        `export default requireWithCodeCache(new URL(${JSON.stringify(`./vendor/${drivers[args.path]}`)}, import.meta.url));\n`,
    }));
  },
};

await build({
  ...common,
  entryPoints: [path.join(root, 'dist/src/cli/main.js')],
  outdir,
  splitting: true,
  format: 'esm',
  // Native addon, optional native pg, and the revision-file transformer (loaded only on a cache miss).
  external: ['better-sqlite3', 'pg-native', 'sucrase'],
  plugins: [driversThroughCodeCache],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __ee_cr } from 'node:module'; const require = __ee_cr(import.meta.url);",
  },
});
