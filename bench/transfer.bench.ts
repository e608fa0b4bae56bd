/**
 * File transfer throughput over loopback, each as a ratio to raw loopback
 * TCP measured in the same run. Every side runs in its own process (2 cores:
 * a sender and a receiver each get one), the servents as the esbuild bundle
 * that ships (net/servent-process.ts), the rest as net/transfer-peers.ts.
 *
 * - Raw TCP (the baseline): a server process writes one 1 MiB buffer again
 *   and again, a client process reads and discards, one connection, the same
 *   byte count as the measurements; from connect to the last byte.
 * - Upload: one file of that size (seeded pseudo-random, written and synced
 *   once, read once so it is in the page cache) shared by a servent, which hashes it
 *   first (SHA-1 and Tiger tree in one worker thread; the time is printed);
 *   a plain HTTP client process sends `GET /uri-res/N2R?urn:sha1:…` and reads
 *   exactly Content-Length after the head; from connect to the last byte.
 *   Raw TCP and upload runs take turns. Once more, the same client asks for
 *   the file the way the downloader does, one 256 KiB range after another
 *   (DEFAULT_CHUNK_SIZE) on one connection: the uploader's cost per request.
 * - Download: a fresh downloader servent per case gets `POST /downloads
 *   {sha1, name, size, sources}` naming 1 or 4 uploader servents (4 processes
 *   sharing the one folder, each with its own data folder and a copy of the
 *   first one's hash cache, so the file is hashed once where the servent
 *   takes the copy; the report says when it hashed again); time from the
 *   download's start to `complete` by the downloader's own clock (startedAt,
 *   completedAt), which includes the SHA-1 of the whole file, the fsync and
 *   the rename. Two kinds of uploader:
 *     "Tiger tree + SHA-1": the servent as it ships; the downloader fetches
 *       the tree (X-Thex-URI) and checks every block against it (HTTP-35),
 *       then the whole file against its SHA-1 (HTTP-32);
 *     "SHA-1 only": servents whose hash cache names no tree, so they send no
 *       X-Thex-URI; the same upload and download code, checked by SHA-1 alone.
 *   The report tells whether the downloader really held a tree (status `tree`).
 *
 * Targets (2-core machine): uploads ≥ 2000 MB/s (about 80 % of raw loopback
 * TCP here); a verified single-source download ≥ 0.5 × raw loopback TCP.
 *
 * Settings (environment): TRANSFER_BENCH_BYTES (file size, default 1 GiB;
 * 268435456 for a quick run), TRANSFER_BENCH_RUNS (raw TCP and upload runs,
 * taken in turns, median reported, default 5), TRANSFER_BENCH_DOWNLOADS (cases, default
 * tree-1,tree-4,sha1-1,sha1-4), TRANSFER_BENCH_CPU_PROF (a folder: run the
 * downloaders with --cpu-prof and print their top functions), TRANSFER_BENCH_DIR
 * (where the temporary folder goes, default the system's; /dev/shm takes the
 * disk's fsync out of the downloads).
 */
