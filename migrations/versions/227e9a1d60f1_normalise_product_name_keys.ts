/**
 * normalise product name keys
 *
 * Revision ID: 227e9a1d60f1
 * Revises: 4e7b2d9c1a60
 * Create Date: 2026-11-27 16:07:26.335000
 */
import type { Operations } from 'expireeye/migrate';

// revision identifiers, used by the migration engine.
export const revision = '227e9a1d60f1';
export const downRevision: string | string[] | null = '4e7b2d9c1a60';
export const branchLabels: string[] | null = null;
export const dependsOn: string[] | null = null;

/**
 * The name key was `trim().toLowerCase()`, so names that look the same but are spelled with other
 * code points were two catalogue entries: "Müsli" typed with a combining diaeresis beside the
 * precomposed one, "Ｍｉｌｋ" in full width beside "Milk". From this release the application keys
 * names in Unicode NFKC (`nameKey()` in src/features/catalogue/product-name.ts); this revision
 * re-keys the existing catalogue the same way. Both key functions are written out here, as they
 * were at this revision, so that later changes to the application cannot change what it does.
 */
const before = (name: string) => name.trim().toLowerCase();
/** products.name_key's length, in characters. */
const KEY_MAX = 300;
const after = (name: string) => name.normalize('NFKC').trim().toLowerCase().normalize('NFKC');

export async function upgrade(op: Operations): Promise<void> {
  await rekey(
    op,
    after,
    'names in full-width or compatibility characters or with combining accents keep keys the application will not find; to re-key them, run online: expireeye db downgrade 4e7b2d9c1a60, then expireeye db upgrade head',
  );
}

export async function downgrade(op: Operations): Promise<void> {
  await rekey(
    op,
    before,
    'keys this revision re-keyed online stay in their NFKC form, which the older application finds only when typed that way',
  );
}

/**
 * Gives every product the key `key(name)`, the way revision 5d1c0a7e9b3f first did: where several
 * products share one key, the oldest keeps it and the others get `<key>#<id>`, so no inventory item
 * moves and nothing is lost (the application shows both; an owner can rename or merge them).
 * Changed rows first get a key no name can have (`#<id>`), so no update meets the unique
 * constraint half-way through.
 *
 * The key needs JavaScript's Unicode tables, which SQL does not have on every database: an `--sql`
 * script leaves the keys as they are. Keys that are already NFKC — every name typed in ASCII or in
 * precomposed letters — are the same either way; the others are found again once re-keyed online.
 */
async function rekey(op: Operations, key: (name: string) => string, offlineNote: string): Promise<void> {
  if (op.offline) {
    // Said in the script, for the DBA who applies it: the keys stay as they are.
    await op.execute(
      `-- 227e9a1d60f1: product name keys are computed in JavaScript and are left as they are by this script; ${offlineNote}`,
    );
    return;
  }
  const rows = (await op.db
    .selectFrom('products')
    .select(['id', 'name', 'name_key'])
    .orderBy('created_at')
    .orderBy('id')
    .execute()) as { id: string; name: string; name_key: string }[];
  const taken = new Set<string>();
  const changed: { id: string; nameKey: string }[] = [];
  for (const row of rows) {
    const k = key(row.name);
    // The column holds 300 characters, and NFKC can lengthen a stored name past that ("\uFDFA" is
    // 18 letters): such a key, like a shared one, is made unique with its id, the key cut to fit.
    const fits = [...k].length <= KEY_MAX;
    const nameKey =
      fits && !taken.has(k) ? k : `${[...k].slice(0, KEY_MAX - row.id.length - 1).join('')}#${row.id}`;
    taken.add(k);
    if (nameKey !== row.name_key) changed.push({ id: row.id, nameKey });
  }
  for (const { id } of changed) {
    await op.execute(
      op.db
        .updateTable('products')
        .set({ name_key: `#${id}` })
        .where('id', '=', id),
    );
  }
  for (const { id, nameKey } of changed) {
    await op.execute(op.db.updateTable('products').set({ name_key: nameKey }).where('id', '=', id));
  }
}
