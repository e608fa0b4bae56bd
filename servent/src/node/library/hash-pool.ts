/**
 * A small pool of hash worker threads (hash-worker.ts): files are hashed off
 * the event loop, one file per worker at a time, the rest queued. Workers
 * start on the first job, so a restart that finds every file in the cache
 * starts none, and an idle worker does not hold the process open.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { HashReply, HashRequest } from './hash-worker.js';

export interface FileHashes {
  size: number;
  mtimeMs: number;
  /** The file moved while it was read; hash it again later. */
  changed: boolean;
  sha1: Uint8Array;
  tigerRoot: Uint8Array;
  /** The tree level THEX serves for this size (hash-worker.ts). */
  tigerDepth: number;
  tigerLevel: Uint8Array;
}

/** One file could not be hashed: the OS refused it (`code`), or the worker died or was stopped. */
export class HashError extends Error {
  override readonly name = 'HashError';
  constructor(
    readonly path: string,
    readonly code: string | undefined,
    message: string,
  ) {
    super(message);
  }
}

interface Job {
  id: number;
  path: string;
  resolve: (hashes: FileHashes) => void;
  reject: (error: HashError) => void;
}

/** The worker bundled from the sources, built once per process (see `startWorker`). */
let sourceWorker: URL | undefined;

/**
 * The image runs the esbuild bundle, with the worker bundled beside it as
 * hash-worker.mjs. From the sources (tsx), Node 20 would not apply tsx's
 * loader to a worker's entry module, so the worker is bundled in memory the
 * same way and started from a data: URL; without tsx in its execArgv it
 * starts in a tenth of the time.
 */
function startWorker(): Worker {
  if (!import.meta.url.endsWith('.ts')) {
    return new Worker(new URL('./hash-worker.mjs', import.meta.url), { execArgv: [] });
  }
  if (sourceWorker === undefined) {
    // Through createRequire, so that bundling the servent leaves esbuild out.
    const esbuild = createRequire(import.meta.url)('esbuild') as typeof import('esbuild');
    const { outputFiles } = esbuild.buildSync({
      entryPoints: [fileURLToPath(new URL('./hash-worker.ts', import.meta.url))],
      bundle: true,
      platform: 'node',
      target: 'node20',
      format: 'esm',
      write: false,
    });
    sourceWorker = new URL(`data:text/javascript,${encodeURIComponent(outputFiles[0]!.text)}`);
  }
  return new Worker(sourceWorker, { execArgv: [] });
}

export class HashPool {
  readonly #size: number;
  readonly #queue: Job[] = [];
  readonly #idle: Worker[] = [];
  readonly #busy = new Map<Worker, Job>();
  /** Workers that answered at least once: a worker that dies before is broken, not unlucky. */
  readonly #proven = new WeakSet<Worker>();
  #nextId = 1;
  #jobs = 0;
  #closed = false;

  constructor(size: number) {
    if (!Number.isInteger(size) || size < 1) {
      throw new RangeError(`a hash pool needs at least one worker, got ${size}`);
    }
    this.#size = size;
  }

  /** Files handed to a worker so far. */
  get jobs(): number {
    return this.#jobs;
  }

  /** Files waiting for a worker. */
  get queued(): number {
    return this.#queue.length;
  }

  hash(path: string): Promise<FileHashes> {
    if (this.#closed) return Promise.reject(new HashError(path, undefined, 'hash pool closed'));
    return new Promise((resolve, reject) => {
      this.#queue.push({ id: this.#nextId++, path, resolve, reject });
      this.#dispatch();
    });
  }

  /** Terminates the workers; jobs not finished fail with `hash pool closed`. */
  async close(): Promise<void> {
    this.#closed = true;
    const workers = [...this.#idle, ...this.#busy.keys()];
    const jobs = [...this.#busy.values(), ...this.#queue.splice(0)];
    this.#idle.length = 0;
    this.#busy.clear();
    for (const job of jobs) job.reject(new HashError(job.path, undefined, 'hash pool closed'));
    await Promise.all(workers.map((worker) => worker.terminate()));
  }

  #dispatch(): void {
    while (this.#queue.length > 0) {
      let worker = this.#idle.pop();
      if (worker === undefined) {
        if (this.#busy.size >= this.#size) return;
        worker = this.#spawn();
      }
      const job = this.#queue.shift()!;
      this.#busy.set(worker, job);
      this.#jobs++;
      worker.ref();
      worker.postMessage({ id: job.id, path: job.path } satisfies HashRequest);
    }
  }

  #spawn(): Worker {
    const worker = startWorker();
    worker.on('message', (reply: HashReply) => {
      const job = this.#busy.get(worker);
      if (job?.id !== reply.id) return;
      this.#proven.add(worker);
      this.#busy.delete(worker);
      this.#idle.push(worker);
      worker.unref();
      if (reply.ok) {
        const { size, mtimeMs, changed, sha1, tigerRoot, tigerDepth, tigerLevel } = reply;
        job.resolve({ size, mtimeMs, changed, sha1, tigerRoot, tigerDepth, tigerLevel });
      } else {
        job.reject(new HashError(job.path, reply.code, reply.message));
      }
      this.#dispatch();
    });
    worker.on('error', (error) => this.#lost(worker, `hash worker failed: ${error.message}`));
    worker.on('exit', (code) => this.#lost(worker, `hash worker exited with code ${code}`));
    return worker;
  }

  #lost(worker: Worker, message: string): void {
    const job = this.#busy.get(worker);
    const idle = this.#idle.indexOf(worker);
    if (job === undefined && idle === -1) return; // already accounted for, or closed
    this.#busy.delete(worker);
    if (idle !== -1) this.#idle.splice(idle, 1);
    void worker.terminate();
    const failed = job ? [job] : [];
    // A worker that never answered cannot start at all: fail the queue rather than respawn per file.
    if (!this.#proven.has(worker)) failed.push(...this.#queue.splice(0));
    for (const { path, reject } of failed) reject(new HashError(path, undefined, message));
    this.#dispatch();
  }
}
