import type { DialectImpl, DialectName } from './dialect-impl.js';
import { MysqlDialect } from './mysql.js';
import { PostgresDialect } from './postgres.js';
import { SqliteDialect } from './sqlite.js';

export function dialectImpl(name: DialectName): DialectImpl {
  switch (name) {
    case 'sqlite':
      return new SqliteDialect();
    case 'mysql':
      return new MysqlDialect();
    case 'postgres':
      return new PostgresDialect();
  }
}
