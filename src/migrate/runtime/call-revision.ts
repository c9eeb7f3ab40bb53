import { OperationError, type Operations } from '../operations/operations.js';
import type { RevisionModule } from '../script/module-loader.js';
import { MigrationError } from './migration-error.js';

const AWAIT_EACH = 'every op call must be awaited (`await op.…`)';

/**
 * Runs a revision's `upgrade(op)` or `downgrade(op)` and checks that it ran its operations one
 * at a time, each awaited.
 *
 * Alembic's `op` calls are synchronous; ours return promises, and TypeScript does not complain
 * about one left floating (`op.addColumn(…)` without `await`). Such an operation races the ones
 * after it — its statements may run after theirs — and may still be running when the revision is
 * closed: after its version-row update, after its transaction's COMMIT, or (MySQL, batched) after
 * its request was sent, so never. Instead, the stragglers are waited for and the revision fails
 * with an error that says what is wrong; when the revision failed of something else while
 * operations overlapped (typically a later operation not finding what an earlier one was still
 * creating), its error says so too.
 */
export async function callRevision(
  mod: RevisionModule,
  direction: 'up' | 'down',
  op: Operations,
): Promise<void> {
  const running = new Set<Promise<unknown>>();
  let overlapped = false;
  const watched = new Proxy(op, {
    get(target, key) {
      const value: unknown = Reflect.get(target, key, target);
      if (typeof value !== 'function') return value;
      return (...args: unknown[]) => {
        if (running.size > 0) overlapped = true;
        const result: unknown = Reflect.apply(value, target, args);
        if (result instanceof Promise) {
          running.add(result);
          // Registered before the revision's own `await`, so it has run by the time that resumes.
          const settle = () => running.delete(result);
          result.then(settle, settle);
        }
        return result;
      };
    },
  });
  const fn = direction === 'up' ? 'upgrade' : 'downgrade';
  try {
    await (direction === 'up' ? mod.upgrade(watched) : mod.downgrade(watched));
  } catch (e) {
    if (!(overlapped || running.size) || e instanceof MigrationError) throw e;
    await Promise.allSettled(running);
    const reason = e instanceof Error ? e.message : String(e);
    throw new OperationError(`${reason} (operations overlapped: ${AWAIT_EACH})`, { cause: e });
  }
  if (running.size) {
    const n = running.size;
    await Promise.allSettled(running);
    throw new OperationError(
      `${fn}() returned while ${n} operation${n === 1 ? ' was' : 's were'} still running: ${AWAIT_EACH}`,
    );
  }
  if (overlapped) {
    throw new OperationError(
      `${fn}() started an operation before the one before it had finished: ${AWAIT_EACH}`,
    );
  }
}
