/**
 * The migration-chain benchmark of issue 2 ("Performance"): our engine and real Alembic side by
 * side, in one run, on MariaDB and SQLite, with the floor (the same DDL sent straight through the
 * database's own client).
 *
 *   npm run build && node dist/bench/migration-chain.js [--backend mariadb|sqlite]... [--runs N]
 *                                                      [--cli PATH] [--keep] [--verbose]
 *
 * It installs nothing: real Alembic (Debian `alembic`, `python3-sqlalchemy`, `python3-pymysql`),
 * `hyperfine` and the native clients must be there, or it prints the apt-get line and exits 2.
 * MariaDB is reached as root@127.0.0.1:3306 without a password (BENCH_MARIADB_HOST, _PORT, _USER
 * and _DB change that); the database `expireeye_bench` is dropped and re-created many times.
 *
 * Method (that of ../shared/reference/alembic-behaviour.md §6): every timed run is a fresh process
 * (hyperfine -N, no shell); before each `upgrade head` the database is emptied, before each
 * `downgrade base` it is loaded to head through the native client from the tool's own `--sql`
 * script; Python's bytecode cache and our transform cache are warm unless a row says otherwise.
 * On MariaDB two more rows, timed with `upgrade head`, show what a Node process reaches with no
 * engine at all (bench/lib/node-floor.ts): the yardstick for the "1.10 × the floor" target.
 * The report always exits 0 when every measurement ran, whether or not the targets are met.
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type Backend, type BackendName, mariadb, shape, sqlite } from './lib/backends.js';
import { expectedShape, revisionId, TABLES, writeAlembic, writeOurs } from './lib/chain.js';
import { type Command, hyperfine, type Timing } from './lib/hyperfine.js';
import { statements } from './lib/sql-script.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const ALEMBIC = '/usr/bin/alembic';
const PYTHON = '/usr/bin/python3';
/** The instrument for the "Node floor" rows (MariaDB only): see bench/lib/node-floor.ts. */
const NODE_FLOOR = path.join(import.meta.dirname, 'lib', 'node-floor.js');
const N = 200;
const N_LARGE = 1000;

type Tool = 'alembic' | 'ours';
const TOOLS: Tool[] = ['alembic', 'ours'];

interface Options {
  backends: BackendName[];
  /** Our CLI entry; another build (a scratch copy with a candidate fix) can be timed instead. */
  cli: string;
  runs: number;
  readRuns: number;
  keep: boolean;
  verbose: boolean;
}

