/**
 * Servent settings: every tunable declared once with its meaning, default and bounds.
 */
import { z } from 'zod';
import { ShareSettingsSchema } from './library/index.js';

const hostPort = z
  .string()
  .regex(/^[^\s:]+:\d{1,5}$/, 'expected HOST:PORT')
  .transform((s, ctx) => {
    const at = s.lastIndexOf(':');
    const port = Number(s.slice(at + 1));
    if (port < 0 || port > 65535) {
      ctx.addIssue({ code: 'custom', message: `port ${port} is outside 0..65535` });
      return z.NEVER;
    }
    return { host: s.slice(0, at), port };
  });

export const ServentConfigSchema = z.object({
  /** Where the Gnutella port listens. */
  listen: hostPort,
  /** Where the control API (HTTP JSON) listens; none when absent. */
  control: hostPort.optional(),
  /** Ultrapeer or leaf, or `auto`: start as a leaf and let the election decide (core/election.ts). */
  mode: z.enum(['ultrapeer', 'leaf', 'auto']).default('ultrapeer'),
  /** Automatic mode: uptime before a reachable leaf becomes an ultrapeer (LimeWire 2 h, gtk-gnutella 1 h). */
  promoteAfterMs: z.number().int().min(0).max(86_400_000).default(3_600_000),
  /** Automatic mode: an ultrapeer without leaves this long becomes a leaf again (gtk-gnutella: 1 h). */
  demoteAfterMs: z.number().int().min(1_000).max(86_400_000).default(3_600_000),
  /** Automatic mode: rest after the first switch, doubling after each further one (gtk-gnutella: 30 min). */
  switchRestMs: z.number().int().min(0).max(86_400_000).default(1_800_000),
  /** Peers dialled at start and kept (re-dialled after `retryAfterMs`). */
  peers: z.array(hostPort).default([]),
  /** UDP host caches pinged when the host cache has nobody to dial (bootstrap.md §5). */
  udpHostCaches: z.array(hostPort).default([]),
  /** GWebCache URLs asked when neither the host cache nor the UDP host caches help (§6). */
  webCaches: z.array(z.url({ protocol: /^http$/ })).default([]),
  /** The address we advertise in Listen-IP; defaults to the listen address. */
  advertise: hostPort.optional(),
  userAgent: z.string().min(1).default('GnutellaServent/0.1'),
  /** Leaf slots of an ultrapeer (LimeWire and gtk-gnutella keep 30–32). */
  maxLeaves: z.number().int().min(0).max(1000).default(30),
  /** Ultrapeer slots: an ultrapeer's peers, or a leaf's ultrapeers. */
  maxUltrapeers: z.number().int().min(0).max(100).default(32),
  /** A leaf keeps this many ultrapeers (the dynamic-query proposal assumes 3). */
  leafUltrapeers: z.number().int().min(1).max(10).default(3),
  /** Offer and use deflate-compressed links (HS-26). */
  deflate: z.boolean().default(true),
  /** Responder: block (1) must be complete within this (HS-29 allows up to 60 s). */
  handshakeTimeoutMs: z.number().int().min(100).max(120_000).default(30_000),
  /** How long a dialled host rests before it is dialled again. */
  redialAfterMs: z.number().int().min(100).max(3_600_000).default(60_000),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'silent']).default('info'),
  /** The folder shared, walked recursively; nothing shared when absent. */
  share: z.string().min(1).optional(),
  /** Where state lives (the hash cache, partial downloads); required with `share` and for downloads. */
  data: z.string().min(1).optional(),
  /** Where finished downloads go; `<data>/downloads` when absent. */
  downloads: z.string().min(1).optional(),
  /** Uploads served at once. */
  uploadSlots: z.number().int().min(1).max(100).default(4),
  /** Downloaders kept waiting in the active queue when every slot is taken (http-transfers.md §7). */
  uploadQueue: z.number().int().min(0).max(1000).default(10),
  /** A queued downloader polls again no sooner than this (LimeWire: 45 s) ... */
  uploadPollMinS: z.number().int().min(0).max(3600).default(45),
  /** ... and no later than this (LimeWire: 120 s), or loses its place. */
  uploadPollMaxS: z.number().int().min(1).max(7200).default(120),
  /** A leaf that asked for a TCP connect-back and got none within this is firewalled (push.md §1). */
  connectBackWaitMs: z.number().int().min(100).max(120_000).default(5_000),
  ...ShareSettingsSchema.shape,
});

export type ServentConfigInput = z.input<typeof ServentConfigSchema>;
export type ServentConfig = z.output<typeof ServentConfigSchema>;

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

export function parseConfig(input: ServentConfigInput): ServentConfig {
  const parsed = ServentConfigSchema.refine((c) => c.share === undefined || c.data !== undefined, {
    message: 'a share folder needs a state folder too (--data DIR) for its hash cache',
    path: ['data'],
  }).safeParse(input);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new ConfigError(`invalid servent settings:\n${lines.join('\n')}`);
  }
  return parsed.data;
}
