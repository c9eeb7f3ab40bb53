import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Operations } from '../operations/operations.js';

export interface RevisionModule {
  revision?: string;
  downRevision?: string | string[] | null;
  branchLabels?: string[] | null;
  dependsOn?: string[] | null;
  upgrade(op: Operations): Promise<void> | void;
  downgrade(op: Operations): Promise<void> | void;
}

/**
 * Imports TypeScript revision files without a TypeScript compiler start-up: the type syntax is
 * stripped by Sucrase (a few milliseconds, pure JavaScript) and the result cached by content hash
 * in `__cache__/` beside the versions folder (Alembic's `__pycache__`), so a file is transformed
 * once and an edited file is picked up at once.
 */
export class ModuleLoader {
  private transform?: (code: string) => string;

  constructor(private readonly cacheDir: string) {}

  async load(file: string): Promise<RevisionModule> {
    if (file.endsWith('.js') || file.endsWith('.mjs')) return import(pathToFileURL(file).href);
    const source = fs.readFileSync(file, 'utf8');
    const hash = createHash('sha1').update(source).digest('hex').slice(0, 16);
    const target = path.join(this.cacheDir, `${path.basename(file, '.ts')}.${hash}.mjs`);
    if (!fs.existsSync(target)) {
      const code = (await this.transformer())(source);
      fs.mkdirSync(this.cacheDir, { recursive: true });
      const tmp = `${target}.${process.pid}.tmp`;
      fs.writeFileSync(tmp, code);
      fs.renameSync(tmp, target); // atomic: concurrent processes never import a half-written file
    }
    return import(pathToFileURL(target).href);
  }

  private async transformer(): Promise<(code: string) => string> {
    if (!this.transform) {
      const { transform } = await import('sucrase');
      this.transform = (code) =>
        transform(code, { transforms: ['typescript'], disableESTransforms: true }).code;
    }
    return this.transform;
  }
}
