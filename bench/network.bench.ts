/**
 * Queries per second through one ultrapeer over real sockets, and memory per
 * leaf connection. The servent under test is a child process (the esbuild
 * bundle that ships, node --expose-gc) on 127.0.0.1; the leaves and the query
 * source are scripted peers in this process with real 0.6 handshakes.
 *
 * Throughput: 50 leaves, each with a QRP table of its own words; one
 * neighbouring ultrapeer writes queries (fresh GUIDs, TTL 2, hops 0) as fast
 * as the servent takes them. Three mixes: no leaf's table matches, one leaf
 * matches, ten leaves match. The source keeps a bounded amount in flight: a
 * matching mix is paced by what the matching leaves received, and every mix
 * by alive pings the servent answers in stream order. Queries/s is the queries
 * written between two such pings over the time between their pongs (after a
 * warm-up): the servent's own progress, measured on the wire, because a busy
 * servent answers its control API seconds late. After the mix drains, /stats
 * (messagesIn.query, drops) and the leaves' counts cross-check it; CPU time
 * per query is the servent's cpuUsage (user + system) over the whole mix.
 * Links are measured plain and deflated (source and leaves both).
 *
 * Memory: fresh servents for 100 and for 300 leaves (deflate both ways; the
 * leaves deflate with zlib's defaults, a 32 KiB window, as most clients do).
 * Each first carries queries with no leaf, then with its first 10 leaves
 * (FIRST_LEAVES: they pay once for code compiled and allocator pools grown),
 * and is measured at rest: the baseline. Then the 100 or 300 leaves connect
 * and their tables are installed: measured at rest (a quiet leaf link frees
 * its inflater after REPLAY_IDLE_MS); then at rest again after rounds of
 * queries to every leaf. Per leaf = (figure − baseline) / N, after full GCs,
 * less (after traffic) what a round of queries added before any leaf came
 * (their routes: a cost per query, not per leaf);
 * the marginal cost between 100 and 300 compares the two. Comparing within
 * one process keeps out the few MiB by which fresh processes differ; each
 * count runs in NET_BENCH_MEMORY_RUNS fresh processes (default 3) and the
 * median is judged. Growth from the next-to-last traffic round to the last
 * is printed too: it stays near zero unless something per link grows.
 *
 * Targets (2-core machine): ≥ 150 000 queries/s with no match, ≥ 40 000 with
 * ten matching, ≤ 100 KiB per leaf connection including compression state.
 *
 * Settings (environment): NET_BENCH_SECONDS (measured window, default 5),
 * NET_BENCH_WARMUP (default 1), NET_BENCH_LINKS (plain,deflate), NET_BENCH_MIXES
 * (none,one,ten), NET_BENCH_MEMORY (100,300; 0 to skip), NET_BENCH_MEMORY_RUNS (3), NET_BENCH_MEMORY_LINKS
 * (deflate; plain shows what zlib costs), NET_BENCH_WINDOW (queries in flight
 * to the matching leaves, default 4000), NET_BENCH_CPU_PROF (a folder: run the
 * throughput servents with --cpu-prof and print their top functions).
 */
import { mkdir } from 'node:fs/promises';
import { performance } from 'node:perf_hooks';
import { buildTable, prepareQuery, type QueryRouteTable } from '../servent/src/core/qrp/index.js';
import { REPLAY_IDLE_MS } from '../servent/src/node/link-inflater.js';
import { formatRate, printTable } from './lib.js';
import { printProfiles } from './net/cpu-profile.js';
import { BenchLeaf, type Checkpoint, QuerySource } from './net/peers.js';
import { interruptible, type Scope, scoped } from './net/scope.js';
import {
  type Bundle,
  buildBundle,
  type ProcessFigures,
  ServentProcess,
  type StatsFigures,
} from './net/servent-process.js';

const LEAVES = 50;
/** Queries per write from the source: about 23 KiB. */
const BATCH = 500;
/**
 * Queries sent but not yet received by the slowest matching leaf. The
 * servent's send queue per link holds 256 KiB (about 6 500 of these 40-byte
 * queries), so 4 000 in flight never overflow it, and are 100 ms of work at
 * 40 000/s.
 */
