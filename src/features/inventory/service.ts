import { randomUUID } from 'node:crypto';
import type { Static } from '@sinclair/typebox';
import { type Kysely, sql, type Updateable } from 'kysely';
import { conflict, notFound, ValidationFailure } from '../../app/http-error.js';
import { addEach, invalidItemReason } from '../../app/mass-add.js';
import type { AuthUser } from '../../app/tokens.js';
import { compileChecker } from '../../app/validation.js';
import type { AppDatabase } from '../../db/database.js';
import { todayUtc } from '../../db/dates.js';
import { monotonicNow } from '../../db/monotonic-clock.js';
import { rowLock } from '../../db/row-lock.js';
import type { Database } from '../../models/index.js';
import { barcodeVariants } from '../catalogue/barcode-variants.js';
import { lockQuotaHolder } from '../catalogue/daily-quota.js';
import { inTransaction } from '../catalogue/in-transaction.js';
import { insertProduct } from '../catalogue/insert-product.js';
import type { NewProductRules } from '../catalogue/new-product-rules.js';
import { checkedName, nameKey } from '../catalogue/product-name.js';
import { clientDay } from '../expiry/local-date.js';
import type {
  NotificationPublisher,
  NotificationRow,
  PublishedNotification,
} from '../notifications/notification-events.js';
import { withScanData } from '../notifications/scan-frame-data.js';
import { effectiveStatus } from './effective-status.js';
import { ITEM_COLUMNS } from './item-columns.js';
import { listItems } from './list-items.js';
import { insertNewItem } from './new-item.js';
import type { AddItemBody, ListQuery, UpdateItemBody } from './schemas.js';
import { MassItem, type STATUSES } from './schemas.js';
import { estimateExpiry } from './shelf-life.js';

type Status = (typeof STATUSES)[number];

const ADDED = 'New Product added to user inventory successfully';
const itemNotFound = (id: string) => notFound(`Product with ID ${id} does not exist in user inventory.`);

/** The day a client's date or date-time names (`dayOf`); 422 outside 1900–2999. */
function expiryDay(raw: string, dayOf: (raw: string) => string, field = 'expiryDate'): string {
  const day = dayOf(raw);
  if (day < '1900-01-01' || day > '2999-12-31') {
    throw new ValidationFailure([{ field, message: 'Date should be between 1900-01-01 and 2999-12-31' }]);
  }
  return day;
}

interface ItemInput {
  name?: string | undefined;
  quantity?: number | undefined;
  category?: string | undefined;
  expiryDate?: string | null | undefined;
  notes?: string | null | undefined;
  scanned: boolean;
  estimateExpiry?: boolean | undefined;
}

const checkMassItem = compileChecker(MassItem);

/**
 * A list item's blank date (a form's empty field) is no date, as on a single add; the item itself
 * is left as sent, for the failures the reply lists.
 */
function blankDateAsNone(item: unknown): unknown {
  const isObject = typeof item === 'object' && item !== null && !Array.isArray(item);
  return isObject && (item as Record<string, unknown>).expiryDate === ''
    ? { ...item, expiryDate: null }
    : item;
}

/**
 * The caller's inventory. Every query is restricted to `user_id = caller`; ids of other users'
 * items are simply not found (404). Items are addressed by their own id (`itemId`) or, for the
 * original front end, by catalogue product id: that picks the caller's earliest-added item of the
 * product, as the original's "first match" did.
 */
type AddedItem = Awaited<ReturnType<InventoryService['insertItem']>>['item'];

