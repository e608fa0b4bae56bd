/** The overlay's counters and state as the control API reports them. */
import type { QueryRouteTable } from '../qrp/index.js';
import { formatVendorId } from '../wire/index.js';
import { type DropCounts, nonZero } from './counters.js';
import type { Link } from './links.js';

export interface TableSummary {
  slots: number;
  infinity: number;
  /** Present slots. */
  present: number;
}

export interface LinkStats {
  id: number;
  peerMode: 'ultrapeer' | 'leaf';
  writable: boolean;
  /** Droppable messages are being refused: not writable for too long (RT-9). */
  flowControl: boolean;
  /** Why we are closing it, once closeLink (or a rule) started to. */
  closing: string | null;
  queue: { messages: number; bytes: number };
  /** Drops on this link, only the reasons that happened. */
  drops: Partial<DropCounts>;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  /** The Hops-Flow the peer last sent (255: none). */
  hopsFlow: number;
  /** Consecutive alive pings unanswered. */
  alivePingsMissed: number;
  /** The peer's Messages Supported (`BEAR/4v1`...), or null before it arrives. */
  vendorMessages: string[] | null;
  qrp: {
    /** The complete table the peer sent us, or null. */
    received: TableSummary | null;
    /** We send our table on this link. */
    sending: boolean;
  };
}

export interface OverlayStats {
  mode: 'ultrapeer' | 'leaf';
  drops: DropCounts;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  routes: { queries: number; pushes: number; pingsSeen: number; pushesSeen: number };
  qrp: { table: TableSummary };
  links: LinkStats[];
}

// Tables are never changed once built or installed, so their counts can be kept.
const presentCounts = new WeakMap<QueryRouteTable, number>();

export function summarize(table: QueryRouteTable): TableSummary {
  let present = presentCounts.get(table);
  if (present === undefined) {
    present = table.presentCount();
    presentCounts.set(table, present);
  }
  return { slots: table.length, infinity: table.infinity, present };
}

export function linkStats(link: Link): LinkStats {
  const table = link.table;
  return {
    id: link.id,
    peerMode: link.caps.peerMode,
    writable: link.writable,
    flowControl: link.queue.flowControl,
    closing: link.closing?.reason ?? null,
    queue: { messages: link.queue.length, bytes: link.queue.bytes },
    drops: nonZero(link.drops),
    messagesIn: link.messagesIn.toJSON(),
    messagesOut: link.messagesOut.toJSON(),
    hopsFlow: link.hopsFlow,
    alivePingsMissed: link.keepAlive.missed,
    vendorMessages: link.vendorMessages?.map(formatVendorId) ?? null,
    qrp: {
      received: table === undefined ? null : summarize(table),
      sending: link.qrpSender !== undefined,
    },
  };
}
