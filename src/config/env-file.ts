import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import { projectRoot } from '../paths.js';

let loaded = false;

/**
 * Reads `.env` once, if there is one, from the project folder (`projectFolder`). Variables already
 * set win.
 */
export function loadEnvFile(cwd = process.cwd()): void {
  if (loaded) return;
  loaded = true;
  const file = path.join(projectFolder(cwd), '.env');
  if (fs.existsSync(file)) dotenv.config({ path: file, quiet: true });
}

/**
 * Where settings and the embedded database live: the working directory or, as python-dotenv's
 * `load_dotenv()` in the original's env.py found its `.env`, the nearest folder above it holding a
 * `.env` or a `package.json` (a project's root). So `cd src && expireeye db upgrade head` uses the
 * project's database rather than silently making a new SQLite database in `src/`. Outside any
 * project (`cd /tmp && /srv/expireeye/bin/expireeye.js db upgrade head`) it is ExpireEye's own
 * folder, whose migrations the command runs — not a new database in whatever folder one stood in.
 */
export function projectFolder(cwd = process.cwd()): string {
  for (let dir = path.resolve(cwd); ; dir = path.dirname(dir)) {
    if (fs.existsSync(path.join(dir, '.env')) || fs.existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return projectRoot;
  }
}
