import { type ChildProcess, spawn } from 'node:child_process';
import { connect } from 'node:net';
import { findFreePort } from '../../../test/servers/free-port.js';

/** A running moto server (`python3 -m moto.server`): SSM and Secrets Manager for these tests. */
export interface MotoServer {
  endpoint: string;
  stop(): Promise<void>;
}

async function listening(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** Starts moto on 127.0.0.1 with a free port; throws naming the cause if it cannot. */
export async function startMoto(): Promise<MotoServer> {
  const port = await findFreePort();
  const child: ChildProcess = spawn('python3', ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    output += chunk.toString();
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const deadline = Date.now() + 30_000;
  while (!(await listening(port))) {
    const failed = await Promise.race([spawnError, new Promise((resolve) => setTimeout(resolve, 100, undefined))]);
    if (failed instanceof Error || child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(
        `moto could not start (needs python3 with moto 5: pip install 'moto[server]'): ${(failed as Error | undefined)?.message ?? ''}\n${output}`,
      );
    }
  }
  return {
    endpoint: `http://127.0.0.1:${port}`,
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 5_000).unref();
      });
    },
  };
}
