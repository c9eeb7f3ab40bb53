import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { type Kysely, sql } from 'kysely';
import { connect } from '../../src/migrate/runtime/connection.js';
import { parseDatabaseUrl } from '../../src/migrate/runtime/database-url.js';
import { type ScratchDatabase, scratchDatabase } from '../support/databases.js';
import { type MariadbWithTls, startMariadbWithTls } from '../support/mariadb-tls.js';
import { postgresTlsProxy, testCertificates } from '../support/postgres-tls.js';

/** Connects to `url` and runs `read`: its answer, or the error's text when either fails. */
async function answer(url: string, read: (db: Kysely<any>) => Promise<string>): Promise<string> {
  const kysely = await connect(parseDatabaseUrl(url));
  try {
    return await read(kysely);
  } catch (e) {
    return (e as Error).message;
  } finally {
    await kysely.destroy();
  }
}

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
  const through = (proxy: { port: number }, query: string) =>
    answer(
      `postgres://${db.parsed.user}@127.0.0.1:${proxy.port}/${db.parsed.database}?${query}`,
      async (k) => {
        const { rows } = await sql<{ ok: number }>`select 1 as ok`.execute(k);
        return rows[0]?.ok === 1 ? 'ok' : 'no row';
      },
    );

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

/**
 * `ssl-mode` end to end on MySQL/MariaDB, against real MariaDB servers with TLS (private ones the
 * test starts: the machine's has none), one with a certificate for 127.0.0.1 and one for another
 * name. Whether a connection is encrypted is asked of the server (`Ssl_cipher`).
 */
describe('ssl-mode against a MariaDB server with TLS', () => {
  let certs: ReturnType<typeof testCertificates>;
  let rightName: MariadbWithTls;
  let wrongName: MariadbWithTls;
  before(async () => {
    certs = testCertificates();
    [rightName, wrongName] = await Promise.all([
      startMariadbWithTls(certs.server('IP:127.0.0.1')),
      startMariadbWithTls(certs.server('DNS:elsewhere.example')),
    ]);
  });
  after(async () => {
    await Promise.all([rightName?.stop(), wrongName?.stop()]);
    certs?.cleanup();
  });

  /** The cipher of a connection made with `query` ('' in the clear), or the error's text. */
  const cipher = (server: MariadbWithTls, query: string) =>
    answer(`mysql://root@127.0.0.1:${server.port}/mysql${query ? `?${query}` : ''}`, async (k) => {
      const { rows } = await sql<{ Value: string }>`show session status like 'Ssl_cipher'`.execute(k);
      return rows[0]?.Value ?? 'no row';
    });

  test('none asked: in the clear; REQUIRED: encrypted, the certificate not checked', async () => {
    assert.equal(await cipher(wrongName, ''), '');
    assert.equal(await cipher(wrongName, 'ssl-mode=DISABLED'), '');
    assert.match(await cipher(wrongName, 'ssl-mode=REQUIRED'), /^TLS_/);
  });

  test('VERIFY_CA: the CA is checked, the name is not', async () => {
    assert.match(await cipher(wrongName, `ssl-mode=VERIFY_CA&sslrootcert=${certs.caFile}`), /^TLS_/);
    // Without the test's CA, Node's own CAs do not know it.
    assert.match(await cipher(rightName, 'ssl-mode=VERIFY_CA'), /self[- ]signed|unable to (get|verify)/i);
  });

  test('VERIFY_IDENTITY: the CA and the name', async () => {
    assert.match(await cipher(rightName, `ssl-mode=VERIFY_IDENTITY&sslrootcert=${certs.caFile}`), /^TLS_/);
    assert.match(
      await cipher(wrongName, `ssl-mode=VERIFY_IDENTITY&sslrootcert=${certs.caFile}`),
      /altnames|does not match|Hostname\/IP/i,
    );
  });
});
