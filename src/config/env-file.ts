import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';

let loaded: ReadonlySet<string> | undefined;

/**
 * Reads `.env` once, if there is one, from the project folder (`projectFolder`). Variables already
 * set win. Returns the names it set (none on later calls' behalf: the same set), so that a setting
 * made of several variables can tell which the environment gave.
 */
export function loadEnvFile(cwd = process.cwd()): ReadonlySet<string> {
  if (loaded) return loaded;
  const folder = projectFolder(cwd);
  const file = folder && path.join(folder, '.env');
  loaded = file && fs.existsSync(file) ? applyEnvFile(file) : new Set();
  return loaded;
}

/**
 * Sets the variables `file` defines that `env` does not have yet (the environment wins), and
 * returns their names. A file that cannot be read is passed over, as `dotenv.config` did.
 */
export function applyEnvFile(file: string, env: NodeJS.ProcessEnv = process.env): Set<string> {
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return new Set();
  }
  const values = parseEnvFile(text);
  const set = new Set(Object.keys(values).filter((k) => !Object.hasOwn(env, k)));
  dotenv.populate(env as Record<string, string>, values);
  return set;
}

/**
 * dotenv's line pattern (dotenv 18's default parser, `dist/index.cjs`; its `(?:^|^)` written `^`), copied so that the
 * bindings are found exactly where `dotenv.parse` finds them — a `KEY=…` line inside a multi-line
 * quoted value is not one — and the last binding of a key is the one that counts, as there.
 * Group 1 is the key, group 2 the raw value (absent when the line has `#` right after the `=`).
 */
const DOTENV_LINE =
  /^\s*(?:export\s+)?([\w.-]+)(?:\s*=\s*?|:\s+?)(\s*'(?:\\'|[^'])*'|\s*"(?:\\"|[^"])*"|\s*`(?:\\`|[^`])*`|[^#\r\n]+)?\s*(?:#.*)?$/dgm;

/** After the key: the `=` (or dotenv's `: `), the blanks after it, then the rest of the line. */
const SEPARATOR_THEN_REST = /^[^\S\n]*(?:=|:(?=[^\S\n]))[^\S\n]*([^\n]*)/;

/**
 * `dotenv.parse`, but an unquoted value follows python-dotenv, which read the original's `.env`:
 * `#` starts a comment only after whitespace within the value. dotenv cuts an unquoted value at any
 * `#`, so `DB_PASSWORD=Hash#pw9` was `Hash` (a misleading "Access denied"); here it is `Hash#pw9`,
 * while `DB_PASSWORD=abc # note` is `abc` in both. As in python-dotenv the blanks right after `=`
 * are the separator's, so `KEY=#x` and `KEY= #x` are `#x` (dotenv: empty).
 *
 * Everything else is dotenv's: quoted values (a `#` inside quotes is kept, a comment after the
 * closing quote dropped), `export `, comment lines, CRLF, empty values. Only the values of unquoted
 * bindings whose line has a `#` after the `=` are read again from their line.
 */
export function parseEnvFile(text: string): Record<string, string> {
  const values = dotenv.parse(text);
  // dotenv matches on the text with CRLF and lone CR as LF; so does this.
  const normalised = text.replace(/\r\n?/g, '\n');
  const last = new Map<string, RegExpExecArray>();
  for (const m of normalised.matchAll(DOTENV_LINE)) last.set(m[1]!, m);
  for (const [key, m] of last) {
    const raw = m[2]?.trim() ?? '';
    const quoted = raw.length >= 2 && /^['"`]/.test(raw) && raw.endsWith(raw[0]!);
    if (quoted) continue;
    const rest = SEPARATOR_THEN_REST.exec(normalised.slice(m.indices![1]![1]))?.[1];
    // python-dotenv: `re.sub(r"\s+#.*", "", value).rstrip()`.
    if (rest?.includes('#')) values[key] = rest.replace(/\s+#.*/, '').trimEnd();
  }
  return values;
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
