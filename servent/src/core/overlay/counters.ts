/**
 * Counters the harness reads through the control API: every dropped message
 * by reason, and messages in and out by type, overall and per link.
 */
import { MessageType } from '../wire/index.js';

/** Why a received or queued message went nowhere. Each cites the rule it enforces. */
export const DROP_REASONS = [
  /** The payload does not decode (the decoders' ProtocolError). */
  'malformed',
  /** A payload type we do not know: skipped, never forwarded (MSG-5). */
  'unknown-type',
  /** TTL or hops ≥ 128 (MSG-11). */
  'ttl-or-hops-over-127',
  /** hops + TTL above the hard limit (MSG-10). */
  'over-hard-ttl-limit',
  /** Bye, QRP or vendor message with hops ≠ 0 or TTL > 1 (MSG-35, MSG-39). */
  'not-hop-by-hop',
  /** A leaf of ours sent a message with hops ≠ 0: leaves never relay (UP-8, MSG-18). */
  'relayed-by-leaf',
  /** (GUID, type) seen before (MSG-12, RT-2). */
  'duplicate',
  /** A QueryHit or Push with no route, or whose route is gone (RT-3, RT-4, MSG-15, MSG-17). */
  'no-route',
  /** A QueryHit or Push to relay that arrived with TTL ≤ 1 (MSG-9). */
  'ttl-expired',
  /** As a leaf, a Push for another servent: leaves never relay (UP-8). */
  'leaf-does-not-route',
  /** More than one ping per interval on the link (RT-12). */
  'ping-throttled',
  /** A QRP message from a peer not entitled to send one (qrp.md §9). */
  'qrp-not-entitled',
  /** A broken QRP sequence; the link closes with Bye 413 (QRP-13, QRP-14). */
  'qrp-invalid',
  /** A vendor message we do not act on (VM-3). */
  'vendor-ignored',
  /** A query withheld from a link by the Hops-Flow it sent (MSG-37, UP-9). */
  'hops-flow',
  // Send-queue drops: `QueueDropReason` of routing/send-queue.ts.
  'queue-full',
  'queue-evicted',
  'flow-control',
  'link-closing',
  'link-closed',
  'queue-overflow',
] as const satisfies readonly string[];

export type DropReason = (typeof DROP_REASONS)[number];

export type DropCounts = Record<DropReason, number>;

const TYPE_NAMES = new Map<number, string>([
  [MessageType.Ping, 'ping'],
  [MessageType.Pong, 'pong'],
  [MessageType.Bye, 'bye'],
  [MessageType.RouteTableUpdate, 'route-table-update'],
  [MessageType.Vendor, 'vendor'],
  [MessageType.VendorStd, 'vendor-standard'],
  [MessageType.Push, 'push'],
  [MessageType.Query, 'query'],
  [MessageType.QueryHit, 'query-hit'],
]);

const COUNTED_NAMES = [...TYPE_NAMES.values(), 'unknown'];
/** Payload type → its counter: the known types in TYPE_NAMES order, then `unknown`. */
const COUNTER_OF = new Uint8Array(256).fill(TYPE_NAMES.size);
for (const [index, type] of [...TYPE_NAMES.keys()].entries()) COUNTER_OF[type] = index;

/** Messages of one direction counted by payload type, cheap to bump on the hot path. */
export class TypeCounts {
  readonly #counts = new Float64Array(COUNTED_NAMES.length);

  add(type: number): void {
    this.#counts[COUNTER_OF[type]!]!++;
  }

  /** Counts by type name; unknown types together as `unknown`. */
  toJSON(): Record<string, number> {
    const out: Record<string, number> = {};
    for (const [index, name] of COUNTED_NAMES.entries()) {
      if (this.#counts[index]! > 0) out[name] = this.#counts[index]!;
    }
    return out;
  }
}

export class Counters {
  readonly drops: DropCounts = zeroDrops();
  readonly messagesIn = new TypeCounts();
  readonly messagesOut = new TypeCounts();
}

export function zeroDrops(): DropCounts {
  const drops = {} as DropCounts;
  for (const reason of DROP_REASONS) drops[reason] = 0;
  return drops;
}

/** Only the reasons that happened, in DROP_REASONS order, for compact per-link stats. */
export function nonZero(drops: Partial<DropCounts>): Partial<DropCounts> {
  const out: Partial<DropCounts> = {};
  for (const reason of DROP_REASONS) if ((drops[reason] ?? 0) > 0) out[reason] = drops[reason];
  return out;
}
