import { createContext, useContext } from 'react';
import type { Session } from './session.js';

export const SessionContext = createContext<Session | null>(null);

/** The logged-in session; pages are drawn only inside one. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a session');
  return session;
}
