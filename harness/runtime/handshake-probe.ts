/**
 * Readiness by a real 0.6 handshake: a node is ready when its Gnutella port
 * answers block (1) with a `GNUTELLA/0.6 <code>` status line. Any code counts
 * (a leaf refuses the probe, and says so in 0.6). On a 200 the probe declines
 * politely with a 503 block (3), which HS-4 allows, and closes.
 */
import * as net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import {
  BlockReader,
  CONNECT_LINE,
  formatBlock,
  formatStatusLine,
  parseStatusLine,
} from '../../servent/src/core/handshake/index.js';

export const PROBE_USER_AGENT = 'gnutella-conformance-probe/0.1';

export class NotReadyError extends Error {
  override readonly name = 'NotReadyError';
}

/** One attempt: resolves with the status code, rejects on refusal, silence or garbage. */
export function probeOnce(host: string, port: number, signal: AbortSignal): Promise<number> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host, port });
    const reader = new BlockReader();
    const done = (err: Error | undefined, code?: number) => {
      signal.removeEventListener('abort', onAbort);
      if (err) {
        socket.destroy();
        reject(err);
      } else {
        if (code === 200) socket.write(formatBlock(formatStatusLine(503, 'Probe done'), []));
        socket.end();
        resolve(code ?? 0);
      }
    };
    const onAbort = () => done(new NotReadyError('probe aborted'));
    signal.addEventListener('abort', onAbort, { once: true });
    socket.once('error', (err) => done(err));
    socket.once('end', () => done(new NotReadyError('closed before a status line')));
    socket.once('connect', () =>
      socket.write(
        formatBlock(CONNECT_LINE, [
          ['User-Agent', PROBE_USER_AGENT],
          ['X-Ultrapeer', 'True'],
        ]),
      ),
    );
    socket.on('data', (chunk) => {
      const result = reader.write(chunk);
      if (result.kind === 'incomplete') return;
      if (result.kind === 'error')
        return done(new NotReadyError(`bad reply: ${result.error.message}`));
      const status = parseStatusLine(result.block.firstLine);
      if (!status.ok) return done(new NotReadyError(`bad status line: ${result.block.firstLine}`));
      done(undefined, status.value.code);
    });
  });
}

/** Probes until a status line comes back or `timeoutMs` passes; backs off between tries. */
export async function waitForHandshake(
  host: string,
  port: number,
  timeoutMs: number,
  what: string,
): Promise<number> {
  const started = Date.now();
  let delay = 25;
  let last = 'no attempt';
  while (Date.now() - started < timeoutMs) {
    const attempt = AbortSignal.timeout(Math.min(2_000, timeoutMs));
    try {
      return await probeOnce(host, port, attempt);
    } catch (err) {
      last = err instanceof Error ? err.message : String(err);
    }
    await sleep(delay);
    delay = Math.min(500, delay * 2);
  }
  throw new NotReadyError(
    `${what} at ${host}:${port} did not complete a 0.6 handshake after ${timeoutMs} ms; last attempt: ${last}. ` +
      'Check the node log kept for this scenario.',
  );
}
