import { randomUUID } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { type Kysely, sql } from 'kysely';
import { conflict, forbidden, notFound } from '../../app/http-error.js';
import { addEach, invalidItemReason } from '../../app/mass-add.js';
import type { AuthUser } from '../../app/tokens.js';
import { compileChecker } from '../../app/validation.js';
import type { AppDatabase } from '../../db/database.js';
import { iso } from '../../db/dates.js';
import { isForeignKeyViolation } from '../../db/errors.js';
import { likePattern } from '../../db/like-pattern.js';
import { pageTotal } from '../../db/page-total.js';
import { rowLock } from '../../db/row-lock.js';
import type { Database } from '../../models/index.js';
import { inTransaction } from './in-transaction.js';
import { checkBarcode, insertProduct, refuseClash } from './insert-product.js';
import { nameMatches } from './name-filter.js';
import type { NewProductRules } from './new-product-rules.js';
import { givenNutrition, NUTRIENTS, nutritionRow, nutritionText } from './nutrition.js';
import { checkedCategory, checkedName, nameKey } from './product-name.js';
import {
  type AddProductBody,
  type CatalogueQuery,
  MassProductItem,
  type UpdateProductBody,
} from './schemas.js';

/** One item of `inventory/add-mass`, checked apart: its problems are its `failed` reason. */
const checkMassProduct = compileChecker(MassProductItem);

const productNotFound = (id: string) => notFound(`Product with ID ${id} does not exist.`);

/**
 * The shared catalogue. Anyone signed in may read it and add to it; only the user who added a
 * product may change or delete it, and not while another user's inventory holds it.
 */
export class CatalogueService {
  constructor(
    private readonly database: AppDatabase,
    private readonly onError?: (e: unknown) => void,
    /** What applies to a product the user adds (its status without nutrients, the daily cap). */
    private readonly newProduct: () => Partial<NewProductRules> = () => ({}),
  ) {}

  private get db() {
    return this.database.db;
  }

  async add(user: AuthUser, body: Static<typeof AddProductBody>) {
    const nutrition = givenNutrition(body.nutrition);
    const rules = this.newProduct();
    const p = await inTransaction(this.database, (tx) =>
      insertProduct(tx, user, {
        name: body.productName,
        category: body.category,
        barcode: body.barcode,
        nutrition,
        ...rules,
      }),
    );
    if (!nutrition) rules.lookUp?.(p.id);
    return {
      message: 'Product added successfully',
      productId: p.id,
      name: p.name,
      category: p.category,
      barcode: p.barcode,
    };
  }

  /** Products with their nutrition joined: one query, plus a count when the page does not tell the total. */
  async list(user: AuthUser, q: Static<typeof CatalogueQuery>) {
    let query = this.db
      .selectFrom('products as p')
      .leftJoin('nutrition as n', 'n.product_id', 'p.id')
      .select([
        'p.id',
        'p.name',
        'p.category',
        'p.barcode',
        'p.created_by',
        'p.created_at',
        'p.nutrition_status',
      ])
      .select(NUTRIENTS.map((n) => `n.${n}` as const));
    if (q.name) {
      query = query.where(nameMatches(likePattern(nameKey(q.name)), this.database.dialect));
    }
    // By the application's key, not the name: the name's order is each database's collation's
    // (MariaDB's ignores case and accents, SQLite's and PostgreSQL's do not), and with it which
    // products a page holds. The key is lower-cased in JavaScript and compared exactly everywhere.
    const rows = await query.orderBy('p.name_key').orderBy('p.id').limit(q.limit).offset(q.offset).execute();
    const total = await pageTotal(q, rows.length, async () => {
      let count = this.db.selectFrom('products as p').select((eb) => eb.fn.countAll<number>().as('c'));
      if (q.name) {
        count = count.where(nameMatches(likePattern(nameKey(q.name)), this.database.dialect));
      }
      return (await count.executeTakeFirstOrThrow()).c;
    });
    return {
      total,
      products: rows.map((r) => ({
        id: r.id,
        name: r.name,
        category: r.category,
        barcode: r.barcode,
        nutrition: nutritionText(r),
        nutritionStatus: r.nutrition_status,
        isOwner: r.created_by === user.id,
        createdAt: iso(r.created_at)!,
      })),
    };
  }

