import fs from 'node:fs';
import path from 'node:path';

/**
 * The files of a models folder, and the source a compiled one came from: what the registration
 * check walks and names. Models are often grouped in subfolders (`models/billing/invoice.ts`); a
 * check that read only the top level let an unregistered model there pass as "no changes".
 */

/**
 * Every file under `dir` whose name passes `accept`, as paths relative to `dir`, subfolders
 * included, sorted. Dot-folders and node_modules are not models.
 */
export function filesUnder(dir: string, accept: (name: string) => boolean): string[] {
  const out: string[] = [];
  const walk = (rel: string) => {
    for (const entry of fs.readdirSync(path.join(dir, rel), { withFileTypes: true })) {
      const child = rel ? path.join(rel, entry.name) : entry.name;
      if (entry.isDirectory()) {
        if (!entry.name.startsWith('.') && entry.name !== 'node_modules') walk(child);
      } else if (accept(entry.name)) out.push(child);
    }
  };
  walk('');
  return out.sort();
}

/**
 * The file a user edits for a compiled module: the first source its source map names (tsc writes
 * `x.js.map` beside `x.js`), when that file exists; otherwise the module itself. Named in errors,
 * relative to the working directory when it lies inside it.
 */
export function editableFile(compiled: string): string {
  const source = mappedSource(compiled) ?? compiled;
  const rel = path.relative(process.cwd(), source);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? rel : source;
}

function mappedSource(compiled: string): string | undefined {
  const map = `${compiled}.map`;
  try {
    const parsed = JSON.parse(fs.readFileSync(map, 'utf8')) as { sources?: unknown; sourceRoot?: unknown };
    const first = Array.isArray(parsed.sources) ? parsed.sources[0] : undefined;
    if (typeof first !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(first)) return undefined;
    const root = typeof parsed.sourceRoot === 'string' ? parsed.sourceRoot : '';
    const source = path.resolve(path.dirname(map), root, first);
    return fs.existsSync(source) ? source : undefined;
  } catch {
    return undefined; // no map, or not one we can read: name the compiled file
  }
}
