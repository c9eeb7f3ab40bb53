/**
 * The client side of bench/ws-fanout.ts, in a process of its own so that the clients' work does
 * not share the server's event loop. Driven over IPC: `connect` opens one socket per token and
 * waits for each CONNECTION_ESTABLISHED; `expect` records when each socket receives its first
 * notification frame (absolute ms: performance.timeOrigin + now, comparable across processes).
 */
import { performance } from 'node:perf_hooks';
import { WebSocket } from 'ws';

type Command =
  | { cmd: 'connect'; url: string; tokens: string[]; concurrency: number }
  | { cmd: 'expect'; timeoutMs: number }
  | { cmd: 'close' };

const abs = () => performance.timeOrigin + performance.now();
const sockets: WebSocket[] = [];
let received: (number | undefined)[] = [];
let onAll: (() => void) | undefined;
let count = 0;

function open(url: string, token: string, index: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(`${url}?access_token=${token}`, { perMessageDeflate: false });
    sockets[index] = ws;
    let hello = false;
    ws.on('message', (data) => {
      if (!hello) {
        hello = true;
        if (!data.toString().includes('CONNECTION_ESTABLISHED')) reject(new Error(`unexpected ${data}`));
        else resolve();
        return;
      }
      if (received[index] === undefined) {
        received[index] = abs();
        if (++count === sockets.length) onAll?.();
      }
    });
    ws.once('error', reject);
    ws.once('close', (code) => {
      if (!hello) reject(new Error(`closed ${code} before the hello`));
    });
  });
}

process.on('message', async (m: Command) => {
  try {
    if (m.cmd === 'connect') {
      const t = performance.now();
      let next = 0;
      const lane = async () => {
        while (next < m.tokens.length) {
          const i = next++;
          await open(m.url, m.tokens[i]!, i);
        }
      };
      await Promise.all(Array.from({ length: m.concurrency }, lane));
      received = new Array(sockets.length).fill(undefined);
      process.send!({ connected: sockets.length, ms: performance.now() - t });
    } else if (m.cmd === 'expect') {
      await new Promise<void>((resolve) => {
        if (count === sockets.length) return resolve();
        onAll = resolve;
        setTimeout(resolve, m.timeoutMs);
      });
      process.send!({ received });
    } else if (m.cmd === 'close') {
      for (const ws of sockets) ws.terminate();
      process.send!({ closed: true });
      process.exit(0);
    }
  } catch (e) {
    process.send!({ error: (e as Error).message });
  }
});
