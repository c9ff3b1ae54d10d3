import { useState } from 'preact/hooks';
import { ApiError, formatMoney, type Money, query } from '../api';
import { isAdmin } from '../auth/session';
import { useApp } from '../context';
import { ErrorMessage, Show, useLoad } from '../load';
import { addDays, todayIn, wallTimeOf, wallTimeToInstant } from '../time';

export type Slot = {
  slotId: string;
  activityId: string;
  startsAt: string;
  capacity: number;
  held: number;
  sold: number;
  available: number;
  unitPrice: Money;
  timeZone: string;
  localStartsAt: string;
};

/** Departures of a day or a week, by activity, each on its activity's local calendar day. */
export function Departures() {
  const { api, session, t } = useApp();
  const [view, setView] = useState<'day' | 'week'>('week');
  const [day, setDay] = useState(todayIn());
  const [activityId, setActivityId] = useState('');
  const [editing, setEditing] = useState<Slot | 'new' | null>(null);
  const days = view === 'day' ? 1 : 7;
  const lastDay = addDays(day, days);
  // A day either side: a local day reaches up to 14 h beyond its UTC day in either direction.
  const path = `/slots${query({ from: `${addDays(day, -1)}T00:00:00Z`, to: `${addDays(lastDay, 1)}T00:00:00Z`, activityId: activityId || undefined, limit: '200' })}`;
  const [slots, reload] = useLoad(path, () => api.get<{ items: Slot[] }>(path));

  return (
    <section aria-labelledby="departures-title">
      <h2 id="departures-title">{t('departures')}</h2>
      <div class="toolbar">
        <div role="group" aria-label={`${t('day')} / ${t('week')}`}>
          <button type="button" aria-pressed={view === 'day'} onClick={() => setView('day')}>
            {t('day')}
          </button>
          <button type="button" aria-pressed={view === 'week'} onClick={() => setView('week')}>
            {t('week')}
          </button>
        </div>
        <button type="button" onClick={() => setDay(addDays(day, -days))}>
          {t('previous')}
        </button>
        <label>
          {t('from')}
          <input type="date" value={day} onChange={(e) => e.currentTarget.value && setDay(e.currentTarget.value)} />
        </label>
        <button type="button" onClick={() => setDay(addDays(day, days))}>
          {t('next')}
        </button>
        <button type="button" onClick={() => setDay(todayIn())}>
          {t('today')}
        </button>
        <label>
          {t('activity')}
          <input value={activityId} onChange={(e) => setActivityId(e.currentTarget.value.trim())} />
        </label>
        {isAdmin(session) && (
          <button type="button" class="primary" onClick={() => setEditing('new')}>
            {t('createSlot')}
          </button>
        )}
      </div>
      {editing !== null && (
        <SlotForm
          slot={editing === 'new' ? null : editing}
          day={day}
          onDone={() => {
            setEditing(null);
            reload();
          }}
        />
      )}
      <Show loaded={slots}>
        {({ items }) => {
          const shown = items.filter((slot) => {
            const local = slot.localStartsAt.slice(0, 10);
            return local >= day && local < lastDay;
          });
          if (shown.length === 0) return <p>{t('noDepartures')}</p>;
          const byActivity = new Map<string, Slot[]>();
          for (const slot of shown) byActivity.set(slot.activityId, [...(byActivity.get(slot.activityId) ?? []), slot]);
          return [...byActivity].map(([activity, list]) => (
            <ActivityDepartures key={activity} activityId={activity} slots={list} onEdit={isAdmin(session) ? setEditing : undefined} />
          ));
        }}
      </Show>
    </section>
  );
}