function parseArgs(argv: string[]): Options {
  const o: Options = {
    backends: [],
    cli: path.join(ROOT, 'bin', 'expireeye.js'),
    runs: 6,
    readRuns: 10,
    keep: false,
    verbose: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const value = () => {
      const v = argv[++i];
      if (v === undefined) usage(`${a} needs a value`);
      return v;
    };
    if (a === '--backend') {
      const b = value();
      if (b !== 'mariadb' && b !== 'sqlite') usage(`unknown backend '${b}'`);
      o.backends.push(b);
    } else if (a === '--runs') {
      o.runs = Number(value());
      if (!Number.isInteger(o.runs) || o.runs < 2) usage('--runs needs an integer ≥ 2');
      o.readRuns = Math.max(o.runs, 10);
    } else if (a === '--cli') o.cli = path.resolve(value());
    else if (a === '--keep') o.keep = true;
    else if (a === '--verbose') o.verbose = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument '${a}'`);
  }
  if (o.backends.length === 0) o.backends = ['mariadb', 'sqlite'];
  return o;
}

function usage(problem?: string): never {
  const text =
    'usage: node dist/bench/migration-chain.js [--backend mariadb|sqlite]... [--runs N] [--cli PATH]\n' +
    '                                          [--keep] [--verbose]\n' +
    '  --backend  mariadb or sqlite; repeatable (default: both)\n' +
    '  --runs N   timed runs for the database-changing rows (default 6; read-only rows use max(N, 10))\n' +
    '  --cli PATH time another build of bin/expireeye.js (e.g. a scratch copy with a candidate fix)\n' +
    '  --keep     keep the work directory (chains, SQL scripts, hyperfine JSON)\n' +
    "  --verbose  show hyperfine's own output\n";
  process.stderr.write(problem ? `migration-chain: ${problem}\n${text}` : text);
  process.exit(problem ? 2 : 0);
}

// ---------------------------------------------------------------------------------------------
// Prerequisites: nothing is installed silently.

function has(cmd: string, args: string[] = ['--version']): boolean {
  return spawnSync(cmd, args, { stdio: 'ignore' }).status === 0;
}

function checkPrerequisites(o: Options): void {
  const missing: string[] = [];
  if (!fs.existsSync(ALEMBIC)) missing.push('alembic');
  if (!has(PYTHON, ['-c', 'import sqlalchemy'])) missing.push('python3-sqlalchemy');
  if (o.backends.includes('mariadb') && !has(PYTHON, ['-c', 'import pymysql']))
    missing.push('python3-pymysql');
  if (!has('hyperfine')) missing.push('hyperfine');
  if (o.backends.includes('mariadb') && !has('mariadb')) missing.push('mariadb-client');
  if (!has('sqlite3')) missing.push('sqlite3'); // also reads the SQLite check queries
  if (missing.length) {
    process.stderr.write(
      `migration-chain: missing ${missing.join(', ')}. Install with:\n\n` +
        `  apt-get update && apt-get install -y ${missing.join(' ')}\n\n`,
    );
    process.exit(2);
  }
  if (
    !fs.existsSync(o.cli) ||
    !fs.existsSync(path.join(path.dirname(o.cli), '..', 'dist', 'src', 'cli', 'main.js'))
  ) {
    process.stderr.write(`migration-chain: ${o.cli} is not a built CLI; run \`npm run build\` first\n`);
    process.exit(2);
  }
}

function versionOf(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  return `${r.stdout ?? ''}${r.stderr ?? ''}`.trim().split('\n')[0] ?? '?';
}

// ---------------------------------------------------------------------------------------------
// The work directory: both chains at 200 and 1,000 revisions, the prepare helper, SQL scripts.

interface Layout {
  dir: string;
  ours: Record<number, string>;
  alembic: Record<number, string>;
  prep: string;
  sql: (b: BackendName, name: string) => string;
  json: (name: string) => string;
}

function layout(dir: string): Layout {
  return {
    dir,
    ours: { [N]: path.join(dir, `ours-${N}`), [N_LARGE]: path.join(dir, `ours-${N_LARGE}`) },
    alembic: { [N]: path.join(dir, `alembic-${N}`), [N_LARGE]: path.join(dir, `alembic-${N_LARGE}`) },
    prep: path.join(dir, 'prep.sh'),
    sql: (b, name) => path.join(dir, 'sql', b, `${name}.sql`),
    json: (name) => path.join(dir, 'json', `${name}.json`),
  };
}

/** hyperfine's prepare helper: `prep.sh BACKEND empty|keep|FILE.sql [DIR-TO-DELETE]`. */
function writePrep(l: Layout, backends: Backend[]): void {
  const cases = backends
    .map(
      (b) =>
        `  ${b.name})\n` +
        `    if [ "$2" != keep ]; then ${b.shell.reset}; fi\n` +
        `    if [ "$2" != keep ] && [ "$2" != empty ]; then ${b.shell.load}; fi ;;`,
    )
    .join('\n');
  fs.writeFileSync(
    l.prep,
    '#!/bin/bash\n' +
      '# hyperfine --prepare helper (not timed): reset the database (unless "keep"), optionally load\n' +
      '# a script into it, optionally delete a cache directory.\n' +
      '# usage: prep.sh BACKEND empty|keep|FILE.sql [DIR]\n' +
      'set -e\n' +
      `case "$1" in\n${cases}\n  *) echo "prep.sh: unknown backend $1" >&2; exit 2 ;;\nesac\n` +
      'if [ -n "$3" ]; then rm -rf "$3"; fi\n' +
      '# Flush now, so that dirty pages of earlier runs do not slow the fsyncs of the timed one.\n' +
      'sync\n',
    { mode: 0o755 },
  );
}

