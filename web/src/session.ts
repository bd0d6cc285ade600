// The signed-in user (GET /api/v1/me) and what they may do.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';

export interface Me {
  user: {
    id: number;
    username: string;
    display_name: string;
    agency: string;
    roles: string[];
    language: string;
  };
  agency: { code: string; name?: string; country?: string; [k: string]: unknown } | null;
  permissions: string[];
  session: { kind: string; expires_at: string; csrf_token?: string };
}

export interface SessionValue {
  me: Me;
  may: (action: string) => boolean;
  signOut: () => Promise<void>;
}

export const SessionContext = createContext<SessionValue | null>(null);

export function useSession(): SessionValue {
  const s = useContext(SessionContext);
  if (!s) throw new Error('useSession outside a signed-in console');
  return s;
}

export function mayFor(me: Me) {
  const set = new Set(me.permissions);
  return (action: string) => set.has(action);
}
