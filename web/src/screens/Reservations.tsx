import { useState } from 'preact/hooks';
import { formatInstant, formatMoney, type Money, query } from '../api';
import { useApp } from '../context';
import { useLoad } from '../load';
import { type Page, PagedTable } from '../pagedTable';

export type BackofficeReservation = {
  reservationId: string;
  status: string;
  slotId: string;
  activityId: string;
  departsAt: string;
  seats: number;
  total: Money;
  customer: { name: string; email: string };
  expiresAt: string;
  createdAt: string;
};

const STATUSES = ['held', 'paid', 'expired', 'cancelled', 'refunded'];
type Filters = { status: string; slotId: string; activityId: string; from: string; to: string; email: string };
const noFilters: Filters = { status: '', slotId: '', activityId: '', from: '', to: '', email: '' };

/** The filtered list, newest first, one keyset page after another. */
export function Reservations() {
  const { t } = useApp();
  const [draft, setDraft] = useState<Filters>(noFilters);
  const [filters, setFilters] = useState<Filters>(noFilters);
  const field = (name: keyof Filters, label: string, type = 'text') => (
    <label>
      {label}
      <input name={name} type={type} value={draft[name]} onInput={(e) => setDraft({ ...draft, [name]: e.currentTarget.value })} />
    </label>
  );
  return (
    <section aria-labelledby="reservations-title">
      <h2 id="reservations-title">{t('reservations')}</h2>
      <form
        class="toolbar"
        onSubmit={(e) => {
          e.preventDefault();
          setFilters(draft);
        }}
      >
        <label>
          {t('status')}
          <select name="status" value={draft.status} onChange={(e) => setDraft({ ...draft, status: e.currentTarget.value })}>
            <option value="">{t('any')}</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        {field('slotId', t('slotId'))}
        {field('activityId', t('activity'))}
        {field('from', `${t('departsAt')} ${t('from').toLowerCase()}`, 'date')}
        {field('to', `${t('departsAt')} ${t('to').toLowerCase()}`, 'date')}
        {field('email', t('email'), 'email')}
        <button type="submit" class="primary">
          {t('filter')}
        </button>
      </form>
      <ReservationPages key={JSON.stringify(filters)} filters={filters} />
    </section>
  );
}

function ReservationPages(props: { filters: Filters }) {
  const { api, locale, t } = useApp();
  const [cursors, setCursors] = useState<string[]>([]);
  const base = { ...props.filters, limit: '25' };
  const path = (cursor?: string) => `/backoffice/reservations${query({ ...base, cursor })}`;
  const [pages] = useLoad(JSON.stringify(cursors), async () =>
    Promise.all([undefined, ...cursors].map((cursor) => api.get<Page<BackofficeReservation>>(path(cursor)))),
  );
  return (
    <PagedTable
      pages={pages}
      onMore={(next) => setCursors([...cursors, next])}
      head={
        <>
          <th scope="col">{t('reservation')}</th>
          <th scope="col">{t('status')}</th>
          <th scope="col">{t('customer')}</th>
          <th scope="col">{t('activity')}</th>
          <th scope="col">{t('departsAt')}</th>
          <th scope="col">{t('seats')}</th>
          <th scope="col">{t('total')}</th>
          <th scope="col">{t('createdAt')}</th>
        </>
      }
      row={(r) => (
        <tr key={r.reservationId}>
          <td>
            <a href={`#/reservations/${r.reservationId}`}>{r.reservationId.slice(0, 8)}</a>
          </td>
          <td>
            <span class={`status status-${r.status}`}>{r.status}</span>
          </td>
          <td>
            {r.customer.name} <span class="muted">{r.customer.email}</span>
          </td>
          <td>
            {r.activityId} <span class="muted">{r.slotId}</span>
          </td>
          <td>{formatInstant(r.departsAt, locale)}</td>
          <td>{r.seats}</td>
          <td>{formatMoney(r.total, locale)}</td>
          <td>{formatInstant(r.createdAt, locale)}</td>
        </tr>
      )}
    />
  );
}
