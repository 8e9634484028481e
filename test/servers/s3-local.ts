import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error s3rver ships no type declarations
import S3rver from 's3rver';

/** A running s3rver (S3 API emulator) on 127.0.0.1. */
export interface S3Local {
  endpoint: string;
  stop(): Promise<void>;
}

/**
 * Client settings s3rver needs: path-style URLs, its fixed credentials, and checksums only when
 * required (otherwise streamed uploads are stored with their aws-chunked framing).
 */
export function s3ClientConfig(endpoint: string) {
  return {
    endpoint,
    region: 'us-east-1',
    forcePathStyle: true,
    requestChecksumCalculation: 'WHEN_REQUIRED' as const,
    responseChecksumValidation: 'WHEN_REQUIRED' as const,
    credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' },
  };
}

/** Starts s3rver with a fresh temporary directory; throws a message naming the cause if it cannot. */
export async function startS3Local(): Promise<S3Local> {
  const directory = await mkdtemp(join(tmpdir(), 'lastswitch-s3rver-'));
  const server = new S3rver({ address: '127.0.0.1', port: 0, silent: true, directory });
  let address: { port: number };
  try {
    address = await server.run();
  } catch (error) {
    throw new Error(`s3rver could not start: ${(error as Error).message}`, { cause: error });
  }
  return {
    endpoint: `http://127.0.0.1:${address.port}`,
    async stop() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
