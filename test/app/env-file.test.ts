import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { applyEnvFile, parseEnvFile } from '../../src/config/env-file.js';

/** Writes `text` as a .env in a temporary folder and applies it to `env`; returns `env`. */
function load(text: string, env: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-env-'));
  try {
    const file = path.join(dir, '.env');
    fs.writeFileSync(file, text);
    applyEnvFile(file, env);
    return env;
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

test(".env: an unquoted value's # starts a comment only after whitespace, as python-dotenv read the original's", () => {
  const env = load(
    [
      '# a comment on its own line',
      'A=Hash#pw9',
      'B=abc # note',
      'C="x#y"',
      "D='p # q'",
      'export E=1',
      '   # an indented comment',
      'F=a#b #c',
      'G=x y#z',
      'H=tab\t# note',
      'I="q" # after the closing quote',
      'J=a#',
      'K=#x',
      'L= #x',
      'export M=1#2',
      'N=',
      '',
    ].join('\n'),
  );
  assert.deepEqual(env, {
    A: 'Hash#pw9',
    B: 'abc',
    C: 'x#y',
    D: 'p # q',
    E: '1',
    F: 'a#b',
    G: 'x y#z',
    H: 'tab',
    I: 'q',
    J: 'a#',
    // python-dotenv: the blanks after `=` belong to it, so the value starts at the `#`.
    K: '#x',
    L: '#x',
    M: '1#2',
    N: '',
  });
});

test('.env with CRLF line ends: the same values, no stray \\r', () => {
  const env = load('A=Hash#pw9\r\nB=abc # note\r\nC="x#y"\r\n# comment\r\nexport E=1\r\n');
  assert.deepEqual(env, { A: 'Hash#pw9', B: 'abc', C: 'x#y', E: '1' });
});

test('.env: a variable already in the environment wins, even an empty one', () => {
  const env = load('DB_PASSWORD=Hash#pw9\nDB_USER=root\nDB_NAME=x#y\n', {
    DB_PASSWORD: 'from-env',
    DB_NAME: '',
  });
  assert.deepEqual(env, { DB_PASSWORD: 'from-env', DB_USER: 'root', DB_NAME: '' });
});

test('.env: the last binding of a key counts, and a KEY=… line inside a quoted value is none', () => {
  assert.deepEqual(parseEnvFile('R=1#a\nR="2#b"\n'), { R: '2#b' });
  assert.deepEqual(parseEnvFile('S="2#b"\nS=1#a\n'), { S: '1#a' });
  assert.deepEqual(parseEnvFile('P="first\nQ=in#side\nlast"\n'), { P: 'first\nQ=in#side\nlast' });
  // Double quotes still expand \n, single quotes do not (dotenv's rules).
  assert.deepEqual(parseEnvFile('T="a\\nb#c"\nU=\'a\\nb\'\n'), { T: 'a\nb#c', U: 'a\\nb' });
});

test('a .env that cannot be read is passed over', () => {
  const env: NodeJS.ProcessEnv = { KEEP: '1' };
  applyEnvFile(path.join(os.tmpdir(), `ee-no-such-${process.pid}`, '.env'), env);
  assert.deepEqual(env, { KEEP: '1' });
});
