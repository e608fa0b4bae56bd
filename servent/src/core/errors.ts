/**
 * Errors of the protocol core.
 *
 * Two kinds, as in sans-I/O cores: a `ProtocolError` says the peer misbehaved
 * (drop the message or close the connection with a reason); a `UsageError` says
 * we misused our own API (a bug on our side).
 */

/**
 * The peer sent something the protocol does not allow. Returned, never thrown
 * past a decoder. Not an `Error`: capturing a stack trace for every rejected
 * message would make a flood of bad input far dearer to reject than good input
 * is to accept.
 */
export class ProtocolError {
  readonly name = 'ProtocolError';
  constructor(
    /** Stable machine-readable code, e.g. `line-too-long`. */
    readonly code: string,
    readonly message: string,
    /** The spec clause the input broke, e.g. `HS-10`, where one applies. */
    readonly clause?: string,
  ) {}

  toString(): string {
    return `ProtocolError ${this.code}${this.clause ? ` (${this.clause})` : ''}: ${this.message}`;
  }
}

/** Our own code called the core wrongly: a bug, never caused by peer input. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export type Result<T, E = ProtocolError> = { ok: true; value: T } | { ok: false; error: E };

export const ok = <T>(value: T): Result<T, never> => ({ ok: true, value });
export const fail = <E>(error: E): Result<never, E> => ({ ok: false, error });
