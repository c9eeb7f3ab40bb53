import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The project root, whether running from src/ (tests, tsx) or from compiled dist/src/. */
const here = path.dirname(fileURLToPath(import.meta.url));
export const projectRoot = here.includes(`${path.sep}dist${path.sep}`)
  ? path.resolve(here, '..', '..')
  : path.resolve(here, '..');
