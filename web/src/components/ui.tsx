import { useEffect, useId, useRef, useState, type ReactNode } from 'react';
import { ApiError } from '../api/client';
import type { Pagination } from '../api/types';
import { api } from '../api/client';

export function ErrorBanner({ error }: { error: unknown }) {
  if (!error) return null;
  const msg = error instanceof ApiError ? `${error.message} (${error.code})` : error instanceof Error ? error.message : String(error);
  return (
    <div className="banner error" role="alert">
      {msg}
    </div>
  );
}

export function Notice({ children }: { children: ReactNode }) {
  return (
    <div className="banner ok" role="status">
      {children}
    </div>
  );
}

interface FieldProps {
  label: string;
  name: string;
  error?: string;
  hint?: string;
  children?: (p: { id: string; 'aria-invalid'?: boolean; 'aria-describedby'?: string }) => ReactNode;
}

/** A labelled form field that shows the API's per-field validation message under it. */
export function Field({ label, name, error, hint, children }: FieldProps) {
  const id = `f-${name.replace(/[^a-z0-9_-]/gi, '-')}-${useId().replace(/:/g, '')}`;
  const errId = `${id}-err`;
  const hintId = `${id}-hint`;
  const describedBy = error ? errId : hint ? hintId : undefined;
  return (
    <div className={`field${error ? ' has-error' : ''}`}>
      <label htmlFor={id}>{label}</label>
      {children?.({ id, 'aria-invalid': error ? true : undefined, 'aria-describedby': describedBy })}
      {hint && !error && <small className="hint" id={hintId}>{hint}</small>}
      {error && (
        <small className="field-error" id={errId} role="alert">
          {error}
        </small>
      )}
    </div>
  );
}

export function Pager({ pagination, onPage }: { pagination?: Pagination; onPage(p: number): void }) {
  if (!pagination) return null;
  const { page, pages, total } = pagination;
  return (
    <nav className="pager" aria-label="Pagination">
      <button type="button" disabled={!pagination.has_prev && page <= 1} onClick={() => onPage(page - 1)}>
        ‹ Previous
      </button>
      <span>
        Page {page} of {Math.max(pages, 1)} · {total} total
      </span>
      <button type="button" disabled={!pagination.has_next && page >= pages} onClick={() => onPage(page + 1)}>
        Next ›
      </button>
    </nav>
  );
}

export function Modal({ title, onClose, children, wide }: { title: string; onClose(): void; children: ReactNode; wide?: boolean }) {
  const ref = useRef<HTMLDivElement>(null);
  const titleId = useId();
  useEffect(() => {
    const prev = document.activeElement as HTMLElement | null;
    const first = ref.current?.querySelector<HTMLElement>('input, select, textarea, button:not(.modal-close)');
    (first ?? ref.current)?.focus();
    const onKey = (e: KeyboardEvent) => {
      if (e.key === 'Escape') {
        // only the top-most dialog closes
        const all = document.querySelectorAll('[role=dialog]');
        if (all[all.length - 1] === ref.current) onClose();
        return;
      }
      if (e.key === 'Tab' && ref.current) {
        const items = Array.from(
          ref.current.querySelectorAll<HTMLElement>('a[href], button:not([disabled]), input:not([disabled]), select:not([disabled]), textarea:not([disabled]), [tabindex]:not([tabindex="-1"])'),
        ).filter((el) => el.offsetParent !== null || el === document.activeElement);
        if (!items.length) return;
        const first = items[0];
        const last = items[items.length - 1];
        if (e.shiftKey && document.activeElement === first) {
          e.preventDefault();
          last.focus();
        } else if (!e.shiftKey && document.activeElement === last) {
          e.preventDefault();
          first.focus();
        }
      }
    };
    document.addEventListener('keydown', onKey);
    return () => {
      document.removeEventListener('keydown', onKey);
      prev?.focus?.();
    };
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  return (
    <div className="modal-backdrop" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div className={`modal${wide ? ' wide' : ''}`} role="dialog" aria-modal="true" aria-labelledby={titleId} ref={ref} tabIndex={-1}>
        <header>
          <h2 id={titleId}>{title}</h2>
          <button type="button" className="modal-close icon" aria-label="Close" onClick={onClose}>
            ×
          </button>
        </header>
        {children}
      </div>
    </div>
  );
}

export function ConfirmDialog({ title, body, confirmLabel = 'Delete', onConfirm, onCancel }: {
  title: string; body: ReactNode; confirmLabel?: string; onConfirm(): void | Promise<void>; onCancel(): void;
}) {
  const [busy, setBusy] = useState(false);
  return (
    <Modal title={title} onClose={onCancel}>
      <p>{body}</p>
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button
          type="button"
          className="danger"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            try {
              await onConfirm();
            } finally {
              setBusy(false);
            }
          }}
        >
          {confirmLabel}
        </button>
      </div>
    </Modal>
  );
}

/** An <img> whose source needs the bearer token: fetched as a blob and shown via an object URL. */
export function AuthImage({ src, alt, className, empty = 'no image' }: {
  src: string | null | undefined;
  alt: string;
  className?: string;
  /** placeholder text when there is no image (or it failed to load) */
  empty?: string;
}) {
  const [url, setUrl] = useState<string | null>(null);
  const [failed, setFailed] = useState(false);
  useEffect(() => {
    setUrl(null);  // a new src must not show the previous picture meanwhile
    if (!src) return;
    let revoked = false;
    let obj: string | null = null;
    setFailed(false);
    api
      .blob(src)
      .then((b) => {
        if (revoked) return;
        obj = URL.createObjectURL(b);
        setUrl(obj);
      })
      .catch(() => !revoked && setFailed(true));
    return () => {
      revoked = true;
      if (obj) URL.revokeObjectURL(obj);
    };
  }, [src]);
  if (!src || failed) return <div className={`img-placeholder ${className ?? ''}`} role="img" aria-label={alt}>{empty}</div>;
  if (!url) return <div className={`img-placeholder ${className ?? ''}`} role="img" aria-label={alt}>…</div>;
  return <img src={url} alt={alt} className={className} />;
}

export function StatusBadge({ status }: { status: string | undefined }) {
  return <span className={`badge status-${status ?? 'unknown'}`}>{status ?? 'unknown'}</span>;
}
