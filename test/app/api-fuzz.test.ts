// Property-based fuzzing of the whole HTTP API, driven by its own OpenAPI document: every operation
// it lists gets requests built from its declared parameters and body schema, some well-formed, most
// of them not (wrong types, missing and extra fields, out-of-range numbers, odd strings, other
// users' ids, bodies that are not JSON, uploads that are not images, bad tokens). Three properties,
// checked after every request:
//   1. no answer is a 5xx, and every error answer has one of the two documented error shapes;
//   2. a refused request (4xx) changed none of the caller's rows;
//   3. nothing the other user owns ever changed (every query is scoped to the caller).
// The seed is fixed so a CI failure reproduces; FUZZ_SEED and FUZZ_RUNS explore further, and
// fast-check prints the seed, path and the shrunk request of any counterexample.
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import type { AppDatabase } from '../../src/db/database.js';
import { newUser, type TestServer, type TestUser } from '../support/app.js';
import { renderCode } from '../support/barcode-images.js';
import { DIALECTS } from '../support/databases.js';
import { MILK, scanConfig, startScanServer } from '../support/scanning.js';
import { tinyYolo } from '../support/tiny-onnx.js';

const RUNS = Number(process.env.FUZZ_RUNS ?? 150);
const SEED = Number(process.env.FUZZ_SEED ?? 20261126);

type Schema = Record<string, any>;

interface Operation {
  method: string;
  path: string;
  params: { name: string; in: 'path' | 'query'; schema: Schema }[];
  body?: { type: 'json' | 'multipart'; schema: Schema };
}

interface FuzzRequest {
  method: string;
  path: string;
  /** Query pairs, already strings (a name may repeat). */
  query: [string, string][];
  auth: 'caller' | 'none' | 'garbage';
  body?:
    | { kind: 'json'; value: unknown }
    | { kind: 'text'; contentType: string; text: string }
    | {
        kind: 'multipart';
        fields: [string, string][];
        file?: { field: string; type: string; bytes: Uint8Array };
      };
}

/** The operations of the OpenAPI document, with `$ref`s to shared schemas resolved. */
function operations(doc: any): Operation[] {
  const resolve = (s: any): any => {
    if (s === null || typeof s !== 'object') return s;
    if (typeof s.$ref === 'string') {
      const target = s.$ref
        .replace(/^#\//, '')
        .split('/')
        .reduce((o: any, k: string) => o?.[k], doc);
      return resolve(target);
    }
    if (Array.isArray(s)) return s.map(resolve);
    return Object.fromEntries(Object.entries(s).map(([k, v]) => [k, resolve(v)]));
  };
  const ops: Operation[] = [];
  for (const [path, methods] of Object.entries<any>(doc.paths)) {
    for (const [method, op] of Object.entries<any>(methods)) {
      const content = op.requestBody?.content ?? {};
      const body = content['application/json']
        ? { type: 'json' as const, schema: resolve(content['application/json'].schema) }
        : content['multipart/form-data']
          ? { type: 'multipart' as const, schema: resolve(content['multipart/form-data'].schema) }
          : undefined;
      ops.push({
        method: method.toUpperCase(),
        path,
        params: (op.parameters ?? []).map((p: any) => ({
          name: p.name,
          in: p.in,
          schema: resolve(p.schema),
        })),
        ...(body ? { body } : {}),
      });
    }
  }
  return ops;
}

/** Strings that have broken parsers before: empty, blanks, numbers in disguise, control and odd characters, long. */
const oddString = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '-1',
    '1.5',
    '1e3',
    '99999999999999999999999',
    'NaN',
    'null',
    'true',
    '[]',
    '{}',
    '2024-02-30',
    '2024-13-01',
    '0000-00-00',
    '2024-01-01T25:00:00Z',
    '9999-12-31',
    '\u0000',
    'a\u0000b',
    '\ud800',
    '😀',
    "' OR 1=1 --",
    '%',
    '../../etc/passwd',
    '__proto__',
    'constructor',
  ),
  fc.string({ maxLength: 20 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 256, max: 6000 }).map((n) => 'x'.repeat(n)),
);

const oddJson: fc.Arbitrary<unknown> = fc.oneof(
  oddString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 63), 1e308, [], {}),
  fc.integer(),
  fc.double(),
  fc.jsonValue({ maxDepth: 2 }),
);

