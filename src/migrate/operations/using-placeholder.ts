/**
 * What autogenerate writes as `op.alterColumn`'s `using` where PostgreSQL has no cast for a type
 * change (autogenerate/postgres-casts.ts). It is not SQL on purpose: a revision nobody reviewed is
 * refused on PostgreSQL with a message naming the column, rather than run with a guessed expression.
 */
export function usingPlaceholder(column: string, from: string, to: string): string {
  return `<expression of "${column}" giving ${to}: no PostgreSQL cast from ${from}>`;
}

/** True for a `using` autogenerate left to fill in. */
export const isUsingPlaceholder = (using: string): boolean => /^<[\s\S]*>$/.test(using.trim());
