/**
 * The mutant SUT: our servent with two deliberate faults in the handshake
 * blocks it writes, and nothing else changed. It exists to prove that the
 * scenarios can fail, and fail exactly where the spec is broken:
 *
 *   - X-Max-TTL says 9 (UP-1 and DQ-1 allow at most 4);
 *   - X-Try-Ultrapeers is never sent (HS-17, UP-4: a refusal names other ultrapeers).
 *
 * The faults are applied where every block leaves the process, on the socket,
 * so the servent's own code is the shipped code. Build it with
 * `npx tsx docker/build-images.ts --variant mutant`.
 */
import * as net from 'node:net';

/** What the mutant does to the text of one block; the clauses it breaks are named above. */
export function mutateBlock(text: string): string {
  return text
    .replace(/^X-Max-TTL:[^\r\n]*\r\n/im, 'X-Max-TTL: 9\r\n')
    .replace(/^X-Try-Ultrapeers:[^\r\n]*\r\n/gim, '');
}

const isBlock = (bytes: Uint8Array): boolean =>
  bytes.length > 8 && Buffer.from(bytes.subarray(0, 8)).toString('latin1') === 'GNUTELLA';

type Write = typeof net.Socket.prototype.write;
const write: Write = net.Socket.prototype.write;
net.Socket.prototype.write = function (this: net.Socket, chunk: unknown, ...rest: unknown[]) {
  const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'latin1') : chunk;
  const out =
    bytes instanceof Uint8Array && isBlock(bytes)
      ? Buffer.from(mutateBlock(Buffer.from(bytes).toString('latin1')), 'latin1')
      : chunk;
  return (write as (...args: unknown[]) => boolean).call(this, out, ...rest);
} as Write;

await import('../../servent/src/cli.js');
