import { describe, expect, it } from 'vitest';
import { activityDecider, type ActivityEvent, type DefineActivity } from './activity.js';
import { specFor } from './testing/spec.js';

const given = specFor(activityDecider);

const define: DefineActivity = {
  type: 'DefineActivity',
  activityId: 'whales',
  name: 'Whale watching',
  timeZone: 'America/Sao_Paulo',
  locale: 'pt-BR',
};
const defined: ActivityEvent = {
  type: 'ActivityDefined',
  data: { activityId: 'whales', name: 'Whale watching', timeZone: 'America/Sao_Paulo', locale: 'pt-BR' },
};

describe('activity decider', () => {
  it('defines a new activity with its time zone and locale', () => {
    const state = given([]).when(define).then([defined]);
    expect(state).toEqual({
      status: 'defined',
      activityId: 'whales',
      name: 'Whale watching',
      timeZone: 'America/Sao_Paulo',
      locale: 'pt-BR',
    });
  });

  it('records nothing when the same definition comes again (an idempotent PUT)', () => {
    given([defined]).when(define).then([]);
  });

  it('records the new details when any of them changes, a missing locale included', () => {
    given([defined])
      .when({ ...define, timeZone: 'America/Argentina/Ushuaia', locale: null })
      .then([{ type: 'ActivityChanged', data: { name: 'Whale watching', timeZone: 'America/Argentina/Ushuaia', locale: null } }]);
  });

  it('refuses a time zone that is not an IANA zone, an empty name and another activity id', () => {
    given([])
      .when({ ...define, timeZone: 'Mars/Olympus_Mons' })
      .then({ kind: 'InvalidCommand' });
    given([])
      .when({ ...define, timeZone: '+03:00' })
      .then({ kind: 'InvalidCommand' });
    given([])
      .when({ ...define, name: '' })
      .then({ kind: 'InvalidCommand' });
    given([defined])
      .when({ ...define, activityId: 'kayak' })
      .then({ kind: 'InvalidCommand' });
  });
});