export class InventoryService {
  constructor(
    private readonly database: AppDatabase,
    /** Logs an error the request survives (one item of a mass add, a push sent without its extras). */
    private readonly onError?: (e: unknown, what: string) => void,
    /** Pushes the scan notification of a scanned item to the owner's sockets, after the commit. */
    private readonly publish?: NotificationPublisher,
    /** Today's date in the app's time zone (`APP_TIMEZONE`), the calendar the sweep uses too. */
    private readonly today: () => string = todayUtc,
    /** What applies to a product the user adds (its status without nutrients, the daily cap). */
    private readonly newProduct: () => Partial<NewProductRules> = () => ({}),
    /** The day a client's expiry date or date-time names, on the same calendar as `today`. */
    private readonly dayOf: (raw: string) => string = (raw) => clientDay(raw, 'UTC'),
  ) {}

  private get db() {
    return this.database.db;
  }

  async add(user: AuthUser, body: Static<typeof AddItemBody>, barcode?: string) {
    // retryUnique: a catalogue entry created for this name by a concurrent request is used.
    const { item, notification, createdProduct } = await inTransaction(
      this.database,
      (tx) =>
        this.insertItem(
          tx,
          user,
          {
            ...body,
            scanned: barcode !== undefined || body.isScannedProduct === true,
          },
          barcode,
        ),
      { retryUnique: true },
    );
    if (createdProduct) this.newProduct().lookUp?.(createdProduct);
    await this.announce(item, notification);
    return item;
  }

  /**
   * The original's `Product_Scanned` push, sent once the item is committed. Its `data` is the
   * one a socket's backlog carries (`withScanData`): the item with its product's `nutrition`,
   * which the original's frame always had. Should that read fail, the item alone is sent.
   */
  private async announce(item: AddedItem, notification: NotificationRow | undefined): Promise<void> {
    if (!notification || !this.publish) return;
    const { message: _message, ...data } = item;
    let rows: PublishedNotification[] = [{ ...notification, data }];
    try {
      const [withData] = await withScanData(this.database, [notification]);
      if (withData?.data) rows = [{ ...notification, data: { ...withData.data, ...data } }];
    } catch (e) {
      this.onError?.(e, "reading a scanned item's product for its live push failed; pushed without it");
    }
    this.publish(rows);
  }

  private async insertItem(tx: Kysely<Database>, user: AuthUser, input: ItemInput, barcode?: string) {
    let product: { id: string; name: string; category: string } | undefined;
    let created = false;
    if (barcode !== undefined) {
      // Under any form of the code (a UPC-A is also its EAN-13 with a leading 0), as a scan finds
      // it: the look-up before this found it so, and did not ask the provider.
      product = await tx
        .selectFrom('products')
        .select(['id', 'name', 'category'])
        .where('barcode', 'in', barcodeVariants(barcode))
        .orderBy('created_at')
        .executeTakeFirst();
      if (!product) throw notFound('Product not found for the provided barcode');
    } else {
      if (!input.name?.trim()) {
        throw new ValidationFailure([{ field: 'name', message: 'Provide a product name or a barcode' }]);
      }
      const name = checkedName(input.name, 'name');
      // Before the look-up: on MariaDB the quota's count, should the product be new, sees only
      // what was committed before this transaction's first plain read (see checkDailyQuota).
      const rules = this.newProduct();
      await lockQuotaHolder(tx, user, rules.dailyLimit, rules.quotaLock);
      product = await tx
        .selectFrom('products')
        .select(['id', 'name', 'category'])
        .where('name_key', '=', nameKey(name))
        .executeTakeFirst();
      if (!product) {
        product = await insertProduct(tx, user, {
          name,
          category: input.category,
          ...this.newProduct(),
        });
        created = true;
      }
    }

    // Hold a product found above (by primary key, so only its row) until commit, so that its owner
    // cannot change or delete it under us; re-read it, since the owner may have done so since the
    // look-up. One created here is not visible to anyone else yet.
    if (!created) {
      const held = await tx
        .selectFrom('products')
        .select(['name_key', 'barcode'])
        .where('id', '=', product.id)
        .modifyEnd(rowLock(this.database, 'share'))
        .executeTakeFirst();
      const same =
        barcode !== undefined
          ? held?.barcode != null && barcodeVariants(barcode).includes(held.barcode)
          : held?.name_key === nameKey(product.name);
      if (!same) throw conflict('The product was changed meanwhile; try again');
    }

    const today = this.today();
    let expiryDate: string | null = null;
    let estimated = false;
    // An estimate asked for wins over a date given; where the shelf-life table has none, the date
    // given is kept rather than dropped (`expiryEstimated` false says which it is).
    if (input.estimateExpiry || (input.scanned && !input.expiryDate)) {
      expiryDate = estimateExpiry(product.name, product.category, today) ?? null;
      estimated = expiryDate !== null;
    }
    if (expiryDate === null && input.expiryDate) expiryDate = expiryDay(input.expiryDate, this.dayOf);
    // An empty note is no note (as when an update clears one with ""), not the scan's default.
    const notes =
      input.notes === ''
        ? null
        : (input.notes ?? (barcode !== undefined ? `Scanned Via Barcode with Code ${barcode}` : null));
    const quantity = input.quantity ?? 1;
    const now = monotonicNow();
    const { itemId, notification } = await insertNewItem(tx, {
      userId: user.id,
      productId: product.id,
      productName: product.name,
      quantity,
      expiryDate,
      expiryEstimated: estimated,
      notes,
      scanned: input.scanned,
      now,
    });
    if (barcode !== undefined) {
      await tx
        .insertInto('scan_logs')
        .values({
          id: randomUUID(),
          user_id: user.id,
          product_id: product.id,
          barcode,
          status: 'scanned',
          scanned_at: now,
        })
        .execute();
    }
    const item = {
      message: ADDED,
      productId: product.id,
      itemId,
      name: product.name,
      quantity,
      expiryDate,
      expiryEstimated: estimated,
      notes,
      status: effectiveStatus('active', expiryDate, today),
    };
    return { item, notification, createdProduct: created ? product.id : undefined };
  }

