/** A line that a long command keeps rewriting with how far it has come. */
export type ProgressLine = {
  show(text: string): void;
  /** Leaves `text` as the line's last state. */
  finish(text: string): void;
};

const CLEAR_LINE = '\r\x1b[2K';

/**
 * On a terminal, rewrites one line of `stream` at most every `intervalMs`; elsewhere (a pipe, a log
 * file) writes nothing, so that logs and scripts see only the command's own output.
 */
export function createProgressLine(
  stream: Pick<NodeJS.WriteStream, 'isTTY' | 'write'>,
  intervalMs = 100,
  now: () => number = Date.now,
): ProgressLine {
  if (!stream.isTTY) return { show: () => undefined, finish: () => undefined };
  let shownAt: number | undefined;
  return {
    show(text) {
      const at = now();
      if (shownAt !== undefined && at - shownAt < intervalMs) return;
      shownAt = at;
      stream.write(`${CLEAR_LINE}${text}`);
    },
    finish(text) {
      stream.write(`${CLEAR_LINE}${text}\n`);
    },
  };
}
