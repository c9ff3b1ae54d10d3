/**
 * The one error configuration loading throws. `keys` names the environment variables at fault so
 * an operator knows what to fix; values are never part of the message because many are secrets.
 */
export class ConfigError extends Error {
  override readonly name = 'ConfigError';
  readonly keys: readonly string[];

  constructor(message: string, options: { readonly keys: readonly string[]; readonly cause?: unknown }) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.keys = options.keys;
  }
}
