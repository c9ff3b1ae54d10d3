import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Api } from './api';
import type { Session } from './auth/session';
import type { Locale, MessageKey } from './i18n';

export type AppContext = { api: Api; session: Session; locale: Locale; t: (key: MessageKey) => string };

export const Ctx = createContext<AppContext | null>(null);

export function useApp(): AppContext {
  const context = useContext(Ctx);
  if (context === null) throw new Error('useApp outside the signed-in app');
  return context;
}
