/** The webhook URL with everything after the host replaced by `/***`, safe to log; `[invalid URL]` if it does not parse. */
export function redactWebhookUrl(url: string | URL): string {
  let parsed: URL;
  try {
    parsed = typeof url === 'string' ? new URL(url) : url;
  } catch {
    return '[invalid URL]';
  }
  const protocol = parsed.protocol;
  if (protocol !== 'http:' && protocol !== 'https:') return `${protocol}//***`;
  return `${protocol}//${parsed.host}/***`;
}
