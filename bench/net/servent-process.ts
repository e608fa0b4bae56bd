/**
 * The servent under test as a child process: the bundle that ships
 * (dist/servent.mjs, built by esbuild from servent/src/cli.ts the way
 * docker/build-images.ts builds it, but into a temporary folder so a bench
 * never races an image build), run by node with --expose-gc, listening on
 * 127.0.0.1 with a control API. Every process started here is killed on every
 * exit path: `stop()`, and a synchronous SIGKILL when the bench process exits.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import * as http from 'node:http';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleServent, DEFAULT_ENTRY, REPO_ROOT } from '../../docker/bundle.js';

const HOST = '127.0.0.1';
const READY_TIMEOUT_MS = 15_000;
const STOP_TIMEOUT_MS = 5_000;
/** Memory is read after full GCs this far apart until RSS moves less than SETTLED_BYTES (at most SETTLE_ROUNDS). */
const SETTLE_PAUSE_MS = 250;
const SETTLED_BYTES = 256 * 1024;
const SETTLE_ROUNDS = 12;
/** USER_HZ of /proc/PID/stat: 100 on every Linux architecture node runs on. */
const CLOCK_TICKS_PER_S = 100;
/** Lines of the servent's stdout and stderr kept for the error message of a failed run. */
const KEPT_OUTPUT_LINES = 40;

export interface Endpoint {
  host: string;
  port: number;
}

/** A bundle in a temporary folder; `dispose()` removes it. */
export interface Bundle {
  entry: string;
  dispose(): Promise<void>;
}

