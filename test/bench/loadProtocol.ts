/** Messages between the bench (parent) and the HTTP load generator (a child process, see loadClient.ts). */

export type HttpTarget = {
  /** `http://127.0.0.1:<port>`: the load generator refuses any other host. */
  readonly baseUrl: string;
};

/** `concurrency` clients, each in a loop of requests, for warm-up + measure milliseconds. */
export type LoadJob = HttpTarget & {
  readonly kind: 'load';
  readonly label: string;
  readonly concurrency: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  readonly request:
    | {
        readonly type: 'hold';
        readonly slotIds: readonly string[];
        readonly tokens: readonly string[];
        readonly keyPrefix: string;
        /** Defaults to `/v1/reservations`; another path lets a prototype route be compared under the same load. */
        readonly path?: string;
      }
    | { readonly type: 'get'; readonly path: string; readonly token?: string };
};

/** `count` requests all started at once (each on its own connection): the exhaustion check. */
export type BurstJob = HttpTarget & {
  readonly kind: 'burst';
  readonly label: string;
  readonly count: number;
  readonly slotId: string;
  readonly tokens: readonly string[];
  readonly keyPrefix: string;
};

export type Job = LoadJob | BurstJob;

export type JobResult = {
  readonly label: string;
  /** Requests completed inside the measured window (load jobs), or all of them (bursts). */
  readonly completed: number;
  readonly seconds: number;
  /** Every request sent, warm-up included: what the database checks compare with. */
  readonly sent: number;
  readonly latenciesMs: number[];
  readonly statuses: Readonly<Record<string, number>>;
  /** Problem `code`s of non-2xx answers. */
  readonly codes: Readonly<Record<string, number>>;
  /** 201s per slot, warm-up included. */
  readonly createdPerSlot: Readonly<Record<string, number>>;
  readonly sampleErrors: readonly string[];
  /** CPU time the load generator itself used for the job (user + system). */
  readonly clientCpuMs: number;
};

export type ParentMessage = { readonly id: number; readonly job: Job } | { readonly id: number; readonly exit: true };
export type ChildMessage =
  { readonly id: number; readonly result: JobResult } | { readonly id: number; readonly error: string } | { readonly ready: true };
