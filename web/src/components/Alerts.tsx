import { useEffect, useRef, useState } from 'react';
import { Link } from 'react-router-dom';
import { fmtTime } from '../hooks';
import { useAlerts } from '../live/AlertsContext';

/** Header button with the number of active alerts; opens the list. */
export function AlertsIndicator() {
  const { alerts } = useAlerts();
  const [open, setOpen] = useState(false);
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => e.key === 'Escape' && setOpen(false);
    const onDown = (e: MouseEvent) => {
      if (box.current && !box.current.contains(e.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onDown);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onDown);
    };
  }, [open]);
  const worst = alerts[0]?.severity;  // the list is sorted most severe first
  const n = alerts.length;
  return (
    <div className="alerts" ref={box}>
      <button
        type="button"
        className={`alerts-button${n ? ` sev-${worst}` : ''}`}
        aria-expanded={open}
        aria-controls="alerts-panel"
        aria-label={`Alerts: ${n} active`}
        data-testid="alerts-count"
        data-count={n}
        onClick={() => setOpen((o) => !o)}
      >
        ⚠ {n}
      </button>
      {open && (
        <div id="alerts-panel" className="alerts-panel" role="region" aria-label="Active alerts">
          {n === 0 ? (
            <p className="muted">No active alerts.</p>
          ) : (
            <ul className="plain">
              {alerts.map((a) => (
                <li key={a.id} className={`alert-item sev-${a.severity}`} data-alert-id={a.id}>
                  <span className={`badge sev-${a.severity}`}>{a.severity}</span> {a.message || a.alert}
                  <small className="muted block">
                    since {fmtTime(a.since)}
                    {a.camera_id !== null && (
                      <>
                        {' · '}
                        <Link to={`/cameras/${a.camera_id}`} onClick={() => setOpen(false)}>camera #{a.camera_id}</Link>
                      </>
                    )}
                  </small>
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
  );
}

/** Transient notices (bottom right): new alerts, cameras going to "error". */
export function Toasts() {
  const { toasts, dismiss } = useAlerts();
  return (
    <div className="toasts" aria-live="polite" data-testid="toasts">
      {toasts.map((t) => (
        <div key={t.key} className={`toast sev-${t.severity}`} role={t.severity === 'critical' ? 'alert' : 'status'}>
          <span>{t.text}</span>
          {t.link && <Link to={t.link} onClick={() => dismiss(t.key)}>Open</Link>}
          <button type="button" className="icon" aria-label="Dismiss" onClick={() => dismiss(t.key)}>×</button>
        </div>
      ))}
    </div>
  );
}
