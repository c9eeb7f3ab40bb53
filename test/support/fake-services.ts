import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an outside HTTP service: a handler per request, a log of what was asked,
 * and switches for the ways real services fail (slow answers, rate limits, server errors,
 * dropped connections). Listens on 127.0.0.1 only.
 */
export type Fault =
  | { kind: 'none' }
  | { kind: 'delay'; ms: number }
  | { kind: 'status'; status: number; body?: unknown; headers?: Record<string, string> }
  | { kind: 'drop' }
  | { kind: 'garbage' }
  /** A 200 JSON answer of `bytes` bytes, sent in 64 kB chunks, with or without Content-Length. */
  | { kind: 'huge'; bytes: number; declared: boolean }
  /** A 200 JSON answer of `depth` nested arrays: '[' × depth + ']' × depth. */
  | { kind: 'deep'; depth: number };

export interface Served {
  status: number;
  body: unknown;
  /** Sent as is instead of `body` as JSON (e.g. JSON encoded in Latin-1). */
  raw?: Buffer;
  headers?: Record<string, string>;
}

export interface FakeRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: unknown;
}

export class FakeService {
  readonly requests: FakeRequest[] = [];
  /** Bytes of 'huge' answers actually written (the client stops reading past its limit). */
  hugeBytesSent = 0;
  /** Requests whose client hung up before a delayed answer was sent (a client's timeout). */
  abandoned = 0;
  /** Connections of requests whose delayed answer is not sent yet. */
  private readonly held = new Set<http.ServerResponse>();
  fault: Fault = { kind: 'none' };
  private server?: http.Server;
  baseUrl = '';

  constructor(private readonly handle: (req: FakeRequest) => Served) {}

