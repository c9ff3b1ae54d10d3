/**
 * Answers a loopback server holds back until released: a receiver or panel slow to answer, with the
 * request open for as long as a test needs to look at the ledger meanwhile. `arrived` resolves once
 * the first request is waiting.
 */
export function answerGate() {
  const waiting: (() => void)[] = [];
  let onArrival: (() => void) | null = null;
  const firstArrival = new Promise<void>((resolve) => {
    onArrival = resolve;
  });
  return {
    hold(answer: () => void) {
      waiting.push(answer);
      onArrival?.();
    },
    arrived: () => firstArrival,
    release() {
      for (const answer of waiting.splice(0)) answer();
    },
  };
}

export type AnswerGate = ReturnType<typeof answerGate>;
