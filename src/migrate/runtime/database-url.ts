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
  /** TLS to the server, from the URL's `sslmode` (see urlParameters). Absent: none. */
  tls?: DatabaseTls;
  /**
   * A Unix socket instead of TCP: PostgreSQL's `?host=/run/postgresql` (the socket's folder, as
   * libpq reads it), MySQL's `?socket=/run/mysqld/mysqld.sock` (the socket file).
   */
  socket?: string;
}

/**
 * `require`: encrypted, the server's certificate not checked (libpq's `require`, MySQL's
 * `REQUIRED`); `ca`: its certificate signed by a trusted CA (`verify-ca`, `VERIFY_CA`); `full`: and
 * issued for the host connected to (`verify-full`, `VERIFY_IDENTITY`). `caFile`: the CA to trust
 * (`sslrootcert`), else Node's.
 */
export interface DatabaseTls {
  verify: 'none' | 'ca' | 'full';
  caFile?: string;
}

/** `sslmode` values, libpq's and MySQL's spellings, any case. */
const SSL_MODES: Record<string, DatabaseTls['verify'] | 'off'> = {
  disable: 'off',
  disabled: 'off',
  require: 'none',
  required: 'none',
  'verify-ca': 'ca',
  verify_ca: 'ca',
  'verify-full': 'full',
  verify_identity: 'full',
};

/**
 * The query parameters a server URL may carry. Every other one is refused, never ignored: a
 * `?sslmode=verify-full` that was dropped would connect in the clear while its author believed
 * otherwise. `allow`/`prefer` are refused too — they fall back to the clear when the server has no
 * TLS, which neither driver can do as libpq does.
 */
function urlParameters(dialect: DialectName, params: URLSearchParams): Pick<DatabaseUrl, 'tls' | 'socket'> {
  const out: Pick<DatabaseUrl, 'tls' | 'socket'> = {};
  let mode: DatabaseTls['verify'] | 'off' | undefined;
  let caFile: string | undefined;
  for (const [key, value] of params) {
    const k = key.toLowerCase().replaceAll('_', '-');
    if (k === 'sslmode' || k === 'ssl-mode') {
      mode = SSL_MODES[value.toLowerCase()];
      if (mode === undefined) {
        throw new DatabaseUrlError(
          `${key}=${value} is not supported: use disable, require, verify-ca or verify-full (or MySQL's DISABLED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY)`,
        );
      }
    } else if (k === 'sslrootcert' || k === 'ssl-ca') {
      if (!path.isAbsolute(value) || !fs.existsSync(value)) {
        throw new DatabaseUrlError(`${key}: ${value} is not an existing file (an absolute path is needed)`);
      }
      caFile = value;
    } else if ((dialect === 'postgres' && k === 'host') || (dialect === 'mysql' && k === 'socket')) {
      if (!path.isAbsolute(value)) throw new DatabaseUrlError(`${key}: a Unix socket needs an absolute path`);
      out.socket = value;
    } else if (dialect === 'mysql' && k === 'charset') {
      // Every connection is utf8mb4 (all of Unicode); anything else would garble what it cannot hold.
      if (value.toLowerCase() !== 'utf8mb4')
        throw new DatabaseUrlError(`charset=${value}: only utf8mb4 is used`);
    } else {
      const supported =
        dialect === 'postgres'
          ? 'sslmode, sslrootcert, host'
          : 'ssl-mode (or sslmode), ssl-ca, socket, charset';
      throw new DatabaseUrlError(`unsupported parameter '${key}' (supported: ${supported})`);
    }
  }
  if (caFile && (mode === undefined || mode === 'off' || mode === 'none')) {
    throw new DatabaseUrlError(
      'a CA file is used to verify the server: set sslmode=verify-ca or verify-full too',
    );
  }
  if (mode && mode !== 'off') out.tls = { verify: mode, ...(caFile ? { caFile } : {}) };
  return out;
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
    if (file.includes('?'))
      throw new DatabaseUrlError(
        'sqlite: takes a file path, without ?parameters (a ? in the name would be taken literally)',
      );
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
  // The URL parser reads an empty or zero port as none: say so rather than take the default.
  const authority = (/^[^:]+:\/\/([^/?#]*)/.exec(url)?.[1] ?? '').replace(/^.*@/, '');
  if (/:0*$/.test(authority) && !/^\[[^\]]*\]$/.test(authority))
    throw new DatabaseUrlError('port 0 (or an empty port) is not a port: 1 to 65535');
  const port = parsed.port ? Number(parsed.port) : dialect === 'mysql' ? 3306 : 5432;
  return {
    dialect,
    // An IPv6 address comes bracketed (`[::1]`); the drivers want the address itself.
    host: parsed.hostname.replace(/^\[(.*)\]$/, '$1'),
    port,
    user: decodeURIComponent(parsed.username) || (dialect === 'mysql' ? 'root' : 'postgres'),
    password: decodeURIComponent(parsed.password),
    database,
    url,
    ...urlParameters(dialect, parsed.searchParams),
  };
}

/** The URL with its password masked, as Alembic prints it (`XXXXX`). */
export function displayUrl(db: DatabaseUrl): string {
  if (db.dialect === 'sqlite') return `sqlite:${db.file}`;
  const scheme = db.dialect === 'mysql' ? 'mysql' : 'postgresql';
  const auth = db.password ? `${db.user}:XXXXX` : db.user;
  const host = db.host?.includes(':') ? `[${db.host}]` : db.host;
  const query = [
    ...(db.tls
      ? [`sslmode=${{ none: 'require', ca: 'verify-ca', full: 'verify-full' }[db.tls.verify]}`]
      : []),
    ...(db.socket ? [`${db.dialect === 'mysql' ? 'socket' : 'host'}=${db.socket}`] : []),
  ];
  return `${scheme}://${auth}@${host}:${db.port}/${db.database}${query.length ? `?${query.join('&')}` : ''}`;
}
