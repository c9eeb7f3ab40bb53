import { isIPv6 } from 'node:net';
import { type DatabaseUrl, DatabaseUrlError, parseDatabaseUrl } from '../migrate/runtime/database-url.js';
import { ConfigError } from './config-error.js';
import { loadEnvFile, projectFolder } from './env-file.js';

export const DEFAULT_SQLITE_URL = 'sqlite:./data/expireeye.sqlite';

/**
 * Which database to use, in order:
 * 1. `DATABASE_URL` (`mysql://…`, `postgres://…`, `sqlite:path`);
 * 2. the seed's `DB_USER`, `DB_PASSWORD`, `DB_HOST`, `DB_PORT`, `DB_NAME`, which select MySQL/MariaDB
 *    exactly as the original `alembic/env.py` built its URL;
 * 3. the embedded default, SQLite at `./data/expireeye.sqlite` in the project folder (`projectFolder`),
 *    created on first use; outside any project folder, a ConfigError asking for DATABASE_URL.
 */
export function databaseFromEnv(env: NodeJS.ProcessEnv = process.env): DatabaseUrl {
  const fromFile = loadEnvFile();
  const parts = ['DB_USER', 'DB_PASSWORD', 'DB_HOST', 'DB_PORT', 'DB_NAME'] as const;
  // The environment wins over .env, for a setting as for a variable: DB_* set in the environment
  // are not overridden by a DATABASE_URL that only .env gives.
  const dbFromEnvironment = parts.some((p) => env[p] && !fromFile.has(p));
  const url = fromFile.has('DATABASE_URL') && dbFromEnvironment ? undefined : env.DATABASE_URL?.trim();
  if (url) {
    try {
      // A relative SQLite path is the project's, as `./data` of the default is: resolved against
      // the project folder (where `.env` is) and its folder made on first use. An absolute path
      // is taken as given, and its folder must exist (a mistyped one never becomes a new tree).
      return parseDatabaseUrl(url, projectFolder() ?? process.cwd(), { createRelativeFolder: true });
    } catch (e) {
      throw new ConfigError(
        'DATABASE_URL',
        e instanceof DatabaseUrlError ? e.message : 'is not a valid database URL',
      );
    }
  }
  if (parts.some((p) => env[p] !== undefined && env[p] !== '')) {
    for (const p of ['DB_USER', 'DB_HOST', 'DB_PORT', 'DB_NAME'] as const) {
      if (!env[p]?.trim()) {
        throw new ConfigError(
          p,
          'is not set (DB_USER, DB_HOST, DB_PORT and DB_NAME select MySQL together; DB_PASSWORD may be empty)',
        );
      }
    }
    // Digits only: Number() would also read 0x0CEA and 3.306e3 as 3306.
    const port = /^\d+$/.test(env.DB_PORT!.trim()) ? Number(env.DB_PORT) : Number.NaN;
    if (!Number.isInteger(port) || port < 1 || port > 65535) {
      throw new ConfigError('DB_PORT', `must be a port number from 1 to 65535, got '${env.DB_PORT}'`);
    }
    const host = env.DB_HOST!.trim();
    const unbracketed = host.replace(/^\[(.*)\]$/, '$1');
    // A name or an address, nothing else: in the URL below a port, a path or an @ would be read
    // as other parts of it (`h@x` as password and host).
    const ipv6 = isIPv6(unbracketed);
    if (!ipv6 && !/^[A-Za-z0-9._-]+$/.test(host)) {
      throw new ConfigError(
        'DB_HOST',
        `must be a host name or an IP address, without port or path (the port is DB_PORT), got '${host}'`,
      );
    }
    const e = encodeURIComponent;
    const auth = env.DB_PASSWORD ? `${e(env.DB_USER!)}:${e(env.DB_PASSWORD)}` : e(env.DB_USER!);
    const urlHost = ipv6 ? `[${unbracketed}]` : host;
    return parseDatabaseUrl(`mysql://${auth}@${urlHost}:${port}/${e(env.DB_NAME!)}`);
  }
  const project = projectFolder();
  if (!project) {
    throw new ConfigError(
      'DATABASE_URL',
      `is not set, and no folder here or above holds a package.json or .env to keep the embedded SQLite database in: run from the project folder, or set DATABASE_URL (e.g. sqlite:${process.cwd()}/expireeye.sqlite)`,
    );
  }
  return parseDatabaseUrl(DEFAULT_SQLITE_URL, project, { createRelativeFolder: true });
}