const DEFAULT_WINDOW = 4_000;
/** Queries sent to every leaf in each traffic round before the "after traffic" memory figure. */
const TRAFFIC_QUERIES = 2_000;
/**
 * Traffic rounds: the figure is taken after the last. The first round grows
 * the process to its working size; memory that still grows from round to
 * round is reported as growth (a leak would show there).
 */
const TRAFFIC_ROUNDS = 2;
/** A link at rest: the servent frees a quiet leaf link's inflater after REPLAY_IDLE_MS. */
const QUIET_MS = REPLAY_IDLE_MS + 1_000;
/**
 * Leaves connected, and carrying traffic, before the baseline: the first
 * leaves pay once for code compiled and allocator pools grown, which is not
 * a cost per leaf (it is printed apart).
 */
const FIRST_LEAVES = 10;
const TRAFFIC_CRITERIA = 'title42';
/** The servent rebuilds its merged QRP table this long after a leaf's table arrives (qrpUpdateDelayMs). */
const QRP_SETTLE_MS = 1_200;
const CONNECT_CONCURRENCY = 25;
const SETUP_TIMEOUT_MS = 20_000;
/** Leaves that receive nothing more for this long while queries are missing have stalled. */
const STALL_MS = 1_500;
const KIB = 1024;

const TARGETS = {
  noMatchQps: 150_000,
  tenMatchQps: 40_000,
  bytesPerLeaf: 100 * KIB,
};

interface Mix {
  key: 'none' | 'one' | 'ten';
  name: string;
  criteria: string;
  /** Indexes of the leaves whose tables match (checked against the tables before the run). */
  leaves: number[];
}

const MIXES: Mix[] = [
  { key: 'none', name: 'no leaf matches', criteria: 'nothing matches here', leaves: [] },
  { key: 'one', name: 'one leaf matches', criteria: 'leaf7 title42', leaves: [7] },
  {
    key: 'ten',
    name: 'ten leaves match',
    criteria: 'common9 shared',
    leaves: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
  },
];

interface Settings {
  warmupMs: number;
  measureMs: number;
  links: Array<'plain' | 'deflate'>;
  mixes: Mix[];
  memoryLeaves: number[];
  memoryRuns: number;
  memoryLinks: 'plain' | 'deflate';
  window: number;
  cpuProfDir: string | undefined;
}

function settings(): Settings {
  const env = process.env;
  const list = (name: string, fallback: string) =>
    (env[name] ?? fallback)
      .split(',')
      .map((s) => s.trim())
      .filter((s) => s !== '');
  const links = list('NET_BENCH_LINKS', 'plain,deflate');
  for (const l of links)
    if (l !== 'plain' && l !== 'deflate')
      throw new Error(`NET_BENCH_LINKS: "${l}" is neither plain nor deflate`);
  const mixKeys = list('NET_BENCH_MIXES', 'none,one,ten');
  const mixes = MIXES.filter((m) => mixKeys.includes(m.key));
  if (mixes.length !== mixKeys.length)
    throw new Error(`NET_BENCH_MIXES: use none, one and ten, got "${mixKeys.join(',')}"`);
  const memoryLeaves = list('NET_BENCH_MEMORY', '100,300')
    .map(Number)
    .filter((n) => n > 0);
  return {
    warmupMs: Number(env.NET_BENCH_WARMUP ?? 1) * 1000,
    measureMs: Number(env.NET_BENCH_SECONDS ?? 5) * 1000,
    links: links as Settings['links'],
    mixes,
    memoryLeaves,
    memoryRuns: Math.max(1, Number(env.NET_BENCH_MEMORY_RUNS ?? 3)),
    memoryLinks: env.NET_BENCH_MEMORY_LINKS === 'plain' ? 'plain' : 'deflate',
    window: Number(env.NET_BENCH_WINDOW ?? DEFAULT_WINDOW),
    cpuProfDir: env.NET_BENCH_CPU_PROF || undefined,
  };
}