// ---------------------------------------------------------------------------------------------
// Running the tools.

interface ToolEnv {
  env: NodeJS.ProcessEnv;
  /** The argv prefix (before the command) of each tool for a chain length. */
  argv: (tool: Tool, n: number) => string[];
}

/**
 * The environment both tools run in: a user's, not this sandbox's. Python keeps its bytecode cache
 * (the machine exports PYTHONDONTWRITEBYTECODE=1, see alembic-behaviour.md §6), and Node does not
 * load NODE_EXTRA_CA_CERTS, which the sandbox sets and which costs every Node start tens of ms
 * (the start-up table measures it).
 */
function baseEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const k of [
    'PYTHONDONTWRITEBYTECODE',
    'PYTHONUNBUFFERED',
    'NODE_EXTRA_CA_CERTS',
    'NODE_OPTIONS',
    'EXPIREEYE_DEBUG',
    'EXPIREEYE_VERSION_TABLE',
  ])
    delete env[k];
  return env;
}

function toolEnv(l: Layout, b: Backend, n: number, cli: string): ToolEnv {
  const env = baseEnv();
  env.DB_URL = b.alembicUrl;
  env.DATABASE_URL = b.oursUrl;
  env.EXPIREEYE_SCRIPT_LOCATION = l.ours[n];
  return {
    env,
    argv: (tool, len) =>
      tool === 'alembic'
        ? [ALEMBIC, '-c', path.join(l.alembic[len]!, 'alembic.ini')]
        : [process.execPath, cli, 'db'],
  };
}

/** Quotes a word for hyperfine's -N mode, which splits a command line the way a shell would. */
const word = (w: string) => (/^[\w./:@=+-]+$/.test(w) ? w : `'${w.replaceAll("'", "'\\''")}'`);

/** The command line hyperfine runs; `args` is already split on spaces. */
function commandLine(t: ToolEnv, tool: Tool, n: number, args: string): string {
  return [...t.argv(tool, n).map(word), args].join(' ');
}

function runTool(t: ToolEnv, tool: Tool, n: number, args: string[], l: Layout): string {
  const [cmd, ...pre] = t.argv(tool, n);
  const r = spawnSync(cmd!, [...pre, ...args], {
    env: t.env,
    cwd: l.dir,
    encoding: 'utf8',
    maxBuffer: 1 << 28,
  });
  if (r.status !== 0) {
    throw new Error(
      `${tool} ${args.join(' ')} failed (exit ${r.status}):\n${`${r.stdout}${r.stderr}`.trim().split('\n').slice(-8).join('\n')}`,
    );
  }
  return r.stdout;
}

function prep(l: Layout, b: Backend, state: string, deleteDir?: string): void {
  const r = spawnSync(l.prep, [b.name, state, ...(deleteDir ? [deleteDir] : [])], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`prep.sh ${b.name} ${state} failed: ${r.stderr.trim()}`);
}

// ---------------------------------------------------------------------------------------------
// SQL scripts: each tool's own `--sql` output, and the same without version-table statements.

function ddlOnly(script: string): { ddl: string; count: { ddl: number; all: number } } {
  const all = statements(script).filter((s) => !/^(BEGIN|COMMIT)$/i.test(s));
  const ddl = all.filter((s) => !/alembic_version/i.test(s));
  return {
    ddl: `${ddl.map((s) => `${s};`).join('\n')}\n`,
    count: { ddl: ddl.length, all: all.length },
  };
}