import { rmSync } from 'node:fs';
import { mkdir, mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import * as http from 'node:http';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { DEFAULT_CHUNK_SIZE } from '../servent/src/core/transfer/swarm.js';
import { HASH_CACHE_FILE } from '../servent/src/node/library/index.js';
import { printProfiles } from './net/cpu-profile.js';
import { interruptible, type Scope, scoped } from './net/scope.js';
import { type Bundle, buildBundle, type Endpoint, ServentProcess } from './net/servent-process.js';
import { type FetchResult, fetchIn, PeerProcess, seededBytes } from './net/transfer-peers.js';

const MIB = 1024 * 1024;
const DEFAULT_BYTES = 1024 * MIB;
const FILE_NAME = 'transfer-bench.bin';
const SEED = 'gnutella transfer bench';
/** Writes and reads of the bench file. */
const IO_CHUNK = MIB;
const POLL_MS = 100;
/** Slowest rates still waited for: hashing (Tiger in JS is ~50 MB/s) and a download. */
const SLOWEST_HASH_BYTES_PER_S = 5e6;
const SLOWEST_DOWNLOAD_BYTES_PER_S = 2e6;
const MIN_WAIT_MS = 60_000;
/** The raw TCP figure at the end further than this outside the range of the first runs: the run was disturbed. */
const DRIFT = 0.1;

const TARGETS = {
  uploadMBps: 2000,
  /** Single-source verified download / raw loopback TCP. */
  singleSourceRatio: 0.5,
};

interface DownloadCase {
  key: string;
  tree: boolean;
  sources: number;
  name: string;
}

const CASES: DownloadCase[] = [
  { key: 'tree-1', tree: true, sources: 1, name: '1 source, Tiger tree + SHA-1' },
  { key: 'tree-4', tree: true, sources: 4, name: '4 sources, Tiger tree + SHA-1' },
  { key: 'sha1-1', tree: false, sources: 1, name: '1 source, SHA-1 only (no tree served)' },
  { key: 'sha1-4', tree: false, sources: 4, name: '4 sources, SHA-1 only (no tree served)' },
];

interface Settings {
  bytes: number;
  runs: number;
  cases: DownloadCase[];
  cpuProfDir: string | undefined;
  /** Where the temporary folder goes. */
  dir: string;
}

function settings(): Settings {
  const env = process.env;
  const bytes = Number(env.TRANSFER_BENCH_BYTES ?? DEFAULT_BYTES);
  if (!Number.isSafeInteger(bytes) || bytes < MIB || bytes % 16 !== 0)
    throw new Error(
      `TRANSFER_BENCH_BYTES: "${env.TRANSFER_BENCH_BYTES}" is not a whole number of bytes ≥ 1 MiB and a multiple of 16; try 268435456`,
    );
  const keys = (env.TRANSFER_BENCH_DOWNLOADS ?? CASES.map((c) => c.key).join(','))
    .split(',')
    .map((k) => k.trim())
    .filter((k) => k !== '');
  const cases = CASES.filter((c) => keys.includes(c.key));
  if (cases.length !== keys.length)
    throw new Error(
      `TRANSFER_BENCH_DOWNLOADS: use ${CASES.map((c) => c.key).join(', ')}, got "${keys.join(',')}"`,
    );
  return {
    bytes,
    runs: Math.max(1, Number(env.TRANSFER_BENCH_RUNS ?? 5)),
    cases,
    cpuProfDir: env.TRANSFER_BENCH_CPU_PROF || undefined,
    dir: env.TRANSFER_BENCH_DIR || tmpdir(),
  };
}

// ---------------------------------------------------------------- resources

/** A temporary folder, removed by the scope, and synchronously if the bench exits first. */
async function tempRoot(scope: Scope, under: string): Promise<string> {
  const dir = await mkdtemp(join(under, 'gnutella-transfer-bench-'));
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return scope.add(dir, async (d) => {
    process.off('exit', onExit);
    await rm(d, { recursive: true, force: true });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

function post<T>(to: Endpoint, path: string, body: unknown, timeoutMs = 10_000): Promise<T> {
  const data = JSON.stringify(body);
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: to.host,
        port: to.port,
        path,
        method: 'POST',
        agent: false,
        timeout: timeoutMs,
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(data) },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(JSON.parse(text) as T);
          else reject(new Error(`POST ${path} answered ${res.statusCode}: ${text.slice(0, 300)}`));
        });
      },
    );
    req.on('timeout', () =>
      req.destroy(new Error(`POST ${path}: no answer after ${timeoutMs} ms`)),
    );
    req.on('error', reject);
    req.end(data);
  });
}

// ---------------------------------------------------------------- the file

/** Writes the seeded file and syncs it, then reads it once (page cache); the seconds each took. */
async function makeFile(path: string, bytes: number): Promise<{ writeS: number; readS: number }> {
  const t0 = performance.now();
  const out = await open(path, 'w');
  try {
    for (let offset = 0; offset < bytes; offset += IO_CHUNK) {
      const chunk = seededBytes(SEED, offset, Math.min(IO_CHUNK, bytes - offset));
      await out.write(chunk, 0, chunk.length, offset);
    }
    // On disk now: the kernel's writeback of a dirty GiB 30 s later would land in a measurement.
    await out.sync();
  } finally {
    await out.close();
  }
  const t1 = performance.now();
  const input = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(IO_CHUNK);
    for (let offset = 0; offset < bytes; ) {
      const { bytesRead } = await input.read(buffer, 0, buffer.length, offset);
      if (bytesRead === 0) throw new Error(`${path} ends at ${offset} of ${bytes} bytes`);
      offset += bytesRead;
    }
  } finally {
    await input.close();
  }
  return { writeS: (t1 - t0) / 1000, readS: (performance.now() - t1) / 1000 };
}

// ---------------------------------------------------------------- uploaders

