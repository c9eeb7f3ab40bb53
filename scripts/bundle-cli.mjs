#!/usr/bin/env node
// Bundles the compiled CLI (dist/src/cli/main.js, produced by tsc) into dist/cli/ with esbuild.
// Why: Kysely alone is ~280 ES modules, and resolving them costs a CLI command ~140 ms before it
// does anything. Bundled, and split so that commands which never touch a database (history,
// heads, show, revision) don't load Kysely or a driver at all, `history` starts in ~30 ms over a
// bare `node`. The server and the tests keep running the plain tsc output in dist/src.
import fs from 'node:fs';
import path from 'node:path';
import { build } from 'esbuild';

const root = path.resolve(import.meta.dirname, '..');
// Chunk names carry content hashes: start clean so stale chunks do not pile up.
fs.rmSync(path.join(root, 'dist/cli'), { recursive: true, force: true });
await build({
  entryPoints: [path.join(root, 'dist/src/cli/main.js')],
  outdir: path.join(root, 'dist/cli'),
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  minifyWhitespace: true,
  minifySyntax: true,
  // Native addon, optional native pg, and the revision-file transformer (loaded only on a cache miss).
  external: ['better-sqlite3', 'pg-native', 'sucrase'],
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __ee_cr } from 'node:module'; const require = __ee_cr(import.meta.url);",
  },
  logLevel: 'warning',
});
