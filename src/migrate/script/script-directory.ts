import fs from 'node:fs';
import path from 'node:path';
import { ModuleLoader, type RevisionModule, type SourceFile } from './module-loader.js';
import type { Revision } from './revision.js';
import {
  docComment,
  parseRevisionHeader,
  renderRevisionFile,
  type TemplateInput,
  toRevision,
} from './revision-file.js';
import { RevisionMap } from './revision-map.js';

export class ScriptError extends Error {}

/**
 * A revision file: any `.ts`, `.mjs` or `.js` name, as any `.py` is to Alembic, so a slug with
 * accents (`slugify` keeps letters of every script) or a file renamed by hand is never skipped
 * silently. Not: declaration files, or names starting with `.` or `_` (an editor's `.#lock`, `__init__`).
 */
const REVISION_FILE = /^(?![._])(?!.*\.d\.ts$).+\.(ts|mjs|js)$/u;

/**
 * The migrations folder: `versions/` holding one file per revision. Reads headers statically and
 * imports a module only when its upgrade or downgrade is about to run.
 */
export class ScriptDirectory {
  readonly versionsDir: string;
  private readonly loader: ModuleLoader;
  private cachedMap?: RevisionMap;
  /** Every revision file's text by path (in file-name order), read once by `revisions()`. */
  private sources = new Map<string, SourceFile>();

  constructor(
    readonly dir: string,
    /** The module specifier revision files import `Operations` from (type-only). */
    readonly importPath = 'expireeye/migrate',
  ) {
    this.versionsDir = path.join(dir, 'versions');
    this.loader = new ModuleLoader(path.join(dir, '__cache__'));
  }

  async revisions(): Promise<Revision[]> {
    let names: string[];
    try {
      names = fs.readdirSync(this.versionsDir).filter((n) => REVISION_FILE.test(n));
    } catch {
      throw new ScriptError(
        `Path doesn't exist: '${this.versionsDir}'. The scripts folder keeps its revision files there: create it, or set the script location to the right folder.`,
      );
    }
    names.sort();
    // All read first: importing any one module builds the cache for the whole folder.
    this.sources = new Map(
      names.map((name) => {
        const file = path.join(this.versionsDir, name);
        return [file, { path: file, source: fs.readFileSync(file, 'utf8') }];
      }),
    );
    const out: Revision[] = [];
    for (const file of this.sources.values()) {
      const header = parseRevisionHeader(file.source);
      out.push(header ? toRevision(header, file.path) : await this.revisionFromModule(file));
    }
    return out;
  }

  private load(file: SourceFile): Promise<RevisionModule> {
    return this.loader.load(file, () => [...this.sources.values()]);
  }

  private async revisionFromModule(source: SourceFile): Promise<Revision> {
    const file = source.path;
    const mod = await this.load(source);
    if (typeof mod.revision !== 'string') {
      throw new ScriptError(`Could not determine revision id from filename ${path.basename(file)}`);
    }
    const list = (v: string | string[] | null | undefined) => (v == null ? [] : Array.isArray(v) ? v : [v]);
    const header = {
      revision: mod.revision,
      downRevisions: list(mod.downRevision),
      branchLabels: list(mod.branchLabels),
      dependsOn: list(mod.dependsOn),
      doc: docComment(source.source),
    };
    return toRevision(header, file);
  }

  async map(): Promise<RevisionMap> {
    if (!this.cachedMap) this.cachedMap = new RevisionMap(await this.revisions());
    return this.cachedMap;
  }

  /** Forget the cached map (after writing a new revision file). */
  invalidate(): void {
    this.cachedMap = undefined;
  }

  async module(rev: Revision): Promise<RevisionModule> {
    if (this.sources.size === 0) await this.map();
    const file = this.sources.get(rev.path) ?? {
      path: rev.path,
      source: fs.readFileSync(rev.path, 'utf8'),
    };
    const mod = await this.load(file);
    if (typeof mod.upgrade !== 'function' || typeof mod.downgrade !== 'function') {
      throw new ScriptError(`Revision file ${rev.path} must export upgrade() and downgrade()`);
    }
    return mod;
  }

  /** Writes a new revision file; returns its path. */
  writeRevision(input: Omit<TemplateInput, 'importPath'>, slug: string): string {
    fs.mkdirSync(this.versionsDir, { recursive: true });
    const file = path.join(this.versionsDir, `${input.revision}_${slug}.ts`);
    if (fs.existsSync(file)) throw new ScriptError(`File ${file} already exists`);
    fs.writeFileSync(file, renderRevisionFile({ ...input, importPath: this.importPath }));
    this.invalidate();
    return file;
  }
}
