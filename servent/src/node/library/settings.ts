/**
 * The share library's tunables, declared once (name, meaning, default,
 * bounds). The servent's config schema spreads `ShareSettingsSchema.shape`.
 */
import { z } from 'zod';

export const ShareSettingsSchema = z.object({
  /**
   * Hash worker threads. One by default: on a 2-core machine a second hashing
   * thread would take the core the event loop needs for the network.
   */
  hashWorkers: z.number().int().min(1).max(16).default(1),
  /** Period of the full rescan of the share folder; fs.watch is only a hint, this is the guarantee. */
  rescanIntervalMs: z.number().int().min(10).max(86_400_000).default(300_000),
  /** Wait after an fs.watch event before rescanning, so files being copied settle first. */
  rescanSettleMs: z.number().int().min(0).max(60_000).default(1_000),
  /** Use fs.watch hints between rescans (where the platform has them). */
  watchShare: z.boolean().default(true),
});

export type ShareSettingsInput = z.input<typeof ShareSettingsSchema>;
export type ShareSettings = z.output<typeof ShareSettingsSchema>;
