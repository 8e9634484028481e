/** The logging the handlers need; Powertools' `Logger` fits, and so does a test recorder. */
export interface HandlerLogger {
  debug(message: string, ...attributes: Record<string, unknown>[]): void;
  info(message: string, ...attributes: Record<string, unknown>[]): void;
  warn(message: string, ...attributes: Record<string, unknown>[]): void;
  error(message: string, ...attributes: Record<string, unknown>[]): void;
}

/** A logger that drops everything. */
export const silentLogger: HandlerLogger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
};
