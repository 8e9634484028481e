import { Option } from 'commander';

/**
 * `--grants <snapshot...>`: IAM snapshot files, for `plan` and `report`. Apart from `_grantFiles.ts`,
 * which reads them: a report without `--grants` loads no snapshot parser (nor zod's classic API).
 */
export function grantsOption(required: boolean): Option {
  const option = new Option(
    '--grants <snapshot...>',
    'snapshots of who may switch into what: IAM snapshot files or `iam snapshot --org` folders, and Identity Center snapshots (`lastswitch sso snapshot`)',
  );
  if (required) option.makeOptionMandatory();
  return option;
}
