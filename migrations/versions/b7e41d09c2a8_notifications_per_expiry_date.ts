/**
 * notifications per expiry date
 *
 * Revision ID: b7e41d09c2a8
 * Revises: 63a6627b1c48
 * Create Date: 2026-11-25 19:00:00.000000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = 'b7e41d09c2a8';
export const downRevision: string | string[] | null = '63a6627b1c48';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

export async function upgrade(op: Operations): Promise<void> {
  // The expiry date a notification is about: "one notification of each kind per item" becomes
  // "per item and date", so an item given a later date can be warned again, while a repeated or
  // concurrent sweep still cannot notify twice.
  await op.addColumn('notifications', { name: 'expiry_date', type: 'date', nullable: true });
  // Expiry notifications made before this revision — "expired" (`warning`) and "expiring soon"
  // alike, each one per item under the old constraint — are about the item's current date: the
  // sweep finds them for that date and does not send them again. (This filled in `warning` only
  // at first; revision 812144e6c60c fills in the `expiring_soon` ones left without a date.)
  await op.execute(
    'UPDATE notifications SET expiry_date = ' +
      '(SELECT up.expiry_date FROM user_products up WHERE up.id = notifications.user_product_id) ' +
      "WHERE type IN ('warning', 'expiring_soon') AND user_product_id IS NOT NULL",
  );
  // New constraint first: on MySQL the foreign key on user_product_id needs an index starting
  // with that column at every moment.
  await op.createUniqueConstraint('uq_notifications_item_type_date', 'notifications', [
    'user_product_id',
    'type',
    'expiry_date',
  ]);
  await op.dropConstraint('uq_notifications_item_type', 'notifications', 'unique');
}

export async function downgrade(op: Operations): Promise<void> {
  // Two notifications of one kind for one item (different dates) cannot both stay linked under
  // the old constraint: the older ones are detached from the item, not deleted.
  await op.execute(
    'UPDATE notifications SET user_product_id = NULL WHERE id IN (SELECT id FROM (' +
      'SELECT n.id FROM notifications n WHERE n.user_product_id IS NOT NULL AND EXISTS (' +
      'SELECT 1 FROM notifications m WHERE m.user_product_id = n.user_product_id AND m.type = n.type ' +
      'AND (m.created_at > n.created_at OR (m.created_at = n.created_at AND m.id > n.id)))) older)',
  );
  await op.createUniqueConstraint('uq_notifications_item_type', 'notifications', ['user_product_id', 'type']);
  await op.dropConstraint('uq_notifications_item_type_date', 'notifications', 'unique');
  await op.dropColumn('notifications', 'expiry_date');
}
