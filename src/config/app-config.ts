import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { DatabaseUrl } from '../migrate/index.js';
import { ConfigError } from './config-error.js';
import { databaseFromEnv } from './database-config.js';
import { loadEnvFile } from './env-file.js';
import { flag, wholeNumber } from './env-values.js';
import { redisConfig } from './redis-config.js';

/** Everything the HTTP server reads from the environment, validated once at start. */
export interface AppConfig {
  database: DatabaseUrl;
  /** `HOST` (default `localhost`: both 127.0.0.1 and ::1; use 0.0.0.0 in a container). */
  host: string;
  /** `PORT` (default 8000). */
  port: number;
  /** HS256 secret: `SECRET_KEY`, or on the embedded SQLite default a generated one kept in `secret.key`. */
  secretKey: string;
  /** `JWT_EXPIRES_MINUTES` (default 4000, the original's token lifetime). */
  jwtExpiresMinutes: number;
  /** `BCRYPT_COST` (default 12, as the original's `$2b$12$` hashes; 4–15). */
  bcryptCost: number;
  /** `CORS_ORIGINS`: comma-separated origins allowed with credentials (default: the front end's dev origins). */
  corsOrigins: string[];
  /** `MIGRATE_ON_START=1`: let the server upgrade a MySQL/PostgreSQL database to head on start. */
  migrateOnStart: boolean;
  /** `LOGIN_MAX_FAILURES` per e-mail and client address in `LOGIN_FAILURE_WINDOW_SECONDS` (5 in 900 s). */
  loginMaxFailures: number;
  loginFailureWindowSeconds: number;
  /** `CATALOGUE_PRODUCTS_PER_DAY`: products one user may add to the catalogue in 24 hours (500). */
  catalogueProductsPerDay: number;
  /** `LOGIN_MAX_FAILURES_PER_ACCOUNT` per account from clients not signed in to it lately (50; 0 = none). */
  loginMaxFailuresPerAccount: number;
  /** `AUTH_RATE_LIMIT_PER_MINUTE`: signup and login requests per client address and minute (30). */
  authRateLimitPerMinute: number;
  /** `SWEEP_INTERVAL_SECONDS`: how often items past their date are marked expired and notified (60; 0 = off). */
  sweepIntervalSeconds: number;
  /** `LOG_LEVEL` (default info). */
  logLevel: string;
  /**
   * `TRUST_PROXY`: how many reverse proxies are in front (0, the default: none; `1`/`true`: one).
   * The client address is then the one the outermost proxy saw, read from X-Forwarded-For.
   */
  trustProxy: number;
  /** `DB_POOL_SIZE` for MySQL/PostgreSQL (default 10). */
  poolSize: number;
  /**
   * `DB_TIMEOUT_SECONDS` for MySQL/PostgreSQL (default 30; 0 = none): how long a request waits for
   * a connection, and for each statement's answer, before it is a 503. Bounds the health check too.
   */
  dbTimeoutSeconds: number;
  /**
   * `API_DOCS`: serve `/api/openapi.json` and Swagger UI at `/docs`. On by default on the embedded
   * SQLite default (development), off by default on MySQL/PostgreSQL: the original published its
   * whole API on every deployment (its bug list, item 8); a production server opts in with `1`.
   */
  apiDocs: boolean;
}

export const DEFAULT_CORS_ORIGINS = ['http://localhost:5173', 'http://127.0.0.1:5173'];

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** At least 32 characters: HS256 with a short secret can be brute-forced offline from one token. */
const MIN_SECRET = 32;

function secretKey(env: NodeJS.ProcessEnv, database: DatabaseUrl): string {
  const given = env.SECRET_KEY?.trim();
  if (given) {
    if (given.length < MIN_SECRET) {
      throw new ConfigError('SECRET_KEY', `must be at least ${MIN_SECRET} characters long`);
    }
    return given;
  }
  if (database.dialect !== 'sqlite') {
    throw new ConfigError(
      'SECRET_KEY',
      `is not set; a ${database.dialect === 'mysql' ? 'MySQL' : 'PostgreSQL'} database needs an explicit secret (at least ${MIN_SECRET} characters, e.g. from 'openssl rand -base64 48')`,
    );
  }
  if (database.file === ':memory:') return randomBytes(48).toString('base64url');
  return persistedSecret(
    path.join(path.dirname(database.file!), 'secret.key'),
    database.createFolder === true,
  );
}

/**
 * Reads the generated secret, or creates it (mode 0600) on first start; its folder too only where
 * the database's is made (the embedded default), so a mistyped path fails here as it would there.
 */
