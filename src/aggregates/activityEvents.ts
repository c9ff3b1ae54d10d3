import { z } from 'zod';
import type { ActivityEvent } from '../domain/activity.js';
import { type Assert, eventParser, type SameType } from './eventSchema.js';

// The activity's events as src/domain/activity.ts writes them (stream `activity-<activityId>`).

const details = { name: z.string(), timeZone: z.string(), locale: z.string().nullable() };

export const activityEventSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('ActivityDefined'), data: z.object({ activityId: z.string(), ...details }) }),
  z.object({ type: z.literal('ActivityChanged'), data: z.object(details) }),
]);

// Fails to compile when the schema and the domain's union part ways (a field, a type, an event).
export const activitySchemaMatchesDomain: Assert<SameType<z.output<typeof activityEventSchema>, ActivityEvent>> = true;

export const parseActivityEvent = eventParser<ActivityEvent>('activity-', activityEventSchema);
