import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import vm from 'node:vm';
import type { Operations } from '../operations/operations.js';

export interface RevisionModule {
  revision?: string;
  downRevision?: string | string[] | null;
  branchLabels?: string[] | null;
  dependsOn?: string[] | null;
  upgrade(op: Operations): Promise<void> | void;
  downgrade(op: Operations): Promise<void> | void;
}

/** A revision file's text, as the script directory read it. */
export interface SourceFile {
  path: string;
  source: string;
}

type Factory = (exports: Record<string, unknown>, module: { exports: Record<string, unknown> }) => void;

const PACK = /^pack\.[0-9a-f]{16}\.mjs$/;
/** A revision's own cached module: `<file name>.<content hash>.mjs`. */
const CACHED = /^[0-9a-zA-Z_]+\.([0-9a-f]{16})\.mjs$/;
/** Cache files other processes may still be importing are kept this long after being replaced. */
const STALE_MS = 3_600_000;

const hashOf = (source: string) => createHash('sha1').update(source).digest('hex').slice(0, 16);

/**
 * Imports TypeScript revision files without a TypeScript compiler start-up: the type syntax is
 * stripped by Sucrase (pure JavaScript, loaded only when something must be transformed) and the
 * result cached by content hash in `__cache__/` beside the versions folder, as Alembic caches
 * bytecode in `__pycache__`; an edited file is picked up at once.
 *
 * Importing is the dominant cost of a run over many revisions (each ES module is resolved, read,
 * compiled, linked and evaluated on its own: ~0.3 ms apiece), so the self-contained revisions —
 * those that import nothing at run time, which is what the template produces — are cached
 * together as one "pack" module: one file to import for the whole folder, and each revision's
 * code a function evaluated only when that revision is used. A revision that imports modules
 * (a data migration using the app's code, say) is cached and imported as an ES module of its own.
 */
export class ModuleLoader {
  private transforms?: typeof import('sucrase');
  private pack?: Promise<Map<string, Factory>>;
  private readonly evaluated = new Map<string, RevisionModule>();

  constructor(private readonly cacheDir: string) {}

  /**
   * Imports one revision. `all` is every revision file of the folder (the pack covers them all,
   * so that any subset of revisions is served by the same pack).
   */
  async load(file: SourceFile, all: () => SourceFile[]): Promise<RevisionModule> {
    if (!file.path.endsWith('.ts')) return import(pathToFileURL(file.path).href);
    const hash = hashOf(file.source);
    const done = this.evaluated.get(hash);
    if (done) return done;
    this.pack ??= this.loadPack(all().filter((f) => f.path.endsWith('.ts')));
    const factory = (await this.pack).get(hash);
    if (!factory) return this.loadAlone(file, hash);
    const module = { exports: {} as Record<string, unknown> };
    factory(module.exports, module);
    const mod = module.exports as unknown as RevisionModule;
    this.evaluated.set(hash, mod);
    return mod;
  }

  /** The folder's pack: content hash → factory of each self-contained revision. */
  private async loadPack(files: SourceFile[]): Promise<Map<string, Factory>> {
    // One source per content hash (identical files are one module).
    const byHash = new Map(files.map((f) => [hashOf(f.source), f]));
    const hashes = [...byHash.keys()].sort();
    const target = path.join(this.cacheDir, `pack.${hashOf(hashes.join('\n'))}.mjs`);
    let url = pathToFileURL(target).href;
    if (!fs.existsSync(target)) {
      const text = await this.renderPack(target, byHash);
      try {
        writeAtomically(target, text);
        this.prune(target, new Set(hashes));
      } catch (e) {
        if (!isUnwritable(e)) throw e;
        // A read-only deployment: the pack imports nothing, so it runs as well from memory.
        url = `data:text/javascript;base64,${Buffer.from(text).toString('base64')}`;
      }
    }
    const { modules } = (await import(url)) as { modules: Record<string, Factory> };
    return new Map(Object.entries(modules));
  }

  private async renderPack(target: string, byHash: ReadonlyMap<string, SourceFile>): Promise<string> {
    const { transform } = await this.sucrase();
    const entries: string[] = [];
    for (const [hash, file] of byHash) {
      const code = selfContained(
        transform(file.source, {
          transforms: ['typescript', 'imports'],
          disableESTransforms: true,
          filePath: file.path,
        }).code,
      );
      if (code !== undefined)
        entries.push(`${JSON.stringify(hash)}: function (exports, module) {\n${code}\n}`);
    }
    return (
      `// ExpireEye migration cache: the self-contained revisions of ${path.basename(path.dirname(target))}/../versions,\n` +
      `// type syntax stripped, keyed by content hash. Generated; delete freely.\n` +
      `export const modules = {\n${entries.join(',\n')}\n};\n`
    );
  }

  /** An ES module of its own, for a revision that imports others. */
  private async loadAlone(file: SourceFile, hash: string): Promise<RevisionModule> {
    const target = path.join(this.cacheDir, `${path.basename(file.path, '.ts')}.${hash}.mjs`);
    if (!fs.existsSync(target)) {
      const { transform } = await this.sucrase();
      const code = transform(file.source, { transforms: ['typescript'], disableESTransforms: true }).code;
      try {
        writeAtomically(target, code);
      } catch (e) {
        if (!isUnwritable(e)) throw e;
        // Its imports resolve relative to the cache folder: it cannot run from memory.
        throw new Error(
          `cannot write the revision cache ${target} (${(e as NodeJS.ErrnoException).code}): make ` +
            `${this.cacheDir} writable, or fill it where it is (any \`upgrade ... --sql\` over the revisions does)`,
        );
      }
    }
    const mod = (await import(pathToFileURL(target).href)) as RevisionModule;
    this.evaluated.set(hash, mod);
    return mod;
  }

  /**
   * After a change: deletes what the current files no longer use — replaced packs, and modules of
   * edited or deleted revisions — once over an hour old (a process started before may still import
   * one).
   */
  private prune(keep: string, current: ReadonlySet<string>): void {
    const now = Date.now();
    for (const name of fs.readdirSync(this.cacheDir)) {
      const file = path.join(this.cacheDir, name);
      if (file === keep) continue;
      const own = CACHED.exec(name);
      if (!PACK.test(name) && !(own && !current.has(own[1]!))) continue;
      try {
        if (now - fs.statSync(file).mtimeMs > STALE_MS) fs.rmSync(file, { force: true });
      } catch {
        // Removed by another process meanwhile.
      }
    }
  }

  private async sucrase(): Promise<typeof import('sucrase')> {
    this.transforms ??= await import('sucrase');
    return this.transforms;
  }
}

/**
 * The CommonJS body of a revision if it can live in the pack: it requires nothing (type-only
 * imports are gone by now), does not use `import.meta`, and compiles as a function body (no
 * top-level await). Otherwise undefined.
 */
function selfContained(code: string): string | undefined {
  if (/\brequire\s*\(|\bimport\s*\.\s*meta\b|\bimport\s*\(/.test(code)) return undefined;
  try {
    new vm.Script(`(function (exports, module) {\n${code}\n})`);
  } catch {
    return undefined;
  }
  return code;
}

function isUnwritable(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException).code;
  return code === 'EROFS' || code === 'EACCES' || code === 'EPERM';
}

/** Concurrent processes never import a half-written file. */
function writeAtomically(target: string, text: string): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = `${target}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, text);
  fs.renameSync(tmp, target);
}
