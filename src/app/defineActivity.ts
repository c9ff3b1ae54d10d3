import { isDomainError } from '../domain/errors.js';
import { decideActivity, evolveActivity } from '../domain/activity.js';
import type { Command } from './command/command.js';
import { decidedResult } from './command/commandEnd.js';
import { runCommand } from './command/runCommand.js';
import { type AppDeps, type Caller, metadataFor } from './context.js';
import type { Outcome } from './outcome.js';
import { type ActivityDto, activityDto } from './views.js';

export type DefineActivityInput = {
  readonly activityId: string;
  readonly name: string;
  readonly timeZone: string;
  readonly locale: string | null;
};

export type ActivityDefinedResult = { readonly created: boolean; readonly activity: ActivityDto };

/**
 * Creates an activity or changes its name, time zone or locale (admin). An activity has no row to
 * lock: two admins writing it at once collide on its stream's next version, and runCommand runs the
 * loser again on the stream as the winner left it.
 */
export function defineActivityCommand(caller: Caller, input: DefineActivityInput): Command<ActivityDefinedResult> {
  return {
    name: 'defineActivity',
    tenantId: caller.principal.tenantId,
    metadata: metadataFor(caller),
    streams: [{ aggregate: 'activity', id: input.activityId }],
    decide: (loaded) => {
      const state = loaded.activity(input.activityId);
      const events = decideActivity({ type: 'DefineActivity', ...input }, state);
      if (isDomainError(events)) return events;
      const next = events.reduce(evolveActivity, state);
      if (next.status !== 'defined') throw new Error('a defined activity must have a state');
      return {
        changes: [{ aggregate: 'activity', id: input.activityId, events }],
        result: { created: state.status === 'none', activity: activityDto(next) },
      };
    },
  };
}

export async function defineActivity(deps: AppDeps, caller: Caller, input: DefineActivityInput): Promise<Outcome<ActivityDefinedResult>> {
  return decidedResult(await runCommand(deps, defineActivityCommand(caller, input)));
}
