import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { findFreePort } from './free-port.js';

/** A running moto server (`python3 -m moto.server`): an in-memory emulator of the AWS APIs. */
export interface MotoServer {
  endpoint: string;
  port: number;
  /** Wipes every emulated resource (moto's `/moto-api/reset`), so tests can start clean. */
  reset(): Promise<void>;
  /** Stops the server; resolves when the process has exited. */
  stop(): Promise<void>;
}

/** The account id moto uses unless told otherwise. */
export const MOTO_ACCOUNT = '123456789012';

/** Credentials moto accepts; fake on purpose. */
export const motoCredentials = { accessKeyId: 'testing', secretAccessKey: 'testing' } as const;

function checkMoto(python: string): void {
  const probe = spawnSync(python, ['-c', 'import moto, flask; print(moto.__version__)'], { encoding: 'utf8' });
  if (probe.error) {
    throw new Error(
      `moto cannot start: \`${python}\` was not found on PATH. Install Python 3 and moto 5 (\`pip install 'moto[server]>=5'\`).`,
    );
  }
  if (probe.status !== 0) {
    throw new Error(
      `moto cannot start: \`${python} -c "import moto, flask"\` failed. Install moto 5 with its server extra (\`pip install 'moto[server]>=5'\`):\n${probe.stderr.trim()}`,
    );
  }
  const major = Number(probe.stdout.trim().split('.')[0]);
  if (!(major >= 5))
    throw new Error(`moto cannot start: moto ${probe.stdout.trim()} found, moto 5 or newer is needed.`);
}

async function waitForMoto(endpoint: string, child: ChildProcess, output: () => string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(`moto exited with code ${child.exitCode} while starting:\n${output()}`);
    }
    try {
      const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1_000) });
      await response.body?.cancel();
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 150));
  }
  child.kill('SIGKILL');
  throw new Error(`moto did not answer on ${endpoint} within ${timeoutMs} ms:\n${output()}`);
}

/** The timeout of a hook that starts moto: its start (up to 120 s under load) plus the set-up after it. */
export const MOTO_SETUP_MS = 240_000;

/** Starts `python3 -m moto.server` on 127.0.0.1 with a free port; throws a message naming the cause if it cannot. */
export async function startMoto(
  options: {
    python?: string;
    port?: number /** Load AWS-managed IAM policies (over a thousand), as real IAM has; default true. */;
    awsManagedPolicies?: boolean;
  } = {},
): Promise<MotoServer> {
  const python = options.python ?? 'python3';
  checkMoto(python);
  const port = options.port ?? (await findFreePort());
  const endpoint = `http://127.0.0.1:${port}`;
  const child = spawn(python, ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      MOTO_ALLOW_NONEXISTENT_REGION: 'true',
      MOTO_IAM_LOAD_MANAGED_POLICIES: options.awsManagedPolicies === false ? 'false' : 'true',
    },
  });
  let log = '';
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString()).slice(-8_000);
  };
  child.stdout?.on('data', append);
  child.stderr?.on('data', append);
  // Python imports moto in seconds on a quiet machine, in over 30 s on a loaded one.
  await waitForMoto(endpoint, child, () => log, 120_000);

  const reset = async (): Promise<void> => {
    const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
    await response.body?.cancel();
    if (!response.ok) throw new Error(`moto reset failed with HTTP ${response.status}`);
  };
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
      setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
    });
  };
  return { endpoint, port, reset, stop };
}