// ---------------------------------------------------------------- resources

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitUntil(
  test: () => Promise<boolean> | boolean,
  timeoutMs: number,
  what: () => string,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`${what()} after ${timeoutMs} ms`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------- leaves and tables

/** Leaf i shares 200 names of its own words, plus `common<k>` for k ≥ i when i < 10 (as overlay.bench.ts). */
function leafNames(i: number): { name: string }[] {
  const names = Array.from({ length: 200 }, (_, k) => ({
    name: `leaf${i} title${k} track${k % 17}.mp3`,
  }));
  for (let k = i; k < 10; k++) names.push({ name: `common${k} shared.ogg` });
  return names;
}

const tables: QueryRouteTable[] = [];
function tableOf(i: number): QueryRouteTable {
  tables[i] ??= buildTable(leafNames(i));
  return tables[i]!;
}

/** Each mix reaches exactly the leaves it names: checked on the tables, so hash collisions cannot skew a mix. */
function checkMixes(mixes: Mix[], memoryLeaves: number): void {
  for (const mix of mixes) {
    const query = prepareQuery({ text: mix.criteria });
    const matching = [];
    for (let i = 0; i < LEAVES; i++) if (tableOf(i).matches(query)) matching.push(i);
    if (matching.join() !== mix.leaves.join())
      throw new Error(
        `mix "${mix.name}": "${mix.criteria}" matches leaves [${matching}], expected [${mix.leaves}]; pick other criteria`,
      );
  }
  const traffic = prepareQuery({ text: TRAFFIC_CRITERIA });
  for (let i = 0; i < memoryLeaves; i++)
    if (!tableOf(i).matches(traffic))
      throw new Error(`"${TRAFFIC_CRITERIA}" must match every leaf; leaf ${i} does not`);
}

/**
 * Connects leaves `first` … `first + count − 1`, sends their tables and waits
 * until the servent has installed them and every leaf connected before.
 */
async function connectLeaves(
  servent: ServentProcess,
  scope: Scope,
  first: number,
  count: number,
  deflate: boolean,
): Promise<BenchLeaf[]> {
  const leaves: BenchLeaf[] = [];
  for (let start = first; start < first + count; start += CONNECT_CONCURRENCY) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(CONNECT_CONCURRENCY, first + count - start) }, (_, k) =>
        BenchLeaf.connect(servent.gnutella, start + k, {
          name: `leaf-${start + k}`,
          deflate,
        }).then((leaf) => scope.add(leaf, (l) => l.close())),
      ),
    );
    leaves.push(...batch);
  }
  await Promise.all(leaves.map((leaf) => leaf.sendTable(tableOf(leaf.index))));
  let installed = 0;
  await waitUntil(
    async () => {
      const stats = await servent.stats();
      installed = stats.links.filter((l) => l.peerMode === 'leaf' && l.qrp.received).length;
      return installed >= first + count;
    },
    SETUP_TIMEOUT_MS,
    () => `${servent.label}: ${installed} of ${first + count} leaf QRP tables installed`,
  );
  return leaves;
}

const minQueries = (leaves: BenchLeaf[]) => Math.min(...leaves.map((l) => l.queries));
const sumQueries = (leaves: BenchLeaf[]) => leaves.reduce((n, l) => n + l.queries, 0);
const queriesIn = (s: StatsFigures) => s.messagesIn.query ?? 0;
const queriesOut = (s: StatsFigures) => s.messagesOut.query ?? 0;

// ---------------------------------------------------------------- throughput

interface MixResult {
  links: 'plain' | 'deflate';
  mix: Mix;
  /** Queries the servent handled per second between two checkpoints of the source's stream. */
  qps: number;
  /** The servent's CPU time (user + system) over the whole mix, per query it read. */
  cpuUsPerQuery: number;
  /** Of that, the kernel's part (socket writes and reads). */
  systemShare: number;
  /** Cores the servent used in the measured window (/proc; else qps × CPU per query). */
  serventCores: number;
  /** This process (leaves and source) over the measured window. */
  benchCores: number;
  /** Copies the matching leaves received per query handled in the measured window (expect the matching count). */
  deliveredPerQuery: number;
  /** Queries the servent sent, per query it read, over the whole mix. */
  relayedPerQuery: number;
  /** Control API latency while loaded (a GET /stats in the measured window). */
  controlLatencyMs: number;
  drops: Record<string, number>;
  /** After the drain: every matching leaf got every query of the mix, the others none. */
  exact: boolean;
  /** The matching leaves stopped receiving before they had every query. */
  stalled: boolean;
  note: string;
}

