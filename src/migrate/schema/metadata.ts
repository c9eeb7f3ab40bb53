import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { assertForeignKeyTargets, MetadataError } from './foreign-key-targets.js';
import { type Model, tablesDefinedIn } from './model.js';
import { editableFile, filesUnder } from './model-files.js';
import type { SchemaDef } from './types.js';

/**
 * The registered models: Alembic's `target_metadata`. Validates that every foreign key points at a
 * registered table's primary key or unique columns (foreign-key-targets.ts), and can prove that no model file was left unregistered — the
 * "autogenerate detects no changes" trap of a model nobody imported.
 */
export interface Metadata<Models extends readonly Model[] = readonly Model[]> {
  readonly models: Models;
  schema(): SchemaDef;
  /**
   * Imports every module under `dir`, subfolders included (or only `files`, paths of modules
   * relative to `dir`), and fails, naming the file and the model, when one exports a model that is
   * not registered here. The file named is the source the module was compiled from, when its
   * source map leads to one: that is the file to edit.
   */
  assertAllRegistered(dir: string, files?: readonly string[]): Promise<void>;
}

export { MetadataError };

export function defineMetadata<const Models extends readonly Model[]>(models: Models): Metadata<Models> {
  const byName = new Map<string, Model>();
  for (const m of models) {
    if (byName.has(m.name)) throw new MetadataError(`Table '${m.name}' is registered twice`);
    byName.set(m.name, m);
  }
  assertForeignKeyTargets({ tables: models.map((m) => m.table) });
  const registered = new Set<Model>(models);
  return {
    models,
    schema: () => ({ tables: models.map((m) => structuredClone(m.table)) }),
    async assertAllRegistered(dir: string, only?: readonly string[]) {
      const isModule = (f: string) => /\.(js|mjs|ts)$/.test(f) && !f.endsWith('.d.ts');
      const files = (only ?? filesUnder(dir, isModule))
        .filter(isModule)
        .filter((f) => !f.endsWith('.ts') || !fs.existsSync(path.join(dir, f.replace(/\.ts$/, '.js'))));
      for (const file of files) {
        const full = path.join(dir, file);
        const mod: Record<string, unknown> = await import(pathToFileURL(full).href);
        for (const [exportName, value] of Object.entries(mod)) {
          for (const [where, model] of modelsIn(value, exportName)) {
            if (registered.has(model)) continue;
            throw new MetadataError(
              `Model '${model.name}' (export ${where} of ${editableFile(full)}) is not registered in the metadata; add it to the models list or autogenerate will not see it`,
            );
          }
        }
        // Defined there but neither exported nor registered: a forgotten `export`.
        for (const model of tablesDefinedIn(full)) {
          if (registered.has(model)) continue;
          throw new MetadataError(
            `Model '${model.name}' (defined in ${editableFile(full)}, not exported) is not registered in the metadata; export it and add it to the models list or autogenerate will not see it`,
          );
        }
      }
    },
  };
}

/**
 * The models an export holds: itself, or in the arrays and plain objects it is made of (a module
 * may export its tables as a list, `export const billingModels = [invoices, lines]`, as the
 * registry does), with where each was found (`billingModels[1]`).
 */
function* modelsIn(value: unknown, where: string, depth = 0): Generator<[string, Model]> {
  if (isModel(value)) {
    yield [where, value];
    return;
  }
  if (depth >= 4 || typeof value !== 'object' || value === null) return;
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) yield* modelsIn(v, `${where}[${i}]`, depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return;
  for (const [k, v] of Object.entries(value)) yield* modelsIn(v, `${where}.${k}`, depth + 1);
}

function isModel(v: unknown): v is Model {
  return typeof v === 'object' && v !== null && 'table' in v && 'columns' in v && 'name' in v;
}
