/** The overlay: routing, QRP exchange, send queues and keep-alive of a servent, sans I/O. */

export { DROP_REASONS, type DropCounts, type DropReason } from './counters.js';
export { DEFAULT_VENDOR_CODE, Overlay } from './overlay.js';
export type { LinkStats, OverlayStats, TableSummary } from './stats.js';
export { type OverlayTunables, resolveTunables, TUNABLES } from './tunables.js';
export type {
  LocalQuery,
  LocalResult,
  LocalSearch,
  OverlayEvent,
  OverlayOptions,
  PeerCapabilities,
  SelfInfo,
} from './types.js';
