import type { Logger } from '../main.js';

/** The CLI logs to stderr, so that stdout carries only a command's result (JSON, a token, a key). */
export const cliLog: Logger = {
  info: (msg) => console.error(msg),
  warn: (msg) => console.error(`WARNING: ${msg}`),
  error: (msg, err) => console.error(msg, err ?? ''),
};
