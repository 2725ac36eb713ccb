import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { Navigate, useLocation } from 'react-router-dom';
import { api, type ApiClient } from '../api/client';
import type { Role, User } from '../api/types';

const USER_KEY = 'argus.user';

interface AuthState {
  user: User | null;
  ready: boolean;
  login(username: string, password: string): Promise<User>;
  logout(): Promise<void>;
  client: ApiClient;
}

const Ctx = createContext<AuthState | null>(null);

const RANK: Record<Role, number> = { viewer: 0, supervisor: 1, admin: 2 };

export function hasRole(user: User | null | undefined, min: Role): boolean {
  if (!user) return false;
  return (RANK[user.role] ?? -1) >= RANK[min];
}

function loadUser(): User | null {
  try {
    const raw = localStorage.getItem(USER_KEY);
    return raw ? (JSON.parse(raw) as User) : null;
  } catch {
    return null;
  }
}

export function AuthProvider({ children, client = api }: { children: ReactNode; client?: ApiClient }) {
  const [user, setUser] = useState<User | null>(() => (client.accessToken ? loadUser() : null));
  const [ready, setReady] = useState(false);

  const drop = useCallback(() => {
    localStorage.removeItem(USER_KEY);
    setUser(null);
  }, []);

  useEffect(() => {
    client.onAuthLost = drop;
    client.onTokens = (p) => {
      if (p.user) {
        localStorage.setItem(USER_KEY, JSON.stringify(p.user));
        setUser(p.user);
      }
    };
    // Validate the stored session (and pick up role changes).
    if (client.accessToken) {
      client
        .get<{ user: User }>('/auth/profile')
        .then(({ data }) => {
          const u = (data as any)?.user ?? (data as any);
          if (u && u.username) {
            localStorage.setItem(USER_KEY, JSON.stringify(u));
            setUser(u);
          }
        })
        .catch(() => {
          /* 401 handled via onAuthLost; network errors keep the cached user */
        })
        .finally(() => setReady(true));
    } else {
      setReady(true);
    }
    return () => {
      client.onAuthLost = null;
      client.onTokens = null;
    };
  }, [client, drop]);

  const login = useCallback(
    async (username: string, password: string) => {
      const pair = await client.login(username, password);
      let u = pair.user ?? null;
      if (!u) {
        const { data } = await client.get<{ user: User }>('/auth/profile');
        u = data.user;
      }
      localStorage.setItem(USER_KEY, JSON.stringify(u));
      setUser(u);
      return u as User;
    },
    [client],
  );

  const logout = useCallback(async () => {
    await client.logout();
    drop();
  }, [client, drop]);

  const value = useMemo(() => ({ user, ready, login, logout, client }), [user, ready, login, logout, client]);
  return <Ctx.Provider value={value}>{children}</Ctx.Provider>;
}

export function useAuth(): AuthState {
  const v = useContext(Ctx);
  if (!v) throw new Error('useAuth outside AuthProvider');
  return v;
}

export function RequireAuth({ children }: { children: ReactNode }) {
  const { user } = useAuth();
  const loc = useLocation();
  if (!user) return <Navigate to="/login" replace state={{ from: loc.pathname + loc.search }} />;
  return <>{children}</>;
}

export function RequireRole({ role, children }: { role: Role; children: ReactNode }) {
  const { user } = useAuth();
  if (!hasRole(user, role)) return <NotAllowed role={role} />;
  return <>{children}</>;
}

export function NotAllowed({ role }: { role?: Role }) {
  return (
    <section className="panel not-allowed" aria-labelledby="na-title">
      <h1 id="na-title">Not allowed</h1>
      <p>
        This page needs the <strong>{role ?? 'admin'}</strong> role. Ask an administrator if you need access.
      </p>
    </section>
  );
}
