import type { TestIdentity } from '../../src/identity/testing/tokens.js';
import type { BenchCluster } from './cluster.js';
import type { Check, Figure, Phases } from './figures.js';
import type { LoadDriver } from './loadDriver.js';

/**
 * What run.ts hands to optional bench modules (e.g. `test/bench/webhooks.ts` exporting
 * `benchWebhooks(context)`): the one durable cluster, the run's durations, the forked HTTP load
 * generator, a test identity, and `emit` for figures and checks. A failing check (`ok: false`)
 * makes the run exit non-zero. A module may also just return its figures/checks (an array, or
 * `{ figures, checks }`); run.ts prints those too.
 */
export type BenchContext = {
  readonly cluster: BenchCluster;
  readonly phases: Phases;
  readonly driver: LoadDriver;
  readonly identity: TestIdentity;
  emit(line: Figure | Check): void;
  readonly progress: (message: string) => void;
};