  /** Loads a product for a change by `user`: 404 unknown, 403 not theirs, 409 held by someone else. */
  private async lockForChange(tx: Kysely<Database>, user: AuthUser, id: string, action: string) {
    const product = await tx
      .selectFrom('products')
      .select(['id', 'name', 'category', 'barcode', 'created_by'])
      .where('id', '=', id)
      .modifyEnd(rowLock(this.database, 'update'))
      .executeTakeFirst();
    if (!product) throw productNotFound(id);
    if (product.created_by !== user.id) {
      throw forbidden(`Only the user who added this product can ${action} it`);
    }
    const others = await tx
      .selectFrom('user_products')
      .select((eb) => eb.fn.count<number>('user_id').distinct().as('users'))
      .where('product_id', '=', id)
      .where('user_id', '<>', user.id)
      // MariaDB's REPEATABLE READ: read the latest committed items, not the snapshot (PostgreSQL's
      // READ COMMITTED statement sees them anyway, and refuses FOR SHARE with an aggregate).
      .modifyEnd(this.database.dialect === 'mysql' ? sql`lock in share mode` : sql``)
      .executeTakeFirstOrThrow();
    const n = Number(others.users);
    if (n > 0) {
      throw conflict(
        `Cannot ${action} this product: it is in the inventory of ${n} other user${n === 1 ? '' : 's'}`,
      );
    }
    return product;
  }

  async update(user: AuthUser, id: string, body: Static<typeof UpdateProductBody>) {
    return inTransaction(this.database, async (tx) => {
      const product = await this.lockForChange(tx, user, id, 'change');
      const nutrition = givenNutrition(body.nutrition);
      const name = body.name !== undefined ? checkedName(body.name, 'name') : product.name;
      const category = checkedCategory(body.category) ?? product.category;
      // null removes the barcode; a blank one (a form's empty field) keeps it, as the original did.
      const given = body.barcode?.trim();
      const barcode = body.barcode === null ? null : given || product.barcode;
      checkBarcode(barcode);
      await refuseClash(tx, name, barcode, id);
      const now = new Date();
      await tx
        .updateTable('products')
        .set({
          name,
          name_key: nameKey(name),
          category,
          barcode,
          updated_at: now,
          ...(nutrition ? { nutrition_status: 'found' as const } : {}),
        })
        .where('id', '=', id)
        .execute();
      if (nutrition) {
        const values = nutritionRow(nutrition);
        const updated = await tx
          .updateTable('nutrition')
          .set({ ...values, source: 'user', updated_at: now })
          .where('product_id', '=', id)
          .executeTakeFirst();
        if (Number(updated.numUpdatedRows) === 0) {
          await tx
            .insertInto('nutrition')
            .values({ id: randomUUID(), product_id: id, ...values, source: 'user', updated_at: now })
            .execute();
        }
      }
      return { message: 'Product updated successfully', productId: id, name, category, barcode };
    });
  }

  /** Deletes the product, the caller's own items of it, and its nutrition row (by cascade). */
  async remove(user: AuthUser, id: string) {
    try {
      await this.db.transaction().execute(async (tx) => {
        await this.lockForChange(tx, user, id, 'delete');
        await tx
          .deleteFrom('user_products')
          .where('product_id', '=', id)
          .where('user_id', '=', user.id)
          .execute();
        await tx.deleteFrom('products').where('id', '=', id).execute();
      });
    } catch (e) {
      // Someone added it to their inventory between the check and the delete: RESTRICT holds.
      if (isForeignKeyViolation(e)) {
        throw conflict('Cannot delete this product: it is in the inventory of another user');
      }
      throw e;
    }
    return { message: 'Product deleted successfully' };
  }

  /** The catalogue's products that have a barcode, a page at a time (the original listed them all). */
  async barcodes(q: { limit: number; offset: number }) {
    const rows = await this.db
      .selectFrom('products')
      .select(['name', 'barcode'])
      .where('barcode', 'is not', null)
      // As the catalogue list: the same order on every database.
      .orderBy('name_key')
      .orderBy('id')
      .limit(q.limit)
      .offset(q.offset)
      .execute();
    const total = await pageTotal(q, rows.length, async () => {
      const count = await this.db
        .selectFrom('products')
        .select((eb) => eb.fn.countAll<number>().as('c'))
        .where('barcode', 'is not', null)
        .executeTakeFirstOrThrow();
      return count.c;
    });
    return { products: rows.map((r) => ({ productName: r.name, barcode: r.barcode! })), total };
  }

  /**
   * Each item on its own, in its own transaction and with a database deadline of its own: one
   * failing does not stop the others; a database that cannot serve midway is a 503 that says
   * what was done (see addEach).
   */
  addMass(user: AuthUser, items: readonly unknown[]) {
    return addEach(this.database, items, {
      refuse: (item) => invalidItemReason(checkMassProduct(item)),
      add: async (raw, added: (p: { productId: string; name: string }) => void) => {
        const item = raw as Static<typeof MassProductItem>;
        const nutrition = givenNutrition(item.nutrition);
        const rules = this.newProduct();
        const p = await inTransaction(this.database, (tx) =>
          insertProduct(tx, user, {
            name: item.productName,
            category: item.category,
            barcode: item.barcode,
            nutrition,
            ...rules,
          }),
        );
        added({ productId: p.id, name: p.name });
        if (!nutrition) rules.lookUp?.(p.id);
      },
      ...(this.onError ? { onError: this.onError } : {}),
      unsaved: 'The product could not be saved',
    });
  }
}
