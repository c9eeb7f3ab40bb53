import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

let loaded = false;

/** Reads `.env` from the working directory once, if present. Variables already set win. */
export function loadEnvFile(cwd = process.cwd()): void {
  if (loaded) return;
  loaded = true;
  const file = path.join(cwd, '.env');
  if (fs.existsSync(file)) dotenv.config({ path: file, quiet: true });
}
