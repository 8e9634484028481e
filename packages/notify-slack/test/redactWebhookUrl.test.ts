import { describe, expect, it } from 'vitest';
import { redactWebhookUrl } from '../src/index.js';

describe('redactWebhookUrl', () => {
  it.each([
    ['https://hooks.slack.com/services/T0/B0/secret', 'https://hooks.slack.com/***'],
    ['https://hooks.slack.com/services/T0/B0/secret?x=1#y', 'https://hooks.slack.com/***'],
    ['http://127.0.0.1:8080/services/T0/B0/secret', 'http://127.0.0.1:8080/***'],
    ['https://user:secret@proxy.example/secret', 'https://proxy.example/***'],
    ['ftp://files.example/secret', 'ftp://***'],
    ['not a url /secret', '[invalid URL]'],
  ])('%s → %s', (url, expected) => {
    expect(redactWebhookUrl(url)).toBe(expected);
    expect(redactWebhookUrl(url)).not.toContain('secret');
  });

  it('takes a URL object', () => {
    expect(redactWebhookUrl(new URL('https://hooks.slack.com/services/T0/B0/secret'))).toBe(
      'https://hooks.slack.com/***',
    );
  });
});
