import type { UnavailableKind } from '../db/errors.js';

/**
 * The 503's `detail` for each reason the database could not serve: what happened, and what can
 * help. Every such reply has `Retry-After: 5` (errors plugin), the unresolved host name's too:
 * that is a wrong setting or a database host that is down (Docker's DNS does not resolve a compose
 * service while its container is stopped or restarting), and only the second passes by itself.
 */
const DETAIL: Record<UnavailableKind, string> = {
  timeout: 'The database did not answer in time; try again shortly',
  unreachable: 'The database cannot be reached (it is down or restarting); try again shortly',
  unresolved:
    "The database server's host name does not resolve: the database's host is down (try again shortly) or the server's database settings (DB_HOST, DATABASE_URL) name a wrong host",
  lost: 'The connection to the database was lost during the request; try again shortly',
  full: 'The database has no free connection; try again shortly',
  busy: 'The database is busy with another writer; try again shortly',
};

/**
 * A request that commits step by step (add-mass) and was cut short: repeating all of it would
 * repeat what was done, so the client is told to send only what the reply lists as pending.
 */
const PARTIAL: Record<UnavailableKind, string> = {
  timeout: 'The database did not answer in time',
  unreachable: 'The database could not be reached any more',
  unresolved: "The database server's host name does not resolve",
  lost: 'The connection to the database was lost',
  full: 'The database has no free connection',
  busy: 'The database is busy with another writer',
};

export function unavailableDetail(kind: UnavailableKind, partial: boolean): string {
  return partial
    ? `${PARTIAL[kind]}: the items in \`success\` were added; send only those in \`pending\` again`
    : DETAIL[kind];
}