/**
 * Waits until `value()` reaches `target`; false if it stops moving for
 * `stallMs` first (a link the servent no longer writes to).
 */
async function progressUntil(
  value: () => number,
  target: number,
  stallMs: number,
): Promise<boolean> {
  let last = value();
  let movedAt = Date.now();
  while (value() < target) {
    if (value() !== last) {
      last = value();
      movedAt = Date.now();
    } else if (Date.now() - movedAt > stallMs) {
      return false;
    }
    await sleep(20);
  }
  return true;
}

/**
 * Waits `ms`, or less when `value()` (if it is moving at all) stops moving for
 * `stallMs`; false then.
 */
async function progressFor(value: () => number, ms: number, stallMs: number): Promise<boolean> {
  const end = Date.now() + ms;
  let last = value();
  let movedAt = Date.now();
  while (Date.now() < end) {
    await sleep(Math.min(50, end - Date.now()));
    if (value() !== last) {
      last = value();
      movedAt = Date.now();
    } else if (last > 0 && Date.now() - movedAt > stallMs) {
      return false;
    }
  }
  return true;
}

async function runMix(
  servent: ServentProcess,
  source: QuerySource,
  leaves: BenchLeaf[],
  mix: Mix,
  links: 'plain' | 'deflate',
  s: Settings,
): Promise<MixResult> {
  const matching = leaves.filter((l) => mix.leaves.includes(l.index));
  for (const leaf of leaves) {
    leaf.mark();
    leaf.onReceive = matching.includes(leaf) ? () => source.poke() : undefined;
  }
  const start = await servent.stats();
  const cpu0 = (await servent.process()).cpuUs;
  source.start({
    criteria: mix.criteria,
    batch: BATCH,
    mayWrite:
      matching.length === 0 ? () => true : () => source.sent - minQueries(matching) < s.window,
  });
  let a: Checkpoint;
  let b: Checkpoint;
  let delivered: number;
  let benchUs: number;
  let controlLatencyMs: number;
  let stalledEarly = false;
  let serventWindowUs: number | undefined;
  try {
    await sleep(s.warmupMs);
    a = await source.checkpoint();
    const serventCpu0 = servent.cpuNow();
    const delivered0 = sumQueries(matching);
    const bench0 = process.cpuUsage();
    // The control API's latency under load, told in the report (the figures above need none of it).
    const t0 = performance.now();
    let answeredAfter = Number.POSITIVE_INFINITY;
    void servent
      .get('/stats', 60_000)
      .then(() => {
        answeredAfter = performance.now() - t0;
      })
      .catch(() => {});
    stalledEarly = !(await progressFor(() => sumQueries(matching), s.measureMs, STALL_MS));
    b = await source.checkpoint();
    const serventCpu1 = servent.cpuNow();
    serventWindowUs =
      serventCpu0 === undefined || serventCpu1 === undefined
        ? undefined
        : serventCpu1 - serventCpu0;
    delivered = sumQueries(matching) - delivered0;
    const bench = process.cpuUsage(bench0);
    benchUs = bench.user + bench.system;
    // Infinity: not answered within the measured window.
    controlLatencyMs = answeredAfter;
  } finally {
    await source.stop();
  }
  // Drain: once this ping is answered the servent has read everything; then the leaves get the rest.
  await source.checkpoint();
  let end = await servent.stats();
  const processed = queriesIn(end) - queriesIn(start);
  const complete = await progressUntil(
    () => sumQueries(matching),
    processed * matching.length,
    STALL_MS,
  );
  end = await servent.stats();
  const cpu1 = (await servent.process()).cpuUs;
  const drops: Record<string, number> = {};
  for (const [reason, n] of Object.entries(end.drops)) {
    const delta = n - (start.drops[reason] ?? 0);
    if (delta > 0) drops[reason] = delta;
  }
  const wrong = leaves.filter((l) => l.queries !== (matching.includes(l) ? processed : 0));
  const queries = b.sent - a.sent;
  const seconds = (b.at - a.at) / 1000;
  const cpuUsPerQuery = (cpu1.user + cpu1.system - cpu0.user - cpu0.system) / processed;
  const systemShare = (cpu1.system - cpu0.system) / (cpuUsPerQuery * processed);
  const qps = queries / seconds;
  return {
    links,
    mix,
    qps,
    cpuUsPerQuery,
    systemShare,
    serventCores:
      serventWindowUs === undefined ? (qps * cpuUsPerQuery) / 1e6 : serventWindowUs / 1e6 / seconds,
    benchCores: benchUs / 1e6 / seconds,
    deliveredPerQuery: queries === 0 ? 0 : delivered / queries,
    relayedPerQuery: (queriesOut(end) - queriesOut(start)) / processed,
    controlLatencyMs,
    drops,
    exact: wrong.length === 0 && processed === source.sent,
    stalled: stalledEarly || !complete,
    note:
      wrong.length === 0
        ? `${processed} queries read of ${source.sent} sent, each to exactly the ${matching.length} matching leaves`
        : `${wrong.length} leaves off: e.g. ${wrong[0]!.name} got ${wrong[0]!.queries} of ${matching.includes(wrong[0]!) ? processed : 0}${complete ? '' : `, nothing more for ${STALL_MS} ms`}`,
  };
}

