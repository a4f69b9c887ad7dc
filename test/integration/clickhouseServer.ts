/**
 * A private ClickHouse server for tests: free ports, a temp data dir, a minimal `<yandex>` config
 * (the root element 18.16 expects; current versions accept it too), started from the Debian
 * package's binary and stopped by pid. `stop()` then `start()` again simulates an outage.
 */
import * as child_process from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';

export interface ClickHouseServer {
  url: string;
  httpPort: number;
  dir: string;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Stops and removes the data dir. */
  dispose(): Promise<void>;
}

/** Debian puts the server in /usr/sbin, which a non-root PATH may lack. */
export function clickHouseBinary(): string | undefined {
  return ['/usr/sbin/clickhouse-server', '/usr/bin/clickhouse-server'].find((p) => fs.existsSync(p));
}

export function clickHouseAvailable(): boolean {
  return clickHouseBinary() !== undefined;
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

export async function startClickHouse(): Promise<ClickHouseServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'rl-ch-'));
  const httpPort = await freePort();
  const tcpPort = await freePort();
  const config = path.join(dir, 'config.xml');
  fs.writeFileSync(config, `<?xml version="1.0"?>
<yandex>
  <logger><level>warning</level><log>${dir}/server.log</log><errorlog>${dir}/error.log</errorlog><console>0</console></logger>
  <http_port>${httpPort}</http_port>
  <tcp_port>${tcpPort}</tcp_port>
  <listen_host>127.0.0.1</listen_host>
  <path>${dir}/data/</path>
  <tmp_path>${dir}/tmp/</tmp_path>
  <users_config>/etc/clickhouse-server/users.xml</users_config>
  <default_profile>default</default_profile>
  <default_database>default</default_database>
  <mark_cache_size>268435456</mark_cache_size>
</yandex>
`);
  let child: child_process.ChildProcess | undefined;
  const url = `http://127.0.0.1:${httpPort}`;
  const server: ClickHouseServer = {
    url,
    httpPort,
    dir,
    async start() {
      const log = fs.openSync(path.join(dir, 'stdout.log'), 'a');
      child = child_process.spawn(clickHouseBinary() ?? 'clickhouse-server', [`--config-file=${config}`], { stdio: ['ignore', log, log], cwd: dir });
      fs.closeSync(log);
      const deadline = Date.now() + 30_000;
      let delay = 20;
      for (;;) {
        if (child.exitCode !== null) throw new Error(`clickhouse-server exited with ${child.exitCode}; see ${dir}/stdout.log`);
        try {
          const r = await fetch(`${url}/?query=SELECT%201`);
          if (r.ok && (await r.text()).trim() === '1') return;
        } catch {
          // Not listening yet.
        }
        if (Date.now() > deadline) throw new Error(`clickhouse-server did not answer SELECT 1 within 30 s; see ${dir}`);
        await new Promise((r) => setTimeout(r, delay));
        delay = Math.min(delay * 2, 200);
      }
    },
    async stop() {
      const c = child;
      child = undefined;
      if (!c || c.exitCode !== null || c.pid === undefined) return;
      const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
      process.kill(c.pid, 'SIGKILL');
      await exited;
    },
    async dispose() {
      await server.stop();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  await server.start();
  return server;
}
