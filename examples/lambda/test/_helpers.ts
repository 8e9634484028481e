import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HandlerLogger } from '../src/logger.js';

/** One line a handler logged. */
export interface LogLine {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  attributes: Record<string, unknown>;
}

/** A logger that keeps every line, to assert on counts and on what must never be logged. */
export function recordingLogger(): HandlerLogger & { lines: LogLine[] } {
  const lines: LogLine[] = [];
  const at =
    (level: LogLine['level']) =>
    (message: string, ...attributes: Record<string, unknown>[]) =>
      lines.push({ level, message, attributes: Object.assign({}, ...attributes) });
  return { lines, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** A local server that answers every request like a throttling S3: 503 SlowDown. */
export async function startSlowDownServer(): Promise<{ endpoint: string; requests: number; stop(): Promise<void> }> {
  const state = { requests: 0 };
  const server: Server = createServer((_req, res) => {
    state.requests += 1;
    res.writeHead(503, { 'content-type': 'application/xml' });
    res.end(
      '<?xml version="1.0" encoding="UTF-8"?><Error><Code>SlowDown</Code><Message>Please reduce your request rate.</Message><RequestId>E2E</RequestId></Error>',
    );
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    get requests() {
      return state.requests;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

let invocation = 0;

/** A Lambda context as the runtime passes it, with a fresh request id per call. */
export function lambdaContext(remainingMs = 300_000): import('aws-lambda').Context {
  invocation += 1;
  const id = `00000000-0000-4000-8000-${String(invocation).padStart(12, '0')}`;
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName: 'lastswitch-test',
    functionVersion: '$LATEST',
    invokedFunctionArn: 'arn:aws:lambda:us-east-1:111111111111:function:lastswitch-test',
    memoryLimitInMB: '512',
    awsRequestId: `${id}-${process.pid}-${Date.now()}`,
    logGroupName: '/aws/lambda/lastswitch-test',
    logStreamName: 'test',
    getRemainingTimeInMillis: () => remainingMs,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
