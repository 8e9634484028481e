import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for AWS JSON-protocol services (Organizations, sso-admin, identitystore): it
 * answers each operation (the `X-Amz-Target` after the dot) with scripted pages or errors, so
 * paging beyond one page and throttling are tested against a real HTTP server (moto answers in
 * one page whatever the page size, and never throttles).
 */
export interface JsonPagesServer {
  endpoint: string;
  /** Every request: operation and JSON body. */
  requests: { operation: string; body: Record<string, unknown> }[];
  stop(): Promise<void>;
}

/** An answer: a JSON body (200), or an AWS error (`__type`) with a status. */
export type JsonAnswer = object | { status: number; error: string; message?: string };

/** Answers one request; `count` is how many requests of this operation came before it. */
export type JsonResponder = (operation: string, body: Record<string, unknown>, count: number) => JsonAnswer;

/** Starts the stand-in on 127.0.0.1 with a free port. */
export async function startJsonPagesServer(respond: JsonResponder): Promise<JsonPagesServer> {
  const requests: JsonPagesServer['requests'] = [];
  const counts = new Map<string, number>();
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let text = '';
    req.on('data', (c: Buffer) => {
      text += c.toString();
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      const operation = target.slice(target.lastIndexOf('.') + 1);
      const body = (text ? JSON.parse(text) : {}) as Record<string, unknown>;
      requests.push({ operation, body });
      const count = counts.get(operation) ?? 0;
      counts.set(operation, count + 1);
      const answer = respond(operation, body, count);
      if ('error' in answer && 'status' in answer) {
        res.writeHead(answer.status, {
          'content-type': 'application/x-amz-json-1.1',
          'x-amzn-errortype': answer.error,
        });
        res.end(JSON.stringify({ __type: answer.error, message: answer.message ?? answer.error }));
        return;
      }
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(JSON.stringify(answer));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    requests,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

/** Splits `items` into pages of `size`: page n is answered for token `t<n>` (none for the first). */
export function pageOf<T>(items: T[], size: number, token: unknown): { items: T[]; next?: string } {
  const index = typeof token === 'string' ? Number(token.slice(1)) : 0;
  const items_ = items.slice(index * size, index * size + size);
  return (index + 1) * size < items.length ? { items: items_, next: `t${index + 1}` } : { items: items_ };
}
