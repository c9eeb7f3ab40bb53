import { spawnSync } from 'node:child_process';
import { accessSync, constants, statSync } from 'node:fs';
import path from 'node:path';
import type { Environment } from '../runtime/environment.js';
import { CommandError } from './errors.js';
import { checkKnownHeads, graph } from './resolve.js';

/** Tried in this order when neither EDITOR nor VISUAL names one that exists (Alembic's list). */
const DEFAULT_EDITORS = ['sensible-editor', 'editor', 'nano', 'vim', 'code'];

function executable(file: string): boolean {
  try {
    if (!statSync(file).isFile()) return false;
    accessSync(file, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function onPath(name: string, environ: NodeJS.ProcessEnv): string | undefined {
  for (const dir of (environ.PATH ?? '').split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, name);
    if (executable(candidate)) return candidate;
  }
  return undefined;
}

/**
 * The command line to edit a file with, as Alembic finds it: EDITOR, then VISUAL (a path, or a
 * name looked up on PATH), then the usual editors. A value with arguments (`code -w`) is run by
 * the shell, as git runs its editor.
 */
function findEditor(environ: NodeJS.ProcessEnv): { command: string; shell: boolean } {
  const candidates = [...DEFAULT_EDITORS];
  let position = 0;
  for (const name of ['EDITOR', 'VISUAL']) {
    const choice = environ[name]?.trim();
    if (!choice) continue;
    if (/\s/.test(choice)) return { command: choice, shell: true };
    if (executable(choice)) return { command: choice, shell: false };
    if (!choice.includes(path.sep)) candidates.splice(position++, 0, choice);
  }
  for (const name of candidates) {
    const found = onPath(name, environ);
    if (found) return { command: found, shell: false };
  }
  throw new CommandError(
    'No suitable editor found. Please set the "EDITOR" or "VISUAL" environment variables',
  );
}

function openInEditor(file: string, environ: NodeJS.ProcessEnv): void {
  const editor = findEditor(environ);
  const result = editor.shell
    ? spawnSync('/bin/sh', ['-c', `${editor.command} "$@"`, editor.command, file], {
        stdio: 'inherit',
        env: environ,
      })
    : spawnSync(editor.command, [file], { stdio: 'inherit', env: environ });
  if (result.error)
    throw new CommandError(`Could not run the editor '${editor.command}': ${result.error.message}`);
  if (result.status !== 0) {
    throw new CommandError(
      `The editor '${editor.command}' exited with status ${result.status ?? result.signal}`,
    );
  }
}

/**
 * `edit REV`: opens the revision file(s) a symbol names — an id or prefix, `head`, `heads`,
 * `label@head`, `current` (the database's) — in the editor, one after the other. Returns the paths.
 */
export async function edit(
  env: Environment,
  target: string,
  environ: NodeJS.ProcessEnv = process.env,
): Promise<string[]> {
  const map = await env.script.map();
  let ids: string[];
  if (target === 'current') {
    env.announce();
    ids = await env.currentHeads();
    if (ids.length === 0) throw new CommandError('No current revisions', true);
    checkKnownHeads(map, ids);
  } else {
    ids = graph(() => map.resolve(target));
    if (ids.length === 0) throw new CommandError(`No revision files indicated by symbol '${target}'`);
  }
  const files = ids.map((id) => map.get(id)!.path);
  for (const file of files) openInEditor(file, environ);
  return files;
}
