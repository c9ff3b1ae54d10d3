import type { DatabasePool } from '../db/pool.js';
import type { Consumer } from './consumer.js';
import { type RunConsumerOptions, runConsumer, type RunningConsumer } from './runConsumer.js';

/** Starts every consumer of the process; `stop` waits for each batch in flight to finish. */
export async function startConsumers(
  pool: DatabasePool,
  consumers: readonly Consumer[],
  options: RunConsumerOptions,
): Promise<{ stop(): Promise<void> }> {
  const running: RunningConsumer[] = [];
  try {
    for (const consumer of consumers) running.push(await runConsumer(pool, consumer, options));
  } catch (error) {
    await Promise.all(running.map((one) => one.stop()));
    throw error;
  }
  return {
    stop: async () => {
      await Promise.all(running.map((one) => one.stop()));
    },
  };
}
