import type { ComponentChildren, VNode } from 'preact';
import { useApp } from './context';
import { type Loaded, Show } from './load';

/** One page of a backoffice list, as the API sends it (keyset paging). */
export type Page<T> = { items: T[]; nextCursor: string | null };

/**
 * A keyset-paged list as a table: every page loaded so far, in order, and a "Load more" button while
 * the last page names a next one. `onMore` gets that cursor; the screen keeps the cursors it asked for.
 */
export function PagedTable<T>(props: {
  pages: Loaded<Page<T>[]>;
  head: ComponentChildren;
  row: (item: T) => VNode;
  onMore: (cursor: string) => void;
}) {
  const { t } = useApp();
  return (
    <Show loaded={props.pages}>
      {(pages) => {
        const items = pages.flatMap((page) => page.items);
        const next = pages[pages.length - 1]?.nextCursor ?? null;
        if (items.length === 0) return <p>{t('nothingFound')}</p>;
        return (
          <>
            <table>
              <thead>
                <tr>{props.head}</tr>
              </thead>
              <tbody>{items.map(props.row)}</tbody>
            </table>
            {next !== null && (
              <button type="button" onClick={() => props.onMore(next)}>
                {t('loadMore')}
              </button>
            )}
          </>
        );
      }}
    </Show>
  );
}
