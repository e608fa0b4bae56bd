/**
 * The transfer bench's own processes, so that no measured byte crosses the
 * bench process: a raw TCP server that writes one 1 MiB buffer again and
 * again, and a client that reads and discards (raw, or after a plain HTTP
 * GET and its response head, exactly Content-Length bytes; or GETs of one
 * range after another, as a downloader asks). Run as
 *
 *   node --import tsx bench/net/transfer-peers.ts serve-raw BYTES
 *       prints {"port":N}, then on every connection writes BYTES and ends it
 *   node --import tsx bench/net/transfer-peers.ts fetch HOST PORT BYTES [TARGET [RANGE]]
 *       prints {"bytes":…,"ms":…,"firstByteMs":…,"status":…} (ms from connect to the last byte);
 *       with RANGE, GETs of RANGE bytes one after another on one kept-alive connection
 *
 * and driven from the bench through `PeerProcess`, which kills every process
 * it started on every exit path (`stop()`, and SIGKILL when the bench exits).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createCipheriv, createHash } from 'node:crypto';
import * as net from 'node:net';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { REPO_ROOT } from '../../docker/bundle.js';

const HOST = '127.0.0.1';
/** The server's write: one buffer this big, written again and again (as the servent reads 1 MiB from disk). */
export const WRITE_BYTES = 1 << 20;
/** A response head larger than this is not HTTP we asked for. */
const MAX_HEAD_BYTES = 64 * 1024;
const STOP_TIMEOUT_MS = 5_000;
const KEPT_OUTPUT_LINES = 20;

/** What `fetch` prints. */
export interface FetchResult {
  /** Body bytes read (the whole stream for raw TCP). */
  bytes: number;
  /** From the connection being established to the last byte. */
  ms: number;
  /** From the connection being established to the first byte (of the head, over HTTP). */
  firstByteMs: number;
  /** The HTTP status, or 0 for raw TCP. */
  status: number;
}

/**
 * `length` pseudo-random bytes for `seed` and `offset` (a multiple of 16):
 * AES-128-CTR over zeros, so a file is written at the speed of the disk.
 */
export function seededBytes(seed: string, offset: number, length: number): Buffer {
  const key = createHash('sha256').update(seed).digest().subarray(0, 16);
  const iv = Buffer.alloc(16);
  iv.writeBigUInt64BE(BigInt(offset / 16), 8);
  return createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(length));
}

// ---------------------------------------------------------------- child side

function serveRaw(bytes: number): void {
  const buffer = seededBytes('raw tcp', 0, WRITE_BYTES);
  const server = net.createServer((socket) => {
    socket.on('error', () => socket.destroy());
    let left = bytes;
    const write = () => {
      while (left > 0) {
        const n = Math.min(left, buffer.length);
        left -= n;
        if (!socket.write(n === buffer.length ? buffer : buffer.subarray(0, n))) {
          socket.once('drain', write);
          return;
        }
      }
      socket.end();
    };
    write();
  });
  server.listen(0, HOST, () => {
    process.stdout.write(
      `${JSON.stringify({ port: (server.address() as net.AddressInfo).port })}\n`,
    );
  });
}

/**
 * Reads `bytes` from `host:port`: raw (no `target`), by one GET of `target`,
 * or by GETs of `range`-byte ranges one after another on one connection.
 */
function fetchBytes(
  host: string,
  port: number,
  bytes: number,
  target?: string,
  range?: number,
): void {
  const socket = net.connect({ host, port });
  let t0 = 0;
  let firstByteMs = -1;
  /** The response head read so far; undefined while a body (or raw bytes) is read. */
  let head: Buffer | undefined;
  let status = 0;
  /** Bytes read, and where the body being read ends. */
  let got = 0;
  let until = bytes;
  const fail = (why: string) => {
    process.stderr.write(`fetch ${host}:${port}${target ?? ''}: ${why}\n`);
    process.exit(1);
  };
  const request = () => {
    until = range === undefined ? bytes : Math.min(bytes, got + range);
    const fields = [
      `GET ${target} HTTP/1.1`,
      `Host: ${host}:${port}`,
      'User-Agent: transfer-bench',
      range === undefined ? 'Connection: close' : `Range: bytes=${got}-${until - 1}`,
    ];
    socket.write(`${fields.join('\r\n')}\r\n\r\n`);
    head = Buffer.alloc(0);
  };
  /** A complete head: its status and Content-Length must be what was asked. */
  const parseHead = (text: string) => {
    status = Number(/^HTTP\/1\.\d (\d{3})/.exec(text)?.[1] ?? 0);
    const length = /\r\ncontent-length:\s*(\d+)/i.exec(text)?.[1];
    const expected = range === undefined || (got === 0 && until === bytes) ? 200 : 206;
    if (status !== expected || length === undefined)
      fail(`answered (expected ${expected}):\n${text}`);
    if (Number(length) !== until - got) fail(`Content-Length ${length}, expected ${until - got}`);
  };
  socket.once('connect', () => {
    t0 = performance.now();
    if (target !== undefined) request();
  });
  socket.on('data', (chunk: Buffer) => {
    if (firstByteMs < 0) firstByteMs = performance.now() - t0;
    let body = chunk;
    while (body.length > 0) {
      if (head !== undefined) {
        head = Buffer.concat([head, body]);
        const end = head.indexOf('\r\n\r\n');
        if (end < 0) {
          if (head.length > MAX_HEAD_BYTES) fail(`no response head in ${head.length} bytes`);
          return;
        }
        parseHead(head.subarray(0, end).toString('latin1'));
        body = head.subarray(end + 4);
        head = undefined;
      }
      const n = Math.min(body.length, until - got);
      got += n;
      body = body.subarray(n);
      if (got < until) continue;
      if (got >= bytes) {
        const result: FetchResult = { bytes: got, ms: performance.now() - t0, firstByteMs, status };
        socket.destroy();
        process.stdout.write(`${JSON.stringify(result)}\n`);
        return;
      }
      if (body.length > 0) fail(`${body.length} bytes after a complete response`);
      request();
    }
  });
  socket.on('end', () => {
    if (got < bytes) fail(`connection ended after ${got} of ${bytes} bytes`);
  });
  socket.on('error', (err) => fail(err.message));
}