/** A value the schema accepts (a plausible one; formats the generator knows are honoured). */
function valid(schema: Schema, ids: string[]): fc.Arbitrary<unknown> {
  if (!schema || typeof schema !== 'object') return oddJson;
  const options = schema.anyOf ?? schema.oneOf;
  if (options) return fc.oneof(...options.map((s: Schema) => valid(s, ids)));
  if ('const' in schema) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  const type = Array.isArray(schema.type) ? schema.type : [schema.type];
  const arbs: fc.Arbitrary<unknown>[] = [];
  for (const t of type) {
    if (t === 'null') arbs.push(fc.constant(null));
    else if (t === 'boolean') arbs.push(fc.boolean());
    else if (t === 'integer' || t === 'number') {
      const min = schema.minimum ?? -1000;
      const max = schema.maximum ?? 1000;
      arbs.push(t === 'integer' ? fc.integer({ min, max }) : fc.double({ min, max, noNaN: true }));
    } else if (t === 'string') {
      if (schema.format === 'date' || /date/.test(schema.format ?? ''))
        arbs.push(
          fc
            .date({ min: new Date('2000-01-01'), max: new Date('2040-12-31'), noInvalidDate: true })
            .map((d) => d.toISOString().slice(0, 10)),
        );
      else if (schema.format === 'email') arbs.push(fc.emailAddress());
      else
        arbs.push(
          fc.oneof(
            fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) }),
            fc.constantFrom(...ids, MILK),
          ),
        );
    } else if (t === 'array') {
      arbs.push(fc.array(valid(schema.items ?? {}, ids), { maxLength: 4 }));
    } else if (t === 'object' || schema.properties) {
      arbs.push(objectOf(schema, ids, false));
    } else arbs.push(oddJson);
  }
  return arbs.length === 1 ? arbs[0]! : fc.oneof(...arbs);
}

/** An object for the schema, each property valid, odd or left out; `mangle` also adds unknown keys. */
function objectOf(schema: Schema, ids: string[], mangle: boolean): fc.Arbitrary<Record<string, unknown>> {
  const props = Object.entries<Schema>(schema.properties ?? {});
  const entries = props.map(([name, s]) =>
    fc
      .oneof(
        { weight: 4, arbitrary: valid(s, ids).map((v) => [v]) },
        { weight: mangle ? 2 : 0, arbitrary: oddJson.map((v) => [v]) },
        { weight: 1, arbitrary: fc.constant([]) },
      )
      .map((v) => (v.length ? ([name, v[0]] as const) : undefined)),
  );
  const extra = mangle
    ? fc.array(
        fc.tuple(fc.oneof(oddString, fc.constantFrom('__proto__', 'constructor', 'userId', 'id')), oddJson),
        {
          maxLength: 2,
        },
      )
    : fc.constant([]);
  return fc.tuple(fc.tuple(...entries), extra).map(([kept, more]) => {
    const out: Record<string, unknown> = {};
    for (const e of kept) if (e) out[e[0]] = e[1];
    for (const [k, v] of more) Object.defineProperty(out, k, { value: v, enumerable: true, writable: true });
    return out;
  });
}

/** Percent-encoded; a lone surrogate goes as the bytes of one (%ED%A0%80), which is not UTF-8. */
function pathSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return encodeURIComponent(value.replace(/\p{Cs}/gu, '\uFFFD')).replaceAll('%EF%BF%BD', '%ED%A0%80');
  }
}

