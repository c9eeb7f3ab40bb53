/**
 * The model layer on its own (Alembic leaves this to SQLAlchemy): what application models import.
 * It loads no database code, so importing models costs nothing at start-up.
 */
export { defineMetadata, type Metadata, MetadataError } from './metadata.js';
export { col, defineTable, type InferDatabase, type InferTable, type Model } from './model.js';
export type * from './types.js';