function childMain(args: string[]): void {
  const [role, ...rest] = args;
  if (role === 'serve-raw') serveRaw(Number(rest[0]));
  else if (role === 'fetch')
    fetchBytes(
      rest[0]!,
      Number(rest[1]),
      Number(rest[2]),
      rest[3],
      rest[4] === undefined ? undefined : Number(rest[4]),
    );
  else {
    process.stderr.write(`transfer-peers: unknown role "${role}"; use serve-raw or fetch\n`);
    process.exit(2);
  }
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(process.argv[1]).href)
  childMain(process.argv.slice(2));

// ---------------------------------------------------------------- bench side

const running = new Set<ChildProcess>();
process.once('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/** One of these roles as a child process (node --import tsx, from the repository root). */
export class PeerProcess {
  readonly #child: ChildProcess;
  readonly #output: string[] = [];
  readonly #lines: string[] = [];
  #wake: (() => void) | undefined;
  readonly exited: Promise<number | null>;
  #exitCode: number | null | undefined;

  private constructor(
    readonly label: string,
    child: ChildProcess,
  ) {
    this.#child = child;
    running.add(child);
    let partial = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      this.#lines.push(...lines.filter((l) => l.trim() !== ''));
      this.#wakeUp();
    });
    child.stderr?.on('data', (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        this.#output.push(line);
        if (this.#output.length > KEPT_OUTPUT_LINES) this.#output.shift();
      }
    });
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        running.delete(child);
        this.#exitCode = code ?? (signal ? -1 : null);
        this.#wakeUp();
        resolve(this.#exitCode);
      });
    });
  }

  static start(label: string, role: 'serve-raw' | 'fetch', args: string[]): PeerProcess {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', fileURLToPath(import.meta.url), role, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'], cwd: REPO_ROOT },
    );
    return new PeerProcess(label, child);
  }

  get pid(): number | undefined {
    return this.#child.pid;
  }

  /** The next line the process prints, as JSON. */
  async line<T>(timeoutMs: number): Promise<T> {
    const deadline = Date.now() + timeoutMs;
    while (this.#lines.length === 0) {
      if (this.#exitCode !== undefined)
        throw new Error(
          `${this.label}: exited with code ${this.#exitCode} without an answer; its stderr:\n    ${this.#stderr()}`,
        );
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `${this.label}: no answer after ${timeoutMs} ms; its stderr:\n    ${this.#stderr()}`,
        );
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
    return JSON.parse(this.#lines.shift()!) as T;
  }

  /** SIGTERM, then SIGKILL if it has not exited in time. */
  async stop(): Promise<void> {
    if (this.#exitCode !== undefined) return;
    this.#child.kill('SIGTERM');
    const timer = new Promise<'timeout'>((resolve) => {
      setTimeout(() => resolve('timeout'), STOP_TIMEOUT_MS).unref();
    });
    if ((await Promise.race([this.exited, timer])) === 'timeout') {
      this.#child.kill('SIGKILL');
      await this.exited;
    }
  }

  #stderr(): string {
    return this.#output.length === 0 ? '(nothing)' : this.#output.join('\n    ');
  }

  #wakeUp(): void {
    const wake = this.#wake;
    this.#wake = undefined;
    wake?.();
  }
}

/** One fetch in its own process: `bytes` from `port` (raw TCP, or GET `target`, whole or by `range`). */
export async function fetchIn(
  label: string,
  port: number,
  bytes: number,
  timeoutMs: number,
  target?: string,
  range?: number,
): Promise<FetchResult> {
  const args = [HOST, String(port), String(bytes)];
  if (target !== undefined) args.push(target);
  if (target !== undefined && range !== undefined) args.push(String(range));
  const peer = PeerProcess.start(label, 'fetch', args);
  try {
    return await peer.line<FetchResult>(timeoutMs);
  } finally {
    await peer.stop();
  }
}
