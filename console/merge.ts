/**
 * How the console's ticket map takes what arrives, pure. The list and the live stream both
 * bring tickets; the newer one wins (`updatedAt`), and on a tie the stream's, since the list may
 * have been read just before the change. A live change carries no notice summary, so the one
 * known is kept.
 */
import type { Ticket } from './types.ts';

export function mergeTicket(current: ReadonlyMap<number, Ticket>, incoming: readonly Ticket[], fromStream: boolean): ReadonlyMap<number, Ticket> {
  const next = new Map(current);
  for (const ticket of incoming) {
    const known = next.get(ticket.id);
    if (known && (fromStream ? ticket.updatedAt < known.updatedAt : ticket.updatedAt <= known.updatedAt)) continue;
    next.set(ticket.id, ticket.notices === undefined && known?.notices !== undefined ? { ...ticket, notices: known.notices } : ticket);
  }
  return next;
}

/** Ids of the critical tickets nobody has acknowledged yet (the alarm and the title count), oldest first. */
export function unacknowledgedCritical(tickets: Iterable<Ticket>): number[] {
  return [...tickets].filter((t) => t.severity === 'critical' && t.state === 'open').map((t) => t.id).sort((a, b) => a - b);
}
