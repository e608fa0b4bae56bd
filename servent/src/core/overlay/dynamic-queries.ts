/**
 * The dynamic queries an ultrapeer runs (dynamic-querying.md §5): its own
 * searches and its leaves' queries go to one ultrapeer connection at a time
 * (dynamic-query.ts decides which, with which TTL and when), not to all at
 * once (DQ-2). This module turns those decisions into messages on links and
 * feeds each run the hits routed back and its leaf's reports.
 */
import type { PreparedQuery } from '../qrp/index.js';
import { SendClass } from '../routing/send-queue.js';
import { type DqCandidate, DynamicQuery } from './dynamic-query.js';
import type { Link, Links } from './links.js';
import type { OverlayTunables } from './tunables.js';

/** Fresh queries never go out with more TTL than this (DQ-3). */
const MAX_FRESH_TTL = 4;
const MAX_DEGREE = 50;

export interface DynamicRun {
  /** The leaf whose query this is; undefined for our own search. */
  origin: Link | undefined;
  /** The query with a given TTL, as it goes to an ultrapeer. */
  message: (ttl: number) => Uint8Array;
  /** Hops of the copies sent: 0 for ours, 1 for a leaf's. */
  outHops: number;
  /** For last-hop QRP verdicts; undefined when tables are not asked ("What's New?"). */
  prepared: PreparedQuery | undefined;
  target: number;
}

interface Run extends DynamicRun {
  dq: DynamicQuery;
}

export class DynamicQueries {
  readonly #links: Links;
  readonly #t: OverlayTunables;
  readonly #runs = new Map<string, Run>();

  constructor(links: Links, tunables: OverlayTunables) {
    this.#links = links;
    this.#t = tunables;
  }

  get size(): number {
    return this.#runs.size;
  }

  /** Starts a run for the query `key` (its GUID) and sends its probe. */
  start(key: string, run: DynamicRun, now: number): void {
    const dq = new DynamicQuery({ target: run.target, perHopMs: this.#t.dqPerHopMs }, now);
    const entry: Run = { ...run, dq };
    this.#runs.set(key, entry);
    this.#send(entry, dq.start(this.#candidates(entry), now));
    if (dq.done) this.#runs.delete(key);
  }

  /** Results in hits routed back for `key` (DQ-6). */
  resultsRouted(key: string, results: number, now: number): void {
    const run = this.#runs.get(key);
    if (run === undefined) return;
    run.dq.resultsRouted(results, now);
    if (run.dq.done) this.#runs.delete(key);
  }

  /** A leaf's Query Status Response for one of its queries (DQ-7, DQ-8); others are ignored. */
  leafReported(from: Link, key: string, kept: number, now: number): void {
    const run = this.#runs.get(key);
    if (run === undefined || run.origin !== from) return;
    run.dq.leafReported(kept, now);
    if (run.dq.done) this.#runs.delete(key);
  }

  /** A leaf that left takes its queries with it; an ultrapeer that left is no candidate any more. */
  forgetLink(link: Link): void {
    for (const [key, run] of this.#runs) if (run.origin === link) this.#runs.delete(key);
  }

  handleTimeout(now: number): void {
    for (const [key, run] of this.#runs) {
      const due = run.dq.nextTimeout();
      if (due !== undefined && due <= now)
        this.#send(run, run.dq.handleTimeout(this.#candidates(run), now));
      if (run.dq.done) this.#runs.delete(key);
    }
  }

  nextTimeout(): number | undefined {
    let next: number | undefined;
    for (const run of this.#runs.values()) {
      const at = run.dq.nextTimeout();
      if (at !== undefined && (next === undefined || at < next)) next = at;
    }
    return next;
  }

  /** Open ultrapeer links that may take the query: not its origin, not closed to it by Hops-Flow (UP-9). */
  #candidates(run: Run): DqCandidate[] {
    const candidates: DqCandidate[] = [];
    for (const link of this.#links.ultrapeers) {
      if (!link.open || link === run.origin || run.outHops >= link.hopsFlow) continue;
      candidates.push({
        link: link.id,
        // A peer claiming a huge degree would inflate the horizon and end our query early (gtk-gnutella caps it at 50).
        degree: Math.min(link.caps.degree, MAX_DEGREE),
        maxTtl: Math.min(link.caps.maxTtl, MAX_FRESH_TTL),
        extProbes: link.caps.extProbes,
        qrp: verdict(link, run.prepared),
      });
    }
    return candidates;
  }

  #send(run: Run, sends: readonly { link: number; ttl: number }[]): void {
    const byTtl: Uint8Array[] = [];
    for (const { link: id, ttl } of sends) {
      const link = this.#links.get(id);
      if (link === undefined || !link.open) continue;
      byTtl[ttl] ??= run.message(ttl);
      this.#links.send(link, byTtl[ttl], SendClass.Query, run.outHops);
    }
  }
}

/** What the neighbour's last-hop table says (QRP-16): only an UP-QRP peer that sent a table has one. */
function verdict(link: Link, prepared: PreparedQuery | undefined): DqCandidate['qrp'] {
  const table = link.table;
  if (prepared === undefined || !link.caps.ultrapeerQueryRouting || table === undefined)
    return 'none';
  return table.matches(prepared) ? 'hit' : 'miss';
}