async function throughput(bundle: Bundle, links: 'plain' | 'deflate', s: Settings) {
  return scoped(async (scope) => {
    const deflate = links === 'deflate';
    const nodeFlags = s.cpuProfDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          s.cpuProfDir,
          '--cpu-prof-name',
          `servent-${links}.cpuprofile`,
        ]
      : [];
    const servent = scope.add(
      await ServentProcess.start(bundle, {
        maxLeaves: LEAVES + 10,
        label: `servent (${LEAVES} ${links} leaves)`,
        nodeFlags,
      }),
      (p) => p.stop(),
    );
    const source = scope.add(
      await QuerySource.connect(servent.gnutella, { name: 'source', deflate }),
      (q) => q.close(),
    );
    const leaves = await connectLeaves(servent, scope, 0, LEAVES, deflate);
    const results: MixResult[] = [];
    for (const mix of s.mixes) results.push(await runMix(servent, source, leaves, mix, links, s));
    return results;
  });
}

// ---------------------------------------------------------------- memory

/**
 * The servent's memory, after a full GC. V8 keeps freed heap pages committed
 * (a young generation grown under load stays grown for seconds), so RSS
 * depends on the recent allocation rate; `resident` counts the V8 heap by what
 * is live instead, and everything else (Buffers, typed arrays, zlib's native
 * state, sockets, malloc overhead) as RSS sees it. It matches RSS once V8 has
 * shrunk its heap, which takes seconds of quiet.
 */
interface MemoryFigures {
  /** rss − (heapTotal − heapUsed). */
  resident: number;
  rss: number;
  heapUsed: number;
  /** Memory V8 is told of outside its heap: Buffers and typed arrays (arrayBuffers) and a little more; not zlib's state. */
  external: number;
  /** resident − heapUsed − external: native memory nobody reports (zlib streams, libuv, malloc overhead). */
  native: number;
}

interface MemoryResult {
  leaves: number;
  /** The same process before any leaf connected. */
  empty: MemoryFigures;
  /**
   * What one round of queries adds with no leaf at all: mostly their routes
   * (kept for minutes, RT-2), a cost per query, not per leaf; subtracted
   * from the after-traffic figures once per round.
   */
  routing: MemoryFigures;
  /** The same process with its first FIRST_LEAVES leaves, after traffic: what the `leaves` measured add to. */
  base: MemoryFigures;
  idle: MemoryFigures;
  traffic: MemoryFigures;
  /** The last traffic round's resident figure minus the one before it. */
  roundGrowth: number;
}

