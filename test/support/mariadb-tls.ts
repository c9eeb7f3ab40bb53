import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/** A MariaDB server of the test's own, with TLS; `stop` ends it and removes its files. */
export interface MariadbWithTls {
  port: number;
  stop: () => Promise<void>;
}

/** A TCP port nobody listens on now (the server is then started on it). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Resolves once `port` accepts a connection (the server is ready), rejects after `ms`. */
async function listening(port: number, child: ChildProcess, log: string, ms = 20_000): Promise<void> {
  const until = Date.now() + ms;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`mariadbd exited (${child.exitCode}):\n${read(log)}`);
    const up = await new Promise<boolean>((resolve) => {
      const s = net.connect(port, '127.0.0.1');
      s.once('connect', () => {
        s.destroy();
        resolve(true);
      });
      s.once('error', () => resolve(false));
    });
    if (up) return;
    if (Date.now() > until) throw new Error(`mariadbd did not listen within ${ms} ms:\n${read(log)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, 'utf8').slice(-2000) : '');

/**
 * The machine's own MariaDB binaries (`mariadb-install-db`, `mariadbd`, from Debian's packages,
 * which .ci/run needs for the local server anyway), run as a second, private server: an empty data
 * folder in a temporary directory, on a free port of 127.0.0.1, with `certificate` (signed by a CA
 * the test made). The machine's server has no TLS, and turning it on there would change a server
 * other work shares; this one takes about a second to start. Its `root` has no password.
 */
export async function startMariadbWithTls(certificate: {
  key: Buffer;
  cert: Buffer;
}): Promise<MariadbWithTls> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-mariadb-tls-'));
  const at = (name: string) => path.join(dir, name);
  fs.writeFileSync(at('server.key'), certificate.key, { mode: 0o600 });
  fs.writeFileSync(at('server.pem'), certificate.cert);
  // Running as root (CI does) needs `--user`; as anyone else the option is ignored with a warning.
  const user = os.userInfo().username;
  execFileSync(
    'mariadb-install-db',
    [
      '--no-defaults',
      `--datadir=${at('data')}`,
      `--user=${user}`,
      '--skip-test-db',
      // root without a password over TCP (the default, unix_socket, works on the socket only).
      '--auth-root-authentication-method=normal',
    ],
    { stdio: 'pipe' },
  );
  const port = await freePort();
  const log = at('server.log');
  const child = spawn(
    'mariadbd',
    [
      '--no-defaults',
      `--datadir=${at('data')}`,
      `--user=${user}`,
      `--port=${port}`,
      '--bind-address=127.0.0.1',
      `--socket=${at('mysqld.sock')}`,
      `--pid-file=${at('mysqld.pid')}`,
      `--log-error=${log}`,
      '--innodb-buffer-pool-size=16M',
      `--ssl-cert=${at('server.pem')}`,
      `--ssl-key=${at('server.key')}`,
    ],
    { stdio: 'ignore', env: { ...process.env, PATH: `/usr/sbin:/usr/local/sbin:${process.env.PATH}` } },
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async () => {
    if (child.exitCode === null) child.kill('SIGTERM');
    await exited;
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    await listening(port, child, log);
  } catch (e) {
    await stop();
    throw e;
  }
  return { port, stop };
}
