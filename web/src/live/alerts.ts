// System alerts (GET /system/alerts at start, then system_alert WebSocket messages) and the
// transient notices (toasts) the layout shows for them and for cameras going to "error".
import { ApiError } from '../api/client';
import type { SystemAlert } from '../api/types';
import type { WsMessage } from './socket';

const SEVERITY_RANK: Record<string, number> = { critical: 0, warning: 1, info: 2 };

/** The data of a system_alert message, or null when the message is something else / malformed. */
export function alertFromMessage(m: WsMessage): SystemAlert | null {
  if (m.type !== 'system_alert') return null;
  const d = m.data;
  if (!d || typeof d !== 'object' || typeof d.id !== 'string' || !d.id) return null;
  return {
    id: d.id,
    alert: String(d.alert ?? ''),
    severity: String(d.severity ?? 'warning'),
    camera_id: d.camera_id === null || d.camera_id === undefined ? null : Number(d.camera_id),
    message: String(d.message ?? d.alert ?? ''),
    since: String(d.since ?? ''),
    active: d.active !== false,
  };
}

export type AlertChange = 'added' | 'updated' | 'removed' | null;

/** Active alerts by id: replaced wholesale by a REST load, changed one by one by messages. */
export class AlertStore {
  private byId = new Map<string, SystemAlert>();
  private listeners = new Set<(a: SystemAlert[]) => void>();

  /** Most severe first, then oldest first. */
  list(): SystemAlert[] {
    return [...this.byId.values()].sort(
      (a, b) => (SEVERITY_RANK[a.severity] ?? 3) - (SEVERITY_RANK[b.severity] ?? 3) || String(a.since).localeCompare(String(b.since)),
    );
  }

  get size(): number {
    return this.byId.size;
  }

  /** Replace everything with the server's list (inactive entries are ignored). */
  load(alerts: SystemAlert[]): void {
    this.byId = new Map(alerts.filter((a) => a && typeof a.id === 'string' && a.active !== false).map((a) => [a.id, a]));
    this.emit();
  }

  /** One system_alert: active adds (or refreshes) it, inactive removes it by id. */
  apply(a: SystemAlert): AlertChange {
    if (!a.active) {
      if (!this.byId.delete(a.id)) return null;
      this.emit();
      return 'removed';
    }
    const had = this.byId.has(a.id);
    this.byId.set(a.id, a);
    this.emit();
    return had ? 'updated' : 'added';
  }

  subscribe(l: (a: SystemAlert[]) => void): () => void {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }

  private emit() {
    const list = this.list();
    this.listeners.forEach((l) => l(list));
  }
}

/**
 * GET /system/alerts. A server without the endpoint (404, older binary) has no alerts: [].
 * Any other failure answers null (keep what is shown; the WebSocket still updates it).
 */
export async function fetchAlerts(get: (path: string) => Promise<{ data: { alerts?: SystemAlert[] } }>): Promise<SystemAlert[] | null> {
  try {
    const { data } = await get('/system/alerts');
    return Array.isArray(data?.alerts) ? data.alerts : [];
  } catch (e) {
    if (e instanceof ApiError && (e.status === 404 || e.status === 405)) return [];
    return null;
  }
}

export interface Toast {
  key: number;
  severity: 'info' | 'warning' | 'critical' | string;
  text: string;
  /** where "Open" goes (a camera page) */
  link?: string;
}

/** The notice for a WebSocket message, if it deserves one: a camera turning "error", or a new alert. */
export function toastFor(m: WsMessage, change: AlertChange, alert: SystemAlert | null): Omit<Toast, 'key'> | null {
  if (m.type === 'camera_status_changed') {
    const d = m.data ?? {};
    if (d.status !== 'error') return null;
    const id = Number(d.camera_id);
    return {
      severity: 'critical',
      text: `Camera ${d.camera_name ?? `#${id}`} is in error${d.detail ? `: ${d.detail}` : ''}`,
      link: isFinite(id) ? `/cameras/${id}` : undefined,
    };
  }
  if (alert && change === 'added') {
    return { severity: alert.severity, text: alert.message || alert.alert, link: alert.camera_id !== null ? `/cameras/${alert.camera_id}` : undefined };
  }
  return null;
}