function memoryOf(p: ProcessFigures): MemoryFigures {
  const m = p.memory;
  const resident = m.rss - (m.heapTotal - m.heapUsed);
  return {
    resident,
    rss: m.rss,
    heapUsed: m.heapUsed,
    external: m.external,
    native: resident - m.heapUsed - m.external,
  };
}

async function memory(bundle: Bundle, count: number, s: Settings): Promise<MemoryResult> {
  const links = s.memoryLinks;
  const deflate = links === 'deflate';
  return scoped(async (scope) => {
    const servent = scope.add(
      await ServentProcess.start(bundle, {
        maxLeaves: count + 10,
        label: `servent (${count} ${links} leaves)`,
      }),
      (p) => p.stop(),
    );
    const source = scope.add(
      await QuerySource.connect(servent.gnutella, { name: 'source', deflate }),
      (q) => q.close(),
    );
    const leaves: BenchLeaf[] = [];
    /** A round of queries (every leaf gets them all), then rest. */
    const trafficRound = async (): Promise<MemoryFigures> => {
      for (const leaf of leaves) leaf.mark();
      const sentBefore = source.sent;
      await source.sendCount(
        {
          criteria: TRAFFIC_CRITERIA,
          batch: BATCH,
          mayWrite:
            leaves.length === 0
              ? () => true
              : () => source.sent - sentBefore - minQueries(leaves) < s.window,
        },
        TRAFFIC_QUERIES,
      );
      // The servent has read every query once it answers this ping; the leaves then have them all.
      await source.checkpoint();
      const due = TRAFFIC_QUERIES * leaves.length;
      if (!(await progressUntil(() => sumQueries(leaves), due, STALL_MS)))
        throw new Error(
          `${servent.label}: the leaves stopped receiving at ${sumQueries(leaves)} of ${due} queries`,
        );
      await sleep(QUIET_MS);
      return memoryOf(await servent.settledProcess());
    };
    // The baseline: the same process with its neighbour and its first leaves, after traffic.
    const warm = await trafficRound();
    const empty = await trafficRound();
    const addLeaves = async (n: number) => {
      const added = await connectLeaves(servent, scope, leaves.length, n, deflate);
      for (const leaf of added) leaf.onReceive = () => source.poke();
      leaves.push(...added);
      await sleep(QRP_SETTLE_MS);
    };
    await addLeaves(FIRST_LEAVES);
    const base = await trafficRound();
    await addLeaves(count);
    await sleep(QUIET_MS);
    const idle = memoryOf(await servent.settledProcess());
    const rounds: MemoryFigures[] = [];
    for (let round = 0; round < TRAFFIC_ROUNDS; round++) rounds.push(await trafficRound());
    const traffic = rounds.at(-1)!;
    const roundGrowth = traffic.resident - (rounds.at(-2) ?? idle).resident;
    const routing = minus(empty, warm);
    return { leaves: count, empty, routing, base, idle, traffic, roundGrowth };
  });
}

// ---------------------------------------------------------------- report

const kib = (bytes: number) => `${(bytes / KIB).toFixed(1)} KiB`;
const mib = (bytes: number) => `${(bytes / KIB / KIB).toFixed(1)} MiB`;

