import type { Static } from '@sinclair/typebox';
import { sql } from 'kysely';
import { notFound } from '../../app/http-error.js';
import type { AuthUser } from '../../app/tokens.js';
import type { AppDatabase } from '../../db/database.js';
import { iso } from '../../db/dates.js';
import type { NotificationQuery } from './schemas.js';

/** The caller's notifications; another user's id is not found (404). */
/** How many of the rows are unread: over the page's rows (a window) or as an aggregate. */
const unreadSum = () => sql<number>`sum(case when is_read = ${false} then 1 else 0 end)`;

export class NotificationService {
  constructor(private readonly database: AppDatabase) {}

  private get db() {
    return this.database.db;
  }

  /**
   * One page, with `total` (the caller's notifications matching the filter, over all pages) and
   * `unread` (all unread ones) counted by window functions in the same query; a page past the end
   * has no row to carry them, so they are counted apart.
   */
  async list(user: AuthUser, q: Static<typeof NotificationQuery>) {
    let query = this.db
      .selectFrom('notifications')
      .select([
        'id',
        'type',
        'message',
        'product_name',
        'user_product_id',
        'created_at',
        'is_read',
        sql<number>`count(*) over ()`.as('total_count'),
        sql<number>`${unreadSum()} over ()`.as('unread_count'),
      ])
      .where('user_id', '=', user.id);
    if (q.unread) query = query.where('is_read', '=', false);
    const rows = await query
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    let total = rows[0] ? Number(rows[0].total_count) : 0;
    let unread = rows[0] ? Number(rows[0].unread_count) : 0;
    if (!rows[0] && q.offset > 0) {
      const c = await this.db
        .selectFrom('notifications')
        .select((eb) => [eb.fn.countAll<number>().as('total'), unreadSum().as('unread')])
        .where('user_id', '=', user.id)
        .executeTakeFirstOrThrow();
      unread = Number(c.unread ?? 0);
      total = q.unread ? unread : Number(c.total);
    }
    return {
      notifications: rows.map((r) => ({
        id: r.id,
        type: r.type,
        message: r.message,
        productName: r.product_name,
        itemId: r.user_product_id,
        createdAt: iso(r.created_at)!,
        isRead: r.is_read,
      })),
      total,
      unread,
      ...(rows.length === 0 ? { message: 'No notifications found' } : {}),
    };
  }

  async markRead(user: AuthUser, id: string) {
    const found = await this.db
      .selectFrom('notifications')
      .select('id')
      .where('id', '=', id)
      .where('user_id', '=', user.id)
      .executeTakeFirst();
    if (!found) throw notFound('Notification not found');
    await this.db
      .updateTable('notifications')
      .set({ is_read: true })
      .where('id', '=', id)
      .where('user_id', '=', user.id)
      .execute();
    return { message: 'Notification marked as read' };
  }

  async markAllRead(user: AuthUser) {
    const r = await this.db
      .updateTable('notifications')
      .set({ is_read: true })
      .where('user_id', '=', user.id)
      .where('is_read', '=', false)
      .executeTakeFirst();
    return { message: 'All notifications marked as read', updated: Number(r.numUpdatedRows) };
  }
}
