/**
 * The commands clients send to Redis, read off the bytes a TcpProxy passes on (its `onClientBytes`
 * tap): which command went out on which connection, named by the CLIENT SETNAME that ioredis sends
 * first on each (`expireeye`, `expireeye-sub`). Tests assert on what a server asked Redis — e.g.
 * nothing but its own PINGs while it backs off — instead of on how long its requests took.
 */
export interface SentCommand {
  /** The connection's CLIENT SETNAME, or '' before (or without) one. */
  connection: string;
  /** The command's name, upper case (PING, EVALSHA, PUBLISH…). */
  name: string;
  args: string[];
}

export class RedisCommandLog {
  readonly commands: SentCommand[] = [];
  private readonly pending = new Map<number, Buffer>();
  private readonly names = new Map<number, string>();

  /** For TcpProxy's `onClientBytes`: bytes a client sent on connection `id`. */
  readonly tap = (id: number, chunk: Buffer): void => {
    let buffer = Buffer.concat([this.pending.get(id) ?? Buffer.alloc(0), chunk]);
    for (let parsed = parseCommand(buffer); parsed; parsed = parseCommand(buffer)) {
      const [args, used] = parsed;
      buffer = buffer.subarray(used);
      const name = (args[0] ?? '').toUpperCase();
      if (name === 'CLIENT' && args[1]?.toUpperCase() === 'SETNAME') this.names.set(id, args[2] ?? '');
      this.commands.push({ connection: this.names.get(id) ?? '', name, args: args.slice(1) });
    }
    this.pending.set(id, buffer);
  };

  /** Names of the commands sent on `connection` from index `from` of `commands` on. */
  namesSince(from: number, connection: string): string[] {
    return this.commands
      .slice(from)
      .filter((c) => c.connection === connection)
      .map((c) => c.name);
  }
}

/** One RESP array of bulk strings (what clients send) at the start of `b`, and its length. */
function parseCommand(b: Buffer): [string[], number] | undefined {
  const line = (at: number): [string, number] | undefined => {
    const end = b.indexOf('\r\n', at);
    return end < 0 ? undefined : [b.toString('latin1', at, end), end + 2];
  };
  const head = line(0);
  if (!head) return undefined;
  if (!head[0].startsWith('*')) throw new Error(`not a RESP array: ${JSON.stringify(head[0])}`);
  const args: string[] = [];
  let at = head[1];
  for (let n = Number(head[0].slice(1)); n > 0; n--) {
    const size = line(at);
    if (!size) return undefined;
    const length = Number(size[0].slice(1));
    if (b.length < size[1] + length + 2) return undefined;
    args.push(b.toString('utf8', size[1], size[1] + length));
    at = size[1] + length + 2;
  }
  return [args, at];
}
