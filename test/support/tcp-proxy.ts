import net from 'node:net';

/**
 * A TCP proxy in front of a real server (Redis, a database), whose traffic the test can stall:
 * bytes are then held in both directions, as on a network that stopped delivering without closing
 * connections (TCP keeps them and delivers them once it heals), until `resume`; or drop the
 * connections through it (the server restarted; new ones still pass), or cut them and refuse new
 * ones until `restore` (the server is gone).
 */
export class TcpProxy {
  /** Each socket and the one its bytes go to. */
  private readonly sockets = new Map<net.Socket, net.Socket>();
  private stalled = false;
  private down = false;
  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {}

  static async start(
    targetPort: number,
    targetHost = '127.0.0.1',
    /** Called with the bytes each client sends, as they are passed on (connections numbered from 1). */
    onClientBytes?: (connection: number, chunk: Buffer) => void,
  ): Promise<TcpProxy> {
    let proxy!: TcpProxy;
    let connections = 0;
    const server = net.createServer((client) => {
      if (proxy.down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(targetPort, targetHost);
      const id = ++connections;
      for (const [from, to] of [
        [client, upstream],
        [upstream, client],
      ] as const) {
        proxy.sockets.set(from, to);
        if (proxy.stalled) from.pause();
        else from.pipe(to);
        from.on('error', () => to.destroy());
        from.on('close', () => {
          proxy.sockets.delete(from);
          to.destroy();
        });
      }
      // After the pipes (and a stall's pause): a 'data' listener alone would start the flow.
      if (onClientBytes) client.on('data', (chunk: Buffer) => onClientBytes(id, chunk));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    proxy = new TcpProxy(server, (server.address() as net.AddressInfo).port);
    return proxy;
  }

  /**
   * Stops passing bytes on, in both directions, without closing anything. Unpiped as well as
   * paused: a piped stream resumes by itself once its destination drains.
   */
  stall(): void {
    this.stalled = true;
    for (const [from, to] of this.sockets) {
      from.unpipe(to);
      from.pause();
    }
  }

  /** The server is gone: every connection is closed, and new ones are refused until `restore`. */
  cut(): void {
    this.down = true;
    this.drop();
  }

  restore(): void {
    this.down = false;
  }

  resume(): void {
    this.stalled = false;
    for (const [from, to] of this.sockets) from.pipe(to);
  }

  /** Closes every connection through the proxy, as a database server that restarted would. */
  drop(): void {
    for (const s of this.sockets.keys()) s.destroy();
  }

  async close(): Promise<void> {
    this.drop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }
}