  /** One page of the caller's items, filtered and sorted as asked (list-items.ts). */
  list(user: AuthUser, q: Static<typeof ListQuery>) {
    return listItems(this.database, user.id, q, this.today());
  }

  /** The caller's item with this item id, else their earliest-added item of this catalogue product. */
  private async resolve(tx: Kysely<Database>, user: AuthUser, id: string) {
    const row = await tx
      .selectFrom('user_products as up')
      .innerJoin('products as p', 'p.id', 'up.product_id')
      .select(ITEM_COLUMNS)
      .where('up.user_id', '=', user.id)
      .where((eb) => eb.or([eb('up.id', '=', id), eb('up.product_id', '=', id)]))
      .orderBy(sql`case when up.id = ${id} then 0 else 1 end`)
      .orderBy('up.added_at')
      .orderBy('up.id')
      .limit(1)
      .executeTakeFirst();
    if (!row) throw itemNotFound(id);
    return row;
  }

  async update(user: AuthUser, id: string, body: Static<typeof UpdateItemBody>) {
    return inTransaction(this.database, async (tx) => {
      const found = await this.resolve(tx, user, id);
      // The item's own row, locked until commit and read as last committed: a concurrent update
      // or the expiry sweep either finished before (and is seen here) or waits for this one. Only
      // the fields this request changes are written, so concurrent updates of other fields (and
      // the sweep's status) are not undone. SQLite's writers take turns without a lock.
      const row = await tx
        .selectFrom('user_products')
        .select(['quantity', 'expiry_date', 'expiry_estimated', 'notes', 'status'])
        .where('id', '=', found.item_id)
        .where('user_id', '=', user.id)
        .modifyEnd(rowLock(this.database, 'update'))
        .executeTakeFirst();
      // Deleted by a concurrent request after `resolve` read it.
      if (!row) throw itemNotFound(id);
      const today = this.today();
      const changes: Updateable<Database['user_products']> = { updated_at: new Date() };
      let expiryDate = row.expiry_date;
      let estimated = row.expiry_estimated;
      // An estimate the shelf-life table does not have changes nothing: the stored date (the
      // user's own, perhaps) is not wiped — nor an expired item made active by losing its date.
      const estimate = body.estimateExpiry ? estimateExpiry(found.name, found.category, today) : undefined;
      if (estimate !== undefined) {
        expiryDate = estimate;
        estimated = true;
      } else if (body.expiryDate !== undefined) {
        expiryDate = body.expiryDate === null ? null : expiryDay(body.expiryDate, this.dayOf);
        estimated = false;
      }
      if (estimate !== undefined || body.expiryDate !== undefined) {
        changes.expiry_date = expiryDate;
        changes.expiry_estimated = estimated;
      }
      const expiryChanged = expiryDate !== row.expiry_date;
      let status: Status = body.status ?? row.status;
      // Asked to be active with a date already past: it would be stored active and shown (and
      // swept) as expired, the request answered 200 as if it had done what it asked.
      if (body.status === 'active' && expiryDate !== null && expiryDate < today) {
        throw new ValidationFailure([
          {
            field: 'status',
            message: `The expiry date ${expiryDate} has passed: give a new expiryDate to make the item active`,
          },
        ]);
      }
      // An item that expired and got a new date (today or later, or none) is active again.
      if (
        !body.status &&
        row.status === 'expired' &&
        expiryChanged &&
        (expiryDate === null || expiryDate >= today)
      ) {
        status = 'active';
      }
      if (status !== row.status || body.status) changes.status = status;
      const quantity = body.quantity ?? row.quantity;
      if (body.quantity !== undefined) changes.quantity = quantity;
      const notes = body.notes === undefined ? row.notes : body.notes === '' ? null : body.notes;
      if (body.notes !== undefined) changes.notes = notes;
      await tx
        .updateTable('user_products')
        .set(changes)
        .where('id', '=', found.item_id)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      return {
        message: 'User product updated successfully',
        productId: found.product_id,
        itemId: found.item_id,
        name: found.name,
        quantity,
        expiryDate,
        expiryEstimated: estimated,
        notes,
        status: effectiveStatus(status, expiryDate, today),
      };
    });
  }

