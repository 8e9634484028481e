import { resolve } from 'node:path';
import type { LedgerEntry, LedgerStore, PrincipalAlias } from '@lastswitch/core';
import { type Command, Option } from 'commander';
import type { CliContext } from '../context.js';
import { UsageError } from '../errors.js';
import { FileLedgerStore, ledgerFileChunks } from '../store/FileLedgerStore.js';
import { localStoreFiles, openStore } from '../store/openStore.js';
import { plural, storeOption, writeChunks, writeOutputFile } from './_shared.js';

/** Updates sent to the store per `apply` when importing: one transaction (or file write) each. */
const IMPORT_BATCH = 10_000;

const EXAMPLES = `
Examples:
  $ lastswitch ledger export --output ledger.json            # the portable, diffable JSON form
  $ lastswitch ledger export --store dynamodb:lastswitch-ledger > ledger.json
  $ lastswitch ledger import .lastswitch/ledger.json          # bring an older JSON ledger into the default database
  $ lastswitch ledger import ledger.json --store dynamodb:lastswitch-ledger
`;

async function _list<T>(items: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of items) out.push(item);
  return out;
}

/** Registers `lastswitch ledger export` and `lastswitch ledger import`. */
export function registerLedgerCommand(program: Command, ctx: CliContext): void {
  const ledger = program
    .command('ledger')
    .summary('export or import the ledger as JSON')
    .description(
      'Move a ledger between stores: export writes it as a JSON ledger file (one entry per line, in a stable order, so two exports diff well); import merges a JSON ledger file into a store, keeping the latest last switch and the earliest first switch of every pair.',
    )
    .addHelpText('after', EXAMPLES);

  ledger
    .command('export')
    .summary('write the ledger as JSON')
    .description('Write every entry and alias of the ledger as a JSON ledger file (readable as --store file:PATH).')
    .addOption(storeOption())
    .addOption(new Option('--format <format>', 'output format').choices(['json']).default('json'))
    .option('--output <file>', 'write to this file instead of standard output')
    .action(async (options: { store: string; output?: string }) => {
      const opened = await openStore(options.store, { cwd: ctx.cwd });
      try {
        if (!(await opened.exists()))
          ctx.stderr.write(`There is no ledger at ${opened.label} yet: exporting an empty one.\n`);
        const [aliases, entries] = [await _list(opened.store.aliases()), await _list(opened.store.entries())];
        const chunks = ledgerFileChunks(entries, aliases);
        if (options.output) {
          await writeOutputFile(options.output, chunks, ctx, 'the ledger export', opened.store);
          ctx.stderr.write(
            `Exported ${plural(entries.length, 'pair')} and ${plural(aliases.length, 'alias', 'aliases')} from ${opened.label} to ${options.output}\n`,
          );
        } else {
          await writeChunks(ctx.stdout, chunks);
        }
      } finally {
        opened.close();
      }
    });

  ledger
    .command('import')
    .summary('merge a JSON ledger file into the store')
    .description(
      'Merge a JSON ledger file (from `lastswitch ledger export`, or the .lastswitch/ledger.json of an earlier lastswitch) into the store. Importing the same file twice changes nothing.',
    )
    .argument('<file>', 'the JSON ledger file')
    .addOption(storeOption())
    .action(async (file: string, options: { store: string }) => {
      await runImport(file, options.store, ctx);
    });
}

async function runImport(file: string, storeUrl: string, ctx: CliContext): Promise<void> {
  const source = new FileLedgerStore(resolve(ctx.cwd, file));
  if (!(await source.exists())) throw new UsageError(`no such ledger file: ${file}`);
  const opened = await openStore(storeUrl, { cwd: ctx.cwd });
  try {
    if (localStoreFiles(opened.store).includes(source.path)) {
      throw new UsageError(`${file} is the store itself: nothing to import`);
    }
    await opened.exists(); // a foreign or newer store fails here, before anything is written
    let pairs = 0;
    let aliases = 0;
    let writes = 0;
    const send = async (store: LedgerStore, batch: LedgerEntry[], aliasBatch: PrincipalAlias[]) => {
      const result = await store.apply(batch, aliasBatch);
      pairs += result.pairs;
      aliases += result.aliases;
      writes += result.writes;
    };
    // Aliases first: they are few, and a report reads them before the entries they resolve.
    await send(opened.store, [], await _list(source.aliases()));
    let batch: LedgerEntry[] = [];
    for await (const entry of source.entries()) {
      batch.push(entry);
      if (batch.length >= IMPORT_BATCH) {
        await send(opened.store, batch, []);
        batch = [];
      }
    }
    if (batch.length > 0) await send(opened.store, batch, []);
    ctx.stdout.write(
      `Imported ${plural(pairs, 'pair')} and ${plural(aliases, 'alias', 'aliases')} from ${file} into ${opened.label}.\n`,
    );
    if (pairs + aliases > 0 && writes === 0 && opened.label.startsWith('sqlite:')) {
      ctx.stdout.write('Nothing changed: the store already held everything in the file, or newer.\n');
    }
  } finally {
    opened.close();
  }
}
