import {
  type ActivityCommand,
  type ActivityEvent,
  type ActivityState,
  decideActivity,
  evolveActivity,
  initialActivityState,
} from '../domain/activity.js';
import { activityView, activityViewInputOf } from '../../projections/activityView.js';
import { defineAggregate, inlineProjection } from './aggregate.js';
import { activityEventSchema, parseActivityEvent } from './activityEvents.js';

export { activityEventSchema, parseActivityEvent } from './activityEvents.js';

/** The activity: its name, locale and time zone (stream `activity-<activityId>`), kept in `activity_view`. */
export const activityAggregate = defineAggregate<'activity', ActivityCommand, ActivityEvent, ActivityState>({
  name: 'activity',
  streamPrefix: 'activity-',
  initialState: initialActivityState,
  evolve: evolveActivity,
  decide: decideActivity,
  eventSchema: activityEventSchema,
  parseEvent: parseActivityEvent,
  projections: [inlineProjection(activityView, activityViewInputOf)],
});
