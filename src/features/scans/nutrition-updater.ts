import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger } from 'fastify';
import type { AppDatabase } from '../../db/database.js';
import { isForeignKeyViolation, isUniqueViolation } from '../../db/errors.js';
import { ProviderError } from '../../integrations/http-json.js';
import { ProviderBackingOff } from '../../integrations/provider-backoff.js';
import type { UsdaClient } from '../../integrations/usda/client.js';
import { type NutritionValues, nutritionRow } from '../catalogue/nutrition.js';

export interface NutritionUpdaterOptions {
  /** How often due products are looked for (ms); 0 = only when kicked. */
  intervalMs: number;
  maxAttempts: number;
  /** First retry delay; doubles per attempt up to `maxDelayMs`. */
  baseDelayMs?: number;
  maxDelayMs?: number;
}

/** How long a claimed product is left alone by other runs (and other servers) while one asks USDA. */
const LEASE_MS = 2 * 60_000;
const BATCH = 20;
/**
 * Look-ups `kick` runs at once; the rest wait their turn in this process. A list of 200 new products
 * would otherwise ask USDA 200 times in the same second — a burst that spends the key's hourly
 * limit and opens as many sockets. Past MAX_QUEUED, kicked products are left to the periodic pass
 * (they are `pending` and due).
 */
const MAX_CONCURRENT = 4;
const MAX_QUEUED = 10_000;

/**
 * Fills products' nutrition from USDA FoodData Central in the background, so creating a product
 * never waits for (or fails with) the nutrition service. A product is due when it is `pending` and
 * its next attempt time has come, or `unknown` and never tried (products the catalogue created
 * while no key was configured). Each attempt first claims the row with a conditional UPDATE, so
 * concurrent runs — in this process or another server — never ask twice. Transient failures
 * (timeout, unreachable, 429, 5xx) back off exponentially, honouring Retry-After; after
 * `maxAttempts`, or for a refused key, the product is left `unknown`.
 */
export class NutritionUpdater {
  private timer?: NodeJS.Timeout;
  private readonly inFlight = new Set<Promise<void>>();
  /** Kicked products waiting for one of the MAX_CONCURRENT places, and how many are taken. */
  private readonly kicked: string[] = [];
  private running = 0;

  constructor(
    private readonly database: AppDatabase,
    private readonly usda: UsdaClient | undefined,
    private readonly options: NutritionUpdaterOptions,
    private readonly log?: FastifyBaseLogger,
  ) {}

  /** The status a new product without nutrition gets. */
  get initialStatus(): 'pending' | 'unknown' {
    return this.usda ? 'pending' : 'unknown';
  }

