import { Type } from '@sinclair/typebox';
import { ISO_TIMESTAMP, Nullable } from '../../app/common-schemas.js';

export const NotificationQuery = Type.Object({
  unread: Type.Boolean({ default: false, description: 'Only unread notifications.' }),
  limit: Type.Integer({ minimum: 1, maximum: 500, default: 100 }),
  offset: Type.Integer({ minimum: 0, maximum: 1_000_000, default: 0 }),
});

export const Notification = Type.Object({
  id: Type.String(),
  type: Type.String({
    description: '`info` (a scan), `warning` (an item expired) or `expiring_soon` (an item expires soon).',
  }),
  message: Type.String(),
  productName: Nullable(Type.String()),
  itemId: Nullable(Type.String({ description: 'The inventory item it is about, while it exists.' })),
  createdAt: Type.String({ description: ISO_TIMESTAMP }),
  isRead: Type.Boolean(),
});

export const NotificationList = Type.Object({
  notifications: Type.Array(Notification, { description: 'Newest first.' }),
  total: Type.Integer({
    description: 'Notifications matching the filter (`unread`), over all pages.',
  }),
  unread: Type.Integer({ description: 'Unread notifications in all.' }),
  message: Type.Optional(Type.String({ description: '"No notifications found" when the list is empty.' })),
});

export const MarkAllReply = Type.Object({
  message: Type.String(),
  updated: Type.Integer({ description: 'How many were unread.' }),
});
