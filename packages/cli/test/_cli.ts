import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/** The built CLI: tests run it as a process, like a user does. */
export const BIN = fileURLToPath(new URL('../dist/bin.js', import.meta.url));
/** The committed sample organisation trail. */
export const SAMPLE_TRAIL = fileURLToPath(new URL('../../../examples/sample-trail/AWSLogs', import.meta.url));

/** What one run of the CLI did. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Fails with the fix when the CLI has not been built. */
export function requireBuiltCli(): void {
  if (!existsSync(BIN)) {
    throw new Error(`${BIN} is missing: build the CLI first (pnpm --filter "lastswitch..." build, or pnpm test)`);
  }
}

/**
 * Runs `node dist/bin.js ...args` in `cwd` with a clean environment plus `env`, and `input` on stdin.
 * With `stdoutFile`, stdout is that file (as with `> FILE`), and `stdout` is read back from it.
 */
export function runCli(
  args: string[],
  options: { cwd: string; env?: Record<string, string>; input?: string | Uint8Array; stdoutFile?: string },
): Promise<CliRun> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: options.cwd,
    AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
    AWS_EC2_METADATA_DISABLED: 'true',
    ...options.env,
  };
  const outFd = options.stdoutFile === undefined ? undefined : openSync(options.stdoutFile, 'w');
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...args], {
      cwd: options.cwd,
      env,
      stdio: [options.input === undefined ? 'ignore' : 'pipe', outFd ?? 'pipe', 'pipe'],
    });
    if (outFd !== undefined) closeSync(outFd);
    if (options.input !== undefined) child.stdin?.end(options.input);
    // Decoded once at the end: a chunk may end inside a multi-byte character.
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout?.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        code,
        stdout: (options.stdoutFile === undefined ? Buffer.concat(stdout) : readFileSync(options.stdoutFile)).toString(
          'utf8',
        ),
        stderr: Buffer.concat(stderr).toString('utf8'),
      }),
    );
  });
}

/** A fresh temporary working directory. */
export async function tempDir(prefix = 'lastswitch-cli-'): Promise<string> {
  return await mkdtemp(join(tmpdir(), prefix));
}

/** Writes a file, creating its folders. */
export async function put(path: string, data: string | Uint8Array): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, data);
}

export const gzip = (text: string): Buffer => gzipSync(Buffer.from(text));

const IDENTITY = '111111111111';
const PROD = '222222222222';

/** A caller-side CLI `AssumeRole` by IAM user `name` into `role` in the prod account (credentials fake). */
export function assumeRoleRecord(name: string, role: string, at: string, eventID: string): Record<string, unknown> {
  return {
    eventVersion: '1.11',
    userIdentity: {
      type: 'IAMUser',
      principalId: `AIDATEST${name.toUpperCase()}`,
      arn: `arn:aws:iam::${IDENTITY}:user/${name}`,
      accountId: IDENTITY,
      accessKeyId: 'AKIATESTEXAMPLE00001',
      userName: name,
    },
    eventTime: at,
    eventSource: 'sts.amazonaws.com',
    eventName: 'AssumeRole',
    awsRegion: 'us-east-1',
    sourceIPAddress: '192.0.2.10',
    userAgent: 'aws-cli/2.22.4',
    requestParameters: { roleArn: `arn:aws:iam::${PROD}:role/${role}`, roleSessionName: name },
    responseElements: {
      credentials: {
        accessKeyId: 'ASIATESTEXAMPLE00001',
        sessionToken: 'TEST-SESSION-TOKEN-must-never-be-written',
        expiration: 'Feb 1, 2026, 11:00:00 AM',
      },
      assumedRoleUser: {
        assumedRoleId: `AROATEST${role.toUpperCase()}:${name}`,
        arn: `arn:aws:sts::${PROD}:assumed-role/${role}/${name}`,
      },
    },
    requestID: `req-${eventID}`,
    eventID,
    readOnly: true,
    eventType: 'AwsApiCall',
    managementEvent: true,
    recipientAccountId: IDENTITY,
  };
}

/** A CloudTrail log file body `{"Records":[...]}`. */
export const logFile = (...records: unknown[]) => JSON.stringify({ Records: records });

/** A CloudTrail-style log file name for `day` (YYYYMMDD). */
export const logName = (day: string, unique = 'AbCdEfGhIjKlMnOp') =>
  `${IDENTITY}_CloudTrail_us-east-1_${day}T1205Z_${unique}.json.gz`;