function writeSql(l: Layout, b: Backend, t: ToolEnv, t1000: ToolEnv): string[] {
  const notes: string[] = [];
  fs.mkdirSync(path.dirname(l.sql(b.name, 'x')), { recursive: true });
  for (const tool of TOOLS) {
    for (const [dir, args] of [
      ['up', ['upgrade', 'head', '--sql']],
      ['down', ['downgrade', 'head:base', '--sql']],
    ] as const) {
      const full = runTool(t, tool, N, [...args], l);
      const { ddl, count } = ddlOnly(full);
      fs.writeFileSync(l.sql(b.name, `${tool}_${dir}_full`), full);
      fs.writeFileSync(l.sql(b.name, `${tool}_${dir}_ddl`), ddl);
      notes.push(
        `${tool} ${dir}grade --sql: ${count.ddl} DDL + ${count.all - count.ddl} version-table statements`,
      );
    }
  }
  // A database at the 1,000-revision head, for `current`: only the version table matters to it.
  fs.writeFileSync(
    l.sql(b.name, 'stamp_1000'),
    runTool(t1000, 'ours', N_LARGE, ['stamp', 'head', '--sql'], l),
  );
  return notes;
}

// ---------------------------------------------------------------------------------------------
// Correctness first: a tool is only timed on work it really does.

function expectShape(b: Backend, what: string, atHead: boolean): void {
  const want = atHead
    ? { ...expectedShape(N), versions: [revisionId(N)] }
    : { columns: 0, indexes: 0, versions: [] };
  const got = shape(b);
  if (
    got.columns !== want.columns ||
    got.indexes !== want.indexes ||
    got.versions.join() !== want.versions.join()
  ) {
    throw new Error(
      `${b.label}: after ${what}, expected ${JSON.stringify(want)}, found ${JSON.stringify(got)}`,
    );
  }
}

