/**
 * One JSON GET/POST to an outside service with a hard timeout, and its failures sorted into the
 * few kinds a caller acts on: retry later (timeout, unreachable, rate limited, 5xx) or give up
 * (any other 4xx, a body that is not the documented JSON, too large an answer, a redirect off the
 * configured host, a request that cannot be sent at all).
 */

import { decodeText } from './charset.js';
import { jsonDepthWithin } from './json-depth.js';
import { readLimited } from './read-body.js';
import { allowedRedirect } from './redirect-target.js';
import { retryAfterMs } from './retry-after.js';

export type ProviderFailure =
  | 'timeout'
  | 'unreachable'
  | 'rate_limited'
  | 'server_error'
  | 'rejected'
  | 'bad_response'
  /** The request cannot be sent: a header's value is one HTTP cannot carry. */
  | 'bad_request';

/** Failures that asking again cannot mend. */
const PERMANENT: ReadonlySet<ProviderFailure> = new Set(['rejected', 'bad_response', 'bad_request']);

export class ProviderError extends Error {
  constructor(
    readonly provider: string,
    readonly kind: ProviderFailure,
    message: string,
    /** From `Retry-After` on a 429/503, when the service sent one; at most an hour (retry-after.ts). */
    readonly retryAfterMs?: number,
    readonly status?: number,
  ) {
    super(`${provider}: ${message}`);
  }

  /** Whether asking again later may succeed. */
  get transient(): boolean {
    return !PERMANENT.has(this.kind);
  }
}