  async start(): Promise<this> {
    this.server = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://fake');
        const raw = Buffer.concat(chunks).toString('utf8');
        let body: unknown;
        try {
          body = raw ? JSON.parse(raw) : undefined;
        } catch {
          body = raw;
        }
        const r: FakeRequest = {
          method: req.method ?? 'GET',
          path: url.pathname,
          query: url.searchParams,
          headers: req.headers,
          body,
        };
        this.requests.push(r);
        this.respond(r, res);
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  private respond(r: FakeRequest, res: http.ServerResponse): void {
    const f = this.fault;
    const send = (s: Served) => {
      res.writeHead(s.status, { 'content-type': 'application/json', ...s.headers });
      res.end(s.raw ?? JSON.stringify(s.body));
    };
    switch (f.kind) {
      case 'delay': {
        const t = setTimeout(() => send(this.handle(r)), f.ms);
        this.held.add(res);
        res.on('close', () => {
          this.held.delete(res);
          clearTimeout(t);
          if (!res.writableEnded) this.abandoned++;
        });
        return;
      }
      case 'status':
        send({ status: f.status, body: f.body ?? {}, headers: f.headers ?? {} });
        return;
      case 'drop':
        res.socket?.destroy();
        return;
      case 'huge': {
        res.writeHead(200, {
          'content-type': 'application/json',
          ...(f.declared ? { 'content-length': String(f.bytes) } : {}),
        });
        const chunk = Buffer.alloc(64 * 1024, 0x20);
        let left = f.bytes;
        const pump = () => {
          while (left > 0 && !res.destroyed) {
            const n = Math.min(left, chunk.length);
            left -= n;
            this.hugeBytesSent += n;
            if (!res.write(chunk.subarray(0, n))) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        pump();
        return;
      }
      case 'deep':
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('['.repeat(f.depth) + ']'.repeat(f.depth));
        return;
      case 'garbage':
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end('<html>maintenance</html>');
        return;
      default:
        send(this.handle(r));
        return;
    }
  }

  /** Drops the connections of the requests a 'delay' holds, unanswered (the service went away). */
  dropHeld(): void {
    for (const res of this.held) res.socket?.destroy();
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Open Food Facts v2 product documents, keyed by barcode, as the real API shapes them. */
export function fakeOpenFoodFacts(products: Record<string, Record<string, unknown>>): FakeService {
  return new FakeService((req) => {
    const m = /^\/api\/v2\/product\/([^/]+)\.json$/.exec(req.path);
    if (!m) return { status: 404, body: { status: 0, status_verbose: 'no route' } };
    const code = decodeURIComponent(m[1]!);
    const product = products[code];
    if (!product) return { status: 404, body: { code, status: 0, status_verbose: 'product not found' } };
    return { status: 200, body: { code, product, status: 1, status_verbose: 'product found' } };
  });
}

/** A FoodData Central `foods/search` with a food list; checks the key like api.data.gov does. */
export function fakeUsda(foods: Record<string, Record<string, unknown>>, key = 'test-key'): FakeService {
  return new FakeService((req) => {
    if (req.headers['x-api-key'] !== key && req.query.get('api_key') !== key) {
      return {
        status: 403,
        body: {
          error: {
            code: 'API_KEY_INVALID',
            message: 'An invalid api_key was supplied. Get one at https://api.data.gov:443',
          },
        },
      };
    }
    if (req.path !== '/v1/foods/search' || req.method !== 'POST') return { status: 404, body: {} };
    const query = String((req.body as { query?: string })?.query ?? '').toLowerCase();
    const hits = Object.entries(foods)
      .filter(([name]) => query.includes(name) || name.includes(query))
      .map(([, f]) => f);
    return { status: 200, body: { totalHits: hits.length, currentPage: 1, totalPages: 1, foods: hits } };
  });
}

/** An SR Legacy food as FDC's search returns it (raw apple, values per 100 g). */
export const USDA_APPLE = {
  fdcId: 171688,
  description: 'Apples, raw, with skin',
  dataType: 'SR Legacy',
  foodNutrients: [
    { nutrientId: 1008, nutrientName: 'Energy', nutrientNumber: '208', unitName: 'KCAL', value: 52 },
    { nutrientId: 1062, nutrientName: 'Energy', nutrientNumber: '268', unitName: 'kJ', value: 218 },
    {
      nutrientId: 1005,
      nutrientName: 'Carbohydrate, by difference',
      nutrientNumber: '205',
      unitName: 'G',
      value: 13.81,
    },
    { nutrientId: 1003, nutrientName: 'Protein', nutrientNumber: '203', unitName: 'G', value: 0.26 },
    {
      nutrientId: 1079,
      nutrientName: 'Fiber, total dietary',
      nutrientNumber: '291',
      unitName: 'G',
      value: 2.4,
    },
    { nutrientId: 2000, nutrientName: 'Total Sugars', nutrientNumber: '269', unitName: 'G', value: 10.39 },
    {
      nutrientId: 1258,
      nutrientName: 'Fatty acids, total saturated',
      nutrientNumber: '606',
      unitName: 'G',
      value: 0.028,
    },
    { nutrientId: 1106, nutrientName: 'Vitamin A, RAE', nutrientNumber: '320', unitName: 'UG', value: 3 },
    { nutrientId: 1104, nutrientName: 'Vitamin A, IU', nutrientNumber: '318', unitName: 'IU', value: 54 },
    {
      nutrientId: 1162,
      nutrientName: 'Vitamin C, total ascorbic acid',
      nutrientNumber: '401',
      unitName: 'MG',
      value: 4.6,
    },
    { nutrientId: 1092, nutrientName: 'Potassium, K', nutrientNumber: '306', unitName: 'MG', value: 107 },
    { nutrientId: 1089, nutrientName: 'Iron, Fe', nutrientNumber: '303', unitName: 'MG', value: 0.12 },
    { nutrientId: 1087, nutrientName: 'Calcium, Ca', nutrientNumber: '301', unitName: 'MG', value: 6 },
    { nutrientId: 1093, nutrientName: 'Sodium, Na', nutrientNumber: '307', unitName: 'MG', value: 1 },
    { nutrientId: 1253, nutrientName: 'Cholesterol', nutrientNumber: '601', unitName: 'MG', value: 0 },
  ],
};

/** An OFF product (whole milk) with nutriments in OFF's units: g per 100 g, kcal for energy. */
export const OFF_MILK = {
  code: '4006381333931',
  product_name: 'Whole Milk 3.5%',
  brands: 'Alpenhof, Demo Dairy',
  categories_tags: ['en:dairies', 'en:milks', 'en:whole-milks'],
  nutriments: {
    'energy-kcal_100g': 64,
    'energy-kj_100g': 268,
    carbohydrates_100g: 4.8,
    proteins_100g: 3.3,
    sugars_100g: 4.8,
    'saturated-fat_100g': 2.3,
    calcium_100g: 0.12,
    sodium_100g: 0.044,
    'vitamin-a_100g': 0.000046,
    cholesterol_100g: 0.014,
  },
};
