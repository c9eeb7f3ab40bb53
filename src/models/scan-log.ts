import { col, defineTable } from '../migrate/schema/index.js';
import { EXACT } from './exact-collation.js';

/** Every scan a user made, with what came of it. */
export const scanLogs = defineTable(
  'scan_logs',
  {
    id: col.string(36).primaryKey(),
    user_id: col.string(36).references('users.id', { onDelete: 'cascade' }),
    product_id: col.string(36).nullable().references('products.id', { onDelete: 'set null' }),
    /** The code as read; compared exactly, as the catalogue's barcodes are. */
    barcode: col.string(64).collation(EXACT).nullable(),
    /** The symbology read, e.g. EAN13, UPCA, QRCode, Code128. */
    format: col.string(20).nullable(),
    status: col.string(20).oneOf(['scanned', 'expired', 'not_found']),
    scanned_at: col.timestamp().default({ expr: 'current_timestamp' }),
  },
  {
    indexes: [
      { name: 'ix_scan_logs_user_id_scanned_at', columns: ['user_id', 'scanned_at'] },
      // A product's deletion sets its scans' product_id to NULL: found by index, not a scan.
      { name: 'ix_scan_logs_product_id', columns: ['product_id'] },
    ],
  },
);
