import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { GetRoleCommand, IAMClient } from '@aws-sdk/client-iam';

/**
 * A local STS stand-in in front of moto: moto's `AssumeRole` succeeds for a role that does not
 * exist (its documented behaviour), while AWS refuses with `AccessDenied`. This server forwards
 * every STS request to moto and, for `AssumeRole`, checks with moto's IAM (as the assumed role)
 * that the role exists, answering AWS's `AccessDenied` when it does not.
 */
export interface StrictStsServer {
  endpoint: string;
  /** The role ARNs `AssumeRole` was asked for, with their session names. */
  assumed: { roleArn: string; sessionName: string; externalId?: string }[];
  stop(): Promise<void>;
}

function _denied(roleArn: string): string {
  return `<ErrorResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/"><Error><Type>Sender</Type><Code>AccessDenied</Code><Message>User: arn:aws:iam::123456789012:user/test is not authorized to perform: sts:AssumeRole on resource: ${roleArn}</Message></Error><RequestId>00000000-0000-0000-0000-000000000002</RequestId></ErrorResponse>`;
}

function _tag(xml: string, name: string): string | undefined {
  const open = xml.indexOf(`<${name}>`);
  if (open < 0) return undefined;
  const close = xml.indexOf(`</${name}>`, open);
  return close < 0 ? undefined : xml.slice(open + name.length + 2, close);
}

/** Starts the stand-in on 127.0.0.1 with a free port, forwarding to `motoEndpoint`. */
export async function startStrictStsServer(motoEndpoint: string): Promise<StrictStsServer> {
  const assumed: StrictStsServer['assumed'] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', async () => {
      const body = Buffer.concat(chunks);
      const headers = Object.fromEntries(
        Object.entries(req.headers).filter(([k, v]) => typeof v === 'string' && k !== 'host' && k !== 'content-length'),
      ) as Record<string, string>;
      const forwarded = await fetch(`${motoEndpoint}${req.url ?? '/'}`, {
        method: req.method ?? 'POST',
        headers,
        body,
      });
      const text = await forwarded.text();
      const params = new URLSearchParams(body.toString());
      if (params.get('Action') === 'AssumeRole' && forwarded.ok) {
        const roleArn = params.get('RoleArn') ?? '';
        const externalId = params.get('ExternalId');
        assumed.push({
          roleArn,
          sessionName: params.get('RoleSessionName') ?? '',
          ...(externalId ? { externalId } : {}),
        });
        const iam = new IAMClient({
          endpoint: motoEndpoint,
          region: 'us-east-1',
          credentials: {
            accessKeyId: _tag(text, 'AccessKeyId') ?? '',
            secretAccessKey: _tag(text, 'SecretAccessKey') ?? '',
            sessionToken: _tag(text, 'SessionToken') ?? '',
          },
        });
        try {
          await iam.send(new GetRoleCommand({ RoleName: roleArn.slice(roleArn.lastIndexOf('/') + 1) }));
        } catch {
          res.writeHead(403, { 'content-type': 'text/xml' });
          res.end(_denied(roleArn));
          return;
        } finally {
          iam.destroy();
        }
      }
      res.writeHead(forwarded.status, { 'content-type': forwarded.headers.get('content-type') ?? 'text/xml' });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    endpoint: `http://127.0.0.1:${port}`,
    assumed,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
