#!/usr/bin/env node
// Runs the compiled test suite with Node's test runner. `npm test` builds and lints first
// (the `pretest` script). Test files run in parallel; each test makes its own databases.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const testDir = path.join(root, 'dist', 'test');
const files = [];
const walk = (dir) => {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) walk(p);
    else if (entry.name.endsWith('.test.js')) files.push(p);
  }
};
walk(testDir);
const filter = process.argv.slice(2);
const selected = filter.length ? files.filter((f) => filter.some((x) => f.includes(x))) : files;
if (selected.length === 0) {
  console.error('no test files matched');
  process.exit(1);
}
const result = spawnSync(
  process.execPath,
  ['--test', '--test-concurrency=3', '--test-reporter=spec', ...selected],
  { stdio: 'inherit', cwd: root },
);
process.exit(result.status ?? 1);
