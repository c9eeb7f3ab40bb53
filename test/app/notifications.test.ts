import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { newUser, startServer, type TestServer, type TestUser } from '../support/app.js';
import { DIALECTS } from '../support/databases.js';

for (const dialect of DIALECTS) {
  describe(`notification routes on ${dialect}`, () => {
    let server: TestServer;
    let alice: TestUser;
    let bob: TestUser;
    before(async () => {
      server = await startServer(dialect);
      alice = await newUser(server, 'alice');
      bob = await newUser(server, 'bob');
    });
    after(() => server.close());

    test('an empty list keeps both shapes: an empty array and the original message', async () => {
      const res = await alice.api.get('/api/notification/list');
      assert.equal(res.status, 200);
      assert.deepEqual(res.body, {
        notifications: [],
        total: 0,
        unread: 0,
        message: 'No notifications found',
      });
    });

    test('list newest first; mark one read (owner only), mark all read', async () => {
      await alice.api.post('/api/product/user/add', { name: 'Banana', isScannedProduct: true });
      await alice.api.post('/api/product/user/add', { name: 'Old Cheese', expiryDate: '2020-02-02' });
      await server.app.expirySweep.run();
      const res = await alice.api.get('/api/notification/list');
      assert.equal(res.status, 200);
      assert.equal(res.body.unread, 2);
      assert.equal(res.body.message, undefined);
      const [newest, oldest] = res.body.notifications;
      assert.deepEqual(Object.keys(newest).sort(), [
        'createdAt',
        'id',
        'isRead',
        'itemId',
        'message',
        'productName',
        'type',
      ]);
      assert.equal(newest.type, 'warning');
      assert.equal(newest.message, 'Product Old Cheese has expired');
      assert.equal(oldest.type, 'info');
      assert.equal(oldest.message, 'Product Scanned successfully');
      assert.equal(oldest.productName, 'Banana');
      assert.match(oldest.createdAt, /Z$/);
      assert.ok(newest.createdAt >= oldest.createdAt);

      const foreign = await bob.api.post(`/api/notification/mark-read/${oldest.id}`);
      assert.equal(foreign.status, 404, "another user's notification is not found");
      assert.deepEqual(foreign.body, { detail: 'Notification not found' });
      assert.equal((await bob.api.post('/api/notification/mark-read/unknown-id')).status, 404);
      const mine = await alice.api.post(`/api/notification/mark-read/${oldest.id}`);
      assert.equal(mine.status, 200);
      assert.deepEqual(mine.body, { message: 'Notification marked as read' });
      assert.equal(
        (await alice.api.post(`/api/notification/mark-read/${oldest.id}`)).status,
        200,
        'idempotent',
      );
      const unread = await alice.api.get('/api/notification/list?unread=true');
      assert.deepEqual(
        unread.body.notifications.map((n: { id: string }) => n.id),
        [newest.id],
      );
      assert.equal(unread.body.unread, 1);
      // A query boolean as forms and pydantic write it; a typo is a 422, not a silent false.
      for (const spelling of ['1', 'yes', 'ON', 'True']) {
        const same = await alice.api.get(`/api/notification/list?unread=${spelling}`);
        assert.equal(same.status, 200, `${spelling}: ${same.text}`);
        assert.deepEqual(
          same.body.notifications.map((n: { id: string }) => n.id),
          [newest.id],
          spelling,
        );
      }
      for (const spelling of ['0', 'no', '']) {
        const every = await alice.api.get(`/api/notification/list?unread=${spelling}`);
        assert.equal(every.body.notifications.length, 2, `unread=${spelling}: all of them`);
      }
      assert.equal((await alice.api.get('/api/notification/list?unread=ture')).status, 422);
      const all = await alice.api.post('/api/notification/mark-all-read');
      assert.deepEqual(all.body, { message: 'All notifications marked as read', updated: 1 });
      const after = await alice.api.get('/api/notification/list');
      assert.ok(after.body.notifications.every((n: { isRead: boolean }) => n.isRead));
      assert.equal(after.body.unread, 0);
      assert.deepEqual((await bob.api.get('/api/notification/list')).body.notifications, []);
      assert.equal((await alice.api.get('/api/notification/mark-read/x')).status, 405);
      assert.equal((await alice.api.get('/api/notification/list?limit=0')).status, 422);
      const paged = await alice.api.get('/api/notification/list?limit=1&offset=1');
      assert.deepEqual(
        paged.body.notifications.map((n: { id: string }) => n.id),
        [oldest.id],
      );
    });

    test('`total` counts every notification matching the filter, beyond the page (the list stopped at 100 silently)', async () => {
      const carol = await newUser(server, 'carol');
      // 103 notifications, 3 of them read: more than the default page of 100.
      const created = Date.now();
      await server.database.db
        .insertInto('notifications')
        .values(
          Array.from({ length: 103 }, (_, i) => ({
            id: `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
            user_id: carol.id,
            type: 'info',
            message: `Note ${i}`,
            is_read: i < 3,
            created_at: new Date(created - i * 1000),
          })),
        )
        .execute();
      const page = await carol.api.get('/api/notification/list');
      assert.equal(page.status, 200, page.text);
      assert.equal(page.body.notifications.length, 100, 'the default limit');
      assert.equal(page.body.total, 103);
      assert.equal(page.body.unread, 100);
      const rest = await carol.api.get('/api/notification/list?offset=100');
      assert.deepEqual(
        rest.body.notifications.map((n: { message: string }) => n.message),
        ['Note 100', 'Note 101', 'Note 102'],
      );
      assert.equal(rest.body.total, 103);
      const unread = await carol.api.get('/api/notification/list?unread=true&limit=10');
      assert.equal(unread.body.notifications.length, 10);
      assert.equal(unread.body.total, 100, 'with unread=true, only the unread ones count');
      assert.equal(unread.body.unread, 100);
      // A page past the end still tells how many there are.
      const beyond = await carol.api.get('/api/notification/list?offset=200');
      assert.deepEqual(beyond.body.notifications, []);
      assert.equal(beyond.body.total, 103);
      assert.equal(beyond.body.unread, 100);
      const beyondUnread = await carol.api.get('/api/notification/list?unread=true&offset=100');
      assert.deepEqual(beyondUnread.body.notifications, []);
      assert.equal(beyondUnread.body.total, 100);
      assert.equal(beyondUnread.body.unread, 100);
      // Another user's notifications do not count.
      assert.equal((await bob.api.get('/api/notification/list')).body.total, 0);
      const spec = await server.client().get('/api/openapi.json');
      const list =
        spec.body.paths['/api/notification/list'].get.responses['200'].content['application/json'].schema;
      assert.ok(list.required.includes('total'), 'the OpenAPI document declares total');
    });

    test('no token: 401 on every notification route', async () => {
      const api = server.client();
      assert.equal((await api.get('/api/notification/list')).status, 401);
      assert.equal((await api.post('/api/notification/mark-read/x')).status, 401);
      assert.equal((await api.post('/api/notification/mark-all-read')).status, 401);
    });
  });
}
