import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DatabaseUrl, type DialectName, parseDatabaseUrl } from '../../src/migrate/index.js';

/**
 * Real databases for tests: every test gets a database of its own (created here, dropped after),
 * so test files run in parallel. The servers come from TEST_MYSQL_URL / TEST_POSTGRES_URL
 * (defaults: the local MariaDB and PostgreSQL). An unreachable server fails the test: a dialect is
 * never skipped silently.
 */
export const DIALECTS: readonly DialectName[] = (process.env.TEST_DIALECTS?.split(',') as DialectName[]) ?? [
  'sqlite',
  'mysql',
  'postgres',
];

const ADMIN = {
  mysql: process.env.TEST_MYSQL_URL ?? 'mysql://root@127.0.0.1:3306/test',
  postgres: process.env.TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
};

export interface ScratchDatabase {
  dialect: DialectName;
  url: string;
  parsed: DatabaseUrl;
  drop(): Promise<void>;
}

export async function scratchDatabase(dialect: DialectName): Promise<ScratchDatabase> {
  const name = `ee_t_${process.pid}_${randomBytes(4).toString('hex')}`;
  if (dialect === 'sqlite') {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-sqlite-'));
    const url = `sqlite:${path.join(dir, `${name}.sqlite`)}`;
    return {
      dialect,
      url,
      parsed: parseDatabaseUrl(url),
      drop: async () => fs.rmSync(dir, { recursive: true, force: true }),
    };
  }
  const admin = parseDatabaseUrl(ADMIN[dialect]);
  await adminQuery(dialect, admin, [`CREATE DATABASE ${name}`]);
  const auth = admin.password ? `${admin.user}:${encodeURIComponent(admin.password)}` : admin.user;
  const url = `${dialect === 'mysql' ? 'mysql' : 'postgres'}://${auth}@${admin.host}:${admin.port}/${name}`;
  return {
    dialect,
    url,
    parsed: parseDatabaseUrl(url),
    drop: () =>
      adminQuery(dialect, admin, [
        dialect === 'postgres'
          ? `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`
          : `DROP DATABASE IF EXISTS ${name}`,
      ]),
  };
}

async function adminQuery(
  dialect: 'mysql' | 'postgres',
  admin: DatabaseUrl,
  statements: string[],
): Promise<void> {
  if (dialect === 'mysql') {
    const mysql = await import('mysql2/promise');
    const conn = await mysql.createConnection({
      host: admin.host!,
      port: admin.port!,
      user: admin.user!,
      password: admin.password ?? '',
    });
    try {
      for (const s of statements) await conn.query(s);
    } finally {
      await conn.end();
    }
    return;
  }
  const { default: pg } = await import('pg');
  const client = new pg.Client({
    host: admin.host!,
    port: admin.port!,
    user: admin.user!,
    password: admin.password || undefined,
    database: admin.database!,
  });
  await client.connect();
  try {
    for (const s of statements) await client.query(s);
  } finally {
    await client.end();
  }
}
