import type { DialectImpl } from '../ddl/dialect-impl.js';

/**
 * Inlines a compiled query's parameters as literals, for `--sql` scripts. Values go through the
 * dialect's literal escaping. (Online, queries run with bound parameters.)
 */
export function renderQuery(impl: DialectImpl, sqlText: string, parameters: readonly unknown[]): string {
  if (parameters.length === 0) return sqlText;
  if (impl.name === 'postgres') {
    return sqlText.replace(/\$(\d+)/g, (_m, n: string) => impl.literal(parameters[Number(n) - 1]));
  }
  let i = 0;
  // `?` placeholders, skipping any inside quoted strings or identifiers.
  return sqlText.replace(/'(?:[^']|'')*'|"(?:[^"]|"")*"|`[^`]*`|\?/g, (m) =>
    m === '?' ? impl.literal(parameters[i++]) : m,
  );
}
