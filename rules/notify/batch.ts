/**
 * How due outbox rows become messages, pure:
 * - rows of one ticket change for one destination (the village administrators and the township
 *   official who read the same DingTalk group) are one message, everyone in it @-mentioned;
 * - daily-digest rows of a destination are one digest;
 * - a destination with a rate limit (a DingTalk robot: 20 messages a minute) gets as many single
 *   messages as its budget allows, less one, and the rest merged into one digest; with no budget
 *   left the rows wait until the window has room. So every ticket reaches some message, and no
 *   robot is sent more than it takes.
 */
import type { OutboxRow } from '../tickets/outbox.ts';
import type { ChannelKind, NoticeKind } from './channel.ts';

export interface Message {
  readonly channel: ChannelKind;
  readonly destination: string;
  readonly kind: NoticeKind;
  /** Every row the message delivers (one per recipient and ticket change). */
  readonly rows: readonly OutboxRow[];
}

export interface Batch {
  readonly messages: readonly Message[];
  /** Rows that must wait for room at their destination, and until when. */
  readonly deferred: readonly { readonly row: OutboxRow; readonly until: number }[];
}

export interface DestinationBudget {
  /** Messages the destination may still take now; Infinity without a limit. */
  readonly remaining: number;
  /** When it has room again, when `remaining` is 0. */
  readonly roomAt: number;
}

export function batchRows(rows: readonly OutboxRow[], destinationOf: (row: OutboxRow) => string, budgetOf: (channel: ChannelKind, destination: string) => DestinationBudget): Batch {
  const messages: Message[] = [];
  const deferred: { row: OutboxRow; until: number }[] = [];
  for (const [key, group] of groupBy(rows, (row) => `${row.channel}\u0000${destinationOf(row)}`)) {
    const [channel, destination = ''] = key.split('\u0000') as [ChannelKind, string];
    const digestRows = group.filter((row) => row.digest === 1);
    const byChange = [...groupBy(group.filter((row) => row.digest === 0), (row) => String(row.eventId)).values()];
    const wanted = byChange.length + (digestRows.length > 0 ? 1 : 0);
    const budget = budgetOf(channel, destination);
    if (budget.remaining <= 0) {
      for (const row of group) deferred.push({ row, until: budget.roomAt });
      continue;
    }
    if (wanted <= budget.remaining) {
      for (const change of byChange) messages.push({ channel, destination, kind: change[0]!.kind as NoticeKind, rows: change });
      if (digestRows.length > 0) messages.push({ channel, destination, kind: 'digest', rows: digestRows });
      continue;
    }
    // Over budget: the oldest changes one by one while the budget lasts, less one for the digest of the rest.
    const singles = byChange.slice(0, budget.remaining - 1);
    for (const change of singles) messages.push({ channel, destination, kind: change[0]!.kind as NoticeKind, rows: change });
    messages.push({ channel, destination, kind: 'digest', rows: [...byChange.slice(singles.length).flat(), ...digestRows] });
  }
  return { messages, deferred };
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = groups.get(k);
    if (list) list.push(item);
    else groups.set(k, [item]);
  }
  return groups;
}