function printThroughput(results: MixResult[], s: Settings): void {
  for (const links of ['plain', 'deflate'] as const) {
    const rows = results.filter((r) => r.links === links);
    if (rows.length === 0) continue;
    const title = `Network: one ultrapeer process, ${LEAVES} leaves over TCP (${links} links), queries from a neighbouring ultrapeer`;
    printTable(
      title,
      rows.map((r) => ({
        name: r.mix.name,
        opsPerSecond: r.qps,
        itemsPerSecond: r.qps,
        unit: 'queries',
      })),
    );
    const width = Math.max(...rows.map((r) => r.mix.name.length), 10);
    console.log('  where the time goes');
    for (const r of rows) {
      const control = Number.isFinite(r.controlLatencyMs)
        ? `${r.controlLatencyMs.toFixed(0)} ms`
        : `over ${(s.measureMs / 1000).toFixed(0)} s`;
      console.log(
        `  ${r.mix.name.padEnd(width)}  ${r.cpuUsPerQuery.toFixed(2)} µs CPU/query (${(r.systemShare * 100).toFixed(0)} % system), servent ${r.serventCores.toFixed(2)} cores, bench ${r.benchCores.toFixed(2)} cores; control API answered in ${control}`,
      );
    }
    console.log('  cross-check');
    for (const r of rows) {
      const drops = Object.entries(r.drops)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      console.log(
        `  ${r.mix.name.padEnd(width)}  relayed ${r.relayedPerQuery.toFixed(2)}/query, leaves got ${r.deliveredPerQuery.toFixed(2)}/query; ${r.exact ? 'exact' : r.stalled ? 'STALLED' : 'NOT EXACT'}: ${r.note}${drops ? `; drops: ${drops}` : ''}`,
      );
    }
  }
}

type Phase = 'idle' | 'traffic';
const PHASE_LABEL: Record<Phase, string> = { idle: 'idle', traffic: 'after traffic' };

function minus(a: MemoryFigures, b: MemoryFigures): MemoryFigures {
  const out = { ...a };
  for (const f of Object.keys(a) as (keyof MemoryFigures)[]) out[f] = a[f] - b[f];
  return out;
}

/** What the N leaves added in a phase: over the baseline, less the routes of the traffic rounds. */
function added(r: MemoryResult, phase: Phase, f: keyof MemoryFigures): number {
  const routes = phase === 'traffic' ? TRAFFIC_ROUNDS * r.routing[f] : 0;
  return r[phase][f] - r.base[f] - routes;
}

const perLeaf = (r: MemoryResult, phase: Phase, f: keyof MemoryFigures): number =>
  added(r, phase, f) / r.leaves;

/** Per leaf between two leaf counts: the cost of each leaf past the first `lo.leaves`. */
const marginal = (lo: MemoryResult, hi: MemoryResult, phase: Phase, f: keyof MemoryFigures) =>
  (added(hi, phase, f) - added(lo, phase, f)) / (hi.leaves - lo.leaves);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** The runs of one leaf count (fresh processes, same settings). */
interface MemoryRuns {
  leaves: number;
  runs: MemoryResult[];
}

/** Median over the runs of a per-leaf figure. */
const perLeafMedian = (m: MemoryRuns, phase: Phase, f: keyof MemoryFigures) =>
  median(m.runs.map((r) => perLeaf(r, phase, f)));

