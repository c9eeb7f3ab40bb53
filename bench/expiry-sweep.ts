/**
 * The expiry-sweep benchmark of issue 5 ("Performance"): one sweep over 1,000,000 inventory items
 * of which 10,000 cross a threshold (5,000 expire, 5,000 enter the warning window) must take
 * under 2 s on MariaDB and PostgreSQL, and under 0.2 s when nothing crosses.
 *
 *   npm run build && node dist/bench/expiry-sweep.js [--dialect mysql|postgres]... [--items N]
 *                                                    [--runs K] [--keep]
 *
 * The databases `expireeye_bench_sweep` on root@127.0.0.1:3306 and postgres@127.0.0.1:5432 are
 * dropped and re-created (BENCH_MYSQL_URL / BENCH_POSTGRES_URL name other servers), migrated to
 * head with our engine, then filled server-side (MariaDB's seq_1_to_N table, PostgreSQL's
 * generate_series: no row travels through Node) with:
 *
 *   items        state                                       role
 *   5,000        active, dated yesterday                     cross: expire now
 *   5,000        active, dated today + 2                     cross: enter the warning window
 *   10,000       active, dated today / tomorrow, warned      in the window, already notified
 *   300,000      expired, dated 1–700 days ago, notified     history
 *   100,000      consumed                                    history
 *   50,000       active, no date                             never swept
 *   rest         active, dated 3–1,002 days ahead            future
 *
 * plus 310,000 notifications for the history and the warned items. Each crossing run is undone
 * before the next (outside the timing); the "nothing crosses" runs follow a crossing run.
 * The timing covers runExpirySweep as the server calls it: the lock, then chunks of 1,000 items,
 * each its own transaction (a key read, the notification INSERT … SELECT, for past items the
 * UPDATE, commit); the longest chunk is printed too.
 */
import { performance } from 'node:perf_hooks';
import { sql } from 'kysely';
import { openDatabase } from '../src/db/database.js';
import { runExpirySweep } from '../src/features/expiry/expiry-sweep.js';
import { upgrade } from '../src/migrate/commands/upgrade.js';
import { CapturedOutput, Environment, parseDatabaseUrl } from '../src/migrate/index.js';
import { projectRoot } from '../src/paths.js';

type Dialect = 'mysql' | 'postgres';
const DB = 'expireeye_bench_sweep';
const ADMIN: Record<Dialect, string> = {
  mysql: process.env.BENCH_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/mysql',
  postgres: process.env.BENCH_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};
const TODAY = '2026-06-15';
const NOW = new Date(`${TODAY}T09:00:00Z`);

function args() {
  const a = process.argv.slice(2);
  const dialects: Dialect[] = [];
  let items = 1_000_000;
  let runs = 3;
  let keep = false;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--dialect') dialects.push(a[++i] as Dialect);
    else if (a[i] === '--items') items = Number(a[++i]);
    else if (a[i] === '--runs') runs = Number(a[++i]);
    else if (a[i] === '--keep') keep = true;
    else throw new Error(`unknown argument ${a[i]}`);
  }
  if (items < 500_000) throw new Error('--items must be at least 500000 (the fixed groups take 470,000)');
  return { dialects: dialects.length ? dialects : (['mysql', 'postgres'] as Dialect[]), items, runs, keep };
}

/** A database URL on the admin server, for database `name`. */
function urlFor(dialect: Dialect, name: string): string {
  const u = new URL(ADMIN[dialect]);
  u.pathname = `/${name}`;
  return u.toString();
}

async function admin(dialect: Dialect, statements: string[]): Promise<void> {
  const db = await openDatabase(parseDatabaseUrl(ADMIN[dialect]), { poolSize: 1 });
  try {
    for (const s of statements) await sql.raw(s).execute(db.db);
  } finally {
    await db.destroy();
  }
}

/** Dialect pieces of the fill statements. */
function sqlFor(dialect: Dialect, items: number) {
  const my = dialect === 'mysql';
  const id = (prefix: string, expr: string) =>
    my ? `concat('${prefix}', lpad(${expr}, 12, '0'))` : `'${prefix}' || lpad((${expr})::text, 12, '0')`;
  const day = (offset: string) =>
    my ? `date_add(date '${TODAY}', interval (${offset}) day)` : `date '${TODAY}' + (${offset})::int`;
  const series = (n: number) =>
    my ? `(select cast(seq as signed) as i from seq_1_to_${n}) s` : `generate_series(1, ${n}) as s(i)`;
  const now = `timestamp '${TODAY} 00:00:00'`;
  const itemId = (expr: string) => id('00000000-0000-4000-8000-', expr);
  return {
    users: `insert into users (id, email, password_hash, name, created_at)
      select ${id('10000000-0000-4000-8000-', 'i')}, ${my ? "concat('u', i, '@bench.example')" : "'u' || i || '@bench.example'"},
             'x', 'bench', ${now}
      from ${series(1000)}`,
    products: `insert into products (id, name, name_key, created_at)
      select ${id('20000000-0000-4000-8000-', 'i')}, ${my ? "concat('Product ', i)" : "'Product ' || i"},
             ${my ? "concat('product ', i)" : "'product ' || i"}, ${now}
      from ${series(100)}`,
    items: `insert into user_products (id, user_id, product_id, quantity, expiry_date, expiry_estimated, status, added_at)
      select ${itemId('i')},
             ${id('10000000-0000-4000-8000-', '(i % 1000) + 1')},
             ${id('20000000-0000-4000-8000-', '(i % 100) + 1')},
             1,
             case when i <= 5000 then ${day('-1')}
                  when i <= 10000 then ${day('2')}
                  when i <= 20000 then ${day('i % 2')}
                  when i <= 420000 then ${day('-1 - (i % 700)')}
                  when i <= 470000 then null
                  else ${day('3 + (i % 1000)')} end,
             false,
             case when i <= 20000 then 'active' when i <= 320000 then 'expired'
                  when i <= 420000 then 'consumed' else 'active' end,
             ${now}
      from ${series(items)}`,
    history: (type: string, prefix: string, where: string) => `insert into notifications
        (id, user_id, user_product_id, type, message, product_name, expiry_date, is_read, created_at)
      select ${my ? `concat('${prefix}', substr(id, 2))` : `'${prefix}' || substr(id, 2)`}, user_id, id, '${type}',
             'Product X', 'X', expiry_date, true, ${now}
      from user_products where ${where}`,
    analyze: my ? ['analyze table user_products, notifications, products, users'] : ['analyze'],
    /** Puts the 10,000 crossing items back as they were before a sweep. */
    undo: [
      `delete from notifications where created_at = ${my ? `timestamp '${TODAY} 09:00:00'` : `timestamptz '${TODAY} 09:00:00+00'`}`,
      `update user_products set status = 'active', updated_at = null
       where id between ${itemId('1')} and ${itemId('5000')}`,
    ],
    today: TODAY,
    day,
  };
}