interface SharesAnswer {
  files: Array<{ index: number; name: string; size: number; sha1: string }>;
}

interface StatusAnswer {
  shares?: { files: number; hashed: number; cacheHits: number; pending: number; failed: number };
}

interface Uploader {
  servent: ServentProcess;
  /** The file's urn:sha1 as it shares it. */
  urn: string;
  /** Hashed it itself rather than taking the cached digests. */
  hashed: boolean;
}

/** A servent sharing `share` with state in `data`, once the file is in its library. */
async function startUploader(
  bundle: Bundle,
  scope: Scope,
  label: string,
  share: string,
  data: string,
  s: Settings,
): Promise<Uploader> {
  const servent = scope.add(
    await ServentProcess.start(bundle, {
      maxLeaves: 0,
      label,
      args: ['--share', share, '--data', data],
    }),
    (p) => p.stop(),
  );
  const timeoutMs = Math.max(MIN_WAIT_MS, (s.bytes / SLOWEST_HASH_BYTES_PER_S) * 1000);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await servent.get<StatusAnswer>('/status', 30_000);
    if (status.shares && status.shares.files >= 1) {
      const { files } = await servent.get<SharesAnswer>('/shares');
      const file = files.find((f) => f.name === FILE_NAME);
      if (!file || file.size !== s.bytes)
        throw new Error(`${label}: shares ${JSON.stringify(files)}, expected ${FILE_NAME}`);
      return { servent, urn: file.sha1, hashed: status.shares.hashed > 0 };
    }
    if (status.shares && status.shares.failed > 0)
      throw new Error(
        `${label}: could not hash ${FILE_NAME}; its output:\n    ${servent.output()}`,
      );
    if (Date.now() > deadline)
      throw new Error(
        `${label}: ${FILE_NAME} not shared after ${timeoutMs} ms (shares ${JSON.stringify(status.shares)}); its output:\n    ${servent.output()}`,
      );
    await sleep(POLL_MS);
  }
}

/** The hash cache a servent wrote once it hashed the file (written just after the library changes). */
async function cacheOf(data: string, timeoutMs = 10_000): Promise<string> {
  const path = join(data, HASH_CACHE_FILE);
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const text = await readFile(path, 'utf8');
      const cache = JSON.parse(text) as { files: Record<string, unknown> };
      if (cache.files[FILE_NAME] !== undefined) return text;
    } catch {
      // Not written yet.
    }
    if (Date.now() > deadline)
      throw new Error(`${path} names no ${FILE_NAME} after ${timeoutMs} ms`);
    await sleep(POLL_MS);
  }
}

/** The same cache with no tree: servents loading it serve the file without X-Thex-URI. */
function withoutTree(cacheText: string): string {
  const cache = JSON.parse(cacheText) as { files: Record<string, Record<string, unknown>> };
  for (const entry of Object.values(cache.files)) {
    delete entry.tigerRoot;
    delete entry.tigerLevel;
  }
  return JSON.stringify(cache);
}

// ---------------------------------------------------------------- downloads

interface DownloadStatus {
  urn: string;
  size?: number;
  state: string;
  error?: string;
  verifiedBytes: number;
  bytesReceived: number;
  tree?: { depth: number; blockSize: number };
  startedAt: string;
  completedAt?: string;
  sources: Array<{ source: string; state: string; bytes: number; why?: string }>;
}

interface DownloadResult {
  c: DownloadCase;
  /** startedAt → completedAt, by the downloader's clock. */
  seconds: number;
  /** POST sent → `complete` seen by the bench. */
  observedS: number;
  /** Seen by the bench: every byte received (POST-relative), or undefined if never seen before `complete`. */
  receivedS: number | undefined;
  tree: DownloadStatus['tree'];
  /** Downloader CPU (user + system) until every byte was in, and in all. */
  cpuReceivingS: number | undefined;
  cpuS: number;
  uploadersCpuS: number;
  bytesBySource: number[];
  bytesReceived: number;
}

