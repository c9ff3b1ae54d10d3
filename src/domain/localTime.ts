/**
 * Local wall-clock time of an instant in an IANA time zone, as ISO 8601 with the zone's offset at
 * that instant (`2027-01-15T20:00:00-03:00`): what a customer in the departure's town reads on a
 * ticket. Pure: the zone rules come from the runtime's ICU data, never from the clock.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (formatter === undefined) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/**
 * An IANA zone name's shape: `Area/Location[/Sublocation]` or a single name (`UTC`, `Etc/GMT+3`),
 * starting with a letter. Newer ICU (Node 24) also accepts offsets such as `+03:00` as a time zone;
 * those are no zone (they never change with daylight saving time), so the shape refuses them.
 */
const IANA_ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;

/** Whether `timeZone` is an IANA zone name the runtime knows (`America/Argentina/Ushuaia`, `UTC`). */
export function isKnownTimeZone(timeZone: string): boolean {
  if (timeZone.length === 0 || timeZone.length > 64 || !IANA_ZONE_NAME.test(timeZone)) return false;
  try {
    formatterFor(timeZone);
    return true;
  } catch {
    // RangeError: not a zone the runtime knows.
    return false;
  }
}

type WallClock = { year: number; month: number; day: number; hour: number; minute: number; second: number };

function wallClockOf(instant: Date, timeZone: string): WallClock {
  const parts: Partial<Record<Intl.DateTimeFormatPartTypes, number>> = {};
  for (const part of formatterFor(timeZone).formatToParts(instant)) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  const { year, month, day, hour, minute, second } = parts;
  if (
    year === undefined ||
    month === undefined ||
    day === undefined ||
    hour === undefined ||
    minute === undefined ||
    second === undefined
  ) {
    throw new Error(`no wall-clock time for ${instant.toISOString()} in ${timeZone}`);
  }
  return { year, month, day, hour, minute, second };
}

const two = (n: number) => String(n).padStart(2, '0');

/** The instant in `timeZone`, ISO 8601 with the offset in force then (seconds dropped from the offset). */
export function localDateTime(instant: Date, timeZone: string): string {
  const wall = wallClockOf(instant, timeZone);
  const wallAsUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  const offsetMinutes = Math.round((wallAsUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
  const sign = offsetMinutes < 0 ? '-' : '+';
  const absolute = Math.abs(offsetMinutes);
  const offset = `${sign}${two(Math.floor(absolute / 60))}:${two(absolute % 60)}`;
  const date = `${String(wall.year).padStart(4, '0')}-${two(wall.month)}-${two(wall.day)}`;
  return `${date}T${two(wall.hour)}:${two(wall.minute)}:${two(wall.second)}${offset}`;
}

/** The local calendar day (`YYYY-MM-DD`) of the instant in `timeZone`: the day a report counts a departure on. */
export function localDay(instant: Date, timeZone: string): string {
  return localDateTime(instant, timeZone).slice(0, 10);
}
