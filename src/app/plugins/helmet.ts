import type { ServerResponse } from 'node:http';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import helmet, { type HelmetOptions } from 'helmet';

/**
 * Security headers on every answer. The content security policy allows what Swagger UI at
 * `/docs` needs (its own scripts and styles, inline styles, data: images) and nothing else.
 * Helmet's default `upgrade-insecure-requests` is left out: the server cannot know whether it is
 * behind TLS, and on a plain-HTTP address other than localhost (a LAN IP, a dev host name) the
 * browser rewrote `/docs`'s own scripts and styles to https:// and the page stayed blank. Behind
 * TLS the page's relative URLs are https already, so the directive protected nothing there.
 */
const OPTIONS: HelmetOptions = {
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      connectSrc: ["'self'"],
      frameAncestors: ["'none'"],
      objectSrc: ["'none'"],
      baseUri: ["'self'"],
      formAction: ["'self'"],
      upgradeInsecureRequests: null,
    },
  },
  crossOriginResourcePolicy: { policy: 'same-site' },
};

/**
 * The headers helmet's middleware sets, computed once. Why not @fastify/helmet: it calls
 * `helmet(options)` on every request, re-validating the options and re-parsing the policy, which
 * cost ~3% of the CPU of the inventory list under load. With static directives (no nonces, no
 * per-request functions) the middleware sets the same headers every time, so they are recorded
 * from one run against a recorder and added to each reply as one object.
 */
function securityHeaders(): Record<string, string> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
  } as unknown as ServerResponse;
  helmet(OPTIONS)({} as never, recorder, (error?: unknown) => {
    if (error) throw error;
  });
  return headers;
}

async function helmetPlugin(app: FastifyInstance): Promise<void> {
  const headers = securityHeaders();
  app.addHook('onRequest', (_request, reply, done) => {
    reply.headers(headers);
    done();
  });
}

export default fp(helmetPlugin, { name: 'helmet' });