async function download(
  bundle: Bundle,
  root: string,
  uploaders: Uploader[],
  c: DownloadCase,
  s: Settings,
): Promise<DownloadResult> {
  return scoped(async (scope) => {
    const data = join(root, `down-${c.key}`);
    scope.add(data, (d) => rm(d, { recursive: true, force: true }));
    const nodeFlags = s.cpuProfDir
      ? [
          '--cpu-prof',
          '--cpu-prof-dir',
          s.cpuProfDir,
          '--cpu-prof-name',
          `downloader-${c.key}.cpuprofile`,
        ]
      : [];
    const downloader = scope.add(
      await ServentProcess.start(bundle, {
        maxLeaves: 0,
        label: `downloader (${c.name})`,
        args: ['--data', data],
        nodeFlags,
      }),
      (p) => p.stop(),
    );
    const sources = uploaders.slice(0, c.sources);
    const urn = sources[0]!.urn;
    const cpuOf = (p: ServentProcess) => (p.cpuNow() ?? 0) / 1e6;
    const uploadCpu = () => sources.reduce((n, u) => n + cpuOf(u.servent), 0);
    const timeoutMs = Math.max(MIN_WAIT_MS, (s.bytes / SLOWEST_DOWNLOAD_BYTES_PER_S) * 1000);
    const cpu0 = cpuOf(downloader);
    const upCpu0 = uploadCpu();
    const t0 = performance.now();
    await post(downloader.control, '/downloads', {
      sha1: urn,
      name: FILE_NAME,
      size: s.bytes,
      sources: sources.map((u) => `${u.servent.gnutella.host}:${u.servent.gnutella.port}`),
    });
    let receivedS: number | undefined;
    let cpuReceivingS: number | undefined;
    let status: DownloadStatus;
    for (;;) {
      status = await downloader.get<DownloadStatus>(`/downloads/${urn}`, 30_000);
      const elapsed = performance.now() - t0;
      if (receivedS === undefined && status.bytesReceived >= s.bytes) {
        receivedS = elapsed / 1000;
        cpuReceivingS = cpuOf(downloader) - cpu0;
      }
      if (status.state === 'complete') break;
      // Every source given up or banned: nothing more will come (their `why` says what went wrong).
      const stuck = status.sources.every((x) => x.state === 'gone' || x.state === 'banned');
      if (status.state === 'failed' || stuck || elapsed > timeoutMs) {
        const why =
          status.state === 'failed'
            ? status.error
            : stuck
              ? 'every source gone or banned'
              : `not complete after ${timeoutMs} ms`;
        throw new Error(
          `${downloader.label}: ${why}; ${status.verifiedBytes} of ${s.bytes} bytes verified, ${status.bytesReceived} received; sources ${JSON.stringify(status.sources)}; its output:\n    ${downloader.output()}`,
        );
      }
      await sleep(POLL_MS);
    }
    const observedS = (performance.now() - t0) / 1000;
    const cpuS = cpuOf(downloader) - cpu0;
    const uploadersCpuS = uploadCpu() - upCpu0;
    const seconds = (Date.parse(status.completedAt!) - Date.parse(status.startedAt)) / 1000;
    return {
      c,
      seconds,
      observedS,
      receivedS,
      tree: status.tree,
      cpuReceivingS,
      cpuS,
      uploadersCpuS,
      bytesBySource: status.sources.map((x) => x.bytes),
      bytesReceived: status.bytesReceived,
    };
  });
}

// ---------------------------------------------------------------- raw TCP and upload

/** The raw TCP server, one process for the whole run; `fetch()` is one measured connection. */
async function rawServer(scope: Scope, s: Settings) {
  const server = scope.add(
    PeerProcess.start('raw TCP server', 'serve-raw', [String(s.bytes)]),
    (p) => p.stop(),
  );
  const { port } = await server.line<{ port: number }>(15_000);
  return {
    fetch: () => fetchIn('raw TCP client', port, s.bytes, MIN_WAIT_MS + s.bytes / 1e5),
  };
}

/**
 * `GET /uri-res/N2R?urn:sha1:…` of the whole file by a plain HTTP client
 * process; or, with `range`, GETs of one range after another on one
 * connection (the client checks each status and Content-Length).
 */
function upload(uploader: Uploader, s: Settings, range?: number): Promise<FetchResult> {
  return fetchIn(
    'HTTP client',
    uploader.servent.gnutella.port,
    s.bytes,
    MIN_WAIT_MS + s.bytes / 1e4,
    `/uri-res/N2R?${uploader.urn}`,
    range,
  );
}

// ---------------------------------------------------------------- report

const mbps = (bytes: number, seconds: number) => bytes / seconds / 1e6;
const rateOf = (r: FetchResult) => mbps(r.bytes, r.ms / 1000);

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const fmt = (mb: number) => `${mb.toFixed(1).padStart(8)} MB/s`;
const runsOf = (rates: number[]) =>
  rates.length > 1 ? `  (median of ${rates.map((r) => r.toFixed(0)).join(', ')})` : '';
