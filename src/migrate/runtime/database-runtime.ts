/**
 * Everything a command needs once it talks to a database, gathered in one module that
 * `Environment` imports on first use. Commands that only read the scripts (history, heads,
 * branches, show, revision) never load it — and so never pay for loading Kysely and a driver.
 */
export { CompiledQuery, sql } from 'kysely';
export { dialectImpl } from '../ddl/index.js';
export { Operations } from '../operations/operations.js';
export { BatchedSink } from './batched-sink.js';
export { callRevision } from './call-revision.js';
export { connect } from './connection.js';
export { flushingDb } from './flushing-db.js';
export { acquireLock, beginSqliteWrite, releaseLock } from './lock.js';
export { OfflineSink } from './offline-sink.js';
export { OnlineSink } from './online-sink.js';
export { VersionTable } from './version-table.js';
