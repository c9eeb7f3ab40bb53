import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { type BuildAppOptions, buildApp } from '../../src/app/build-app.js';
import { type AppConfig, DEFAULT_CORS_ORIGINS } from '../../src/config/app-config.js';
import { type AppDatabase, openDatabase } from '../../src/db/database.js';
import { upgrade } from '../../src/migrate/commands/upgrade.js';
import { CapturedOutput, type DialectName, Environment } from '../../src/migrate/index.js';
import { type ScratchDatabase, scratchDatabase } from './databases.js';
import { APP_MIGRATIONS } from './engine.js';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256!!';

/** A running server on a fresh database migrated to head by the engine, reached over real HTTP. */
export interface TestServer {
  app: FastifyInstance;
  baseUrl: string;
  database: AppDatabase;
  scratch: ScratchDatabase;
  /** Kinds of the queries executed so far (tests count them). */
  queries: string[];
  /** The server's today, held from its start: a run across midnight does not see two dates. */
  today: string;
  client(token?: string): Client;
  close(): Promise<void>;
}

export async function migrateToHead(scratch: ScratchDatabase): Promise<void> {
  const env = new Environment(
    { scriptLocation: APP_MIGRATIONS, database: () => scratch.parsed },
    new CapturedOutput(),
  );
  try {
    await upgrade(env, 'head');
  } finally {
    await env.close();
  }
}

export function testConfig(scratch: ScratchDatabase, overrides: Partial<AppConfig> = {}): AppConfig {
  return {
    database: scratch.parsed,
    host: '127.0.0.1',
    port: 0,
    secretKey: TEST_SECRET,
    jwtExpiresMinutes: 60,
    bcryptCost: 4,
    corsOrigins: DEFAULT_CORS_ORIGINS,
    migrateOnStart: false,
    loginMaxFailures: 5,
    loginFailureWindowSeconds: 900,
    loginMaxFailuresPerAccount: 50,
    catalogueProductsPerDay: 500,
    authRateLimitPerMinute: 100_000,
    sweepIntervalSeconds: 0,
    logLevel: 'error',
    trustProxy: 0,
    poolSize: 5,
    dbTimeoutSeconds: 5,
    // The route-by-route tests read the OpenAPI document; app config's own test covers the default.
    apiDocs: true,
    ...overrides,
  };
}

export async function startServer(
  dialect: DialectName,
  overrides: Partial<AppConfig> = {},
  scanning?: BuildAppOptions['scanning'],
): Promise<TestServer> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const queries: string[] = [];
  const started = new Date();
  const database = await openDatabase(scratch.parsed, { poolSize: 5, onQuery: (q) => queries.push(q) });
  const app = await buildApp({
    config: testConfig(scratch, overrides),
    database,
    logger: { level: overrides.logLevel ?? 'error' },
    env: { ...process.env, EXPIREEYE_SCRIPT_LOCATION: APP_MIGRATIONS },
    ...(scanning ? { scanning } : {}),
    calendarClock: () => started,
  });
  await app.listen({ host: '127.0.0.1', port: 0 });
  const { port } = app.server.address() as AddressInfo;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    baseUrl,
    database,
    scratch,
    queries,
    today: app.today(),
    client: (token?: string) => new Client(baseUrl, token),
    close: async () => {
      await app.close();
      await database.destroy();
      await scratch.drop();
    },
  };
}

export interface Answer<T = any> {
  status: number;
  body: T;
  headers: Headers;
  text: string;
}

/** fetch with JSON in and out. */
export class Client {
  constructor(
    readonly baseUrl: string,
    readonly token?: string,
  ) {}

  async send<T = any>(
    method: string,
    path: string,
    body?: unknown,
    headers: Record<string, string> = {},
  ): Promise<Answer<T>> {
    const h: Record<string, string> = { ...headers };
    if (this.token && h.authorization === undefined) h.authorization = `Bearer ${this.token}`;
    let payload: string | undefined;
    if (body !== undefined) {
      payload = typeof body === 'string' ? body : JSON.stringify(body);
      h['content-type'] ??= 'application/json';
    }
    const res = await fetch(`${this.baseUrl}${path}`, { method, headers: h, body: payload });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: res.status, body: parsed as T, headers: res.headers, text };
  }

  get<T = any>(path: string, headers?: Record<string, string>) {
    return this.send<T>('GET', path, undefined, headers);
  }
  post<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send<T>('POST', path, body, headers);
  }
  put<T = any>(path: string, body?: unknown, headers?: Record<string, string>) {
    return this.send<T>('PUT', path, body, headers);
  }
  delete<T = any>(path: string, headers?: Record<string, string>) {
    return this.send<T>('DELETE', path, undefined, headers);
  }
}

let counter = 0;

export interface TestUser {
  id: string;
  email: string;
  password: string;
  token: string;
  api: Client;
}

/** Signs up, through the server at `baseUrl`, a user with a unique e-mail starting with `name`. */
export async function signUp(
  baseUrl: string,
  name = 'user',
  password = 'secret-password',
): Promise<TestUser> {
  const email = `${name}${++counter}.${process.pid}.${randomBytes(3).toString('hex')}@example.com`;
  const res = await new Client(baseUrl).post('/api/auth/signup', { name, email, password });
  if (res.status !== 200) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return {
    id: res.body.userId,
    email,
    password,
    token: res.body.token,
    api: new Client(baseUrl, res.body.token),
  };
}

/** Signs up a new user with a unique e-mail and returns a client carrying its token. */
export function newUser(server: TestServer, name = 'user'): Promise<TestUser> {
  return signUp(server.baseUrl, name);
}
