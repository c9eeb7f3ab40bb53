import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { sql } from 'kysely';
import { connect } from '../../src/migrate/runtime/connection.js';
import { parseDatabaseUrl } from '../../src/migrate/runtime/database-url.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { postgresTlsProxy, testCertificates } from '../support/postgres-tls.js';

/**
 * `sslmode` end to end on PostgreSQL, against a server with TLS (a proxy that speaks PostgreSQL's
 * TLS negotiation in front of the local server, which has none) and certificates of a CA the test
 * made: `require` encrypts whatever the certificate, `verify-ca` needs the CA and not the name,
 * `verify-full` needs both.
 */
describe('sslmode against a PostgreSQL server with TLS', () => {
  let db: ScratchDatabase;
  let certs: ReturnType<typeof testCertificates>;
  let rightName: Awaited<ReturnType<typeof postgresTlsProxy>>;
  let wrongName: Awaited<ReturnType<typeof postgresTlsProxy>>;
  before(async () => {
    db = await scratchDatabase('postgres');
    certs = testCertificates();
    const target = { host: db.parsed.host!, port: db.parsed.port! };
    rightName = await postgresTlsProxy(target, certs.server('IP:127.0.0.1'));
    wrongName = await postgresTlsProxy(target, certs.server('DNS:elsewhere.example'));
  });
  after(async () => {
    await rightName?.close();
    await wrongName?.close();
    certs?.cleanup();
    await db?.drop();
  });

  /** Connects through `proxy` with `query` and runs one statement; the error's text when it fails. */
  async function through(proxy: { port: number }, query: string): Promise<string> {
    const url = `postgres://${db.parsed.user}@127.0.0.1:${proxy.port}/${db.parsed.database}?${query}`;
    const kysely = await connect(parseDatabaseUrl(url));
    try {
      const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(kysely);
      return rows[0]?.ok === 1 ? 'ok' : 'no row';
    } catch (e) {
      return (e as Error).message;
    } finally {
      await kysely.destroy();
    }
  }

  test('disable: in the clear; require: encrypted, the certificate not checked', async () => {
    assert.equal(await through(wrongName, 'sslmode=disable'), 'ok');
    assert.equal(wrongName.encrypted.at(-1), false);
    assert.equal(await through(wrongName, 'sslmode=require'), 'ok');
    assert.equal(wrongName.encrypted.at(-1), true);
  });

  test('verify-ca: the CA is checked, the name is not', async () => {
    assert.equal(await through(wrongName, `sslmode=verify-ca&sslrootcert=${certs.caFile}`), 'ok');
    assert.equal(wrongName.encrypted.at(-1), true);
    // Without the test's CA, Node's own CAs do not know it.
    assert.match(await through(rightName, 'sslmode=verify-ca'), /self[- ]signed|unable to (get|verify)/i);
  });

  test('verify-full: the CA and the name', async () => {
    assert.equal(await through(rightName, `sslmode=verify-full&sslrootcert=${certs.caFile}`), 'ok');
    assert.equal(rightName.encrypted.at(-1), true);
    assert.match(
      await through(wrongName, `sslmode=verify-full&sslrootcert=${certs.caFile}`),
      /altnames|does not match|Hostname\/IP/i,
    );
  });
});