function request(op: Operation, ids: string[], images: Uint8Array[]): fc.Arbitrary<FuzzRequest> {
  const pathParams = op.params.filter((p) => p.in === 'path');
  const queryParams = op.params.filter((p) => p.in === 'query');
  const pathArb = fc
    .tuple(
      ...pathParams.map(() =>
        fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...ids) }, { weight: 2, arbitrary: oddString }),
      ),
    )
    .map((values) =>
      pathParams.reduce(
        (p, param, i) => p.replace(`{${param.name}}`, pathSegment(String(values[i]))),
        op.path,
      ),
    );
  const queryArb = fc
    .tuple(
      fc.tuple(
        ...queryParams.map((p) =>
          fc.oneof(
            { weight: 2, arbitrary: fc.constant([] as [string, string][]) },
            {
              weight: 3,
              arbitrary: valid(p.schema, ids).map((v) => [[p.name, String(v)]] as [string, string][]),
            },
            { weight: 2, arbitrary: oddString.map((v) => [[p.name, v]] as [string, string][]) },
            {
              weight: 1,
              arbitrary: fc.tuple(oddString, oddString).map(
                ([a, b]) =>
                  [
                    [p.name, a],
                    [p.name, b],
                  ] as [string, string][],
              ),
            },
          ),
        ),
      ),
      fc.array(fc.tuple(oddString, oddString), { maxLength: 1 }),
    )
    .map(([each, extra]): [string, string][] => [...each.flat(), ...extra]);
  const auth = fc.oneof(
    { weight: 12, arbitrary: fc.constant('caller' as const) },
    { weight: 1, arbitrary: fc.constantFrom('none' as const, 'garbage' as const) },
  );
  const bodyArb: fc.Arbitrary<FuzzRequest['body']> = !op.body
    ? op.method === 'GET'
      ? fc.constant(undefined)
      : fc.oneof(
          { weight: 5, arbitrary: fc.constant(undefined) },
          { weight: 1, arbitrary: oddJson.map((value) => ({ kind: 'json' as const, value })) },
        )
    : op.body.type === 'json'
      ? fc.oneof(
          {
            weight: 4,
            arbitrary: objectOf(op.body.schema, ids, false).map((value) => ({
              kind: 'json' as const,
              value,
            })),
          },
          {
            weight: 4,
            arbitrary: objectOf(op.body.schema, ids, true).map((value) => ({ kind: 'json' as const, value })),
          },
          { weight: 1, arbitrary: oddJson.map((value) => ({ kind: 'json' as const, value })) },
          {
            weight: 1,
            arbitrary: fc
              .tuple(
                fc.constantFrom(
                  'application/json',
                  'text/plain',
                  'application/x-www-form-urlencoded',
                  'application/xml',
                ),
                fc.oneof(
                  fc.constantFrom('{"a":', '{"name":"x",}', 'nul', '\u0000', '{"__proto__":{"x":1}}'),
                  oddString,
                ),
              )
              .map(([contentType, text]) => ({ kind: 'text' as const, contentType, text })),
          },
        )
      : fc.oneof(
          {
            weight: 4,
            arbitrary: fc
              .tuple(
                fc.array(
                  fc.tuple(fc.constantFrom('addToInventory', 'quantity', 'expiryDate', 'notes'), oddString),
                  {
                    maxLength: 3,
                  },
                ),
                fc.option(
                  fc.record({
                    field: fc.oneof(
                      { weight: 5, arbitrary: fc.constant('file') },
                      { weight: 1, arbitrary: oddString },
                    ),
                    type: fc.constantFrom(
                      'image/png',
                      'image/jpeg',
                      'application/octet-stream',
                      'text/plain',
                      '',
                    ),
                    bytes: fc.oneof(
                      fc.constantFrom(...images),
                      fc.uint8Array({ maxLength: 2048 }),
                      fc
                        .constantFrom(...images)
                        .chain((img) => fc.nat(img.length).map((n) => img.subarray(0, n))),
                    ),
                  }),
                  { nil: undefined },
                ),
              )
              .map(([fields, file]) => ({ kind: 'multipart' as const, fields, ...(file ? { file } : {}) })),
          },
          { weight: 1, arbitrary: oddJson.map((value) => ({ kind: 'json' as const, value })) },
        );
  return fc.record({
    method: fc.constant(op.method),
    path: pathArb,
    query: queryArb,
    auth,
    body: bodyArb,
  });
}

async function send(
  baseUrl: string,
  token: string,
  r: FuzzRequest,
): Promise<{ status: number; text: string }> {
  const headers: Record<string, string> = {};
  if (r.auth === 'caller') headers.authorization = `Bearer ${token}`;
  if (r.auth === 'garbage') headers.authorization = `Bearer ${token.slice(0, -3)}abc`;
  let body: string | FormData | undefined;
  if (r.body?.kind === 'json') {
    headers['content-type'] = 'application/json';
    body = JSON.stringify(r.body.value) ?? 'null';
  } else if (r.body?.kind === 'text') {
    headers['content-type'] = r.body.contentType;
    body = r.body.text;
  } else if (r.body?.kind === 'multipart') {
    const form = new FormData();
    for (const [k, v] of r.body.fields) form.append(k, v);
    const file = r.body.file;
    if (file) form.append(file.field, new Blob([new Uint8Array(file.bytes)], { type: file.type }), 'photo');
    body = form;
  }
  const qs = new URLSearchParams(r.query).toString();
  const res = await fetch(`${baseUrl}${r.path}${qs ? `?${qs}` : ''}`, { method: r.method, headers, body });
  return { status: res.status, text: await res.text() };
}