function ActivityDepartures(props: { activityId: string; slots: Slot[]; onEdit: ((slot: Slot) => void) | undefined }) {
  const { locale, t } = useApp();
  const timeZone = props.slots[0]?.timeZone ?? 'UTC';
  const headingId = `activity-${props.activityId.replace(/[^A-Za-z0-9_-]/g, '_')}`;
  return (
    <section class="card" aria-labelledby={headingId}>
      <h3 id={headingId}>
        {props.activityId} <span class="muted">({timeZone})</span>
      </h3>
      <table>
        <thead>
          <tr>
            <th scope="col">{t('startsAt')}</th>
            <th scope="col">{t('slotId')}</th>
            <th scope="col">{t('capacity')}</th>
            <th scope="col">
              {t('held')} / {t('sold')} / {t('available')}
            </th>
            <th scope="col">{t('unitPrice')}</th>
            {props.onEdit && (
              <th scope="col">
                <span class="visually-hidden">{t('editSlot')}</span>
              </th>
            )}
          </tr>
        </thead>
        <tbody>
          {props.slots.map((slot) => (
            <tr key={slot.slotId} data-slot-id={slot.slotId}>
              <td>
                {new Intl.DateTimeFormat(locale, {
                  weekday: 'short',
                  day: 'numeric',
                  month: 'short',
                  hour: '2-digit',
                  minute: '2-digit',
                  timeZone: slot.timeZone,
                }).format(new Date(slot.startsAt))}
              </td>
              <td>{slot.slotId}</td>
              <td>{slot.capacity}</td>
              <td>
                <SeatsBar slot={slot} />
              </td>
              <td>{formatMoney(slot.unitPrice, locale)}</td>
              {props.onEdit && (
                <td>
                  <button type="button" onClick={() => props.onEdit?.(slot)} aria-label={`${t('editSlot')} ${slot.slotId}`}>
                    {t('editSlot')}
                  </button>
                </td>
              )}
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

export function SeatsBar(props: { slot: Pick<Slot, 'held' | 'sold' | 'available' | 'capacity'> }) {
  const { t } = useApp();
  const { held, sold, available, capacity } = props.slot;
  const total = Math.max(capacity, held + sold + available, 1);
  const label = `${t('held')} ${held}, ${t('sold')} ${sold}, ${t('available')} ${available}`;
  return (
    <div class="seats">
      <div class="bar" role="img" aria-label={label}>
        <span class="sold" style={{ width: `${(sold / total) * 100}%` }} />
        <span class="held" style={{ width: `${(held / total) * 100}%` }} />
        <span class="available" style={{ width: `${(available / total) * 100}%` }} />
      </div>
      <span class="counts" aria-hidden="true">
        {held} / {sold} / {available}
      </span>
    </div>
  );
}

/** Creates or edits a departure; a name and time zone given here define (or update) its activity first. */
function SlotForm(props: { slot: Slot | null; day: string; onDone: () => void }) {
  const { api, t } = useApp();
  const editing = props.slot;
  const [activityId, setActivityId] = useState(editing?.activityId ?? '');
  const [activityName, setActivityName] = useState('');
  const [timeZone, setTimeZone] = useState(editing?.timeZone ?? Intl.DateTimeFormat().resolvedOptions().timeZone);
  const [wall, setWall] = useState(editing ? wallTimeOf(editing.localStartsAt) : `${props.day}T09:00`);
  const [capacity, setCapacity] = useState(String(editing?.capacity ?? 10));
  const [price, setPrice] = useState(editing ? String(editing.unitPrice.amount / 100) : '100.00');
  const [currency, setCurrency] = useState(editing?.unitPrice.currency ?? 'BRL');
  const [slotId, setSlotId] = useState(editing?.slotId ?? '');
  const [error, setError] = useState<Error | null>(null);

  async function submit(event: Event) {
    event.preventDefault();
    setError(null);
    try {
      if (activityName.trim() !== '') {
        await api.send('PUT', `/activities/${encodeURIComponent(activityId)}`, { name: activityName.trim(), timeZone });
      }
      const startsAt = wallTimeToInstant(wall, timeZone).toISOString();
      const id = slotId.trim() || `${activityId}-${wall.replace(/[-:T]/g, '')}`;
      await api.send('PUT', `/slots/${encodeURIComponent(id)}`, {
        activityId,
        startsAt,
        capacity: Number(capacity),
        unitPrice: { amount: Math.round(Number(price) * 100), currency },
      });
      props.onDone();
    } catch (e) {
      setError(e instanceof Error ? e : new ApiError(0, 'unknown', String(e)));
    }
  }

  return (
    <form class="card slot-form" onSubmit={(e) => void submit(e)} aria-labelledby="slot-form-title">
      <h3 id="slot-form-title">{editing ? `${t('editSlot')} ${editing.slotId}` : t('createSlot')}</h3>
      {error && <ErrorMessage error={error} />}
      <label>
        {t('activity')}
        <input
          name="activityId"
          required
          value={activityId}
          readOnly={editing !== null}
          onInput={(e) => setActivityId(e.currentTarget.value)}
        />
      </label>
      <label>
        {t('activityName')}
        <input name="activityName" value={activityName} onInput={(e) => setActivityName(e.currentTarget.value)} />
      </label>
      <label>
        {t('timeZone')}
        <input name="timeZone" required value={timeZone} onInput={(e) => setTimeZone(e.currentTarget.value)} />
      </label>
      <label>
        {t('startsAt')}
        <input name="startsAt" type="datetime-local" required value={wall} onInput={(e) => setWall(e.currentTarget.value)} />
      </label>
      <label>
        {t('capacity')}
        <input name="capacity" type="number" min="1" required value={capacity} onInput={(e) => setCapacity(e.currentTarget.value)} />
      </label>
      <label>
        {t('unitPrice')}
        <input name="unitPrice" type="number" min="0" step="0.01" required value={price} onInput={(e) => setPrice(e.currentTarget.value)} />
      </label>
      <label>
        {t('currency')}
        <input
          name="currency"
          required
          pattern="[A-Z]{3}"
          value={currency}
          onInput={(e) => setCurrency(e.currentTarget.value.toUpperCase())}
        />
      </label>
      {editing === null && (
        <label>
          {t('slotId')}
          <input
            name="slotId"
            value={slotId}
            placeholder={`${activityId || 'activity'}-…`}
            onInput={(e) => setSlotId(e.currentTarget.value)}
          />
        </label>
      )}
      <div class="actions">
        <button type="submit" class="primary">
          {t('save')}
        </button>
        <button type="button" onClick={props.onDone}>
          {t('cancel')}
        </button>
      </div>
    </form>
  );
}