function verify(l: Layout, b: Backend, t: ToolEnv): void {
  for (const tool of TOOLS) {
    prep(l, b, 'empty');
    runTool(t, tool, N, ['upgrade', 'head'], l); // also fills the bytecode / transform cache
    expectShape(b, `${tool} upgrade head`, true);
    runTool(t, tool, N, ['downgrade', 'base'], l);
    expectShape(b, `${tool} downgrade base`, false);
    prep(l, b, l.sql(b.name, `${tool}_up_full`));
    expectShape(b, `${tool}'s upgrade --sql through the native client`, true);
    b.source(l.sql(b.name, `${tool}_down_full`));
    expectShape(b, `${tool}'s downgrade --sql through the native client`, false);
  }
  for (const { mode, argv } of nodeFloors(l, b)) {
    prep(l, b, 'empty');
    const r = spawnSync(argv[0]!, argv.slice(1), { env: t.env, encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`node-floor ${mode} failed: ${r.stderr.trim()}`);
    expectShape(b, `node-floor ${mode} (our upgrade --sql)`, true);
  }
}

/**
 * MariaDB only: what a Node process reaches with no engine, for the reading of the 1.10 × floor
 * target — mysql2 sending our requests (the engine's driver, minus the engine), and a bare socket
 * sending the whole script at once (no library, no round trips: any Node client's bound).
 */
function nodeFloors(l: Layout, b: Backend): { mode: string; row: string; argv: string[] }[] {
  if (b.name !== 'mariadb') return [];
  const script = l.sql(b.name, 'ours_up_full');
  return (
    [
      ['raw', ROWS.nodeRaw],
      ['mysql2', ROWS.nodeMysql2],
    ] as const
  ).map(([mode, row]) => ({ mode, row, argv: [process.execPath, NODE_FLOOR, mode, script] }));
}

// ---------------------------------------------------------------------------------------------
// Measurements.

type Key = string;
const key = (b: BackendName | 'none', row: string, tool: Tool) => `${b}|${row}|${tool}`;

class Results {
  readonly timings = new Map<Key, Timing>();
  readonly errors: string[] = [];
  get(b: BackendName | 'none', row: string, tool: Tool): number | undefined {
    return this.timings.get(key(b, row, tool))?.median;
  }
}

interface Measure {
  row: string;
  /** Timed together, interleaved; `row` puts a command's result in another row than the group's. */
  tools: { tool: Tool; command: string; prepare?: string; row?: string }[];
  runs: number;
  warmup?: number;
  env: NodeJS.ProcessEnv;
}

function measure(r: Results, l: Layout, b: BackendName | 'none', m: Measure, verbose: boolean): void {
  const label = `[${b === 'none' ? 'no db' : b}] ${m.row}`;
  spawnSync('sync'); // earlier writes flushing in the background would slow the fsyncs timed next
  process.stderr.write(`${label.padEnd(58)} `);
  const commands: Command[] = m.tools.map((t) => ({
    name: `${t.row ?? m.row}\t${t.tool}`,
    command: t.command,
    ...(t.prepare ? { prepare: t.prepare } : {}),
  }));
  try {
    const res = hyperfine(commands, {
      runs: m.runs,
      warmup: m.warmup ?? 0,
      env: m.env,
      cwd: l.dir,
      json: l.json(`${b}_${m.row.replace(/\W+/g, '_')}`),
      verbose,
    });
    const parts: string[] = [];
    for (const [name, timing] of res) {
      const [row, tool] = name.split('\t') as [string, Tool];
      r.timings.set(key(b, row, tool), timing);
      const what = row === m.row ? tool : `${tool} ${row.replace(/:.*/, '')}`;
      parts.push(`${what} ${ms(timing.median)} ms (${ms(timing.min)}–${ms(timing.max)})`);
    }
    process.stderr.write(`${parts.join(', ')}\n`);
  } catch (e) {
    const msg = (e as Error).message;
    r.errors.push(`${label}: ${msg}`);
    process.stderr.write(`ERROR\n${msg}\n`);
  }
}

const ms = (seconds: number) => String(Math.round(seconds * 1000));

const ROWS = {
  upgrade: `upgrade head (empty -> head, ${N} revisions)`,
  downgrade: 'downgrade base (head -> empty)',
  current: 'current (fresh process, DB at head)',
  history: 'history (no DB)',
  heads: 'heads (no DB)',
  sql: 'upgrade head --sql (offline)',
  floorUpDdl: 'floor: upgrade DDL only',
  floorUpFull: 'floor: upgrade DDL + version table',
  floorDownDdl: 'floor: downgrade DDL only',
  floorDownFull: 'floor: downgrade DDL + version table',
  nodeRaw: 'Node floor, raw socket: our upgrade SQL as 1 request',
  nodeMysql2: 'Node floor, mysql2: our upgrade SQL, 1 request/revision',
  coldUpgrade: 'upgrade head, first run after editing (cache deleted)',
  coldSql: 'upgrade head --sql, first run after editing',
  current1000: `current at ${N_LARGE.toLocaleString('en')} revisions`,
  history1000: `history at ${N_LARGE.toLocaleString('en')} revisions`,
  heads1000: `heads at ${N_LARGE.toLocaleString('en')} revisions`,
} as const;

/** The tool's cache of compiled revision files: Python's __pycache__, our __cache__. */
const cacheDir = (l: Layout, tool: Tool, n: number) =>
  tool === 'alembic'
    ? path.join(l.alembic[n]!, 'migrations', 'versions', '__pycache__')
    : path.join(l.ours[n]!, '__cache__');

function benchBackend(r: Results, l: Layout, b: Backend, o: Options): string[] {
  const t = toolEnv(l, b, N, o.cli);
  const t1000 = toolEnv(l, b, N_LARGE, o.cli);
  const notes = writeSql(l, b, t, t1000);
  verify(l, b, t);
  const p = (state: string, dir?: string) =>
    [l.prep, b.name, state, ...(dir ? [dir] : [])].map(word).join(' ');
  const both = (args: string, prepare?: (tool: Tool) => string, n = N) =>
    TOOLS.map((tool) => ({
      tool,
      command: commandLine(n === N ? t : t1000, tool, n, args),
      ...(prepare ? { prepare: prepare(tool) } : {}),
    }));
  // Rows that change the database: one untimed warm-up run (with its prepare) absorbs first-run
  // effects; read-only rows: two.
  const heavy = (row: string, tools: Measure['tools']) =>
    measure(r, l, b.name, { row, tools, runs: o.runs, warmup: 1, env: t.env }, o.verbose);
  const light = (row: string, tools: Measure['tools'], env = t.env) =>
    measure(r, l, b.name, { row, tools, runs: o.readRuns, warmup: 2, env }, o.verbose);
  const atHead = (tool: Tool) => p(l.sql(b.name, `${tool}_up_full`));

  // Each tool's SQL through the native client, as a row of its own or timed in another row's group.
  const floorOf = (row: string, file: string, prepare: (tool: Tool) => string) =>
    TOOLS.map((tool) => ({
      tool,
      row,
      command: b.floorCommand(l.sql(b.name, `${tool}_${file}`)),
      prepare: prepare(tool),
    }));
  // The floors the targets compare with are timed in the same interleaved rounds as the commands,
  // so that a busy minute on a shared machine cannot fall on one side of a ratio only.
  heavy(ROWS.upgrade, [
    ...both('upgrade head', () => p('empty')),
    ...floorOf(ROWS.floorUpFull, 'up_full', () => p('empty')),
    ...nodeFloors(l, b).map(({ row, argv }) => ({
      tool: 'ours' as const,
      row,
      command: argv.map(word).join(' '),
      prepare: p('empty'),
    })),
  ]);
  heavy(ROWS.downgrade, [
    ...both('downgrade base', atHead),
    ...floorOf(ROWS.floorDownFull, 'down_full', atHead),
  ]);
  prep(l, b, l.sql(b.name, 'ours_up_full'));
  light(ROWS.current, both('current'));
  light(ROWS.history, both('history'));
  light(ROWS.heads, both('heads'));
  light(ROWS.sql, both('upgrade head --sql'));

  heavy(
    ROWS.floorUpDdl,
    floorOf(ROWS.floorUpDdl, 'up_ddl', () => p('empty')),
  );
  heavy(ROWS.floorDownDdl, floorOf(ROWS.floorDownDdl, 'down_ddl', atHead));

  heavy(
    ROWS.coldUpgrade,
    both('upgrade head', (tool) => p('empty', cacheDir(l, tool, N))),
  );
  light(
    ROWS.coldSql,
    both('upgrade head --sql', (tool) => p('keep', cacheDir(l, tool, N))),
  );

  prep(l, b, l.sql(b.name, 'stamp_1000'));
  light(ROWS.current1000, both('current', undefined, N_LARGE), t1000.env);
  light(ROWS.history1000, both('history', undefined, N_LARGE), t1000.env);
  light(ROWS.heads1000, both('heads', undefined, N_LARGE), t1000.env);
  return notes;
}

const STARTUP = {
  process: 'process start: python3 -c pass | node -e 0',
  tool: 'tool start: alembic --help | expireeye db --help',
  caCerts: "node -e 0 with this machine's NODE_EXTRA_CA_CERTS",
} as const;

function benchStartup(r: Results, l: Layout, o: Options): void {
  const env = baseEnv();
  const go = (row: string, tools: Measure['tools'], runEnv = env) =>
    measure(r, l, 'none', { row, tools, runs: o.readRuns, warmup: 2, env: runEnv }, o.verbose);
  go(STARTUP.process, [
    { tool: 'alembic', command: `${PYTHON} -c pass` },
    { tool: 'ours', command: `${process.execPath} -e 0` },
  ]);
  go(STARTUP.tool, [
    { tool: 'alembic', command: `${ALEMBIC} --help` },
    { tool: 'ours', command: `${process.execPath} ${o.cli} db --help` },
  ]);
  if (process.env.NODE_EXTRA_CA_CERTS) {
    const withCerts = { ...env, NODE_EXTRA_CA_CERTS: process.env.NODE_EXTRA_CA_CERTS };
    go(STARTUP.caCerts, [{ tool: 'ours', command: `${process.execPath} -e 0` }], withCerts);
  }
}

// ---------------------------------------------------------------------------------------------
// The report.

function table(header: string[], rows: string[][]): string {
  const width = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(width[i]!) : c.padStart(width[i]!))).join(' | ')} |`;
  return [
    line(header),
    `|${width.map((w, i) => (i === 0 ? '-' : '').padEnd(w + 1, '-') + (i ? ':' : '-')).join('|')}|`,
    ...rows.map(line),
  ].join('\n');
}

const fmt = (v: number | undefined) => (v === undefined ? '–' : ms(v));
const ratio = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? '–' : (a / b).toFixed(2);

function report(r: Results, backends: Backend[]): string {
  const out: string[] = [];
  const header = ['median ms (hyperfine -N)'];
  for (const b of backends) header.push(`${b.label} alembic`, `${b.label} ours`, 'ours/alembic');
  const rows = Object.values(ROWS).map((row) => {
    const cells: string[] = [row];
    for (const b of backends) {
      const a = r.get(b.name, row, 'alembic');
      const u = r.get(b.name, row, 'ours');
      cells.push(fmt(a), fmt(u), ratio(u, a));
    }
    return cells;
  });
  out.push(table(header, rows));
  out.push(
    'Floor rows run each tool\'s own --sql script through the native client ("alembic" = Alembic\'s SQL,',
    '"ours" = our SQL). "First run after editing" deletes versions/__pycache__ (Alembic) or __cache__ (ours)',
    `before each run. The ${N_LARGE.toLocaleString('en')}-revision rows use a database stamped at that chain's head.`,
    '',
  );

  const start = Object.values(STARTUP)
    .filter((row) => r.get('none', row, 'ours') !== undefined)
    .map((row) => [row, fmt(r.get('none', row, 'alembic')), fmt(r.get('none', row, 'ours'))]);
  out.push(table(['start-up (no DB, no revisions), median ms', 'alembic', 'ours'], start), '');

  const tHeader = ['target'];
  for (const b of backends) tHeader.push(b.label, '');
  const verdict = (v: number | undefined, limit: number) =>
    v === undefined ? ['–', 'NO DATA'] : [v.toFixed(2), v <= limit ? 'MET' : 'NOT MET'];
  const targets: [string, (b: BackendName) => number | undefined, number][] = [
    [
      'upgrade head: ours / alembic <= 0.70',
      (b) => div(r.get(b, ROWS.upgrade, 'ours'), r.get(b, ROWS.upgrade, 'alembic')),
      0.7,
    ],
    [
      'downgrade base: ours / alembic <= 0.70',
      (b) => div(r.get(b, ROWS.downgrade, 'ours'), r.get(b, ROWS.downgrade, 'alembic')),
      0.7,
    ],
    [
      'upgrade head: ours / floor(our DDL + version table) <= 1.10',
      (b) => div(r.get(b, ROWS.upgrade, 'ours'), r.get(b, ROWS.floorUpFull, 'ours')),
      1.1,
    ],
    [
      'downgrade base: ours / floor(our DDL + version table) <= 1.10',
      (b) => div(r.get(b, ROWS.downgrade, 'ours'), r.get(b, ROWS.floorDownFull, 'ours')),
      1.1,
    ],
    [
      'current (cold process): ours / alembic <= 0.50',
      (b) => div(r.get(b, ROWS.current, 'ours'), r.get(b, ROWS.current, 'alembic')),
      0.5,
    ],
    [
      'history (cold process): ours / alembic <= 0.50',
      (b) => div(r.get(b, ROWS.history, 'ours'), r.get(b, ROWS.history, 'alembic')),
      0.5,
    ],
  ];
  const tRows = targets.map(([name, value, limit]) => [
    name,
    ...backends.flatMap((b) => verdict(value(b.name), limit)),
  ]);
  out.push(table(tHeader, tRows));
  const toFloor = (row: string) =>
    ratio(r.get('mariadb', row, 'ours'), r.get('mariadb', ROWS.floorUpFull, 'ours'));
  if (r.get('mariadb', ROWS.nodeRaw, 'ours') !== undefined) {
    out.push(
      'MariaDB, what Node reaches without our engine (not targets), / floor(our DDL + version table): ' +
        `a raw socket sending the script as one request ${toFloor(ROWS.nodeRaw)}, ` +
        `mysql2 sending our requests ${toFloor(ROWS.nodeMysql2)}; our upgrade head ${toFloor(ROWS.upgrade)}.`,
    );
  }
  const missed = tRows.filter((row) => row.includes('NOT MET')).length;
  out.push(missed ? `${missed} target row(s) NOT MET.` : 'All targets MET.');
  return out.join('\n');
}