/** Every row a user owns, in a stable order and spelling: what property 2 and 3 compare. */
async function owned(database: AppDatabase, userId: string): Promise<unknown> {
  const db = database.db;
  const tables = {
    users: await db.selectFrom('users').selectAll().where('id', '=', userId).execute(),
    products: await db
      .selectFrom('products')
      .selectAll()
      .where('created_by', '=', userId)
      .orderBy('id')
      .execute(),
    nutrition: await db
      .selectFrom('nutrition')
      .selectAll()
      .where('product_id', 'in', db.selectFrom('products').select('id').where('created_by', '=', userId))
      .orderBy('id')
      .execute(),
    user_products: await db
      .selectFrom('user_products')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    notifications: await db
      .selectFrom('notifications')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
    scan_logs: await db
      .selectFrom('scan_logs')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('id')
      .execute(),
  };
  return JSON.parse(JSON.stringify(tables));
}

for (const dialect of DIALECTS) {
  describe(`the API under generated input on ${dialect}`, () => {
    let server: TestServer;
    let caller: TestUser;
    let other: TestUser;
    let ids: string[];
    let images: Uint8Array[];
    let modelDir: string;

    before(async () => {
      // Scanning with its providers off, and produce detection on a tiny real model.
      modelDir = fs.mkdtempSync(path.join(os.tmpdir(), 'ee-fuzz-'));
      const modelPath = path.join(modelDir, 'tiny.onnx');
      fs.writeFileSync(modelPath, tinyYolo());
      const base = scanConfig();
      server = await startScanServer(dialect, {
        config: { ...base, detection: { ...base.detection, modelPath, labels: 'apple,banana,carrot' } },
      });
      caller = await newUser(server, 'fuzz');
      other = await newUser(server, 'other');
      // Both users own catalogue products (one with a barcode), inventory items and notifications.
      const idsOf = async (u: TestUser, name: string, barcode?: string) => {
        const product = await u.api.post('/api/product/inventory/add', {
          productName: name,
          category: 'Dairy',
          ...(barcode ? { barcode } : {}),
          nutrition: { energy_kcal: 52, protein: 3.4 },
        });
        assert.equal(product.status, 200, product.text);
        const item = await u.api.post('/api/product/user/add', { name, quantity: 2, isScannedProduct: true });
        assert.equal(item.status, 200, item.text);
        const notes = await u.api.get('/api/notification/list');
        return [product.body.productId, item.body.itemId, ...notes.body.notifications.map((n: any) => n.id)];
      };
      ids = [...(await idsOf(caller, 'Fuzz milk', MILK)), ...(await idsOf(other, 'Other bread'))];
      images = [
        new Uint8Array(await renderCode('ean13', MILK)),
        new Uint8Array(await renderCode('qrcode', 'hello')),
      ];
    });
    after(async () => {
      await server?.close();
      fs.rmSync(modelDir, { recursive: true, force: true });
    });

    test('no 5xx, errors in the documented shapes, refusals change nothing, the other user is never touched', async (t) => {
      const doc = (await server.client().get('/api/openapi.json')).body;
      // Deleting the account or changing the password would end the caller's session: the fuzzer
      // never learns the password, so those requests are refusals like any other.
      const ops = operations(doc);
      assert.ok(ops.length >= 30, `the document lists ${ops.length} operations`);
      const arbitrary = fc.oneof(...ops.map((op) => request(op, ids, images)));
      // What the requests got, by status: a fuzzer whose every request is refused at the door
      // (401, 422) would prove little, so the accepted share is checked below.
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(arbitrary, async (r) => {
          const callerBefore = await owned(server.database, caller.id);
          const otherBefore = await owned(server.database, other.id);
          const res = await send(server.baseUrl, caller.token, r);
          statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
          assert.ok(
            res.status < 500,
            `${r.method} ${r.path} answered ${res.status}: ${res.text.slice(0, 300)}`,
          );
          if (res.status >= 400) {
            const body = JSON.parse(res.text);
            assert.ok(
              typeof body.detail === 'string' || Array.isArray(body.errors),
              `error shape of ${res.status}: ${res.text.slice(0, 300)}`,
            );
            assert.deepEqual(
              await owned(server.database, caller.id),
              callerBefore,
              `a ${res.status} changed the caller's rows`,
            );
          }
          assert.deepEqual(
            await owned(server.database, other.id),
            otherBefore,
            "the other user's rows changed",
          );
        }),
        { numRuns: RUNS, seed: SEED, endOnFailure: true },
      );
      const tally = [...statuses].sort(([a], [b]) => a - b);
      t.diagnostic(`statuses: ${tally.map(([s, n]) => `${s}×${n}`).join(' ')}`);
      const accepted = tally.filter(([s]) => s < 300).reduce((sum, [, n]) => sum + n, 0);
      assert.ok(accepted >= RUNS * 0.2, `only ${accepted} of ${RUNS} requests were accepted`);
    });
  });
}
