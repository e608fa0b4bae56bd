/**
 * First lines of handshake blocks: `GNUTELLA CONNECT/x.y` (block 1) and
 * `GNUTELLA/x.y DDD reason` (blocks 2 and 3), plus the 0.4 reply `GNUTELLA OK`.
 */

import { fail, ok, ProtocolError, type Result, UsageError } from '../errors.js';
import { OUR_VERSION } from './constants.js';
import { hasControlChar } from './latin1.js';

export interface ProtocolVersion {
  major: number;
  minor: number;
}

export interface StatusLine extends ProtocolVersion {
  code: number;
  reason: string;
}

/** Every block we start writes exactly this (HS-1). */
export const CONNECT_LINE = 'GNUTELLA CONNECT/0.6';

const CONNECT = /^GNUTELLA CONNECT\/(\d{1,4})\.(\d{1,4})$/;
// The reason may be missing when reading: only the three digits matter (§3).
const STATUS = /^GNUTELLA\/(\d{1,4})\.(\d{1,4}) (\d{3})(?:[ \t]+(.*))?$/;

const shown = (line: string): string => JSON.stringify(line.slice(0, 80));

export function parseConnectLine(line: string): Result<ProtocolVersion> {
  const match = CONNECT.exec(line.trim());
  if (!match) {
    return fail(
      new ProtocolError('bad-connect-line', `expected GNUTELLA CONNECT/x.y, got ${shown(line)}`),
    );
  }
  return ok({ major: Number(match[1]), minor: Number(match[2]) });
}

export function parseStatusLine(line: string): Result<StatusLine> {
  const match = STATUS.exec(line.trim());
  if (!match) {
    return fail(
      new ProtocolError(
        'bad-status-line',
        `expected GNUTELLA/x.y DDD reason, got ${shown(line)}`,
        'HS-2',
      ),
    );
  }
  return ok({
    major: Number(match[1]),
    minor: Number(match[2]),
    code: Number(match[3]),
    reason: match[4]?.trim() ?? '',
  });
}

/** The 0.4 acceptance a 0.4-only peer answers our CONNECT with (§8). */
export function isLegacyOk(line: string): boolean {
  return line.trim() === 'GNUTELLA OK';
}

/** Versions below 0.6 speak the headerless 0.4 handshake (§8, HS-15). */
export function isBelowOurVersion(version: ProtocolVersion): boolean {
  return (
    version.major < OUR_VERSION.major ||
    (version.major === OUR_VERSION.major && version.minor < OUR_VERSION.minor)
  );
}

/**
 * `GNUTELLA/0.6 <code> <reason>`, whatever the peer's version (HS-14). The
 * reason is mandatory: LimeWire drops a status line without one (HS-2, §3).
 */
export function formatStatusLine(code: number, reason: string): string {
  if (!Number.isInteger(code) || code < 100 || code > 999) {
    throw new UsageError(`status code must be three digits, got ${code}`);
  }
  if (reason.trim() === '' || hasControlChar(reason)) {
    throw new UsageError(`reason phrase ${JSON.stringify(reason)} is empty or has control bytes`);
  }
  return `GNUTELLA/${OUR_VERSION.major}.${OUR_VERSION.minor} ${code} ${reason}`;
}
