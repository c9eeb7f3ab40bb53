import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

let loaded = false;

/**
 * Reads `.env` once, if there is one, from the project folder (`projectFolder`). Variables already
 * set win.
 */
export function loadEnvFile(cwd = process.cwd()): void {
  if (loaded) return;
  loaded = true;
  const folder = projectFolder(cwd);
  const file = folder && path.join(folder, '.env');
  if (file && fs.existsSync(file)) dotenv.config({ path: file, quiet: true });
}

/**
 * Where settings and the embedded database live: the working directory or, as python-dotenv's
 * `load_dotenv()` in the original's env.py found its `.env`, the nearest folder above it holding a
 * `.env` or a `package.json` (a project's root). So `cd src && expireeye db upgrade head` uses the
 * project's database rather than silently making a new SQLite database in `src/`. Outside any
 * project there is none (undefined): the embedded default then has nowhere to live — not in
 * whatever folder one stood in, nor in ExpireEye's own folder, which a global install keeps
 * inside node_modules — and asks for DATABASE_URL instead.
 */
export function projectFolder(cwd = process.cwd()): string | undefined {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.env')) || fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return undefined;
  }
}
