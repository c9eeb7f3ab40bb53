import type { DialectName } from '../ddl/dialect-impl.js';
import type { Introspector } from './introspector.js';
import { MysqlIntrospector } from './mysql.js';
import { PostgresIntrospector } from './postgres.js';
import { SqliteIntrospector } from './sqlite.js';

export function introspector(dialect: DialectName): Introspector {
  switch (dialect) {
    case 'sqlite':
      return new SqliteIntrospector();
    case 'mysql':
      return new MysqlIntrospector();
    case 'postgres':
      return new PostgresIntrospector();
  }
}
