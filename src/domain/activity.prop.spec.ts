import { fc, test } from '@fast-check/vitest';
import { describe, expect } from 'vitest';
import { type ActivityState, activityDecider, type DefineActivity } from './activity.js';
import { foldEvents } from './decider.js';
import { isDomainError } from './errors.js';

// From the specification: a PUT sequence of one activity leaves it with the last accepted details,
// records an event exactly when something changed, and never accepts an unknown zone.
const ZONES = ['UTC', 'America/Sao_Paulo', 'America/Argentina/Ushuaia', 'Europe/Lisbon', 'Asia/Kolkata', 'Not/A_Zone'] as const;

const put = fc.record({
  type: fc.constant('DefineActivity' as const),
  activityId: fc.constant('a-1'),
  name: fc.constantFrom('Kayak', 'Whales', ''),
  timeZone: fc.constantFrom(...ZONES),
  locale: fc.constantFrom(null, 'pt-BR', 'es'),
}) satisfies fc.Arbitrary<DefineActivity>;

const valid = (cmd: DefineActivity) => cmd.name !== '' && cmd.timeZone !== 'Not/A_Zone';

describe('activity decider (properties)', () => {
  test.prop([fc.array(put, { maxLength: 25 })])(
    'the state is the last valid PUT; an event is recorded exactly when it changed something',
    (puts) => {
      let state: ActivityState = activityDecider.initialState;
      let last: DefineActivity | undefined;
      for (const cmd of puts) {
        const result = activityDecider.decide(cmd, state);
        if (!valid(cmd)) {
          expect(isDomainError(result)).toBe(true);
          continue;
        }
        if (isDomainError(result)) throw new Error(`refused a valid PUT: ${result.message}`);
        const changed = last?.name !== cmd.name || last.timeZone !== cmd.timeZone || last.locale !== cmd.locale;
        expect(result.length).toBe(changed ? 1 : 0);
        state = foldEvents(activityDecider.evolve, state, result);
        last = cmd;
        expect(state).toEqual({ status: 'defined', activityId: 'a-1', name: cmd.name, timeZone: cmd.timeZone, locale: cmd.locale });
      }
      if (last === undefined) expect(state).toEqual({ status: 'none' });
    },
  );
});
