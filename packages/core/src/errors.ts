/** The base of every error lastswitch throws on purpose; `instanceof` works across packages. */
export class LastswitchError extends Error {
  override name = 'LastswitchError';

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}
