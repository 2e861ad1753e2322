import { join } from 'node:path';
import { DaemonProcess } from '../control/daemon-process.js';
import { ensureOwned, type RunAsUser } from '../control/run-as.js';
import { findFreePort } from '../throwaway/free-port.js';
import { HaError } from './ha-error.js';
import { programEnvironment } from './program-environment.js';

export interface StartEtcdOptions {
  /** The etcd program (Debian's etcd-server: /usr/bin/etcd). */
  etcd: string;
  /** A folder of ours: the data goes to `<folder>/data`, its output to `<folder>/etcd.log`. */
  folder: string;
  user: RunAsUser | null;
  /** The cluster token (the HA cluster's scope). */
  name: string;
  /** Ms to wait for its health endpoint. Default 30000. */
  timeout?: number;
}

/**
 * A one-member etcd on 127.0.0.1, started and owned by us: the DCS of an HaCluster on one
 * machine. Its client port is free when chosen; a start that loses the port to another process
 * is retried on new ports.
 */
export class EtcdServer {
  readonly process: DaemonProcess;
  readonly clientPort: number;
  readonly peerPort: number;

  private constructor(process: DaemonProcess, clientPort: number, peerPort: number) {
    this.process = process;
    this.clientPort = clientPort;
    this.peerPort = peerPort;
  }

  /** `127.0.0.1:<port>`, as Patroni's `etcd3.hosts` takes it. */
  get host(): string {
    return `127.0.0.1:${this.clientPort}`;
  }

  get clientUrl(): string {
    return `http://${this.host}`;
  }

  static async start(options: StartEtcdOptions): Promise<EtcdServer> {
    const { etcd, folder, user, name, timeout = 30_000 } = options;
    await ensureOwned(folder, user, { mode: 0o700 });
    const deadline = Date.now() + timeout;
    let lastTail = '';
    for (let attempt = 0; attempt < 3; attempt++) {
      const clientPort = await findFreePort({ hosts: ['127.0.0.1'] });
      const peerPort = await findFreePort({ hosts: ['127.0.0.1'], exclude: new Set([clientPort]) });
      const peer = `http://127.0.0.1:${peerPort}`;
      const client = `http://127.0.0.1:${clientPort}`;
      const daemon = await DaemonProcess.spawn({
        file: etcd,
        args: [
          '--name', name,
          '--data-dir', join(folder, `data-${attempt}`),
          '--listen-client-urls', client,
          '--advertise-client-urls', client,
          '--listen-peer-urls', peer,
          '--initial-advertise-peer-urls', peer,
          '--initial-cluster', `${name}=${peer}`,
          '--initial-cluster-state', 'new',
          '--initial-cluster-token', name,
          '--log-level', 'warn',
          '--logger', 'zap',
        ],
        user,
        logfile: join(folder, 'etcd.log'),
        cwd: folder,
        env: programEnvironment(folder),
        // The HaCluster stops it on exit, after the members (they give up their keys on the way out).
        exitCleanup: false,
      });
      const server = new EtcdServer(daemon, clientPort, peerPort);
      while (Date.now() < deadline && !daemon.hasExited) {
        if (await server.isHealthy()) return server;
        await daemon.exitWithin(50);
      }
      lastTail = await daemon.outputTail(4096);
      await daemon.stop('SIGTERM', 5_000);
      // Lost a port to another process: try others; anything else is reported.
      if (!/address already in use/.test(lastTail) || Date.now() >= deadline) break;
    }
    throw new HaError(Date.now() >= deadline ? 'HA_TIMEOUT' : 'HA_START_FAILED', `etcd did not become healthy on 127.0.0.1 within ${timeout} ms`, { detail: lastTail.trim() });
  }

  /** Whether etcd answers `GET /health` with `"health":"true"`. */
  async isHealthy(): Promise<boolean> {
    try {
      const response = await fetch(`${this.clientUrl}/health`, { signal: AbortSignal.timeout(1_000) });
      return response.ok && /"health"\s*:\s*"true"/.test(await response.text());
    } catch {
      return false;
    }
  }

  /** SIGTERM (etcd stops at once), SIGKILL after 10 s. */
  async stop(): Promise<void> {
    await this.process.stop('SIGTERM', 10_000);
  }
}
