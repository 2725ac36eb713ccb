import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import { LiveSocket, type SocketState } from './socket';

const Ctx = createContext<LiveSocket | null>(null);
/** Exposed for tests: provide a ready-made socket. */
export const LiveSocketContext = Ctx;

/** One WebSocket per signed-in session, shared by the dashboard, live view and events page. */
export function LiveProvider({ children }: { children: ReactNode }) {
  const [sock] = useState(() => {
    if (typeof WebSocket === 'undefined') return null;
    const s = new LiveSocket(() => api.accessToken);
    s.onAuthRejected = () => api.refresh(); // expired access token: refresh, then reconnect
    return s;
  });
  useEffect(() => {
    sock?.start();
    return () => sock?.stop();
  }, [sock]);
  return <Ctx.Provider value={sock}>{children}</Ctx.Provider>;
}

export function useLiveSocket(): LiveSocket | null {
  return useContext(Ctx);
}

export function useSocketState(): SocketState {
  const s = useLiveSocket();
  const [state, setState] = useState<SocketState>(s?.state ?? 'idle');
  useEffect(() => (s ? s.onState(setState) : undefined), [s]);
  return state;
}