/** Bundles the servent as the image build does (docker/bundle.ts), into a temporary folder. */
export async function buildBundle(): Promise<Bundle> {
  const dir = await mkdtemp(join(tmpdir(), 'gnutella-bench-'));
  try {
    await bundleServent(dir);
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw new Error(
      `esbuild could not bundle ${DEFAULT_ENTRY} for the network bench: ${(error as Error).message}; fix the servent sources (npm run check)`,
    );
  }
  // Also removed when the bench exits early (an error, Ctrl-C).
  const onExit = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', onExit);
  return {
    entry: join(dir, 'servent.mjs'),
    dispose: async () => {
      process.off('exit', onExit);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface ServentProcessOptions {
  maxLeaves: number;
  /** Extra node flags, e.g. ['--cpu-prof', '--cpu-prof-dir', DIR]. */
  nodeFlags?: string[];
  /** Extra servent flags, e.g. ['--no-deflate']. */
  args?: string[];
  label: string;
}

/** What GET /process answers. */
export interface ProcessFigures {
  pid: number;
  uptimeS: number;
  memory: NodeJS.MemoryUsage;
  cpuUs: NodeJS.CpuUsage;
}

/** The part of GET /stats the bench reads. */
export interface StatsFigures {
  drops: Record<string, number>;
  messagesIn: Record<string, number>;
  messagesOut: Record<string, number>;
  routes: { queries: number };
  links: Array<{
    id: number;
    peerMode: 'ultrapeer' | 'leaf';
    writable: boolean;
    queue: { messages: number; bytes: number };
    drops: Record<string, number>;
    messagesIn: Record<string, number>;
    messagesOut: Record<string, number>;
    qrp: { received: { slots: number; present: number } | null };
  }>;
}

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

export class ServentProcess {
  readonly #child: ChildProcess;
  readonly #output: string[] = [];
  #exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  private constructor(
    readonly label: string,
    child: ChildProcess,
    readonly gnutella: Endpoint,
    readonly control: Endpoint,
  ) {
    this.#child = child;
    running.add(child);
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.#output.push(line);
        if (this.#output.length > KEPT_OUTPUT_LINES) this.#output.shift();
      }
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.#exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.#exitCode = code ?? (signal ? -1 : null);
        resolve(this.#exitCode);
      });
    });
  }

  static async start(bundle: Bundle, options: ServentProcessOptions): Promise<ServentProcess> {
    const gnutella = { host: HOST, port: await freePort() };
    const control = { host: HOST, port: await freePort() };
    const child = spawn(
      process.execPath,
      [
        '--expose-gc',
        ...(options.nodeFlags ?? []),
        bundle.entry,
        'start',
        '--listen',
        `${gnutella.host}:${gnutella.port}`,
        '--control',
        `${control.host}:${control.port}`,
        '--ultrapeer',
        '--max-leaves',
        String(options.maxLeaves),
        '--log-level',
        'warn',
        ...(options.args ?? []),
      ],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT },
    );
    const servent = new ServentProcess(options.label, child, gnutella, control);
    try {
      await servent.#waitReady();
    } catch (err) {
      await servent.stop();
      throw err;
    }
    return servent;
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /**
   * CPU time (user + system, µs) from /proc, read at once whatever the
   * servent is doing; undefined where there is no /proc. 10 ms resolution.
   */
  cpuNow(): number | undefined {
    try {
      const stat = readFileSync(`/proc/${this.#child.pid}/stat`, 'latin1');
      // Fields after "pid (comm) ": state is field 3, utime 14, stime 15.
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS_PER_S;
    } catch {
      return undefined;
    }
  }

  /** The servent's last lines of output, for error messages. */
  output(): string {
    return this.#output.length === 0 ? '(no output)' : this.#output.join('\n    ');
  }

  /**
   * GET on the control API, one connection per request: a kept-alive
   * connection that a busy servent closes just as it is reused fails with
   * ECONNRESET.
   */
  async get<T>(path: string, timeoutMs = 10_000): Promise<T> {
    if (this.#exitCode !== undefined)
      throw new Error(
        `${this.label}: the servent exited (code ${this.#exitCode}) before GET ${path}; its output:\n    ${this.output()}`,
      );
    try {
      return JSON.parse(await httpGet(this.control, path, timeoutMs)) as T;
    } catch (err) {
      // A servent that just died says why on stderr: give it a moment to be reaped.
      await Promise.race([this.#exited, new Promise((resolve) => setTimeout(resolve, 200))]);
      const state =
        this.#exitCode === undefined ? 'still running' : `exited with code ${this.#exitCode}`;
      throw new Error(
        `${this.label}: GET ${path} failed (${(err as Error).message}); the servent is ${state}; its output:\n    ${this.output()}`,
      );
    }
  }

  stats(): Promise<StatsFigures> {
    return this.get<StatsFigures>('/stats');
  }

  /** Memory and CPU time; `gc` runs a full collection first (node --expose-gc). */
  process(gc = false): Promise<ProcessFigures> {
    return this.get<ProcessFigures>(gc ? '/process?gc=1' : '/process');
  }

  /**
   * Memory after full collections, once it stops falling: V8 hands freed
   * pages back to the system in the background, over several collections
   * and up to a second or two after a burst of traffic.
   */
  async settledProcess(): Promise<ProcessFigures> {
    let last = await this.process(true);
    for (let i = 0; i < SETTLE_ROUNDS; i++) {
      await new Promise((resolve) => setTimeout(resolve, SETTLE_PAUSE_MS));
      const next = await this.process(true);
      const settled = Math.abs(next.memory.rss - last.memory.rss) < SETTLED_BYTES;
      last = next;
      if (settled) break;
    }
    return last;
  }

  /** SIGTERM (the servent says Bye and exits), SIGKILL if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => {
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref();
    });
    if ((await Promise.race([this.#exited, timer])) === 'timeout') {
      this.#child.kill('SIGKILL');
      await this.#exited;
    }
  }

  async #waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = '';
    while (Date.now() < deadline) {
      if (this.#exitCode !== undefined) break;
      try {
        await this.get('/status', 1_000);
        return;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error(
      `${this.label}: servent control API ${this.control.host}:${this.control.port} not answering after ${READY_TIMEOUT_MS} ms (last: ${last}); its output:\n    ${this.output()}`,
    );
  }
}

function httpGet(to: Endpoint, path: string, timeoutMs: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const req = http.get(
      { host: to.host, port: to.port, path, agent: false, timeout: timeoutMs },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const body = Buffer.concat(chunks).toString('utf8');
          if (res.statusCode === 200) resolve(body);
          else reject(new Error(`answered ${res.statusCode}: ${body.slice(0, 200)}`));
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer after ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** A port free on 127.0.0.1 right now (the servent binds it a moment later). */
async function freePort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
