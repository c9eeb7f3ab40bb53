/**
 * restore ON DELETE RESTRICT on user_products.product_id (SQLite)
 *
 * Revision ID: 4e7b2d9c1a60
 * Revises: 90127f625a40
 * Create Date: 2026-11-27 13:52:28.128000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '4e7b2d9c1a60';
export const downRevision: string | string[] | null = '90127f625a40';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

/**
 * Until this release the engine read SQLite's ON DELETE RESTRICT back as "unspecified", so the
 * copy-and-move of revision 63a6627b1c48 recreated this key as NO ACTION on SQLite databases
 * upgraded online (`--sql` scripts and the other databases kept RESTRICT). Recreating the key
 * brings such a database back to the models; on one that has RESTRICT already it is the same key
 * again. MySQL/MariaDB and PostgreSQL never lost it: nothing to do there.
 */
export async function upgrade(op: Operations): Promise<void> {
  if (op.dialect !== 'sqlite') return;
  await op.dropConstraint('fk_user_products_product_id_products', 'user_products', 'foreignkey');
  await op.createForeignKey(
    'fk_user_products_product_id_products',
    'user_products',
    'products',
    ['product_id'],
    ['id'],
    {
      onDelete: 'restrict',
    },
  );
}

/** Nothing to undo: the key is what revision 3f2a9c1d7e5b created. */
export async function downgrade(_op: Operations): Promise<void> {}