const ms = (x: number) => `${x.toFixed(1)} ms`;

async function bench(dialect: Dialect, items: number, runs: number, keep: boolean): Promise<void> {
  const label = dialect === 'mysql' ? 'MariaDB' : 'PostgreSQL';
  process.stdout.write(`\n== ${label}: ${items.toLocaleString('en')} items\n`);
  await admin(dialect, [
    dialect === 'postgres' ? `drop database if exists ${DB} with (force)` : `drop database if exists ${DB}`,
    `create database ${DB}`,
  ]);
  const url = parseDatabaseUrl(urlFor(dialect, DB));
  const env = new Environment(
    { scriptLocation: `${projectRoot}/migrations`, database: () => url },
    new CapturedOutput(),
  );
  try {
    await upgrade(env, 'head');
  } finally {
    await env.close();
  }
  const database = await openDatabase(url, { poolSize: 2 });
  const raw = (s: string) => sql.raw(s).execute(database.db);
  try {
    const q = sqlFor(dialect, items);
    let t = performance.now();
    await raw(q.users);
    await raw(q.products);
    await raw(q.items);
    await raw(q.history('warning', '3', "status = 'expired'"));
    await raw(
      q.history(
        'expiring_soon',
        '4',
        `status = 'active' and expiry_date >= ${q.day('0')} and expiry_date <= ${q.day('1')}`,
      ),
    );
    for (const s of q.analyze) await raw(s);
    process.stdout.write(`loaded in ${((performance.now() - t) / 1000).toFixed(1)} s\n`);

    const crossing: number[] = [];
    let longestChunk = 0;
    let chunks = 0;
    const idle: number[] = [];
    for (let r = 0; r < runs; r++) {
      if (r > 0) for (const s of q.undo) await raw(s);
      t = performance.now();
      // The longest gap between two chunks' commits: how long one chunk holds its locks.
      let last = t;
      const res = await runExpirySweep(database, {
        now: NOW,
        timeZone: 'UTC',
        warningDays: 2,
        publish: async () => {
          const now = performance.now();
          longestChunk = Math.max(longestChunk, now - last);
          last = now;
        },
      });
      crossing.push(performance.now() - t);
      chunks = res.chunks;
      if (
        res.expired !== 5000 ||
        res.expiredNotifications !== 5000 ||
        res.expiringSoonNotifications !== 5000
      ) {
        throw new Error(
          `unexpected result: ${res.expired} expired, ${res.expiredNotifications} + ${res.expiringSoonNotifications} notifications`,
        );
      }
      t = performance.now();
      const none = await runExpirySweep(database, { now: NOW, timeZone: 'UTC', warningDays: 2 });
      idle.push(performance.now() - t);
      if (none.expired !== 0 || none.expiredNotifications + none.expiringSoonNotifications !== 0)
        throw new Error('a repeated sweep did something');
    }
    const line = (name: string, xs: number[], target: number) => {
      const sorted = [...xs].sort((a, b) => a - b);
      const med = sorted[Math.floor(sorted.length / 2)]!;
      process.stdout.write(
        `${name.padEnd(34)} median ${ms(med).padStart(10)}  min ${ms(sorted[0]!).padStart(10)}  max ${ms(sorted.at(-1)!).padStart(10)}  ` +
          `target < ${target} ms: ${sorted.at(-1)! < target ? 'met' : 'MISSED'}\n`,
      );
    };
    line('10,000 crossing (5k expire, 5k soon)', crossing, 2000);
    process.stdout.write(
      `${''.padEnd(34)} ${chunks} chunks of up to 1,000 items; the longest took ${ms(longestChunk)}\n`,
    );
    line('nothing crossing', idle, 200);
  } finally {
    await database.destroy();
    if (!keep) {
      await admin(dialect, [
        dialect === 'postgres'
          ? `drop database if exists ${DB} with (force)`
          : `drop database if exists ${DB}`,
      ]);
    }
  }
}

const opts = args();
for (const d of opts.dialects) await bench(d, opts.items, opts.runs, opts.keep);
