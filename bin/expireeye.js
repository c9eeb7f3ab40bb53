#!/usr/bin/env node
// Thin launcher: the CLI runs from the compiled JavaScript in dist/ so that no TypeScript
// compiler is paid for on each command. `npm run build` (also run by `npm start`/`npm test`
// and by `prepare` on install) produces it.
import('../dist/src/cli/main.js').then((m) => m.main(process.argv.slice(2)));