function persistedSecret(file: string, createFolder: boolean): string {
  try {
    const existing = fs.readFileSync(file, 'utf8').trim();
    if (existing.length >= MIN_SECRET) return existing;
    throw new ConfigError('SECRET_KEY', `is not set and ${file} holds a secret shorter than ${MIN_SECRET}`);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (e instanceof ConfigError) throw e;
      throw new ConfigError('SECRET_KEY', `is not set and ${file} cannot be read`);
    }
  }
  const secret = randomBytes(48).toString('base64url');
  try {
    if (createFolder) fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, `${secret}\n`, { mode: 0o600, flag: 'wx' });
    return secret;
  } catch (e) {
    // Another process created it first: use theirs.
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return fs.readFileSync(file, 'utf8').trim();
    throw new ConfigError(
      'SECRET_KEY',
      `is not set and ${file} cannot be written (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`,
    );
  }
}

function origins(env: NodeJS.ProcessEnv): string[] {
  const raw = env.CORS_ORIGINS;
  if (raw === undefined) return DEFAULT_CORS_ORIGINS;
  const list = raw
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  for (const o of list) {
    if (o === '*') {
      throw new ConfigError('CORS_ORIGINS', "'*' is not allowed with credentials; list the origins");
    }
    let u: URL;
    try {
      u = new URL(o);
    } catch {
      throw new ConfigError('CORS_ORIGINS', `'${o}' is not an origin like https://app.example.com`);
    }
    if (u.origin !== o.replace(/\/$/, '') || !/^https?:$/.test(u.protocol)) {
      throw new ConfigError('CORS_ORIGINS', `'${o}' is not an origin like https://app.example.com`);
    }
  }
  return list.map((o) => o.replace(/\/$/, ''));
}

/**
 * `TRUST_PROXY` as a number of proxies. Not "trust every proxy" (Fastify's `trustProxy: true`):
 * that takes the first X-Forwarded-For entry, which the client writes itself, so a client could
 * claim a new address on every request and escape the login-failure and request-rate limits.
 * Counting from our side, each proxy's own entry is the address it saw.
 */
function proxyHops(env: NodeJS.ProcessEnv): number {
  const raw = env.TRUST_PROXY?.trim().toLowerCase();
  if (raw === 'true' || raw === 'yes') return 1;
  if (raw === 'false' || raw === 'no') return 0;
  return wholeNumber(env, 'TRUST_PROXY', 0, 0, 10);
}

/** Reads and validates the server's settings; a bad one throws a ConfigError naming it. */
export function loadAppConfig(env: NodeJS.ProcessEnv = process.env): AppConfig {
  loadEnvFile();
  const database = databaseFromEnv(env);
  const logLevel = (env.LOG_LEVEL?.trim() || 'info').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}, got '${env.LOG_LEVEL}'`);
  }
  // Checked here with the other settings (buildApp reads it again), so a bad REDIS_URL stops the
  // start before anything is made or opened.
  redisConfig(env);
  const host = env.HOST?.trim() || 'localhost';
  return {
    database,
    host,
    port: wholeNumber(env, 'PORT', 8000, 0, 65535),
    secretKey: secretKey(env, database),
    jwtExpiresMinutes: wholeNumber(env, 'JWT_EXPIRES_MINUTES', 4000, 1, 60 * 24 * 365),
    bcryptCost: wholeNumber(env, 'BCRYPT_COST', 12, 4, 15),
    corsOrigins: origins(env),
    migrateOnStart: flag(env, 'MIGRATE_ON_START'),
    loginMaxFailures: wholeNumber(env, 'LOGIN_MAX_FAILURES', 5, 1, 1000),
    loginFailureWindowSeconds: wholeNumber(env, 'LOGIN_FAILURE_WINDOW_SECONDS', 900, 1, 86400),
    catalogueProductsPerDay: wholeNumber(env, 'CATALOGUE_PRODUCTS_PER_DAY', 500, 1, 1_000_000),
    loginMaxFailuresPerAccount: wholeNumber(env, 'LOGIN_MAX_FAILURES_PER_ACCOUNT', 50, 0, 100000),
    authRateLimitPerMinute: wholeNumber(env, 'AUTH_RATE_LIMIT_PER_MINUTE', 30, 1, 100000),
    sweepIntervalSeconds: wholeNumber(env, 'SWEEP_INTERVAL_SECONDS', 60, 0, 86400),
    logLevel,
    trustProxy: proxyHops(env),
    poolSize: wholeNumber(env, 'DB_POOL_SIZE', 10, 1, 500),
    dbTimeoutSeconds: wholeNumber(env, 'DB_TIMEOUT_SECONDS', 30, 0, 3600),
    apiDocs: env.API_DOCS?.trim() ? flag(env, 'API_DOCS') : database.dialect === 'sqlite',
  };
}
