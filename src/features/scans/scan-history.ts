import { type Kysely, sql } from 'kysely';
import { iso } from '../../db/dates.js';
import type { Database } from '../../models/index.js';

export type ScanStatus = 'scanned' | 'expired' | 'not_found';

export interface ScanHistoryQuery {
  limit: number;
  offset: number;
  status?: ScanStatus | undefined;
}

/**
 * One page of a user's scan log, newest first, with the product each scan found: one query (the
 * total comes with the rows as a window count), and a count only for a page past the end.
 */
export async function scanHistory(db: Kysely<Database>, userId: string, q: ScanHistoryQuery) {
  let query = db
    .selectFrom('scan_logs as s')
    .leftJoin('products as p', 'p.id', 's.product_id')
    .where('s.user_id', '=', userId);
  if (q.status) query = query.where('s.status', '=', q.status);
  const rows = await query
    .select([
      's.id',
      's.barcode',
      's.format',
      's.status',
      's.scanned_at',
      's.product_id',
      'p.name',
      'p.brand',
      'p.category',
      'p.nutrition_status',
      sql<number>`count(*) over ()`.as('total_count'),
    ])
    .orderBy('s.scanned_at', 'desc')
    .orderBy('s.id', 'desc')
    .limit(q.limit)
    .offset(q.offset)
    .execute();
  let total = rows[0] ? Number(rows[0].total_count) : 0;
  if (!rows[0] && q.offset > 0) {
    total = Number(
      (await query.select((eb) => eb.fn.countAll<number>().as('c')).executeTakeFirstOrThrow()).c,
    );
  }
  return {
    total,
    limit: q.limit,
    offset: q.offset,
    scans: rows.map((r) => ({
      id: r.id,
      barcode: r.barcode,
      format: r.format,
      status: r.status,
      scannedAt: iso(r.scanned_at)!,
      product:
        r.product_id && r.name
          ? {
              id: r.product_id,
              name: r.name,
              brand: r.brand,
              category: r.category ?? 'Uncategorized',
              nutritionStatus: r.nutrition_status ?? 'unknown',
            }
          : null,
    })),
  };
}