const verdict = (ok: boolean) => (ok ? 'met' : 'NOT MET');

interface Report {
  s: Settings;
  load: number;
  file: { writeS: number; readS: number };
  hashS: number;
  raw: number[];
  rawEnd: number | undefined;
  upload: number[];
  /** One run: the upload in DEFAULT_CHUNK_SIZE ranges, one request at a time. */
  ranged: number;
  downloads: DownloadResult[];
  notes: string[];
}

function print(r: Report): void {
  const { s } = r;
  const width = 52;
  const raw = median(r.raw);
  const upload = median(r.upload);
  const gib = s.bytes / 1024 ** 3;
  const size = gib >= 1 ? `${gib.toFixed(gib % 1 === 0 ? 0 : 2)} GiB` : `${s.bytes / MIB} MiB`;
  console.log(
    `\nTransfer over loopback: ${size} (${s.bytes} bytes), sender and receiver each in its own process, files in ${s.dir}; MB = 10^6 bytes (load average ${r.load.toFixed(2)} before)`,
  );
  console.log(
    `  the file: written and synced in ${r.file.writeS.toFixed(1)} s, read once in ${r.file.readS.toFixed(1)} s (page cache); hashed by the uploader in ${r.hashS.toFixed(1)} s from its start (${mbps(s.bytes, r.hashS).toFixed(1)} MB/s, SHA-1 + Tiger tree, one worker thread)`,
  );
  const line = (name: string, rate: number, tail: string) =>
    console.log(`  ${name.padEnd(width)}${fmt(rate)}  ratio ${(rate / raw).toFixed(3)}${tail}`);
  line('raw loopback TCP (1 MiB writes, read and discarded)', raw, `  (baseline)${runsOf(r.raw)}`);
  line('upload: servent → plain HTTP client, GET N2R', upload, runsOf(r.upload));
  line(
    `upload in ${DEFAULT_CHUNK_SIZE / 1024} KiB ranges, one GET at a time`,
    r.ranged,
    '  (as the downloader asks; one run)',
  );
  for (const d of r.downloads) {
    const tree = d.tree
      ? `tree used: depth ${d.tree.depth}, ${d.tree.blockSize / 1024} KiB blocks`
      : 'no tree: SHA-1 only';
    line(`download: ${d.c.name}`, mbps(s.bytes, d.seconds), `  ${d.seconds.toFixed(2)} s; ${tree}`);
  }
  if (r.downloads.length > 0) {
    console.log(
      '  where the download time goes (seen by polling every 100 ms; CPU from /proc, user + system)',
    );
    for (const d of r.downloads) {
      const shares = d.bytesBySource.map((b) => `${((100 * b) / s.bytes).toFixed(0)} %`).join('/');
      const received =
        d.receivedS === undefined
          ? 'every byte in and complete within one poll'
          : `every byte in after ${d.receivedS.toFixed(2)} s (downloader CPU ${d.cpuReceivingS!.toFixed(2)} s = ${(d.cpuReceivingS! / d.receivedS).toFixed(2)} cores), then ${(d.observedS - d.receivedS).toFixed(2)} s to complete (CPU ${(d.cpuS - d.cpuReceivingS!).toFixed(2)} s)`;
      console.log(
        `  ${d.c.name.padEnd(width - 2)}${received}; seen complete after ${d.observedS.toFixed(2)} s; downloader CPU ${d.cpuS.toFixed(2)} s, uploaders ${d.uploadersCpuS.toFixed(2)} s; bytes by source ${shares}${d.bytesReceived > s.bytes ? `; ${d.bytesReceived - s.bytes} bytes received twice` : ''}`,
      );
    }
  }
  for (const note of r.notes) console.log(`  note: ${note}`);
  if (r.rawEnd !== undefined) {
    const drift = r.rawEnd / raw - 1;
    const outside =
      r.rawEnd < Math.min(...r.raw) * (1 - DRIFT) || r.rawEnd > Math.max(...r.raw) * (1 + DRIFT);
    console.log(
      `  raw loopback TCP again after the downloads: ${r.rawEnd.toFixed(1)} MB/s (${drift >= 0 ? '+' : ''}${(drift * 100).toFixed(1)} % from the median${outside ? `; more than ${DRIFT * 100} % outside the first runs: the machine was disturbed, run again` : ', within the first runs'})`,
    );
  }

  console.log('\nTargets (2-core machine)');
  const target = (name: string, text: string) => console.log(`  ${name.padEnd(width)}${text}`);
  target(
    `upload ≥ ${TARGETS.uploadMBps} MB/s`,
    `${fmt(upload)}: ${verdict(upload >= TARGETS.uploadMBps)} (ratio to target ${(upload / TARGETS.uploadMBps).toFixed(3)}; ${((100 * upload) / raw).toFixed(0)} % of raw TCP)`,
  );
  for (const d of r.downloads.filter((x) => x.c.sources === 1)) {
    const ratio = mbps(s.bytes, d.seconds) / raw;
    const what = d.tree
      ? `download, ${d.c.name}`
      : `(for comparison) ${d.c.name.replace('1 source, ', '')}`;
    target(
      `${what}`,
      `ratio ${ratio.toFixed(3)} ≥ ${TARGETS.singleSourceRatio} × raw TCP: ${verdict(ratio >= TARGETS.singleSourceRatio)}`,
    );
  }
}

