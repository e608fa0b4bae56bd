/**
 * UDP readiness: testcontainers waits for TCP ports only, so before a scenario
 * relies on a node's UDP socket it pings it the way a UHC client does
 * (bootstrap.md §5.2) until a pong with one of our MUIDs comes back (BOOT-10).
 */

import { randomBytes } from 'node:crypto';
import * as dgram from 'node:dgram';
import {
  decodeUdpMessage,
  encodeUhcPing,
  parseUhcPong,
  type UhcPong,
} from '../../servent/src/core/bootstrap/uhc.js';
import type { HostAddress } from '../../servent/src/core/hosts/host-cache.js';
import { guidToHex, MessageType, newGuid } from '../../servent/src/core/wire/index.js';
import { TimeoutError } from '../peers/byte-inbox.js';

export interface UdpPongWait {
  /** Give up after this long. */
  timeoutMs: number;
  /** A fresh ping goes out this often until an answer arrives (default 500 ms). */
  intervalMs?: number;
  /** Ask as an ultrapeer (SCP bit 0); default as a leaf. */
  ultrapeer?: boolean;
  /** Local address to send from (default: any). */
  bindHost?: string;
  signal?: AbortSignal;
}

export interface UdpPongReceived {
  /** From sending the ping answered to receiving its pong. */
  rttMs: number;
  pong: UhcPong;
  /** Where the pong came from. */
  from: HostAddress;
  /** Pings sent, the answered one included. */
  attempts: number;
}

/**
 * Pings `target` every `intervalMs`, each time with a new MUID, until a pong
 * echoing any of them arrives. Other datagrams are ignored but described in
 * the timeout error; a pong for our MUID that cannot be read fails at once,
 * since waiting longer would not make it readable.
 */
export async function waitForUdpPong(
  target: HostAddress,
  options: UdpPongWait,
): Promise<UdpPongReceived> {
  const intervalMs = options.intervalMs ?? 500;
  const where = `${target.host}:${target.port}`;
  options.signal?.throwIfAborted();
  const socket = dgram.createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error) => {
      socket.close();
      reject(new Error(`UDP readiness of ${where}: cannot bind a local socket: ${err.message}`));
    };
    socket.once('error', onError);
    socket.bind({ address: options.bindHost, port: 0 }, () => {
      socket.off('error', onError);
      resolve();
    });
  });

  const sentAt = new Map<string, number>();
  const ignored: string[] = [];
  let sendError: string | undefined;
  let attempts = 0;
  let interval: NodeJS.Timeout | undefined;
  let deadline: NodeJS.Timeout | undefined;
  let onAbort: (() => void) | undefined;

  try {
    return await new Promise<UdpPongReceived>((resolve, reject) => {
      const send = () => {
        const guid = newGuid(randomBytes);
        attempts++;
        sentAt.set(guidToHex(guid), performance.now());
        const ping = encodeUhcPing(guid, { ultrapeer: options.ultrapeer ?? false });
        socket.send(ping, target.port, target.host, (err) => {
          if (err) sendError = err.message;
        });
      };
      // ICMP "port unreachable" may surface as a socket error: keep it for the report, keep trying.
      socket.on('error', (err) => {
        sendError = err.message;
      });
      socket.on('message', (raw, rinfo) => {
        const from = { host: rinfo.address, port: rinfo.port };
        const message = decodeUdpMessage(new Uint8Array(raw));
        if (!message.ok) {
          ignored.push(`${raw.length} bytes from ${from.host}:${from.port}: ${message.error.code}`);
          return;
        }
        const muid = guidToHex(message.value.guid);
        const sent = sentAt.get(muid);
        if (sent === undefined || message.value.type !== MessageType.Pong) {
          ignored.push(
            `type 0x${message.value.type.toString(16)} from ${from.host}:${from.port}, MUID ${muid}${sent === undefined ? ' (not ours)' : ''}`,
          );
          return;
        }
        const rttMs = performance.now() - sent;
        const pong = parseUhcPong(message.value, from);
        if (!pong.ok) {
          reject(
            new Error(
              `UDP pong from ${from.host}:${from.port} for our ping to ${where} is unreadable: ${pong.error.toString()}`,
            ),
          );
          return;
        }
        resolve({ rttMs, pong: pong.value, from, attempts });
      });
      deadline = setTimeout(() => {
        const seen =
          ignored.length > 0
            ? `${ignored.length} other datagram(s) ignored, last: ${ignored.at(-1)}`
            : 'nothing came back';
        reject(
          new TimeoutError(
            `no UDP pong from ${where} after ${attempts} attempts in ${options.timeoutMs} ms; ${seen}${sendError ? `; socket error: ${sendError}` : ''}; check that the node binds UDP on that port and answers SCP pings (BOOT-10)`,
          ),
        );
      }, options.timeoutMs);
      if (options.signal) {
        const signal = options.signal;
        onAbort = () => reject(signal.reason);
        signal.addEventListener('abort', onAbort, { once: true });
      }
      send();
      interval = setInterval(send, intervalMs);
    });
  } finally {
    clearInterval(interval);
    clearTimeout(deadline);
    if (onAbort) options.signal?.removeEventListener('abort', onAbort);
    socket.close();
  }
}
