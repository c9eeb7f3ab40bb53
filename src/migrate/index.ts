/**
 * The migration engine's public surface. Applications declare models with `defineTable`/`col`,
 * describe themselves with a `MigrationConfig`, and hand both to `runDbProgram`. Revision files
 * import only the `Operations` type from here.
 */
export { type DbProgramOptions, runDbProgram } from './cli/db-program.js';
export { CommandError } from './commands/errors.js';
export type { DialectName } from './ddl/dialect-impl.js';
export { type AlterColumnOptions, Operations } from './operations/operations.js';
export type { MigrationConfig } from './runtime/config.js';
export { connect } from './runtime/connection.js';
export {
  ConfigurationError,
  type DatabaseUrl,
  DatabaseUrlError,
  displayUrl,
  parseDatabaseUrl,
} from './runtime/database-url.js';
export { Environment } from './runtime/environment.js';
export { CapturedOutput, consoleOutput, type Output } from './runtime/output.js';
export { sqliteTimestamp } from './runtime/sqlite-bindings.js';
export * from './schema/index.js';
