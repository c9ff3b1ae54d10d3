/** Offset of `timeZone` from UTC at `instant`, in minutes (e.g. -180 for America/Sao_Paulo). */
export function offsetMinutes(timeZone: string, instant: Date): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
    second: '2-digit',
  }).formatToParts(instant);
  const part = (type: string) => Number(parts.find((p) => p.type === type)?.value);
  const asUtc = Date.UTC(part('year'), part('month') - 1, part('day'), part('hour'), part('minute'), part('second'));
  return Math.round((asUtc - Math.floor(instant.getTime() / 1000) * 1000) / 60_000);
}

/** The UTC instant of a wall-clock time (`2026-12-08T09:30`) in `timeZone`. */
export function wallTimeToInstant(wall: string, timeZone: string): Date {
  const naive = Date.parse(`${wall.length === 16 ? `${wall}:00` : wall}Z`);
  // Twice: the offset at the first guess may differ from the offset at the answer near a DST change.
  let guess = naive - offsetMinutes(timeZone, new Date(naive)) * 60_000;
  guess = naive - offsetMinutes(timeZone, new Date(guess)) * 60_000;
  return new Date(guess);
}

/** `localStartsAt` (`2026-12-08T09:30:00-03:00`) as the wall-clock value a datetime-local input takes. */
export function wallTimeOf(localStartsAt: string): string {
  return localStartsAt.slice(0, 16);
}

export function addDays(day: string, days: number): string {
  return new Date(Date.parse(`${day}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

export function todayIn(timeZone?: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date());
}