  async remove(user: AuthUser, id: string) {
    return inTransaction(this.database, async (tx) => {
      const row = await this.resolve(tx, user, id);
      const deleted = await tx
        .deleteFrom('user_products')
        .where('id', '=', row.item_id)
        .where('user_id', '=', user.id)
        .executeTakeFirst();
      if (Number(deleted.numDeletedRows) === 0) throw itemNotFound(id);
      return {
        message: 'Product removed from user inventory successfully.',
        itemId: row.item_id,
        productId: row.product_id,
      };
    });
  }

  /**
   * Each item validated and added on its own, atomically, with a database deadline of its own
   * (its live push included); failures are reported, not fatal; a database that cannot serve
   * midway is a 503 that says what was done (see addEach).
   */
  addMass(user: AuthUser, items: readonly unknown[]) {
    return addEach<unknown, AddedItem>(this.database, items, {
      refuse: (item) => invalidItemReason(checkMassItem(blankDateAsNone(item))),
      add: async (item, added) => {
        const it = blankDateAsNone(item) as Static<typeof MassItem>;
        const {
          item: addedItem,
          notification,
          createdProduct,
        } = await inTransaction(
          this.database,
          (tx) =>
            this.insertItem(tx, user, {
              name: it.productName,
              quantity: it.quantity,
              category: it.category,
              expiryDate: it.expiryDate,
              notes: it.notes,
              scanned: it.is_scanned_product === true || it.isScannedProduct === true,
            }),
          { retryUnique: true },
        );
        added(addedItem);
        if (createdProduct) this.newProduct().lookUp?.(createdProduct);
        await this.announce(addedItem, notification);
      },
      onError: (e) => this.onError?.(e, 'mass add item failed'),
      unsaved: 'The item could not be saved',
    });
  }
}
