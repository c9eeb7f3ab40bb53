import fs from 'node:fs';
import path from 'node:path';
import type { DialectName } from '../ddl/dialect-impl.js';

/** A parsed database URL. `mysql://`, `mariadb://`, `postgres://`, `postgresql://`, `sqlite:path`. */
export interface DatabaseUrl {
  dialect: DialectName;
  /** SQLite: the file path (or ':memory:'). */
  file?: string;
  host?: string;
  port?: number;
  user?: string;
  password?: string;
  database?: string;
  /** The URL as given, for connecting. */
  url: string;
  /**
   * SQLite: make the file's folder if it is missing (an application's embedded default). Otherwise
   * a missing folder is an error, as it is to SQLite: a mistyped path never becomes a new tree.
   */
  createFolder?: boolean;
}

/** A bad or incomplete setting. The CLI prints its one-line message and exits; no stack trace. */
export class ConfigurationError extends Error {}

export class DatabaseUrlError extends ConfigurationError {}

/**
 * `cwd`: what a relative SQLite path is relative to. `createRelativeFolder`: such a path's folder
 * is made on first use (`createFolder`), as an application's own data folder; an absolute path's
 * must exist, so a mistyped one never becomes a new tree.
 */
export function parseDatabaseUrl(
  raw: string,
  cwd = process.cwd(),
  options: { createRelativeFolder?: boolean } = {},
): DatabaseUrl {
  const url = raw.trim();
  const scheme = /^([a-z0-9+]+):/i.exec(url)?.[1]?.toLowerCase();
  if (!scheme) throw new DatabaseUrlError('must start with mysql://, postgres:// or sqlite:');
  if (scheme === 'sqlite') {
    let file = url.slice('sqlite:'.length);
    // SQLAlchemy's spellings mean what they mean there: sqlite:///rel/path is relative to the
    // project folder and sqlite:////abs/path absolute (the path is what follows the third slash).
    // sqlite://rel/path is read as relative too.
    if (file.startsWith('//')) file = file.slice(2);
    if (file.startsWith('/') && url.startsWith('sqlite:///')) {
      file = file.slice(1);
      // Until this release sqlite:///x was read as the absolute /x. A database that exists there
      // and not at the relative path is that one: refuse rather than start an empty one.
      const absolute = `/${file}`;
      if (!file.startsWith('/') && !fs.existsSync(path.resolve(cwd, file)) && fs.existsSync(absolute)) {
        throw new DatabaseUrlError(
          `sqlite:///${file} is ${path.resolve(cwd, file)} (relative, as in SQLAlchemy), which does not exist, but ${absolute} does: for that one write sqlite:////${file}`,
        );
      }
    }
    if (file === '')
      throw new DatabaseUrlError('sqlite: needs a file path, e.g. sqlite:./data/expireeye.sqlite');
    const relative = file !== ':memory:' && !path.isAbsolute(file);
    if (file !== ':memory:') file = path.resolve(cwd, file);
    // Kernel views, not storage; and Node 20's recursive mkdir never returns under /proc.
    if (/^\/(proc|sys)(\/|$)/.test(file))
      throw new DatabaseUrlError(
        `sqlite: ${file} is under /proc or /sys, which hold no files; choose a real directory`,
      );
    return {
      dialect: 'sqlite',
      file,
      url,
      ...(relative && options.createRelativeFolder ? { createFolder: true } : {}),
    };
  }
  const dialect: DialectName | undefined =
    scheme === 'mysql' || scheme === 'mariadb' || scheme.startsWith('mysql+')
      ? 'mysql'
      : scheme === 'postgres' || scheme === 'postgresql' || scheme.startsWith('postgresql+')
        ? 'postgres'
        : undefined;
  if (!dialect)
    throw new DatabaseUrlError(`unsupported scheme '${scheme}' (use mysql://, postgres:// or sqlite:)`);
  let parsed: URL;
  try {
    parsed = new URL(url.replace(/^[^:]+:/, 'db:'));
  } catch {
    throw new DatabaseUrlError('is not a valid URL');
  }
  const database = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!parsed.hostname) throw new DatabaseUrlError('has no host');
  if (!database) throw new DatabaseUrlError('names no database (…/dbname)');
  const port = parsed.port ? Number(parsed.port) : dialect === 'mysql' ? 3306 : 5432;
  return {
    dialect,
    host: parsed.hostname,
    port,
    user: decodeURIComponent(parsed.username) || (dialect === 'mysql' ? 'root' : 'postgres'),
    password: decodeURIComponent(parsed.password),
    database,
    url,
  };
}

/** The URL with its password masked, as Alembic prints it (`XXXXX`). */
export function displayUrl(db: DatabaseUrl): string {
  if (db.dialect === 'sqlite') return `sqlite:${db.file}`;
  const scheme = db.dialect === 'mysql' ? 'mysql' : 'postgresql';
  const auth = db.password ? `${db.user}:XXXXX` : db.user;
  return `${scheme}://${auth}@${db.host}:${db.port}/${db.database}`;
}