const div = (a: number | undefined, b: number | undefined) =>
  a === undefined || b === undefined ? undefined : a / b;

// ---------------------------------------------------------------------------------------------

const loadAverage = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');

/** Which build `bin/expireeye.js` runs: the esbuild bundle in dist/cli when present, else tsc's output. */
function describeCli(cli: string): string[] {
  const dist = path.join(path.dirname(cli), '..', 'dist');
  const bundle = path.join(dist, 'cli', 'main.js');
  const tscOut = path.join(dist, 'src', 'cli', 'main.js');
  if (!fs.existsSync(bundle)) return [`ours: ${cli} runs ${path.resolve(tscOut)} (tsc output, not bundled)`];
  const lines = [`ours: ${cli} runs ${path.resolve(bundle)} (esbuild bundle)`];
  if (fs.statSync(bundle).mtimeMs < fs.statSync(tscOut).mtimeMs) {
    lines.push('WARNING: the bundle is older than the tsc output in dist/src; `npm run build` rebuilds both');
  }
  return lines;
}

function main(): void {
  const o = parseArgs(process.argv.slice(2));
  checkPrerequisites(o);
  const l = layout(fs.mkdtempSync(path.join(os.tmpdir(), 'expireeye-bench-')));
  const backends = o.backends.map((b) => (b === 'mariadb' ? mariadb() : sqlite(l.dir)));
  for (const b of backends) b.check();

  for (const n of [N, N_LARGE]) {
    writeOurs(l.ours[n]!, n);
    writeAlembic(l.alembic[n]!, n);
  }
  writePrep(l, backends);

  const r = new Results();
  const notes: string[] = [];
  const loadStart = loadAverage();
  process.stderr.write(`work directory ${l.dir}\n`);
  benchStartup(r, l, o);
  for (const b of backends) {
    try {
      for (const note of benchBackend(r, l, b, o)) notes.push(`${b.label}: ${note}`);
    } catch (e) {
      r.errors.push(`${b.label}: ${(e as Error).message}`);
      process.stderr.write(`\n${b.label}: ${(e as Error).message}\n`);
    }
    try {
      b.cleanup();
    } catch {
      // best effort
    }
  }

  const loadEnd = loadAverage();
  const lines = [
    '',
    `# Migration chain benchmark: ${N} revisions (revision 1 creates ${TABLES} tables; then ` +
      `${expectedShape(N).columns - TABLES} columns and ${expectedShape(N).indexes} indexes)`,
    '',
    `alembic: ${versionOf(ALEMBIC, ['--version'])}, SQLAlchemy ${versionOf(PYTHON, ['-c', 'import sqlalchemy; print(sqlalchemy.__version__)'])}; ` +
      `ours: node ${process.version}; ${versionOf('hyperfine', ['--version'])}; ` +
      `${os.cpus().length} CPUs, load average ${loadStart} at start, ${loadEnd} at end`,
    ...describeCli(o.cli),
    `runs: ${o.runs} (+1 warm-up) for rows that change the database and the floors, ` +
      `${o.readRuns} (+2 warm-up) for read-only rows`,
    ...notes,
    '',
    report(r, backends),
  ];
  if (r.errors.length)
    lines.push('', `${r.errors.length} measurement(s) failed:`, ...r.errors.map((e) => `  ${e}`));
  process.stdout.write(`${lines.join('\n')}\n`);

  if (o.keep) process.stderr.write(`kept ${l.dir}\n`);
  else fs.rmSync(l.dir, { recursive: true, force: true });
  process.exitCode = r.errors.length ? 1 : 0;
}

main();
