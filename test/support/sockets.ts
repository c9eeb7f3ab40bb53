import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import type { KyselyPlugin } from 'kysely';
import { WebSocket } from 'ws';
import { buildApp } from '../../src/app/build-app.js';
import type { AppConfig } from '../../src/config/app-config.js';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { testConfig } from './app.js';
import type { ScratchDatabase } from './databases.js';
import { APP_MIGRATIONS } from './engine.js';

/** A real server (buildApp + listen) on an already migrated database, with extra settings in `env`. */
export interface Instance {
  app: FastifyInstance;
  database: AppDatabase;
  baseUrl: string;
  wsUrl: string;
  close(): Promise<void>;
}

export async function startInstance(
  scratch: ScratchDatabase,
  env: Record<string, string> = {},
  config: Partial<AppConfig> = {},
  /** Collects the app's error-level log lines (else they go to stdout). */
  errorLines?: string[],
  /** Sits between the app and its database (tests hold a query's answer back with one). */
  plugin?: KyselyPlugin,
): Promise<Instance> {
  const database = await openDatabase(scratch.parsed, { poolSize: 5 });
  const app = await buildApp({
    config: testConfig(scratch, config),
    database: plugin ? { ...database, db: database.db.withPlugin(plugin) } : database,
    logger: errorLines
      ? { level: 'error', stream: { write: (line: string) => errorLines.push(line) } }
      : { level: 'error' },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS, ...env },
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  return {
    app,
    database,
    baseUrl: `http://127.0.0.1:${port}`,
    wsUrl: `ws://127.0.0.1:${port}/api/ws/notification`,
    close: async () => {
      await app.close();
      await database.destroy();
    },
  };
}

/** A WebSocket client that queues what it receives, so tests can await frames in order. */
export class TestSocket {
  readonly frames: any[] = [];
  private waiters: (() => void)[] = [];
  readonly closed: Promise<{ code: number; reason: string }>;
  readonly opened: Promise<void>;

  constructor(
    url: string,
    options: { protocols?: string[]; headers?: Record<string, string>; autoPong?: boolean } = {},
  ) {
    this.ws = new WebSocket(url, options.protocols ?? [], {
      ...(options.headers ? { headers: options.headers } : {}),
      autoPong: options.autoPong ?? true,
    });
    this.ws.on('message', (data) => {
      const text = data.toString();
      let frame: unknown = text;
      try {
        frame = JSON.parse(text);
      } catch {
        // keep the text
      }
      this.frames.push(frame);
      for (const w of this.waiters.splice(0)) w();
    });
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('error', reject);
    });
    this.closed = new Promise((resolve) =>
      this.ws.once('close', (code, reason) => {
        resolve({ code, reason: reason.toString() });
        for (const w of this.waiters.splice(0)) w();
      }),
    );
  }

  readonly ws: WebSocket;

  /** The next unread frame (waits up to `ms`). */
  async next(ms = 3000): Promise<any> {
    const deadline = Date.now() + ms;
    while (this.read >= this.frames.length) {
      const left = deadline - Date.now();
      if (left <= 0 || this.ws.readyState === WebSocket.CLOSED) {
        throw new Error(`no frame within ${ms} ms (have ${JSON.stringify(this.frames)})`);
      }
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    return this.frames[this.read++];
  }

  private read = 0;

  /** The next `n` frames. */
  async take(n: number, ms = 3000): Promise<any[]> {
    const out = [];
    for (let i = 0; i < n; i++) out.push(await this.next(ms));
    return out;
  }

  /** Frames received but not yet read. */
  get unread(): any[] {
    return this.frames.slice(this.read);
  }

  send(data: string | Buffer): void {
    this.ws.send(data);
  }

  /** Sends and returns the reply (the next frame). */
  async ask(data: string): Promise<any> {
    this.send(data);
    return this.next();
  }

  /** How the server closed the socket; fails if it is still open after `ms`. */
  async closedWithin(ms = 5000): Promise<{ code: number; reason: string }> {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket still open after ${ms} ms`)), ms);
    });
    try {
      return await Promise.race([this.closed, late]);
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.ws.readyState === WebSocket.CLOSED) return;
    this.ws.close();
    await this.closed;
  }
}

/** Opens a socket and reads its CONNECTION_ESTABLISHED frame. */
export async function connected(url: string, token: string): Promise<TestSocket> {
  const s = new TestSocket(`${url}?access_token=${encodeURIComponent(token)}`);
  await s.opened;
  const hello = await s.next();
  if (hello?.type !== 'CONNECTION_ESTABLISHED')
    throw new Error(`unexpected first frame ${JSON.stringify(hello)}`);
  return s;
}
