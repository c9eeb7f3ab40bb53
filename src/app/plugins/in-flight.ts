import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    inFlight: InFlight;
  }
}

/**
 * The route handlers running now. Shutting down, Fastify waits for the connections of requests
 * in flight, but a client that hung up has no connection left to wait for while its handler is
 * still working: the database and Redis must not close under it. build-app's last onClose hook
 * waits for `settled()`.
 */
export class InFlight {
  private running = 0;
  private waiters: (() => void)[] = [];

  enter(): void {
    this.running++;
  }

  leave(): void {
    this.running--;
    if (this.running === 0) for (const wake of this.waiters.splice(0)) wake();
  }

  get count(): number {
    return this.running;
  }

  /** Resolves when no handler is running (at once if none is). */
  drained(): Promise<void> {
    if (this.running === 0) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /**
   * Resolves once no handler runs and, with `idle`, the database has been unused for a moment.
   * A request whose client hung up can be at the database before its handler (the token check)
   * and Fastify may still start the handler after it; `idle` covers that step.
   */
  async settled(idle?: () => Promise<void>): Promise<void> {
    do {
      await this.drained();
      await idle?.();
    } while (this.running > 0);
  }
}

async function inFlightPlugin(app: FastifyInstance): Promise<void> {
  const inFlight = new InFlight();
  app.decorate('inFlight', inFlight);
  app.addHook('onRoute', (route) => {
    // A WebSocket handler returns once the socket is set up; its life is the socket's.
    if ((route as { websocket?: boolean }).websocket) return;
    const handler = route.handler;
    route.handler = function tracked(this: FastifyInstance, ...args: Parameters<typeof handler>) {
      inFlight.enter();
      let result: unknown;
      try {
        result = handler.apply(this, args);
      } catch (e) {
        inFlight.leave();
        throw e;
      }
      if (result instanceof Promise) return result.finally(() => inFlight.leave());
      inFlight.leave();
      return result;
    } as typeof handler;
  });
}

export default fp(inFlightPlugin, { name: 'in-flight' });
