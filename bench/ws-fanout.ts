/**
 * The WebSocket fan-out benchmark of issue 5 ("Performance"): 5,000 sockets connected to one
 * instance, one user each; one sweep creates a notification for every one of those users; each
 * socket must receive its notification within 1 s of its creation (p99).
 *
 *   npm run build && node dist/bench/ws-fanout.js [--sockets N] [--mode local|redis]... [--database-url URL]
 *
 * Loopback only, bounded: the server listens on 127.0.0.1, the clients run in a child process
 * (bench/lib/ws-clients.ts) and everything is closed at the end. Modes: `local` (no REDIS_URL:
 * in-process delivery) and `redis` (REDIS_URL=redis://127.0.0.1:6379, BENCH_REDIS_URL to change:
 * the sweep's notifications go out over Redis pub/sub and come back to the instance's subscriber,
 * the multi-instance path). The database is a temporary SQLite file unless --database-url names
 * an empty MySQL/PostgreSQL database.
 *
 * Latency = the moment the socket receives the frame − the moment the sweep started (so it
 * includes creating the 5,000 notifications in the database, committing and publishing them).
 */
import { fork } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { buildApp } from '../src/app/build-app.js';
import { loadAppConfig } from '../src/config/app-config.js';
import { openDatabase } from '../src/db/database.js';
import { addDays, todayUtc } from '../src/db/dates.js';
import { upgrade } from '../src/migrate/commands/upgrade.js';
import { CapturedOutput, Environment, parseDatabaseUrl } from '../src/migrate/index.js';
import { projectRoot } from '../src/paths.js';

type Mode = 'local' | 'redis';

function args() {
  const a = process.argv.slice(2);
  let sockets = 5000;
  const modes: Mode[] = [];
  let databaseUrl: string | undefined;
  for (let i = 0; i < a.length; i++) {
    if (a[i] === '--sockets') sockets = Number(a[++i]);
    else if (a[i] === '--mode') modes.push(a[++i] as Mode);
    else if (a[i] === '--database-url') databaseUrl = a[++i];
    else throw new Error(`unknown argument ${a[i]}`);
  }
  return { sockets, modes: modes.length ? modes : (['local', 'redis'] as Mode[]), databaseUrl };
}

const abs = () => performance.timeOrigin + performance.now();

function ask<T>(child: ReturnType<typeof fork>, message: object): Promise<T> {
  return new Promise((resolve, reject) => {
    child.once('message', (m: any) => (m?.error ? reject(new Error(m.error)) : resolve(m as T)));
    child.send(message);
  });
}

const pct = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;

async function run(mode: Mode, n: number, given?: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-ws-bench-'));
  const url = parseDatabaseUrl(given ?? `sqlite:${path.join(dir, 'bench.sqlite')}`);
  const env = new Environment(
    { scriptLocation: `${projectRoot}/migrations`, database: () => url },
    new CapturedOutput(),
  );
  try {
    await upgrade(env, 'head');
  } finally {
    await env.close();
  }
  const settingsEnv: NodeJS.ProcessEnv = {
    DATABASE_URL: given ?? `sqlite:${path.join(dir, 'bench.sqlite')}`,
    SECRET_KEY: 'bench-secret-bench-secret-bench-secret-!!',
    SWEEP_INTERVAL_SECONDS: '0',
    LOG_LEVEL: 'error',
    WS_MAX_SOCKETS_PER_USER: '1',
    ...(mode === 'redis'
      ? {
          REDIS_URL: process.env.BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379',
          REDIS_CHANNEL: `expireeye-bench:${randomUUID()}`,
        }
      : {}),
  };
  const database = await openDatabase(url, { poolSize: 10 });
  const app = await buildApp({
    config: { ...loadAppConfig(settingsEnv), host: '127.0.0.1', port: 0 },
    database,
    logger: false,
    env: { ...process.env, ...settingsEnv },
  });
  const child = fork(path.join(import.meta.dirname, 'lib', 'ws-clients.js'), { stdio: 'inherit' });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as AddressInfo;

    // n users, one product, one item each that expired yesterday.
    const today = todayUtc();
    const users = Array.from({ length: n }, (_, i) => ({ id: randomUUID(), email: `b${i}@bench.example` }));
    const product = randomUUID();
    await database.db
      .insertInto('products')
      .values({ id: product, name: 'Milk', name_key: 'milk', created_at: new Date() })
      .execute();
    for (let i = 0; i < n; i += 500) {
      const chunk = users.slice(i, i + 500);
      await database.db
        .insertInto('users')
        .values(
          chunk.map((u) => ({
            id: u.id,
            email: u.email,
            password_hash: 'x',
            name: 'b',
            created_at: new Date(),
          })),
        )
        .execute();
      await database.db
        .insertInto('user_products')
        .values(
          chunk.map((u) => ({
            id: randomUUID(),
            user_id: u.id,
            product_id: product,
            expiry_date: addDays(today, -1),
            status: 'active' as const,
            added_at: new Date(),
          })),
        )
        .execute();
    }

    const tokens = users.map((u) => app.tokens.sign(u));
    const c = await ask<{ connected: number; ms: number }>(child, {
      cmd: 'connect',
      url: `ws://127.0.0.1:${port}/api/ws/notification`,
      tokens,
      concurrency: 100,
    });
    const expecting = ask<{ received: (number | undefined)[] }>(child, { cmd: 'expect', timeoutMs: 10_000 });
    const t0 = abs();
    const result = await app.expirySweeper.runOnce();
    const published = abs();
    const { received } = await expecting;
    const lat = received
      .filter((x): x is number => x !== undefined)
      .map((x) => x - t0)
      .sort((a, b) => a - b);
    const missing = received.length - lat.length;
    const p99 = pct(lat, 99);
    process.stdout.write(
      `${mode.padEnd(5)} ${String(c.connected).padStart(5)} sockets (connected in ${(c.ms / 1000).toFixed(1)} s; ${app.socketHub.size} on the server) | ` +
        `sweep created ${result.expiredNotifications + result.expiringSoonNotifications} and published in ${(published - t0).toFixed(0)} ms | ` +
        `latency p50 ${pct(lat, 50).toFixed(0)} ms, p99 ${p99.toFixed(0)} ms, max ${lat.at(-1)!.toFixed(0)} ms, missing ${missing} | ` +
        `target p99 < 1000 ms: ${p99 < 1000 && missing === 0 ? 'met' : 'MISSED'}\n`,
    );
  } finally {
    await ask(child, { cmd: 'close' }).catch(() => undefined);
    await app.close();
    await database.destroy();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

const opts = args();
for (const m of opts.modes) await run(m, opts.sockets, opts.databaseUrl);
