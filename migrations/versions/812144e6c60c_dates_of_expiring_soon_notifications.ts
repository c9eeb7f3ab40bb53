/**
 * dates of expiring soon notifications
 *
 * Revision ID: 812144e6c60c
 * Revises: 227e9a1d60f1
 * Create Date: 2026-11-27 16:49:31.833000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '812144e6c60c';
export const downRevision: string | string[] | null = '227e9a1d60f1';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

/**
 * Revision b7e41d09c2a8 gave notifications an expiry date and filled it in for the expiry
 * notifications made before it — at first for the `warning` ("expired") ones only. The
 * `expiring_soon` ones, also one per item under the old constraint and so also about the item's
 * current date, kept no date, and the sweep, which looks for a notification of the item's date,
 * sent each of them again. b7e41d09c2a8 now fills both; this does it for databases that ran it
 * before, taking each notification still without a date to the date of its item, as that did.
 *
 * Except where the sweep already sent the twin (same item, kind and date): the unique key
 * (user_product_id, type, expiry_date) allows one of them only. The legacy one is left without a
 * date, not deleted: it is a message its user has, read or not, and without a date it is just
 * not counted as notifying any date, which the twin does. Of two legacy ones for the same item
 * and kind (the old constraint allowed one; none should exist), the newest takes the date.
 *
 * Plain SQL, the same on every database and in an `--sql` script. The ids are read through a
 * derived table, which MySQL/MariaDB materialises: it cannot otherwise read the table it updates.
 */
export async function upgrade(op: Operations): Promise<void> {
  await op.execute(
    'UPDATE notifications SET expiry_date = ' +
      '(SELECT up.expiry_date FROM user_products up WHERE up.id = notifications.user_product_id) ' +
      'WHERE id IN (SELECT id FROM (' +
      'SELECT n.id FROM notifications n JOIN user_products up ON up.id = n.user_product_id ' +
      "WHERE n.type IN ('warning', 'expiring_soon') AND n.expiry_date IS NULL AND up.expiry_date IS NOT NULL " +
      'AND NOT EXISTS (SELECT 1 FROM notifications m WHERE m.user_product_id = n.user_product_id ' +
      'AND m.type = n.type AND (m.expiry_date = up.expiry_date OR (m.expiry_date IS NULL AND ' +
      '(m.created_at > n.created_at OR (m.created_at = n.created_at AND m.id > n.id)))))) legacy)',
  );
}

/**
 * Nothing to undo: the dates filled in are the ones b7e41d09c2a8 gives (it cannot tell them from
 * the sweep's), and its downgrade drops the column.
 */
export async function downgrade(_op: Operations): Promise<void> {}
