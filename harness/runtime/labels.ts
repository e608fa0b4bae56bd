/**
 * Every container and network the harness creates carries these labels, so a
 * run can remove exactly what it made — and what an earlier, killed run left.
 */
export const LABEL = {
  /** Present on everything the harness made. */
  owner: 'org.gnutella-conformance',
  /** The run that made it. */
  run: 'org.gnutella-conformance.run',
  /** The process id of that run, to tell a live run's resources from a dead one's. */
  pid: 'org.gnutella-conformance.pid',
  /** The scenario that made it, for the reader of `docker ps`. */
  scenario: 'org.gnutella-conformance.scenario',
} as const;

export function runLabels(runId: string): Record<string, string> {
  return { [LABEL.owner]: 'true', [LABEL.run]: runId, [LABEL.pid]: String(process.pid) };
}
