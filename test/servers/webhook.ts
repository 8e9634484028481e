import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** One request the webhook server received. */
export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  body: string;
  receivedAt: number;
}

/** What to answer to one request; `undefined` answers 200 "ok" like Slack. */
export type WebhookResponder = (
  request: RecordedRequest,
  index: number,
) => { status: number; body?: string; headers?: Record<string, string> } | undefined;

/** A local stand-in for Slack's Incoming Webhook endpoint that records every request. */
export interface WebhookServer {
  url: string;
  origin: string;
  requests: RecordedRequest[];
  respondWith(responder: WebhookResponder | undefined): void;
  stop(): Promise<void>;
}

/** Starts a recording webhook server on 127.0.0.1 with a free port. */
export async function startWebhookServer(path = '/services/T000/B000/XXXXSECRETXXXX'): Promise<WebhookServer> {
  const requests: RecordedRequest[] = [];
  let responder: WebhookResponder | undefined;
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded: RecordedRequest = {
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        receivedAt: Date.now(),
      };
      const index = requests.length;
      requests.push(recorded);
      const answer = responder?.(recorded, index) ?? { status: 200, body: 'ok' };
      res.writeHead(answer.status, { 'content-type': 'text/plain', ...answer.headers });
      res.end(answer.body ?? '');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}${path}`,
    origin,
    requests,
    respondWith(next) {
      responder = next;
    },
    async stop() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
