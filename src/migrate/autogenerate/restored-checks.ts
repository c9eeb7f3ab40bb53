import type { DialectName } from '../ddl/dialect-impl.js';
import { dialectImpl } from '../ddl/index.js';
import { type CheckNode, children } from '../introspect/check-expr/check-node.js';
import { portableSpelling } from '../introspect/check-expr/compare.js';
import { parseCheck } from '../introspect/check-expr/parser.js';
import type { CheckDef, TableDef } from '../schema/types.js';

/**
 * A CHECK the database holds and the models no longer have (its table removed, or the check), as
 * the downgrade re-creates it: in a spelling every dialect reads (no casts, no backquotes) where
 * that is certain, so the one revision runs on all three; else as the catalogue spells it, and
 * `portable` false (the revision then says so). PostgreSQL's `(amount >= (0)::numeric)` becomes
 * `amount >= 0`; MariaDB's `` `amount` >= 0 `` too — unless it names a boolean column, which
 * MariaDB compares as 1 and 0 where the others need TRUE and FALSE, or calls a function, which
 * each database may have renamed. SQLite keeps the text an
 * earlier revision wrote.
 */
export function restoredCheck(
  check: CheckDef,
  table: TableDef,
  dialect: DialectName,
): { check: CheckDef; portable: boolean } {
  if (dialect === 'sqlite') return { check, portable: true };
  const parsed = parseCheck(dialectImpl(dialect).checkSql(check.expr), dialect);
  // A function call is spelt as this database renamed it (MariaDB's `octet_length` for `length`).
  const portable = parsed && !parsed.functions ? portableSpelling(parsed) : undefined;
  if (portable === undefined) return { check, portable: false };
  if (dialect === 'mysql') {
    const booleans = new Set(
      table.columns.filter((c) => c.type === 'boolean').map((c) => c.name.toLowerCase()),
    );
    if (columnsOf(parsed!.node).some((c) => booleans.has(c.toLowerCase()))) return { check, portable: false };
  }
  return { check: { ...check, expr: portable }, portable: true };
}

/** A removed table with its checks as `restoredCheck` spells them, and whether all are portable. */
export function restoredTable(table: TableDef, dialect: DialectName): { table: TableDef; portable: boolean } {
  const checks = (table.checks ?? []).map((c) => restoredCheck(c, table, dialect));
  return {
    table: table.checks ? { ...table, checks: checks.map((c) => c.check) } : table,
    portable: checks.every((c) => c.portable),
  };
}

function columnsOf(n: CheckNode): string[] {
  return n.t === 'col' ? [n.name] : children(n).flatMap(columnsOf);
}
