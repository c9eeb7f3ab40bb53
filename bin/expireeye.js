#!/usr/bin/env node
// Thin launcher: the CLI runs compiled JavaScript, never a TypeScript compiler. `npm run build`
// (run by `npm install`, `npm start` and `npm test`) writes the bundle in dist/cli/; the plain
// tsc output in dist/src/ serves when the bundle is absent.
import { existsSync } from 'node:fs';

const bundle = new URL('../dist/cli/main.js', import.meta.url);
const entry = existsSync(bundle) ? bundle : new URL('../dist/src/cli/main.js', import.meta.url);
import(entry.href).then((m) => m.main(process.argv.slice(2)));
