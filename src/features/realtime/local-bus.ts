import type { PublishedNotification } from '../notifications/notification-events.js';
import type { NotificationBus } from './notification-bus.js';

/** One process: publishing is delivering. For a single server (no REDIS_URL). */
export class LocalBus implements NotificationBus {
  private readonly listeners: ((rows: PublishedNotification[]) => void)[] = [];

  async publish(rows: readonly PublishedNotification[]): Promise<void> {
    if (rows.length === 0) return;
    for (const listener of this.listeners) listener([...rows]);
  }

  onDeliver(listener: (rows: PublishedNotification[]) => void): void {
    this.listeners.push(listener);
  }

  async close(): Promise<void> {
    this.listeners.length = 0;
  }
}
