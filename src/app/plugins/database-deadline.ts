import { AsyncResource } from 'node:async_hooks';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { DatabaseDeadline } from '../../db/database-deadline.js';

const deadlineOf = new WeakMap<FastifyRequest, { deadline: DatabaseDeadline; scope: AsyncResource }>();

/**
 * Puts each request's database work — its token check, its handler — under one deadline
 * (`DB_TIMEOUT_SECONDS`, see DatabaseDeadline), so that its 503 comes within that bound of its
 * first wait for the database, however many waits and statements it makes.
 *
 * The deadline is entered in onRequest and entered again in preValidation: the hooks after the
 * body has been read, and the handler, run from the request stream's events, in the async context
 * the stream was created in, not the onRequest hook's (what @fastify/request-context does too).
 * A WebSocket upgrade gets none: the socket's work lasts as long as the socket, not a request.
 */
async function databaseDeadlinePlugin(app: FastifyInstance): Promise<void> {
  app.addHook('onRequest', (request, _reply, done) => {
    if (request.headers.upgrade?.toLowerCase() === 'websocket') return done();
    const deadline = app.database.deadline();
    deadline.run(() => {
      deadlineOf.set(request, { deadline, scope: new AsyncResource('database-deadline') });
      done();
    });
  });
  app.addHook('preValidation', (request, _reply, done) => {
    const entry = deadlineOf.get(request);
    if (entry) entry.scope.runInAsyncScope(done);
    else done();
  });
  app.addHook('onResponse', (request, _reply, done) => {
    deadlineOf.get(request)?.deadline.end();
    done();
  });
}

export default fp(databaseDeadlinePlugin, { name: 'database-deadline', dependencies: ['db'] });
