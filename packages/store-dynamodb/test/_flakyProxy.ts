import { createHash } from 'node:crypto';
import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** What the proxy answers instead of forwarding: a DynamoDB error of this type and HTTP status. */
export interface InjectedFault {
  type: 'ThrottlingException' | 'ProvisionedThroughputExceededException' | 'InternalServerError';
  status: 400 | 500;
}

/** A running proxy in front of DynamoDB Local that answers some requests with a DynamoDB error. */
export interface FlakyProxy {
  endpoint: string;
  /** Requests answered with a fault, by DynamoDB operation (e.g. `UpdateItem`). */
  faults: Map<string, number>;
  close(): Promise<void>;
}

/**
 * Starts a local HTTP proxy to `target` that asks `decide(operation, seenBefore, body)` for every request
 * (`seenBefore`: the same body came before, i.e. this is an SDK retry) and either forwards it or
 * answers with the fault, as DynamoDB would.
 */
export async function startFlakyProxy(
  target: string,
  decide: (operation: string, seenBefore: boolean, body: string) => InjectedFault | undefined,
): Promise<FlakyProxy> {
  const upstream = new URL(target);
  const seen = new Set<string>();
  const faults = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const operation = String(req.headers['x-amz-target'] ?? '').split('.')[1] ?? '';
      const digest = createHash('sha256').update(operation).update(body).digest('hex');
      const seenBefore = seen.has(digest);
      seen.add(digest);
      const fault = decide(operation, seenBefore, body.toString('utf8'));
      if (fault) {
        faults.set(operation, (faults.get(operation) ?? 0) + 1);
        res.writeHead(fault.status, { 'content-type': 'application/x-amz-json-1.0', 'x-amzn-errortype': fault.type });
        res.end(JSON.stringify({ __type: `com.amazonaws.dynamodb.v20120810#${fault.type}`, message: 'injected' }));
        return;
      }
      const forward = httpRequest(
        { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: req.headers },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', (error) => {
        res.writeHead(502);
        res.end(String(error));
      });
      forward.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    faults,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
