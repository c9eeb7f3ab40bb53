import { type TSchema, Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, Nullable } from '../../app/common-schemas.js';
import { NUTRIENTS, UNITS } from '../catalogue/nutrition.js';

const Timestamp = Type.String({ description: ISO_TIMESTAMP });
const DateOnly = Type.String({ description: 'YYYY-MM-DD' });

const Nutrition = Type.Object(
  Object.fromEntries(
    NUTRIENTS.map((n) => [n, Nullable(Type.Number({ description: `${UNITS[n]} per 100 g` }))]),
  ) as Record<string, TSchema>,
  { description: 'Per 100 g, as numbers; null when unknown.' },
);

const ExportedItem = Type.Object({
  itemId: Type.String(),
  productId: Type.String(),
  name: Type.String(),
  category: Type.String(),
  barcode: Nullable(Type.String()),
  quantity: Type.Integer(),
  expiryDate: Nullable(DateOnly),
  expiryEstimated: Type.Boolean(),
  storage: Nullable(Type.String()),
  status: Type.String({ description: 'As stored: active, expired, consumed or discarded.' }),
  notes: Nullable(Type.String()),
  addedAt: Timestamp,
  updatedAt: Nullable(Timestamp),
});

const ExportedNotification = Type.Object({
  id: Type.String(),
  type: Type.String(),
  message: Type.String(),
  productName: Nullable(Type.String()),
  itemId: Nullable(Type.String()),
  expiryDate: Nullable(DateOnly),
  isRead: Type.Boolean(),
  createdAt: Timestamp,
});

const ExportedScan = Type.Object({
  id: Type.String(),
  barcode: Nullable(Type.String()),
  format: Nullable(Type.String()),
  status: Type.String(),
  productId: Nullable(Type.String()),
  productName: Nullable(Type.String()),
  scannedAt: Timestamp,
});

const ExportedProduct = Type.Object({
  id: Type.String(),
  name: Type.String(),
  category: Type.String(),
  barcode: Nullable(Type.String()),
  brand: Nullable(Type.String()),
  createdAt: Timestamp,
  updatedAt: Nullable(Timestamp),
  nutrition: Nullable(Nutrition),
});

export const AccountExport = Type.Object({
  exportedAt: Timestamp,
  profile: Type.Object({
    id: Type.String(),
    name: Type.String(),
    email: Type.String(),
    dob: Nullable(DateOnly),
    createdAt: Timestamp,
    updatedAt: Nullable(Timestamp),
  }),
  inventory: Type.Array(ExportedItem, { description: 'Every item, whatever its status, oldest first.' }),
  notifications: Type.Array(ExportedNotification, { description: 'Oldest first, read or not.' }),
  scans: Type.Array(ExportedScan, { description: 'The scan log, oldest first.' }),
  products: Type.Array(ExportedProduct, {
    description: 'Catalogue entries this user added (shared with everyone), oldest first.',
  }),
});
