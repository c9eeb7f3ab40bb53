/** An inventory item's columns with its product's name and category (`up` items, `p` products). */
export const ITEM_COLUMNS = [
  'up.id as item_id',
  'up.product_id',
  'p.name',
  'p.category',
  'up.quantity',
  'up.expiry_date',
  'up.expiry_estimated',
  'up.notes',
  'up.status',
] as const;
