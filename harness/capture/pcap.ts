/**
 * A pcap of one scenario's Docker network: tcpdump on the network's bridge
 * (`br-` and the first 12 hex digits of its id), from the moment the network
 * exists until the scenario ends. Every packet between the nodes and the
 * host-side fixtures crosses that bridge. The hooks keep the file only when the
 * scenario fails. Without tcpdump (ci/setup-docker.sh installs it) there is
 * no capture, and `start` says why instead.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, stat } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Packets are cut at this many bytes: headers and the start of every message, not whole files. */
const SNAPLEN = 2048;
/** How long tcpdump gets to open the interface before the scenario goes on without waiting. */
const START_MS = 2_000;

export class PcapCapture {
  readonly #child: ChildProcess;

  private constructor(
    readonly path: string,
    readonly iface: string,
    child: ChildProcess,
  ) {
    this.#child = child;
  }

  /** Starts capturing, or explains why it cannot: tcpdump missing, no bridge. */
  static async start(networkId: string, path: string): Promise<PcapCapture | string> {
    if (spawnSync('tcpdump', ['--version']).error)
      return 'no pcap: tcpdump is not installed (ci/setup-docker.sh installs it)';
    const iface = `br-${networkId.slice(0, 12)}`;
    await mkdir(dirname(path), { recursive: true });
    // -U: write each packet as it comes, so a killed run still leaves a readable file.
    const child = spawn('tcpdump', ['-i', iface, '-U', '-n', '-s', String(SNAPLEN), '-w', path], {
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    // tcpdump says "listening on …" once the interface is open.
    const ready = await Promise.race([
      new Promise<boolean>((resolve) => {
        child.stderr?.on('data', () => {
          if (stderr.includes('listening on')) resolve(true);
        });
      }),
      once(child, 'exit').then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), START_MS).unref()),
    ]);
    if (!ready) return `no pcap: tcpdump on ${iface} stopped: ${stderr.trim().slice(0, 300)}`;
    return new PcapCapture(path, iface, child);
  }

  /** Stops the capture; with `keep` false the file goes. */
  async stop(keep: boolean): Promise<void> {
    if (this.#child.exitCode === null) {
      const exited = once(this.#child, 'exit');
      this.#child.kill('SIGTERM');
      await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 2_000).unref())]);
      if (this.#child.exitCode === null) this.#child.kill('SIGKILL');
    }
    if (!keep) await rm(this.path, { force: true });
  }

  /** Bytes written so far (0 when the file is not there). */
  async size(): Promise<number> {
    return stat(this.path).then(
      (s) => s.size,
      () => 0,
    );
  }
}
