import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import tls from 'node:tls';

/**
 * A certificate authority of the test's own, made with the openssl command, and server
 * certificates it signs for the names given (`IP:127.0.0.1`, `DNS:elsewhere.example`).
 */
export function testCertificates(): {
  caFile: string;
  server: (altNames: string) => { key: Buffer; cert: Buffer };
  cleanup: () => void;
} {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-tls-'));
  const at = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-days',
    '2',
    '-subj',
    '/CN=ExpireEye test CA',
    '-keyout',
    at('ca.key'),
    '-out',
    at('ca.pem'),
  );
  let n = 0;
  return {
    caFile: at('ca.pem'),
    server: (altNames) => {
      const base = at(`server${++n}`);
      fs.writeFileSync(`${base}.ext`, `subjectAltName=${altNames}\n`);
      openssl(
        'req',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-subj',
        '/CN=db',
        '-keyout',
        `${base}.key`,
        '-out',
        `${base}.csr`,
      );
      openssl(
        'x509',
        '-req',
        '-in',
        `${base}.csr`,
        '-CA',
        at('ca.pem'),
        '-CAkey',
        at('ca.key'),
        '-CAcreateserial',
        '-days',
        '2',
        '-extfile',
        `${base}.ext`,
        '-out',
        `${base}.pem`,
      );
      return { key: fs.readFileSync(`${base}.key`), cert: fs.readFileSync(`${base}.pem`) };
    },
    cleanup: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}

/** PostgreSQL's SSLRequest: length 8, then the code 80877103. */
const isSslRequest = (b: Buffer) => b.length === 8 && b.readInt32BE(0) === 8 && b.readInt32BE(4) === 80877103;

/**
 * PostgreSQL with TLS, for tests: the local servers have none. A proxy in front of the real server
 * answers a client's SSLRequest with `S`, completes the TLS handshake with `certificate` and
 * passes the decrypted stream on in the clear; a client that asks for no TLS is passed on as it
 * is. `encrypted` lists, per connection, whether TLS was negotiated.
 */
export async function postgresTlsProxy(
  target: { host: string; port: number },
  certificate: { key: Buffer; cert: Buffer },
): Promise<{ port: number; encrypted: boolean[]; close: () => Promise<void> }> {
  const encrypted: boolean[] = [];
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.on('close', () => sockets.delete(client));
    client.on('error', () => client.destroy());
    client.once('data', (first) => {
      const upstream = net.connect(target.port, target.host);
      sockets.add(upstream);
      upstream.on('close', () => sockets.delete(upstream));
      let downstream: net.Socket = client;
      if (isSslRequest(first)) {
        encrypted.push(true);
        client.write('S');
        downstream = new tls.TLSSocket(client, { isServer: true, ...certificate });
      } else {
        encrypted.push(false);
        upstream.write(first);
      }
      const end = () => {
        downstream.destroy();
        upstream.destroy();
      };
      downstream.on('error', end);
      upstream.on('error', end);
      downstream.pipe(upstream);
      upstream.pipe(downstream);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    encrypted,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
