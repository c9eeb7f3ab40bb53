import { randomUUID } from 'node:crypto';
import type { AppDatabase } from '../../src/db/database.js';
import { openDatabase } from '../../src/db/database.js';
import { nameKey } from '../../src/features/catalogue/product-name.js';
import type { DialectName } from '../../src/migrate/index.js';
import { migrateToHead } from './app.js';
import { type ScratchDatabase, scratchDatabase } from './databases.js';

/** A fresh database migrated to head, opened with the app's handle. */
export async function migratedDatabase(
  dialect: DialectName,
): Promise<{ database: AppDatabase; scratch: ScratchDatabase; close(): Promise<void> }> {
  const scratch = await scratchDatabase(dialect);
  await migrateToHead(scratch);
  const database = await openDatabase(scratch.parsed, { poolSize: 5 });
  return {
    database,
    scratch,
    close: async () => {
      await database.destroy();
      await scratch.drop();
    },
  };
}

/** A user row (no password needed: tests that use one sign its token with the app's Tokens). */
export async function insertUser(
  database: AppDatabase,
  name = 'user',
): Promise<{ id: string; email: string }> {
  const id = randomUUID();
  const email = `${name}.${id.slice(0, 8)}@example.com`;
  await database.db
    .insertInto('users')
    .values({ id, email, password_hash: 'x', name, created_at: new Date() })
    .execute();
  return { id, email };
}

/** A catalogue product (category "Uncategorized" and no barcode unless given). */
export async function insertProduct(
  database: AppDatabase,
  name: string,
  extra: { category?: string; barcode?: string } = {},
): Promise<string> {
  const id = randomUUID();
  await database.db
    .insertInto('products')
    .values({ id, name, name_key: nameKey(name), ...extra, created_at: new Date() })
    .execute();
  return id;
}

/** An inventory item of `productId` for `userId`, expiring on `expiryDate`. */
export async function insertItem(
  database: AppDatabase,
  item: {
    userId: string;
    productId: string;
    expiryDate: string | null;
    status?: 'active' | 'expired' | 'consumed';
  },
): Promise<string> {
  const id = randomUUID();
  await database.db
    .insertInto('user_products')
    .values({
      id,
      user_id: item.userId,
      product_id: item.productId,
      expiry_date: item.expiryDate,
      status: item.status ?? 'active',
      added_at: new Date(),
    })
    .execute();
  return id;
}

/**
 * `count` active items of `productId` for `userId`, the i-th expiring on `expiryDate(i)`, inserted
 * 1000 rows per statement (well under every dialect's bound-parameter limit). Returns their ids.
 */
export async function insertItems(
  database: AppDatabase,
  items: { userId: string; productId: string; count: number; expiryDate: (i: number) => string | null },
): Promise<string[]> {
  const ids: string[] = [];
  for (let start = 0; start < items.count; start += 1000) {
    const rows = Array.from({ length: Math.min(1000, items.count - start) }, (_, j) => {
      const id = randomUUID();
      ids.push(id);
      return {
        id,
        user_id: items.userId,
        product_id: items.productId,
        expiry_date: items.expiryDate(start + j),
        status: 'active' as const,
        added_at: new Date(),
      };
    });
    await database.db.insertInto('user_products').values(rows).execute();
  }
  return ids;
}
