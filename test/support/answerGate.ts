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

/**
 * A loopback server's switch for holding its answers: `holdAnswers()` holds every answer from then
 * on until its `release`; `held(respond)` takes an answer while they are held (false otherwise).
 */
export function answerHolding() {
  let holding: AnswerGate | null = null;
  return {
    held: (respond: () => void): boolean => {
      if (!holding) return false;
      holding.hold(respond);
      return true;
    },
    holdAnswers: () => {
      const gate = answerGate();
      holding = gate;
      return {
        arrived: gate.arrived,
        release() {
          if (holding === gate) holding = null;
          gate.release();
        },
      };
    },
  };
}
