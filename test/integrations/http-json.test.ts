// The shared provider request against local servers: an answer's size and nesting are capped (the
// read stops, the memory is not spent, the parse is not run), and redirects are followed only on
// the configured host.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { requestJson } from '../../src/integrations/http-json.js';
import { allowedRedirect } from '../../src/integrations/redirect-target.js';
import { FakeService, type Served } from '../support/fake-services.js';
import { failure } from '../support/provider-failure.js';

let provider: FakeService;
let elsewhere: FakeService;

before(async () => {
  elsewhere = await new FakeService(() => ({ status: 200, body: { secret: 'metadata' } })).start();
  provider = await new FakeService((req): Served => {
    if (req.path === '/moved') return { status: 301, body: {}, headers: { location: '/here?x=1' } };
    if (req.path === '/away')
      return { status: 302, body: {}, headers: { location: `${elsewhere.baseUrl}/latest/meta-data` } };
    if (req.path === '/latin1')
      return {
        status: 200,
        body: undefined,
        raw: Buffer.from(JSON.stringify({ name: 'Crème fraîche' }), 'latin1'),
        headers: { 'content-type': `application/json; charset=${req.query.get('cs')}` },
      };
    if (req.path === '/loop') return { status: 302, body: {}, headers: { location: '/loop' } };
    // Brackets in strings, a quote and a backslash escaped: none of them nests.
    if (req.path === '/brackets')
      return { status: 200, body: { a: `"${'['.repeat(100)}`, b: '\\', c: '{'.repeat(100) } };
    return { status: 200, body: { path: req.path, x: req.query.get('x') } };
  }).start();
});
after(async () => {
  await provider.stop();
  await elsewhere.stop();
});

const get = (path: string, maxBodyBytes?: number) =>
  requestJson({ provider: 'Test', url: `${provider.baseUrl}${path}`, timeoutMs: 5000, maxBodyBytes });

test('an answer past the size limit is a failed request, and is not read to its end', async () => {
  for (const declared of [true, false]) {
    provider.fault = { kind: 'huge', bytes: 64 * 1024 * 1024, declared };
    provider.hugeBytesSent = 0;
    const e = await failure(get('/product', 1024 * 1024));
    assert.deepEqual([e.kind, e.transient], ['bad_response', false], e.message);
    assert.ok(
      provider.hugeBytesSent < 32 * 1024 * 1024,
      `reading stopped early (declared: ${declared}); ${provider.hugeBytesSent} bytes sent`,
    );
  }
  provider.fault = { kind: 'huge', bytes: 1000, declared: false };
  await failure(get('/product', 999));
  provider.fault = { kind: 'none' };
  assert.equal((await get('/product', 1000)).status, 200, 'an answer within the limit is read');
});

// '[' × 1,000,000 + ']' × 1,000,000 is 2 MB, under the size cap, and JSON.parse took seconds over
// it with the event loop blocked, at every scan of the barcode (a bad response is not remembered).
test('an answer nested deeper than 64 levels is a bad response, not parsed', async () => {
  for (const depth of [1_000_000, 65]) {
    provider.fault = { kind: 'deep', depth };
    const e = await failure(get('/product'));
    assert.deepEqual([e.kind, e.transient], ['bad_response', false], e.message);
    assert.match(e.message, /answered with JSON nested deeper than 64 levels/);
  }
  provider.fault = { kind: 'deep', depth: 64 };
  assert.equal((await get('/product')).status, 200, '64 levels are read');
  provider.fault = { kind: 'none' };
  assert.deepEqual((await get('/brackets')).body, { a: `"${'['.repeat(100)}`, b: '\\', c: '{'.repeat(100) });
});

test('a redirect on the same host is followed; one to another host is refused unsent', async () => {
  provider.fault = { kind: 'none' };
  assert.deepEqual((await get('/moved')).body, { path: '/here', x: '1' });
  const e = await failure(get('/away'));
  assert.equal(e.kind, 'bad_response');
  assert.match(e.message, /redirected off its own host/);
  assert.equal(elsewhere.requests.length, 0, 'nothing was sent to the other host');
  assert.match((await failure(get('/loop'))).message, /too many redirects/);
});

test('allowed redirect targets: same origin, or the http → https upgrade of the same host', () => {
  const http = new URL('http://world.openfoodfacts.org/api/v2/product/1.json');
  assert.equal(
    allowedRedirect(http, 'https://world.openfoodfacts.org/x')?.href,
    'https://world.openfoodfacts.org/x',
  );
  assert.equal(allowedRedirect(http, '/y')?.href, 'http://world.openfoodfacts.org/y');
  assert.equal(allowedRedirect(http, 'http://169.254.169.254/latest/meta-data'), undefined);
  assert.equal(allowedRedirect(http, 'https://evil.example/'), undefined);
  assert.equal(allowedRedirect(http, 'http://world.openfoodfacts.org:8080/'), undefined);
  const https = new URL('https://api.nal.usda.gov/fdc/v1/foods/search');
  assert.equal(allowedRedirect(https, 'http://api.nal.usda.gov/fdc/'), undefined, 'no downgrade');
});

test('an answer is decoded in the charset it declares, UTF-8 otherwise', async () => {
  provider.fault = { kind: 'none' };
  for (const cs of ['iso-8859-1', 'ISO-8859-1', '"windows-1252"', 'latin1'])
    assert.deepEqual((await get(`/latin1?cs=${cs}`)).body, { name: 'Crème fraîche' }, cs);
  // An unknown charset falls back to UTF-8 (the Latin-1 bytes then decode to U+FFFD, but no crash).
  assert.equal(
    ((await get('/latin1?cs=x-unheard-of')).body as { name: string }).name,
    'Cr\uFFFDme fra\uFFFDche',
  );
  // The usual case: UTF-8, declared or not.
  assert.deepEqual((await get('/here')).body, { path: '/here', x: null });
});