function printMemory(results: MemoryRuns[], links: 'plain' | 'deflate'): void {
  if (results.length === 0) return;
  const runs = results[0]!.runs.length;
  console.log(
    `\nMemory per leaf connection (${links === 'deflate' ? 'deflate both ways' : 'plain links, no zlib state'}, QRP table installed; at rest ${QUIET_MS / 1000} s, after a full GC; "after traffic": ${TRAFFIC_ROUNDS} rounds of ${TRAFFIC_QUERIES} queries to every leaf; against the same process with its first ${FIRST_LEAVES} leaves; median of ${runs} fresh processes, range in brackets)`,
  );
  const line = (
    name: string,
    phase: Phase,
    at: (f: keyof MemoryFigures) => number,
    range: [number, number],
  ) => {
    const col = (f: keyof MemoryFigures) => kib(at(f)).padStart(10);
    console.log(
      `  ${`${name}, ${PHASE_LABEL[phase]}`.padEnd(34)}resident ${col('resident')}/leaf [${kib(range[0])} … ${kib(range[1])}] = heap ${col('heapUsed')} + external ${col('external')} + native ${col('native')}`,
    );
  };
  const rangeOf = (values: number[]): [number, number] => [
    Math.min(...values),
    Math.max(...values),
  ];
  for (const m of results) {
    const empty = m.runs.map((r) => mib(r.empty.resident)).join(', ');
    const first = m.runs.map((r) => mib(r.base.resident - r.empty.resident)).join(', ');
    const routes = m.runs.map((r) => mib(r.routing.resident)).join(', ');
    console.log(
      `  ${m.leaves} leaves: resident with no leaves ${empty}; a round of queries with no leaves added ${routes}; the first ${FIRST_LEAVES} leaves added ${first} (the baseline)`,
    );
    for (const phase of ['idle', 'traffic'] as const) {
      line(
        `${m.leaves} leaves`,
        phase,
        (f) => perLeafMedian(m, phase, f),
        rangeOf(m.runs.map((r) => perLeaf(r, phase, 'resident'))),
      );
    }
  }
  if (results.length >= 2) {
    const [lo, hi] = [results[0]!, results.at(-1)!];
    const pairs = lo.runs.map((r, i) => [r, hi.runs[i]!] as const);
    for (const phase of ['idle', 'traffic'] as const) {
      line(
        `${lo.leaves}→${hi.leaves} marginal`,
        phase,
        (f) => median(pairs.map(([l, h]) => marginal(l, h, phase, f))),
        rangeOf(pairs.map(([l, h]) => marginal(l, h, phase, 'resident'))),
      );
    }
  }
  const growth = results.map(
    (m) => `${kib(median(m.runs.map((r) => r.roundGrowth / r.leaves)))}/leaf at ${m.leaves} leaves`,
  );
  console.log(`  resident growth in the last traffic round (median): ${growth.join(', ')}`);
}

function printTargets(throughputs: MixResult[], memories: MemoryRuns[]): void {
  console.log('\nTargets (2-core machine)');
  const verdict = (ok: boolean) => (ok ? 'met' : 'MISSED');
  for (const r of throughputs) {
    const target =
      r.mix.key === 'none'
        ? TARGETS.noMatchQps
        : r.mix.key === 'ten'
          ? TARGETS.tenMatchQps
          : undefined;
    if (target === undefined) continue;
    const ratio = r.qps / target;
    console.log(
      `  ${`${r.mix.name}, ${r.links} links`.padEnd(34)}${formatRate(r.qps).padStart(8)} queries/s ≥ ${formatRate(target)}: ${verdict(ratio >= 1)} (ratio ${ratio.toFixed(3)})${r.stalled ? ' (stalled)' : ''}`,
    );
  }
  for (const m of memories) {
    for (const phase of ['idle', 'traffic'] as const) {
      const resident = perLeafMedian(m, phase, 'resident');
      console.log(
        `  ${`${m.leaves} leaves, ${PHASE_LABEL[phase]}`.padEnd(34)}${kib(resident).padStart(8)}/leaf ≤ ${kib(TARGETS.bytesPerLeaf)}: ${verdict(resident <= TARGETS.bytesPerLeaf)} (ratio ${(resident / TARGETS.bytesPerLeaf).toFixed(3)}, median)`,
      );
    }
  }
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  await interruptible('network bench', run);
}

async function run(): Promise<void> {
  const s = settings();
  const began = performance.now();
  checkMixes(s.mixes, FIRST_LEAVES + Math.max(0, ...s.memoryLeaves));
  if (s.cpuProfDir) await mkdir(s.cpuProfDir, { recursive: true });
  const throughputs: MixResult[] = [];
  const memories: MemoryRuns[] = [];
  await scoped(async (scope) => {
    const bundle = scope.add(await buildBundle(), (b) => b.dispose());
    for (const links of s.links) throughputs.push(...(await throughput(bundle, links, s)));
    if (s.memoryLeaves.length > 0) {
      for (const count of s.memoryLeaves) {
        const runs: MemoryResult[] = [];
        for (let run = 0; run < s.memoryRuns; run++) runs.push(await memory(bundle, count, s));
        memories.push({ leaves: count, runs });
      }
    }
  });
  printThroughput(throughputs, s);
  printMemory(memories, s.memoryLinks);
  printTargets(throughputs, memories);
  console.log(`\n  (network bench took ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  if (s.cpuProfDir) await printProfiles(s.cpuProfDir);
}