  start(): void {
    if (!this.usda || this.options.intervalMs <= 0) return;
    this.timer = setInterval(() => this.track(this.runDue().then(() => undefined)), this.options.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.idle();
  }

  /** Resolves when no attempt is running (tests and shutdown). */
  async idle(): Promise<void> {
    while (this.inFlight.size > 0) await Promise.allSettled([...this.inFlight]);
  }

  /** Tries one product soon (MAX_CONCURRENT at a time), in the background: the caller does not wait. */
  kick(productId: string): void {
    if (!this.usda) return;
    if (this.kicked.length < MAX_QUEUED) this.kicked.push(productId);
    this.pump();
  }

  private pump(): void {
    while (this.running < MAX_CONCURRENT && this.kicked.length > 0) {
      const id = this.kicked.shift()!;
      this.running++;
      // Tracked as one with the next pump, so that `idle` waits for the queue to empty too.
      this.track(
        this.attempt(id).finally(() => {
          this.running--;
          this.pump();
        }),
      );
    }
  }

  private track(p: Promise<void>): void {
    const tracked = p.catch((e) => this.log?.error({ err: e }, 'nutrition update failed'));
    this.inFlight.add(tracked);
    void tracked.finally(() => this.inFlight.delete(tracked));
  }

  /** One pass over the due products; returns how many were attempted. */
  async runDue(now = new Date()): Promise<number> {
    if (!this.usda) return 0;
    const due = await this.database.db
      .selectFrom('products')
      .select('id')
      .where((eb) =>
        eb.or([
          eb.and([
            eb('nutrition_status', '=', 'pending'),
            eb.or([eb('nutrition_next_attempt_at', 'is', null), eb('nutrition_next_attempt_at', '<=', now)]),
          ]),
          eb.and([eb('nutrition_status', '=', 'unknown'), eb('nutrition_attempts', '=', 0)]),
        ]),
      )
      .orderBy('created_at')
      .limit(BATCH)
      .execute();
    for (const { id } of due) await this.attempt(id, now);
    return due.length;
  }

  /** Claims the product, asks USDA by its name and records the outcome. */
  async attempt(productId: string, now = new Date()): Promise<void> {
    const usda = this.usda;
    if (!usda) return;
    const { db } = this.database;
    const product = await db
      .selectFrom('products')
      .select(['id', 'name', 'nutrition_status', 'nutrition_attempts', 'nutrition_next_attempt_at'])
      .where('id', '=', productId)
      .executeTakeFirst();
    if (!product) return;
    const claim = await db
      .updateTable('products')
      .set({ nutrition_status: 'pending', nutrition_next_attempt_at: new Date(now.getTime() + LEASE_MS) })
      .where('id', '=', productId)
      .where('nutrition_attempts', '=', product.nutrition_attempts)
      .where((eb) =>
        eb.or([
          eb.and([
            eb('nutrition_status', '=', 'pending'),
            eb.or([eb('nutrition_next_attempt_at', 'is', null), eb('nutrition_next_attempt_at', '<=', now)]),
          ]),
          eb.and([eb('nutrition_status', '=', 'unknown'), eb('nutrition_attempts', '=', 0)]),
        ]),
      )
      .executeTakeFirst();
    if (Number(claim.numUpdatedRows) === 0) return;
    const attempts = product.nutrition_attempts + 1;

    try {
      const found = await usda.food(product.name);
      if (found.found) await this.store(productId, found.food.nutrition, attempts);
      else await this.finish(productId, 'not_found', attempts);
    } catch (e) {
      // Its creator deleted the product (or their account) while USDA was being asked: the
      // nutrition row has no product to belong to. Nothing is left to do, and nothing went wrong.
      if (isForeignKeyViolation(e)) {
        this.log?.debug({ productId }, 'product deleted during its nutrition look-up');
        return;
      }
      if (e instanceof ProviderBackingOff) {
        // Not asked: USDA told us (or showed us) to wait. The product keeps its attempts and is due
        // when the pause ends; a long outage cannot use them up without a single question.
        await db
          .updateTable('products')
          .set({
            nutrition_status: 'pending',
            nutrition_next_attempt_at: new Date(Date.now() + (e.retryAfterMs ?? LEASE_MS)),
          })
          .where('id', '=', productId)
          .execute();
        return;
      }
      if (e instanceof ProviderError && e.transient && attempts < this.options.maxAttempts) {
        const base = this.options.baseDelayMs ?? 60_000;
        const maxDelay = this.options.maxDelayMs ?? 6 * 3600_000;
        const backoff = Math.min(base * 2 ** (attempts - 1), maxDelay);
        // Retry-After is bounded where it is read (retry-after.ts). Whatever else the arithmetic
        // gives, the row gets a real time: an Invalid Date would make the UPDATE below throw, the
        // row keep only its claim with its attempts uncounted, and be asked again every LEASE_MS.
        const wanted = Math.max(backoff, e.retryAfterMs ?? 0);
        const delay = Number.isFinite(wanted) ? wanted : maxDelay;
        this.log?.warn(
          { productId, attempts, retryInMs: delay, reason: e.message },
          'nutrition look-up will be retried',
        );
        await db
          .updateTable('products')
          .set({
            nutrition_status: 'pending',
            nutrition_attempts: attempts,
            nutrition_next_attempt_at: new Date(Date.now() + delay),
          })
          .where('id', '=', productId)
          .execute();
        return;
      }
      this.log?.warn({ productId, attempts, err: e }, 'nutrition look-up given up; nutrition stays unknown');
      await this.finish(productId, 'unknown', attempts);
    }
  }

  private async finish(productId: string, status: 'not_found' | 'unknown', attempts: number): Promise<void> {
    await this.database.db
      .updateTable('products')
      .set({ nutrition_status: status, nutrition_attempts: attempts, nutrition_next_attempt_at: null })
      .where('id', '=', productId)
      .execute();
  }

  /** Writes the nutrition row unless the user gave one meanwhile (theirs wins), and marks it found. */
  private async store(productId: string, values: NutritionValues, attempts: number): Promise<void> {
    const row = nutritionRow(values);
    await this.database.db.transaction().execute(async (tx) => {
      const existing = await tx
        .selectFrom('nutrition')
        .select(['id', 'source'])
        .where('product_id', '=', productId)
        .executeTakeFirst();
      const now = new Date();
      if (!existing) {
        try {
          await tx
            .insertInto('nutrition')
            .values({ id: randomUUID(), product_id: productId, ...row, source: 'usda', updated_at: now })
            .execute();
        } catch (e) {
          if (!isUniqueViolation(e)) throw e;
        }
      } else if (existing.source !== 'user') {
        await tx
          .updateTable('nutrition')
          .set({ ...row, source: 'usda', updated_at: now })
          .where('id', '=', existing.id)
          .execute();
      }
      await tx
        .updateTable('products')
        .set({ nutrition_status: 'found', nutrition_attempts: attempts, nutrition_next_attempt_at: null })
        .where('id', '=', productId)
        .execute();
    });
  }
}
