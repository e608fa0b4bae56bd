/**
 * Every number of the overlay a deployment may change, declared once with
 * its meaning, default, bounds and the clause it serves. `resolveTunables`
 * checks a partial set against the bounds and fills in the defaults.
 */
import { UsageError } from '../errors.js';
import {
  DEFAULT_INFINITY,
  DEFAULT_TABLE_BITS,
  MAX_TABLE_BITS,
  MIN_SENT_TABLE_BITS,
} from '../qrp/index.js';
import { HEADER_LENGTH, MAX_SENT_PAYLOAD } from '../wire/index.js';

interface Tunable {
  meaning: string;
  default: number;
  min: number;
  max: number;
}

const MINUTE = 60_000;

export const TUNABLES = {
  alivePingIntervalMs: {
    meaning:
      'Quiet time on a link (nothing received) before we send an alive ping (TTL 1, hops 0); gtk-gnutella uses 20 s (messages.md §7, MSG-40)',
    default: 20_000,
    min: 1_000,
    max: 10 * MINUTE,
  },
  alivePingTimeoutMs: {
    meaning:
      'How long an alive ping may go unanswered before it counts as missed and the next is sent (MSG-40: 60 s each)',
    default: 60_000,
    min: 1_000,
    max: 10 * MINUTE,
  },
  alivePingMaxMissed: {
    meaning:
      'Consecutive missed alive pings after which the link closes with Bye 406 (MSG-40: at least 4)',
    default: 4,
    min: 4,
    max: 100,
  },
  pingAnswerIntervalMs: {
    meaning:
      'Per link, at most one ping other than alive and crawler pings is answered per this interval (RT-12: 2.5 s)',
    default: 2_500,
    min: 2_500,
    max: 10 * MINUTE,
  },
  maxRelayHopsTtl: {
    meaning:
      'A relayed broadcast is trimmed so hops + TTL stays at or below this (ultrapeers-and-routing.md §6.2 "our profile", RT-6, MSG-10: ≤ 7)',
    default: 4,
    min: 2,
    max: 7,
  },
  hardTtlLimit: {
    meaning:
      'Routed messages with hops + TTL above this are dropped (MSG-10, gtk-gnutella hard limit)',
    default: 15,
    min: 7,
    max: 127,
  },
  queryTtl: {
    meaning:
      "TTL of the queries we originate when the caller gives none; never above a peer's X-Max-TTL (HS-28) nor 4 (§2)",
    default: 4,
    min: 1,
    max: 4,
  },
  queryRouteLifetimeMs: {
    meaning:
      'Query routes and the GUIDs of Pings, Queries and Pushes seen live at least this long, at most twice it (RT-2, RT-5: ≥ 5 min)',
    default: 5 * MINUTE,
    min: 5 * MINUTE,
    max: 120 * MINUTE,
  },
  pushRouteLifetimeMs: {
    meaning:
      'Push routes (servent id → link) live at least this long, at most twice it (RT-5: ≥ 7 min)',
    default: 7 * MINUTE,
    min: 7 * MINUTE,
    max: 120 * MINUTE,
  },
  maxRoutes: {
    meaning: 'Most entries in each route or duplicate table (LimeWire: 100 000; §6.3)',
    default: 100_000,
    min: 1_000,
    max: 10_000_000,
  },
  sendQueueBytes: {
    meaning:
      'Bytes one link may have queued; at least 150 % of the largest message (draft 3.1, ultrapeers-and-routing.md §7.1)',
    default: 256 * 1024,
    min: Math.ceil(1.5 * (HEADER_LENGTH + MAX_SENT_PAYLOAD)),
    max: 64 * 1024 * 1024,
  },
  flowControlDelayMs: {
    meaning:
      'A link the shell reports not writable for this long drops its queued Pings, Pongs and Queries and takes no new ones until writable (RT-9; LimeWire expires them after 5 s)',
    default: 5_000,
    min: 0,
    max: 10 * MINUTE,
  },
  closeFlushTimeoutMs: {
    meaning:
      'How long a closing link may take to hand out its queue and Bye before close-link is emitted anyway (MSG-36 grace, ≤ 30 s)',
    default: 10_000,
    min: 0,
    max: 30_000,
  },
  qrpTableBits: {
    meaning: 'log2 of the slot count of the QRP table we build and send (qrp.md §4.1: 64 Ki slots)',
    default: DEFAULT_TABLE_BITS,
    min: MIN_SENT_TABLE_BITS,
    max: MAX_TABLE_BITS,
  },
  qrpInfinity: {
    meaning: 'Infinity of the QRP table we send (qrp.md §4.2: LimeWire 7)',
    default: DEFAULT_INFINITY,
    min: 2,
    max: 15,
  },
  qrpUpdateDelayMs: {
    meaning:
      "After our table changes (library, a leaf's table, a leaf leaving), how soon patches go out; changes in between share one update (qrp.md §6, §9)",
    default: 1_000,
    min: 0,
    max: 10 * MINUTE,
  },
  maxLocalResults: {
    meaning: 'Most results of our library returned for one query',
    default: 50,
    min: 1,
    max: 1_000,
  },
  resultsPerHit: {
    meaning:
      'Most result records in one QueryHit we send; more are split over several hits (MSG-28: ≤ 10)',
    default: 10,
    min: 1,
    max: 10,
  },
  pongCacheRefreshMs: {
    meaning:
      'An ultrapeer pings some of its ultrapeers this often to refresh its pong cache (RT-17: at least every 30 s; gtk-gnutella 20 s)',
    default: 20_000,
    min: 1_000,
    max: 30_000,
  },
  pongsPerPing: {
    meaning: 'Most pongs answering one ping, our own included (RT-11: ≤ 10)',
    default: 10,
    min: 1,
    max: 10,
  },
  leafQueryTarget: {
    meaning:
      "Results after which an ultrapeer stops a leaf's dynamic query (DQ-6; dynamic-querying.md §3: 50, the proposal's figure)",
    default: 50,
    min: 1,
    max: 150,
  },
  ownQueryTarget: {
    meaning: 'Results after which an ultrapeer stops its own dynamic query (§3: 150)',
    default: 150,
    min: 1,
    max: 1_000,
  },
  urnQueryTarget: {
    meaning: 'Results after which a dynamic query by URN stops (§3: LimeWire 10)',
    default: 10,
    min: 1,
    max: 150,
  },
  dqPerHopMs: {
    meaning:
      'Dynamic querying: the wait per TTL hop after each send (DQ-5, dynamic-querying.md §5.4: 2400 ms)',
    default: 2_400,
    min: 100,
    max: 10_000,
  },
  hitSpeedKbps: {
    meaning: 'The speed field (kbit/s) of our QueryHits (messages.md §10)',
    default: 1_000,
    min: 0,
    max: 0xffff_ffff,
  },
} as const satisfies Record<string, Tunable>;

export type OverlayTunables = { -readonly [K in keyof typeof TUNABLES]: number };

/** The defaults with `given` applied; a value out of bounds is our bug (UsageError). */
export function resolveTunables(given: Partial<OverlayTunables> = {}): OverlayTunables {
  const resolved = {} as OverlayTunables;
  for (const name of Object.keys(TUNABLES) as (keyof OverlayTunables)[]) {
    const spec: Tunable = TUNABLES[name];
    const value = given[name] ?? spec.default;
    if (!Number.isInteger(value) || value < spec.min || value > spec.max) {
      throw new UsageError(
        `tunable ${name} must be an integer in ${spec.min}..${spec.max}, got ${value} (${spec.meaning})`,
      );
    }
    resolved[name] = value;
  }
  return resolved;
}

/** Leaves whose Hops-Flow is below this are busy and left out of the merged table (qrp.md §9). */
export const MIN_MERGED_LEAF_HOPS_FLOW = 3;

/** Hops-Flow when a peer never sent one: no limit (ultrapeers-and-routing.md §7.2, GTKG 255). */
export const NO_HOPS_FLOW_LIMIT = 255;
