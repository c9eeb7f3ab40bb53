/**
 * What a Node.js process can reach on MariaDB, with no migration engine at all: a measuring
 * instrument for the migration-chain benchmark, never used by the product.
 *
 *   node dist/bench/lib/node-floor.js raw|mysql2 SCRIPT.sql
 *
 * Both read a `--sql` script of our engine (statements separated by `;` at a line's end, one
 * `-- Running …` comment before each revision) and send it to BENCH_MARIADB_* (the benchmark's
 * database, root@127.0.0.1:3306/expireeye_bench by default, no password):
 *
 * - `mysql2`: through mysql2 (the driver under Kysely's MySQL dialect), one multi-statement
 *   request per revision — our engine's requests without the engine (and without the
 *   `SET @ee_statement` markers it puts between statements): Node's start, mysql2's load, the
 *   connection, and the driver's handling of each request.
 * - `raw`: through a bare socket speaking the client/server protocol just far enough for this
 *   (handshake without a password, one COM_QUERY holding the whole script, its OK packets): no
 *   library and no round trip between statements, so it bounds what any Node client can do. It
 *   is written here only because it is a measurement; the product talks to databases through
 *   real drivers.
 *
 * The benchmark checks that each leaves the database at the chain's head before timing it.
 */
import fs from 'node:fs';
import net from 'node:net';
import mysql from 'mysql2/promise';
import { statementsByRevision } from './sql-script.js';

const host = process.env.BENCH_MARIADB_HOST ?? '127.0.0.1';
const port = Number(process.env.BENCH_MARIADB_PORT ?? '3306');
const user = process.env.BENCH_MARIADB_USER ?? 'root';
const database = process.env.BENCH_MARIADB_DB ?? 'expireeye_bench';

async function viaMysql2(groups: string[][]): Promise<void> {
  const conn = await mysql.createConnection({ host, port, user, database, multipleStatements: true });
  try {
    for (const statements of groups) await conn.query(statements.join(';\n'));
  } finally {
    await conn.end();
  }
}

// Capability flags (MariaDB/MySQL client/server protocol).
const CLIENT_LONG_PASSWORD = 0x1;
const CLIENT_CONNECT_WITH_DB = 0x8;
const CLIENT_PROTOCOL_41 = 0x200;
const CLIENT_SECURE_CONNECTION = 0x8000;
const CLIENT_MULTI_STATEMENTS = 0x10000;
const CLIENT_MULTI_RESULTS = 0x20000;
const CLIENT_PLUGIN_AUTH = 0x80000;
const SERVER_MORE_RESULTS_EXISTS = 0x8;
const UTF8MB4_GENERAL_CI = 45;

/** Packets in, packets out, on one socket. */
class PacketSocket {
  private buffered = Buffer.alloc(0);
  private waiting?: { resolve: (p: Buffer) => void; reject: (e: Error) => void };
  private failure?: Error;

  constructor(private readonly socket: net.Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk) => {
      this.buffered = this.buffered.length ? Buffer.concat([this.buffered, chunk]) : chunk;
      this.deliver();
    });
    const fail = (e: Error) => {
      this.failure = e;
      this.waiting?.reject(e);
      this.waiting = undefined;
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  read(): Promise<Buffer> {
    return new Promise((resolve, reject) => {
      if (this.failure) return reject(this.failure);
      this.waiting = { resolve, reject };
      this.deliver();
    });
  }

  write(sequence: number, payload: Buffer): void {
    if (payload.length >= 0xffffff) throw new Error('a packet of 16 MB or more would need splitting');
    const header = Buffer.alloc(4);
    header.writeUIntLE(payload.length, 0, 3);
    header[3] = sequence;
    this.socket.write(Buffer.concat([header, payload]));
  }

  private deliver(): void {
    if (!this.waiting || this.buffered.length < 4) return;
    const length = this.buffered.readUIntLE(0, 3);
    if (this.buffered.length < 4 + length) return;
    const packet = this.buffered.subarray(4, 4 + length);
    this.buffered = this.buffered.subarray(4 + length);
    const { resolve } = this.waiting;
    this.waiting = undefined;
    resolve(packet);
  }
}

const errorText = (packet: Buffer) => packet.subarray(packet[3] === 0x23 ? 9 : 3).toString('utf8');

/** Skips a length-encoded integer at `offset`; returns the offset after it. */
function skipLengthEncoded(packet: Buffer, offset: number): number {
  const first = packet[offset]!;
  if (first < 0xfb) return offset + 1;
  return offset + (first === 0xfc ? 3 : first === 0xfd ? 4 : 9);
}

async function viaRawProtocol(groups: string[][]): Promise<void> {
  const socket = net.connect(port, host);
  const packets = new PacketSocket(socket);
  try {
    const greeting = await packets.read();
    if (greeting[0] === 0xff) throw new Error(errorText(greeting));
    const fixed = Buffer.alloc(32); // capabilities, max packet size, character set, 23 reserved bytes
    fixed.writeUInt32LE(
      CLIENT_LONG_PASSWORD |
        CLIENT_CONNECT_WITH_DB |
        CLIENT_PROTOCOL_41 |
        CLIENT_SECURE_CONNECTION |
        CLIENT_MULTI_STATEMENTS |
        CLIENT_MULTI_RESULTS |
        CLIENT_PLUGIN_AUTH,
      0,
    );
    fixed.writeUInt32LE(1 << 24, 4);
    fixed[8] = UTF8MB4_GENERAL_CI;
    packets.write(
      1,
      Buffer.concat([
        fixed,
        Buffer.from(`${user}\0`),
        Buffer.from([0]), // an empty password: no auth data
        Buffer.from(`${database}\0`),
        Buffer.from('mysql_native_password\0'),
      ]),
    );
    let reply = await packets.read();
    if (reply[0] === 0xfe) {
      packets.write(3, Buffer.alloc(0)); // auth switch: still no password
      reply = await packets.read();
    }
    if (reply[0] !== 0x00) throw new Error(`login failed: ${errorText(reply)}`);

    const script = groups.flat().join(';\n');
    packets.write(0, Buffer.concat([Buffer.from([0x03]), Buffer.from(script)]));
    for (let n = 0; ; n++) {
      const packet = await packets.read();
      if (packet[0] === 0xff) throw new Error(`statement ${n + 1}: ${errorText(packet)}`);
      if (packet[0] !== 0x00)
        throw new Error(`statement ${n + 1} returned rows; only DDL and DML are expected`);
      const status = packet.readUInt16LE(skipLengthEncoded(packet, skipLengthEncoded(packet, 1)));
      if (!(status & SERVER_MORE_RESULTS_EXISTS)) break;
    }
  } finally {
    socket.end();
  }
}

const [mode, file] = process.argv.slice(2);
if ((mode !== 'raw' && mode !== 'mysql2') || !file) {
  process.stderr.write('usage: node dist/bench/lib/node-floor.js raw|mysql2 SCRIPT.sql\n');
  process.exit(2);
}
const groups = statementsByRevision(fs.readFileSync(file, 'utf8'));
try {
  await (mode === 'raw' ? viaRawProtocol(groups) : viaMysql2(groups));
} catch (e) {
  process.stderr.write(`node-floor ${mode}: ${(e as Error).message}\n`);
  process.exit(1);
}
