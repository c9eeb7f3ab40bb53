import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

/**
 * Runs a CommonJS bundle the CLI ships (a database driver, bundled apart by
 * scripts/bundle-cli.mjs) through V8's code cache, and returns its `module.exports`.
 *
 * Why: V8 compiling mysql2 (1.1 MB) on every command was the largest single start-up cost of a
 * MySQL command — ~25 ms to load and connect, against ~13 ms from the cache (bench/README.md).
 * Node 20 offers no compile cache for ES modules (`module.enableCompileCache` is Node 22), but
 * `vm.Script` takes V8's `cachedData` for a script, which a CommonJS bundle is.
 *
 * The cache sits next to the bundle, named for Node's version and architecture. It is written once,
 * when the process exits, after the driver has connected and queried, so that it holds the
 * functions V8 compiled lazily as well. V8 refuses a cache made by another V8 or with other flags
 * (the script then compiles as usual and the cache is written again); the bundle's name carries
 * its content hash and the build deletes the folder, so a cache never outlives its source.
 * Writing is best effort: an installation the user cannot write to runs uncached.
 */
export function requireWithCodeCache(bundle: URL): unknown {
  const file = fileURLToPath(bundle);
  const cacheFile = `${file}.${process.version}-${process.arch}.v8cache`;
  let cachedData: Buffer | undefined;
  try {
    cachedData = fs.readFileSync(cacheFile);
  } catch {
    // No cache yet: written at exit.
  }
  const source = fs.readFileSync(file, 'utf8');
  // Node's own CommonJS wrapper, so the bundle sees what require() would give it.
  const script = new vm.Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, {
    filename: file,
    cachedData,
  });
  if (!cachedData || script.cachedDataRejected) {
    process.once('exit', () => {
      const temporary = `${cacheFile}.${process.pid}`;
      try {
        fs.writeFileSync(temporary, script.createCachedData());
        fs.renameSync(temporary, cacheFile); // whole or absent, with processes exiting together
      } catch {
        try {
          fs.rmSync(temporary, { force: true });
        } catch {
          // Nothing was written.
        }
      }
    });
  }
  const module = { exports: {} as unknown };
  const wrapper = script.runInThisContext() as (...args: unknown[]) => void;
  wrapper(module.exports, createRequire(file), module, file, path.dirname(file));
  return module.exports;
}
