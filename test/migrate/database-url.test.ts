import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { DatabaseUrlError, displayUrl, parseDatabaseUrl } from '../../src/migrate/runtime/database-url.js';

const refused = (url: string, message: RegExp) =>
  assert.throws(
    () => parseDatabaseUrl(url, '/tmp'),
    (e: unknown) => e instanceof DatabaseUrlError && message.test(e.message),
    url,
  );

describe('parseDatabaseUrl: what a server URL may say besides where', () => {
  test('an IPv6 address loses its brackets for the driver and gets them back when shown', () => {
    const db = parseDatabaseUrl('mysql://u:p@[::1]:3307/app', '/tmp');
    assert.deepEqual([db.host, db.port], ['::1', 3307]);
    assert.equal(displayUrl(db), 'mysql://u:XXXXX@[::1]:3307/app');
  });

  test('sslmode, in libpq’s or MySQL’s words, any case; the CA file only to verify with', () => {
    const tls = (q: string) => parseDatabaseUrl(`postgres://u@h/app?${q}`, '/tmp').tls;
    assert.equal(tls('sslmode=disable'), undefined);
    assert.deepEqual(tls('sslmode=require'), { verify: 'none' });
    assert.deepEqual(tls('ssl-mode=VERIFY_CA'), { verify: 'ca' });
    assert.deepEqual(tls('sslmode=verify-full&sslrootcert=/etc/hostname'), {
      verify: 'full',
      caFile: '/etc/hostname',
    });
    assert.equal(
      displayUrl(parseDatabaseUrl('postgres://u@h/app?sslmode=verify-full', '/tmp')),
      'postgresql://u@h:5432/app?sslmode=verify-full',
    );
    refused('postgres://u@h/app?sslmode=prefer', /sslmode=prefer is not supported/);
    refused(
      'postgres://u@h/app?sslmode=require&sslrootcert=/etc/hostname',
      /set sslmode=verify-ca or verify-full/,
    );
    refused('postgres://u@h/app?sslmode=verify-ca&sslrootcert=/no/such.pem', /not an existing file/);
  });

  test('sockets and charset per dialect; every other parameter refused, never ignored', () => {
    assert.equal(parseDatabaseUrl('postgres://u@localhost/app?host=/run/pg', '/tmp').socket, '/run/pg');
    assert.equal(
      parseDatabaseUrl('mysql://u@localhost/app?socket=/run/m.sock', '/tmp').socket,
      '/run/m.sock',
    );
    assert.equal(parseDatabaseUrl('mysql://u@h/app?charset=utf8mb4', '/tmp').dialect, 'mysql');
    refused('mysql://u@h/app?charset=latin1', /only utf8mb4/);
    refused('mysql://u@h/app?host=/run/pg', /unsupported parameter 'host'/);
    refused('postgres://u@h/app?socket=/run/m.sock', /unsupported parameter 'socket'/);
    refused('postgres://u@h/app?host=relative', /absolute path/);
    refused('mysql://u@h/app?connectTimeout=5', /unsupported parameter 'connectTimeout'/);
  });

  test('port 0 or an empty port is refused, not read as the default; SQLite takes no parameters', () => {
    refused('mysql://u@h:0/app', /port 0/);
    refused('postgres://u@h:/app', /port 0/);
    refused('sqlite:data/x.sqlite?mode=ro', /without \?parameters/);
  });
});
