import { rm } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startWebhookServer, type WebhookServer } from '../../../test/servers/webhook.js';
import { requireBuiltCli, runCli, SAMPLE_TRAIL, tempDir } from './_cli.js';

const NOW = '2026-02-16T00:00:00Z';
const SECRET = 'XXXXSECRETXXXX';
let cwd: string;
let server: WebhookServer;

beforeAll(async () => {
  requireBuiltCli();
  cwd = await tempDir();
  expect((await runCli(['scan', SAMPLE_TRAIL], { cwd })).code).toBe(0);
  server = await startWebhookServer();
});
afterAll(async () => {
  await server.stop();
  await rm(cwd, { recursive: true, force: true });
});

const report = ['--now', NOW, '--stale-after', '30'];

describe('notify slack', () => {
  it('--dry-run prints the Block Kit messages and sends nothing', async () => {
    const before = server.requests.length;
    const run = await runCli(['notify', 'slack', '--dry-run', ...report], { cwd });
    expect(run.code).toBe(0);
    const messages = JSON.parse(run.stdout);
    expect(Array.isArray(messages)).toBe(true);
    expect(messages.length).toBeGreaterThan(0);
    const text = JSON.stringify(messages);
    for (const stale of ['carol', 'erin', 'dave']) expect(text).toContain(stale);
    expect(run.stderr).toContain('Dry run:');
    expect(server.requests.length).toBe(before);
  });

  it('sends to the webhook named by --webhook-url-env, on an allowed host, and never prints the URL', async () => {
    server.requests.length = 0;
    server.respondWith(undefined);
    const run = await runCli(
      ['notify', 'slack', '--webhook-url-env', 'HOOK', '--allow-host', '127.0.0.1', ...report, '--mention', '<!here>'],
      { cwd, env: { HOOK: server.url } },
    );
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/^Sent \d+ Slack messages?\.\n$/);
    expect(server.requests.length).toBeGreaterThan(0);
    const first = JSON.parse(server.requests[0]?.body ?? '{}');
    expect(first.blocks.length).toBeGreaterThan(0);
    expect(JSON.stringify(first)).toContain('<!here>');
    expect(server.requests[0]?.path).toBe(`/services/T000/B000/${SECRET}`);
    expect(run.stdout + run.stderr).not.toContain(SECRET);
  });

  it('a refused message exits 1, says what was delivered, and redacts the URL', async () => {
    server.requests.length = 0;
    server.respondWith(() => ({ status: 400, body: 'invalid_payload' }));
    const run = await runCli(['notify', 'slack', '--webhook-url', server.url, '--allow-host', '127.0.0.1', ...report], {
      cwd,
    });
    server.respondWith(undefined);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('lastswitch: error: Slack webhook');
    expect(run.stderr).not.toContain('SlackDeliveryError');
    expect(run.stderr).toContain('invalid_payload');
    expect(run.stderr).toMatch(/0 of \d+ messages were delivered/);
    expect(run.stderr).not.toContain(SECRET);
    expect(run.stderr.trimEnd().split('\n')).toHaveLength(1);
  });

  it('refuses a host that is not allowed, before reading the ledger', async () => {
    const run = await runCli(['notify', 'slack', '--webhook-url', server.url, ...report], { cwd });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--allow-host');
    expect(run.stderr).not.toContain(SECRET);
    // The CLI's own words: no library option names.
    expect(run.stderr).not.toMatch(/webhookUrl|allowedHosts|SlackConfigError/);
    const missingPath = await runCli(['notify', 'slack', '--webhook-url', 'https://hooks.slack.com', ...report], {
      cwd,
    });
    expect(missingPath.code).toBe(2);
    expect(missingPath.stderr).toContain('lastswitch: error: the webhook URL cannot be used: the webhook URL');
    expect(missingPath.stderr).not.toMatch(/webhookUrl|allowedHosts/);
  });

  it('both --webhook-url and --webhook-url-env is bad usage', async () => {
    const run = await runCli(['notify', 'slack', '--webhook-url', server.url, '--webhook-url-env', 'HOOK'], {
      cwd,
      env: { HOOK: server.url },
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('not both');
  });

  it('an empty ledger sends nothing and exits 1 (a silent all-clear would be a lie)', async () => {
    const empty = await tempDir();
    server.requests.length = 0;
    const args = ['notify', 'slack', '--webhook-url-env', 'HOOK', '--allow-host', '127.0.0.1'];
    const missing = await runCli(args, { cwd: empty, env: { HOOK: server.url } });
    const allowed = await runCli([...args, '--allow-empty'], { cwd: empty, env: { HOOK: server.url } });
    await rm(empty, { recursive: true, force: true });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('there is no ledger at sqlite:.lastswitch/ledger.db');
    expect(allowed.code).toBe(1);
    expect(allowed.stderr).toContain('holds no role switches: nothing to report, nothing sent');
    expect(server.requests).toHaveLength(0);
  });
});