export interface JsonRequest {
  provider: string;
  url: string;
  timeoutMs: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: unknown;
  /** Statuses whose JSON body is a normal answer (e.g. 404 "product not found"). */
  acceptStatuses?: number[];
  /** A larger answer is a failure (`bad_response`), read no further; default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export interface JsonResponse {
  status: number;
  body: unknown;
}

/** Default cap on an answer's size: a product or a food search is a few kB, 2 MiB is far past any real one. */
const MAX_BODY_BYTES = 2 * 1024 * 1024;
/**
 * Deepest nesting of arrays and objects an answer may have. Real ones nest about 6 levels (an FDC
 * search: answer → foods → food → foodNutrients → nutrient); 64 leaves room for any change of theirs.
 */
const MAX_JSON_DEPTH = 64;
const MAX_REDIRECTS = 3;

export async function requestJson(req: JsonRequest): Promise<JsonResponse> {
  const signal = AbortSignal.timeout(req.timeoutMs);
  let url = new URL(req.url);
  let method = req.method ?? 'GET';
  let body = req.body;
  let res: Response;
  for (let hops = 0; ; hops++) {
    res = await send(req, url, method, body, signal);
    const location = res.headers.get('location');
    if (res.status < 300 || res.status >= 400 || res.status === 304 || !location) break;
    await res.body?.cancel().catch(() => undefined);
    // Redirects are followed by hand, so each target is checked before anything is sent there.
    const next = allowedRedirect(url, location);
    if (!next || hops >= MAX_REDIRECTS) {
      throw new ProviderError(
        req.provider,
        'bad_response',
        next ? 'too many redirects' : `redirected off its own host (${res.status}), not followed`,
        undefined,
        res.status,
      );
    }
    // As browsers do: 303, and 301/302 after a POST, continue as a GET without the body.
    if (res.status === 303 || ((res.status === 301 || res.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
  const status = res.status;
  // A failure status says all there is to say: its body (an error page) is not read.
  if (status === 429 || status >= 500) await res.body?.cancel().catch(() => undefined);
  if (status === 429 || status === 503) {
    throw new ProviderError(
      req.provider,
      status === 429 ? 'rate_limited' : 'server_error',
      status === 429 ? 'rate limit reached' : 'service unavailable',
      retryAfterMs(res.headers.get('retry-after')),
      status,
    );
  }
  if (status >= 500)
    throw new ProviderError(req.provider, 'server_error', `answered ${status}`, undefined, status);
  // The body too must arrive before the deadline: the same signal aborts a stalled read.
  let bytes: Uint8Array | undefined;
  try {
    bytes = await readLimited(res, req.maxBodyBytes ?? MAX_BODY_BYTES);
  } catch {
    throw new ProviderError(
      req.provider,
      signal.aborted ? 'timeout' : 'unreachable',
      'the answer was cut off',
    );
  }
  if (!bytes) {
    throw new ProviderError(
      req.provider,
      'bad_response',
      `answered with more than ${req.maxBodyBytes ?? MAX_BODY_BYTES} bytes`,
      undefined,
      status,
    );
  }
  const text = decodeText(bytes, res.headers.get('content-type'));
  const accepted = (status >= 200 && status < 300) || req.acceptStatuses?.includes(status);
  // An answer that cannot be read is the refusal its status says, or else a bad response.
  const unreadable = (what: string) =>
    accepted
      ? new ProviderError(req.provider, 'bad_response', `answered with ${what}`, undefined, status)
      : new ProviderError(req.provider, 'rejected', `answered ${status}`, undefined, status);
  // JSON.parse has no depth limit: a deeply nested answer is refused unparsed (json-depth.ts).
  if (!jsonDepthWithin(text, MAX_JSON_DEPTH))
    throw unreadable(`JSON nested deeper than ${MAX_JSON_DEPTH} levels`);
  let parsed: unknown;
  try {
    parsed = text === '' ? undefined : JSON.parse(text);
  } catch {
    throw unreadable('something that is not JSON');
  }
  if (!accepted) {
    const reason = describeError(parsed);
    throw new ProviderError(
      req.provider,
      'rejected',
      `answered ${status}${reason ? `: ${reason}` : ''}`,
      undefined,
      status,
    );
  }
  return { status, body: parsed };
}

async function send(
  req: JsonRequest,
  url: URL,
  method: 'GET' | 'POST',
  body: unknown,
  signal: AbortSignal,
): Promise<Response> {
  const headers = new Headers();
  const values = {
    accept: 'application/json',
    ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
    ...req.headers,
  };
  for (const [name, value] of Object.entries(values)) {
    try {
      headers.set(name, value);
    } catch {
      // Not fetch's own error: it quotes the value (an API key) into every log line that reports it.
      throw new ProviderError(
        req.provider,
        'bad_request',
        `the ${name} header's value is not one HTTP can carry (check the setting it comes from)`,
      );
    }
  }
  try {
    return await fetch(url, {
      method,
      headers,
      body: body !== undefined ? JSON.stringify(body) : undefined,
      signal,
      redirect: 'manual',
    });
  } catch (e) {
    if (signal.aborted)
      throw new ProviderError(req.provider, 'timeout', `no answer within ${req.timeoutMs} ms`);
    // A network failure is 'fetch failed' with its cause; only the cause is told, never the
    // message of an error thrown while building the request (it may quote a header's value).
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    throw new ProviderError(
      req.provider,
      'unreachable',
      `cannot be reached (${cause?.code ?? cause?.message ?? (e as Error).name})`,
    );
  }
}

/** The message of an api.data.gov style `{"error":{"code","message"}}` body, if there is one. */
function describeError(body: unknown): string | undefined {
  if (!body || typeof body !== 'object') return undefined;
  const err = (body as { error?: unknown }).error;
  if (err && typeof err === 'object') {
    const { code, message } = err as { code?: unknown; message?: unknown };
    return [code, message].filter((x) => typeof x === 'string').join(' ') || undefined;
  }
  return undefined;
}

/** A small time-bounded cache (insertion-ordered Map; the oldest entry goes first when full). */
export class TtlCache<V> {
  private readonly entries = new Map<string, { value: V; until: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly max = 5000,
  ) {}

  get(key: string, now = Date.now()): V | undefined {
    const e = this.entries.get(key);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(key);
      return undefined;
    }
    return e.value;
  }

  set(key: string, value: V, now = Date.now()): void {
    this.entries.delete(key);
    if (this.entries.size >= this.max) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    this.entries.set(key, { value, until: now + this.ttlMs });
  }
}
