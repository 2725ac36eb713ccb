import { createContext, useCallback, useContext, useEffect, useRef, useState, type ReactNode } from 'react';
import { api } from '../api/client';
import type { SystemAlert } from '../api/types';
import { AlertStore, alertFromMessage, fetchAlerts, toastFor, type Toast } from './alerts';
import { useLiveSocket } from './LiveContext';

interface AlertsValue {
  alerts: SystemAlert[];
  toasts: Toast[];
  dismiss(key: number): void;
}

const Ctx = createContext<AlertsValue>({ alerts: [], toasts: [], dismiss: () => {} });

/** How long a notice stays (ms). */
export const TOAST_MS = 8000;
const MAX_TOASTS = 5;

/**
 * Active system alerts and transient notices for the signed-in session: loaded from
 * GET /system/alerts, then kept current from the shared live socket (system_alert,
 * camera_status_changed). Reloaded after the socket reconnects (changes may have been missed).
 */
export function AlertsProvider({ children }: { children: ReactNode }) {
  const sock = useLiveSocket();
  const [store] = useState(() => new AlertStore());
  const [alerts, setAlerts] = useState<SystemAlert[]>([]);
  const [toasts, setToasts] = useState<Toast[]>([]);
  const nextKey = useRef(1);
  const timers = useRef(new Map<number, ReturnType<typeof setTimeout>>());

  const dismiss = useCallback((key: number) => {
    const t = timers.current.get(key);
    if (t) clearTimeout(t);
    timers.current.delete(key);
    setToasts((l) => l.filter((x) => x.key !== key));
  }, []);

  const push = useCallback(
    (t: Omit<Toast, 'key'>) => {
      const key = nextKey.current++;
      setToasts((l) => [...l, { ...t, key }].slice(-MAX_TOASTS));
      timers.current.set(key, setTimeout(() => dismiss(key), TOAST_MS));
    },
    [dismiss],
  );

  useEffect(() => store.subscribe(setAlerts), [store]);

  useEffect(() => {
    let gone = false;
    const load = () =>
      fetchAlerts((p) => api.get<{ alerts?: SystemAlert[] }>(p)).then((list) => {
        if (!gone && list) store.load(list);
      });
    void load();
    let wasClosed = false;
    const offState = sock?.onState((s) => {
      if (s === 'closed') wasClosed = true;
      if (s === 'open' && wasClosed) {
        wasClosed = false;
        void load();
      }
    });
    const offMsg = sock?.onMessage((m) => {
      if (m.type !== 'system_alert' && m.type !== 'camera_status_changed') return;
      const a = alertFromMessage(m);
      const change = a ? store.apply(a) : null;
      const t = toastFor(m, change, a);
      if (t) push(t);
    });
    return () => {
      gone = true;
      offState?.();
      offMsg?.();
    };
  }, [sock, store, push]);

  useEffect(() => {
    const all = timers.current;
    return () => all.forEach((t) => clearTimeout(t));
  }, []);

  return <Ctx.Provider value={{ alerts, toasts, dismiss }}>{children}</Ctx.Provider>;
}

export function useAlerts(): AlertsValue {
  return useContext(Ctx);
}
