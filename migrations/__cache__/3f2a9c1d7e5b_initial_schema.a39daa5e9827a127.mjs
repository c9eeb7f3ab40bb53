// revision identifiers, used by the migration engine.
export const revision = '3f2a9c1d7e5b';
export const downRevision = null;
export const branchLabels = null;
export const dependsOn = null;

const now = { expr: 'current_timestamp' };
const uuid = (name, nullable = false) => ({ name, type: 'string(36)', nullable });
const nutrient = (name) => ({ name, type: 'numeric(10,2)', nullable: true });

export async function upgrade(op) {
  await op.createTable('users', {
    columns: [
      uuid('id'),
      { name: 'email', type: 'string(255)', nullable: false },
      { name: 'password_hash', type: 'string(255)', nullable: false },
      { name: 'name', type: 'string(100)', nullable: false, default: '' },
      { name: 'dob', type: 'date', nullable: true },
      { name: 'created_at', type: 'timestamp', nullable: false, default: now },
      { name: 'updated_at', type: 'timestamp', nullable: true },
    ],
    primaryKey: { name: 'pk_users', columns: ['id'] },
  });
  await op.createIndex('idx_user_email', 'users', ['email'], { unique: true });

  await op.createTable('products', {
    columns: [
      uuid('id'),
      { name: 'name', type: 'string(255)', nullable: false },
      { name: 'category', type: 'string(100)', nullable: false, default: 'Uncategorized' },
      { name: 'barcode', type: 'string(64)', nullable: true },
      { name: 'nutrition_status', type: 'string(20)', nullable: false, default: 'unknown' },
      uuid('created_by', true),
      { name: 'created_at', type: 'timestamp', nullable: false, default: now },
      { name: 'updated_at', type: 'timestamp', nullable: true },
    ],
    primaryKey: { name: 'pk_products', columns: ['id'] },
    uniqueConstraints: [{ name: 'uq_products_barcode', columns: ['barcode'] }],
    foreignKeys: [
      {
        name: 'fk_products_created_by_users',
        columns: ['created_by'],
        references: { table: 'users', columns: ['id'] },
        onDelete: 'set null',
      },
    ],
    checks: [
      {
        name: 'ck_products_nutrition_status',
        expr: "nutrition_status IN ('unknown', 'pending', 'found', 'not_found')",
      },
    ],
  });
  await op.createIndex('ix_products_name', 'products', ['name']);

  await op.createTable('nutrition', {
    columns: [
      uuid('id'),
      uuid('product_id'),
      ...[
        'energy_kcal',
        'carbohydrate',
        'protein',
        'fiber',
        'total_sugars',
        'saturated_fat',
        'vitamin_a',
        'vitamin_c',
        'potassium',
        'iron',
        'calcium',
        'sodium',
        'cholesterol',
      ].map(nutrient),
      { name: 'source', type: 'string(32)', nullable: true },
      { name: 'updated_at', type: 'timestamp', nullable: false, default: now },
    ],
    primaryKey: { name: 'pk_nutrition', columns: ['id'] },
    uniqueConstraints: [{ name: 'uq_nutrition_product_id', columns: ['product_id'] }],
    foreignKeys: [
      {
        name: 'fk_nutrition_product_id_products',
        columns: ['product_id'],
        references: { table: 'products', columns: ['id'] },
        onDelete: 'cascade',
      },
    ],
  });

  await op.createTable('user_products', {
    columns: [
      uuid('id'),
      uuid('user_id'),
      uuid('product_id'),
      { name: 'quantity', type: 'integer', nullable: false, default: 1 },
      { name: 'expiry_date', type: 'date', nullable: true },
      { name: 'expiry_estimated', type: 'boolean', nullable: false, default: false },
      { name: 'notes', type: 'text', nullable: true },
      { name: 'status', type: 'string(20)', nullable: false, default: 'active' },
      { name: 'added_at', type: 'timestamp', nullable: false, default: now },
      { name: 'updated_at', type: 'timestamp', nullable: true },
    ],
    primaryKey: { name: 'pk_user_products', columns: ['id'] },
    foreignKeys: [
      {
        name: 'fk_user_products_user_id_users',
        columns: ['user_id'],
        references: { table: 'users', columns: ['id'] },
        onDelete: 'cascade',
      },
      {
        name: 'fk_user_products_product_id_products',
        columns: ['product_id'],
        references: { table: 'products', columns: ['id'] },
        onDelete: 'restrict',
      },
    ],
    checks: [
      { name: 'ck_user_products_status', expr: "status IN ('active', 'expired', 'consumed', 'discarded')" },
    ],
  });
  await op.createIndex('idx_product_expiry', 'user_products', ['expiry_date']);
  await op.createIndex('ix_user_products_user_id_added_at', 'user_products', ['user_id', 'added_at']);
  await op.createIndex('ix_user_products_status_expiry_date', 'user_products', ['status', 'expiry_date']);

  await op.createTable('notifications', {
    columns: [
      uuid('id'),
      uuid('user_id'),
      uuid('user_product_id', true),
      { name: 'type', type: 'string(32)', nullable: false },
      { name: 'message', type: 'text', nullable: false },
      { name: 'product_name', type: 'string(255)', nullable: true },
      { name: 'is_read', type: 'boolean', nullable: false, default: false },
      { name: 'created_at', type: 'timestamp', nullable: false, default: now },
    ],
    primaryKey: { name: 'pk_notifications', columns: ['id'] },
    uniqueConstraints: [{ name: 'uq_notifications_item_type', columns: ['user_product_id', 'type'] }],
    foreignKeys: [
      {
        name: 'fk_notifications_user_id_users',
        columns: ['user_id'],
        references: { table: 'users', columns: ['id'] },
        onDelete: 'cascade',
      },
      {
        name: 'fk_notifications_user_product_id_user_products',
        columns: ['user_product_id'],
        references: { table: 'user_products', columns: ['id'] },
        onDelete: 'set null',
      },
    ],
  });
  await op.createIndex('ix_notifications_user_id_created_at', 'notifications', ['user_id', 'created_at']);

  await op.createTable('scan_logs', {
    columns: [
      uuid('id'),
      uuid('user_id'),
      uuid('product_id', true),
      { name: 'barcode', type: 'string(64)', nullable: true },
      { name: 'status', type: 'string(20)', nullable: false },
      { name: 'scanned_at', type: 'timestamp', nullable: false, default: now },
    ],
    primaryKey: { name: 'pk_scan_logs', columns: ['id'] },
    foreignKeys: [
      {
        name: 'fk_scan_logs_user_id_users',
        columns: ['user_id'],
        references: { table: 'users', columns: ['id'] },
        onDelete: 'cascade',
      },
      {
        name: 'fk_scan_logs_product_id_products',
        columns: ['product_id'],
        references: { table: 'products', columns: ['id'] },
        onDelete: 'set null',
      },
    ],
    checks: [{ name: 'ck_scan_logs_status', expr: "status IN ('scanned', 'expired', 'not_found')" }],
  });
  await op.createIndex('ix_scan_logs_user_id_scanned_at', 'scan_logs', ['user_id', 'scanned_at']);
}

export async function downgrade(op) {
  await op.dropTable('scan_logs');
  await op.dropTable('notifications');
  await op.dropTable('user_products');
  await op.dropTable('nutrition');
  await op.dropTable('products');
  await op.dropTable('users');
}
