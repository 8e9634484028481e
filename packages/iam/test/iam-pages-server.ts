import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the IAM query API that answers `GetAccountAuthorizationDetails` with
 * scripted XML pages (moto answers in one page and has no user permissions boundaries, so
 * pagination, boundaries and IAM's error replies are tested against this real HTTP server).
 */
export interface IamPagesServer {
  endpoint: string;
  /** The form parameters of every request received. */
  requests: Record<string, string>[];
  stop(): Promise<void>;
}

/** What to answer to the n-th request: an XML page body (200) or an error. */
export type IamPageResponder = (
  params: Record<string, string>,
  index: number,
) => { status: number; body: string } | string;

/** Wraps a page's members in a `GetAccountAuthorizationDetails` response. */
export function authorizationPage(inner: string, next?: string): string {
  return `<GetAccountAuthorizationDetailsResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">
  <GetAccountAuthorizationDetailsResult>
    <IsTruncated>${next ? 'true' : 'false'}</IsTruncated>${next ? `\n    <Marker>${next}</Marker>` : ''}
    ${inner}
  </GetAccountAuthorizationDetailsResult>
  <ResponseMetadata><RequestId>00000000-0000-0000-0000-000000000000</RequestId></ResponseMetadata>
</GetAccountAuthorizationDetailsResponse>`;
}

/** An IAM error reply. */
export function iamError(status: number, code: string, message: string): { status: number; body: string } {
  return {
    status,
    body: `<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/"><Error><Type>Sender</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>00000000-0000-0000-0000-000000000001</RequestId></ErrorResponse>`,
  };
}

/** A policy document the way IAM returns it: URL-encoded JSON. */
export const encodedDocument = (document: object): string => encodeURIComponent(JSON.stringify(document));

/** Starts the stand-in on 127.0.0.1 with a free port. */
export async function startIamPagesServer(respond: IamPageResponder): Promise<IamPagesServer> {
  const requests: Record<string, string>[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      const params = Object.fromEntries(new URLSearchParams(body));
      const index = requests.length;
      requests.push(params);
      const answer = respond(params, index);
      const { status, body: xml } = typeof answer === 'string' ? { status: 200, body: answer } : answer;
      res.writeHead(status, { 'content-type': 'text/xml' });
      res.end(xml);
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
