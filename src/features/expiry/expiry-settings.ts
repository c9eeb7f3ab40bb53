import { ConfigError } from '../../config/config-error.js';
import { wholeNumber } from '../../config/env-values.js';
import { isTimeZone } from './local-date.js';

/** How the expiry sweep runs; read from the environment once at start. */
export interface ExpirySettings {
  /** `SWEEP_INTERVAL_SECONDS` (default 60): how often each server sweeps; 0 = never (use `expireeye sweep`). */
  intervalSeconds: number;
  /** `EXPIRY_WARNING_DAYS` (default 2): "expiring soon" is sent this many days before the date (0 = on the day). */
  warningDays: number;
  /** `APP_TIMEZONE` (default UTC): the IANA zone whose calendar decides what "today" is. */
  timeZone: string;
  /**
   * `SWEEP_CHUNK_SIZE` (default 1,000): items per chunk of a sweep, each chunk one transaction. It
   * bounds how long a chunk holds locks (on SQLite: the whole server, which is synchronous) and how
   * many notifications are in memory at once.
   */
  chunkSize: number;
  /**
   * `SWEEP_STATEMENT_TIMEOUT_SECONDS` (default 60; 0 = none): how long one statement of the server's
   * sweep may wait for the database. A chunk does more than a request, so it gets longer than
   * `DB_TIMEOUT_SECONDS`; a database that stops answering still fails the sweep in bounded time
   * (the next run goes on), and a shutdown need not wait for it. It bounds the sweep's statements
   * whatever `DB_TIMEOUT_SECONDS` is (0 included). Each of its waits for a pooled connection is
   * bounded by the shorter of the two (the one set, when the other is 0): the pool's own bound
   * (`DB_TIMEOUT_SECONDS`: PostgreSQL's `connectionTimeoutMillis`) still applies to it.
   */
  statementTimeoutSeconds: number;
}

export const DEFAULT_CHUNK_SIZE = 1000;
/** A chunk's ids are bound as one parameter each: SQLite allows 32,766 in a statement. */
export const MAX_CHUNK_SIZE = 10_000;

export function expirySettings(env: NodeJS.ProcessEnv = process.env): ExpirySettings {
  const timeZone = env.APP_TIMEZONE?.trim() || 'UTC';
  if (!isTimeZone(timeZone)) {
    throw new ConfigError(
      'APP_TIMEZONE',
      `must be an IANA time zone such as Europe/Berlin or UTC, got '${timeZone}'`,
    );
  }
  return {
    intervalSeconds: wholeNumber(env, 'SWEEP_INTERVAL_SECONDS', 60, 0, 86_400),
    warningDays: wholeNumber(env, 'EXPIRY_WARNING_DAYS', 2, 0, 30),
    timeZone,
    chunkSize: wholeNumber(env, 'SWEEP_CHUNK_SIZE', DEFAULT_CHUNK_SIZE, 1, MAX_CHUNK_SIZE),
    statementTimeoutSeconds: wholeNumber(env, 'SWEEP_STATEMENT_TIMEOUT_SECONDS', 60, 0, 86_400),
  };
}
