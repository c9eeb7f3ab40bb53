/** Driver errors for constraint violations, recognised the same way on every dialect. */

interface DriverError {
  code?: string | number;
  errno?: number;
}

function info(e: unknown): DriverError {
  return typeof e === 'object' && e !== null ? (e as DriverError) : {};
}

/** A UNIQUE or PRIMARY KEY violation. */
export function isUniqueViolation(e: unknown): boolean {
  const { code, errno } = info(e);
  return (
    code === 'SQLITE_CONSTRAINT_UNIQUE' ||
    code === 'SQLITE_CONSTRAINT_PRIMARYKEY' ||
    code === '23505' ||
    errno === 1062 ||
    code === 'ER_DUP_ENTRY'
  );
}

/** A FOREIGN KEY violation: the parent row is missing, or a child row still references it. */
export function isForeignKeyViolation(e: unknown): boolean {
  const { code, errno } = info(e);
  return (
    code === 'SQLITE_CONSTRAINT_FOREIGNKEY' ||
    code === '23503' ||
    errno === 1451 ||
    errno === 1452 ||
    code === 'ER_ROW_IS_REFERENCED_2' ||
    code === 'ER_NO_REFERENCED_ROW_2'
  );
}