// ---------------------------------------------------------------- main

export async function main(): Promise<void> {
  await interruptible('transfer bench', run);
}

async function run(): Promise<void> {
  const s = settings();
  const began = performance.now();
  const load = loadavg()[0]!;
  if (s.cpuProfDir) await mkdir(s.cpuProfDir, { recursive: true });
  const report = await scoped(async (scope): Promise<Report> => {
    const root = await tempRoot(scope, s.dir);
    const share = join(root, 'share');
    await mkdir(share);
    const file = await makeFile(join(share, FILE_NAME), s.bytes);
    const bundle = scope.add(await buildBundle(), (b) => b.dispose());

    // The first uploader hashes the file; the others take its hash cache.
    const hashStart = performance.now();
    const first = await startUploader(bundle, scope, 'uploader 1', share, join(root, 'up-1'), s);
    const hashS = (performance.now() - hashStart) / 1000;
    const cache = await cacheOf(join(root, 'up-1'));

    // Raw TCP and uploads in turns, so that both see the same machine.
    const rawTcp = await rawServer(scope, s);
    const raw: number[] = [];
    const uploads: number[] = [];
    for (let run = 0; run < s.runs; run++) {
      raw.push(rateOf(await rawTcp.fetch()));
      uploads.push(rateOf(await upload(first, s)));
    }
    // What a downloader asks of it: one chunk at a time, each request after the last byte of the one before.
    const ranged = rateOf(await upload(first, s, DEFAULT_CHUNK_SIZE));

    const downloads: DownloadResult[] = [];
    const notes: string[] = [];
    for (const tree of [true, false]) {
      const cases = s.cases.filter((c) => c.tree === tree);
      if (cases.length === 0) continue;
      await scoped(async (group) => {
        const count = Math.max(...cases.map((c) => c.sources));
        const uploaders: Uploader[] = tree ? [first] : [];
        const more = Array.from({ length: count - uploaders.length }, async (_, k) => {
          const n = uploaders.length + k + 1;
          const data = join(root, `up-${tree ? 'tree' : 'sha1'}-${n}`);
          await mkdir(data);
          await writeFile(join(data, HASH_CACHE_FILE), tree ? cache : withoutTree(cache));
          return startUploader(
            bundle,
            group,
            `uploader ${n}${tree ? '' : ' (no tree)'}`,
            share,
            data,
            s,
          );
        });
        // In parallel: where the cache copy is not taken, each hashes the file again.
        const t0 = performance.now();
        const started = await Promise.all(more);
        const again = started.filter((u) => u.hashed).map((u) => u.servent.label);
        if (again.length > 0)
          notes.push(
            `${again.join(', ')} hashed the file again (${((performance.now() - t0) / 1000).toFixed(1)} s, in parallel): the copy of uploader 1's hash cache was not taken`,
          );
        uploaders.push(...started);
        for (const c of cases) downloads.push(await download(bundle, root, uploaders, c, s));
      });
      // The tree group held the first uploader: stop it with its group.
      if (tree) await first.servent.stop();
    }
    const rawEnd = s.cases.length > 0 ? rateOf(await rawTcp.fetch()) : undefined;
    return { s, load, file, hashS, raw, rawEnd, upload: uploads, ranged, downloads, notes };
  });
  print(report);
  console.log(`\n  (transfer bench took ${((performance.now() - began) / 1000).toFixed(1)} s)`);
  if (s.cpuProfDir) await printProfiles(s.cpuProfDir);
}
