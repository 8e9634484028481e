import {
  GetAccountAuthorizationDetailsCommand,
  type GetAccountAuthorizationDetailsCommandOutput,
  type IAMClient,
} from '@aws-sdk/client-iam';
import type { AuthorizationSnapshot } from '@lastswitch/core';
import { IamSnapshotError, SnapshotBuilder } from './build-snapshot.js';

/** Options for `readAuthorizationSnapshot`. */
export interface ReadSnapshotOptions {
  /** The account id; default: taken from the ARNs IAM returns (required when the account has no users, groups or roles). */
  account?: string;
  /** The snapshot time, epoch ms; default `Date.now()`. */
  now?: number;
  /** Page size passed as `MaxItems` (1–1000); default: IAM's (100). */
  pageSize?: number;
  /** Stops after this many pages, as a guard against a server that never stops paginating; default 10 000. */
  maxPages?: number;
  /** Abort the read between pages. */
  signal?: AbortSignal;
}

function _errorName(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string'
    ? error.name
    : undefined;
}

async function _page(
  client: IAMClient,
  marker: string | undefined,
  options: ReadSnapshotOptions,
): Promise<GetAccountAuthorizationDetailsCommandOutput> {
  try {
    return await client.send(
      new GetAccountAuthorizationDetailsCommand({ Marker: marker, MaxItems: options.pageSize }),
      options.signal ? { abortSignal: options.signal } : {},
    );
  } catch (error) {
    const code = _errorName(error);
    if (code === 'AccessDenied' || code === 'AccessDeniedException') {
      throw new IamSnapshotError(
        code,
        'IAM denied GetAccountAuthorizationDetails: the credentials need iam:GetAccountAuthorizationDetails (e.g. the SecurityAudit managed policy)',
        { cause: error },
      );
    }
    if (code === 'ServiceFailureException' || code === 'ThrottlingException' || code === 'Throttling') {
      throw new IamSnapshotError(code, `IAM failed GetAccountAuthorizationDetails (${code}); try again later`, {
        cause: error,
      });
    }
    throw error;
  }
}

/**
 * Reads one account's IAM users, groups, roles and the managed policies they use
 * (`GetAccountAuthorizationDetails`, every page) into a JSON-serialisable snapshot.
 * Policy documents are URL-decoded and parsed; managed policies keep only their default version.
 * A document that cannot be read is left out and listed in `problems`, never dropped silently.
 *
 * @example
 * ```ts
 * const snapshot = await readAuthorizationSnapshot(new IAMClient({}));
 * await writeFile('iam-111111111111.json', JSON.stringify(snapshot));
 * ```
 */
export async function readAuthorizationSnapshot(
  client: IAMClient,
  options: ReadSnapshotOptions = {},
): Promise<AuthorizationSnapshot> {
  const builder = new SnapshotBuilder();
  const maxPages = options.maxPages ?? 10_000;
  let marker: string | undefined;
  let pages = 0;
  do {
    options.signal?.throwIfAborted();
    if (pages >= maxPages) {
      throw new IamSnapshotError('TooManyPages', `GetAccountAuthorizationDetails still truncated after ${pages} pages`);
    }
    const page = await _page(client, marker, options);
    pages++;
    builder.add(page);
    if (page.IsTruncated && !page.Marker) {
      throw new IamSnapshotError('MissingMarker', 'GetAccountAuthorizationDetails said IsTruncated but gave no Marker');
    }
    marker = page.IsTruncated ? page.Marker : undefined;
  } while (marker);
  return builder.build({ ...(options.account ? { account: options.account } : {}), now: options.now ?? Date.now() });
}
