import { useEffect, useRef, useState, type DragEvent, type FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { ImageVerdict, Person } from '../api/types';
import { hasRole, useAuth } from '../auth/AuthContext';
import { AuthImage, ConfirmDialog, ErrorBanner, Field, Modal, Notice, Pager } from '../components/ui';
import { fmtTime, useAsync, useDebounced } from '../hooks';
import { fieldError } from './CamerasPage';

export const REASON_TEXT: Record<string, string> = {
  no_face: 'No face found',
  multiple_faces: 'More than one face',
  too_small: 'Face too small',
  too_blurry: 'Too blurry',
  too_dark: 'Too dark',
  not_an_image: 'Not an image',
};

/** Per-image verdicts from a 201 body or a 422 error body (several shapes tolerated). */
export function extractVerdicts(src: unknown): ImageVerdict[] {
  const b: any = src instanceof ApiError ? src.body : src;
  const cands = [
    b?.images, b?.data?.images, b?.error?.images, b?.error?.details?.images, b?.error?.details?.verdicts, b?.data?.verdicts,
  ];
  for (const c of cands) if (Array.isArray(c) && c.length && typeof c[0] === 'object') return c as ImageVerdict[];
  return [];
}

interface Photo {
  file: File;
  url: string;
  label: string;
}

const POSES = [
  { key: 'front', text: 'Look straight at the camera' },
  { key: 'left', text: 'Turn your head slightly to the left' },
  { key: 'right', text: 'Turn your head slightly to the right' },
] as const;

function WebcamCapture({ onCapture }: { onCapture(f: File, label: string): void }) {
  const video = useRef<HTMLVideoElement>(null);
  const [stream, setStream] = useState<MediaStream | null>(null);
  const [step, setStep] = useState(0);
  const [err, setErr] = useState<string | null>(null);

  useEffect(() => () => stream?.getTracks().forEach((t) => t.stop()), [stream]);
  // the <video> only exists once the stream is set: attach it after that render
  useEffect(() => {
    const v = video.current;
    if (!v || !stream) return;
    v.srcObject = stream;
    v.play().catch(() => undefined);
  }, [stream]);

  async function open() {
    setErr(null);
    if (!navigator.mediaDevices?.getUserMedia) {
      setErr('This browser cannot use a webcam here (it needs HTTPS or localhost).');
      return;
    }
    try {
      const s = await navigator.mediaDevices.getUserMedia({ video: { width: 1280, height: 720 }, audio: false });
      setStream(s);
      setStep(0);
    } catch (e) {
      setErr(`Cannot open the webcam: ${(e as Error).message}`);
    }
  }

  function close() {
    stream?.getTracks().forEach((t) => t.stop());
    setStream(null);
  }

  function capture() {
    const v = video.current;
    if (!v || !v.videoWidth) return;
    const c = document.createElement('canvas');
    c.width = v.videoWidth;
    c.height = v.videoHeight;
    c.getContext('2d')?.drawImage(v, 0, 0);
    const pose = POSES[step].key;
    c.toBlob(
      (b) => {
        if (!b) return;
        onCapture(new File([b], `webcam-${pose}.jpg`, { type: 'image/jpeg' }), pose);
        if (step + 1 < POSES.length) setStep(step + 1);
        else close();
      },
      'image/jpeg',
      0.92,
    );
  }

  return (
    <div className="webcam">
      {!stream ? (
        <button type="button" onClick={open}>Use webcam</button>
      ) : (
        <>
          <p className="pose-guide" aria-live="polite">
            Pose {step + 1} of {POSES.length}: <strong>{POSES[step].text}</strong>
          </p>
          <ol className="pose-steps">
            {POSES.map((p, i) => (
              <li key={p.key} className={i < step ? 'done' : i === step ? 'current' : ''}>{p.key}</li>
            ))}
          </ol>
          <div className={`webcam-frame pose-${POSES[step].key}`}>
            <video ref={video} muted playsInline autoPlay aria-label="Webcam preview" />
            <div className="face-guide" aria-hidden="true" />
          </div>
          <div className="actions">
            <button type="button" className="primary" onClick={capture}>Capture {POSES[step].key}</button>
            <button type="button" onClick={close}>Close webcam</button>
          </div>
        </>
      )}
      {err && <p className="field-error" role="alert">{err}</p>}
    </div>
  );
}

function PhotoPicker({ photos, setPhotos, verdicts }: { photos: Photo[]; setPhotos(f: (p: Photo[]) => Photo[]): void; verdicts: ImageVerdict[] }) {
  const [over, setOver] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const add = (files: FileList | File[], label = 'upload') => {
    // copy now: an <input>'s FileList empties when its value is reset
    const picked = Array.from(files)
      .filter((f) => f.type.startsWith('image/') || /\.(jpe?g|png|bmp|webp)$/i.test(f.name))
      .map((file) => ({ file, url: URL.createObjectURL(file), label }));
    setPhotos((p) => [...p, ...picked]);
  };
  function onDrop(e: DragEvent) {
    e.preventDefault();
    setOver(false);
    if (e.dataTransfer?.files) add(e.dataTransfer.files);
  }
  return (
    <div>
      <div
        className={`dropzone${over ? ' over' : ''}`}
        onDragOver={(e) => {
          e.preventDefault();
          setOver(true);
        }}
        onDragLeave={() => setOver(false)}
        onDrop={onDrop}
        data-testid="dropzone"
      >
        <p>Drop photos here, or</p>
        <label className="button" htmlFor="photo-input">Choose photos…</label>
        <input
          id="photo-input"
          ref={input}
          className="visually-hidden-input"
          type="file"
          name="images"
          accept="image/*"
          multiple
          onChange={(e) => {
            if (e.target.files) add(e.target.files);
            e.target.value = '';
          }}
        />
      </div>
      <WebcamCapture onCapture={(f, label) => add([f], label)} />
      {photos.length > 0 && (
        <ul className="photo-list" aria-label="Selected photos">
          {photos.map((p, i) => {
            const v = verdicts.find((x) => x.index === i) ?? verdicts.find((x) => x.filename === p.file.name);
            return (
              <li key={p.url} className={v ? (v.ok ? 'ok' : 'bad') : ''}>
                <img src={p.url} alt={`Photo ${i + 1}: ${p.file.name}`} />
                <small>{p.label}</small>
                {v && (
                  <small className={v.ok ? 'verdict ok' : 'verdict bad'} data-testid="verdict">
                    {v.ok ? `OK${v.quality !== undefined ? ` (quality ${v.quality.toFixed(2)})` : ''}` : REASON_TEXT[v.reason ?? ''] ?? v.reason ?? 'Rejected'}
                    {v.duplicate_of && ` · looks like ${v.duplicate_of.name} (${(v.duplicate_of.similarity * 100).toFixed(0)}%)`}
                  </small>
                )}
                <button type="button" className="icon" aria-label={`Remove photo ${i + 1}`} onClick={() => setPhotos((ps) => ps.filter((x) => x !== p))}>×</button>
              </li>
            );
          })}
        </ul>
      )}
    </div>
  );
}

export function OnboardingDialog({ onClose, onCreated }: { onClose(): void; onCreated(p: Person, v: ImageVerdict[]): void }) {
  const [name, setName] = useState('');
  const [employeeId, setEmployeeId] = useState('');
  const [department, setDepartment] = useState('');
  const [consent, setConsent] = useState(false);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [verdicts, setVerdicts] = useState<ImageVerdict[]>([]);
  const [err, setErr] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<Person | null>(null);

  useEffect(() => () => photos.forEach((p) => URL.revokeObjectURL(p.url)), []); // eslint-disable-line react-hooks/exhaustive-deps

  async function submit(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setErr(null);
    setVerdicts([]);
    const fd = new FormData();
    fd.set('name', name.trim());
    if (employeeId) fd.set('employee_id', employeeId);
    if (department) fd.set('department', department);
    fd.set('consent_given', String(consent));
    if (consent) fd.set('consent_date', new Date().toISOString().slice(0, 10));
    photos.forEach((p) => fd.append('images', p.file, p.file.name));
    try {
      const r = await api.postForm<{ person: Person; images?: ImageVerdict[] }>('/persons', fd);
      const v = r.data.images ?? extractVerdicts(r.data);
      setVerdicts(v);
      setCreated(r.data.person);
      onCreated(r.data.person, v);
    } catch (e2) {
      setErr(e2);
      setVerdicts(extractVerdicts(e2));
    } finally {
      setBusy(false);
    }
  }

  const fe = (...n: string[]) => fieldError(err, ...n);
  const rejected = verdicts.filter((v) => !v.ok).length;
  return (
    <Modal title="Enrol a person" onClose={onClose} wide>
      <form onSubmit={submit} className="form" aria-label="Enrol a person" noValidate>
        <ErrorBanner error={err} />
        {created && (
          <Notice>
            Enrolled {created.name}: {verdicts.length - rejected} photo(s) accepted{rejected ? `, ${rejected} rejected` : ''}.
          </Notice>
        )}
        <div className="form-grid">
          <Field label="Full name" name="name" error={fe('name')}>
            {(p) => <input {...p} value={name} required onChange={(e) => setName(e.target.value)} />}
          </Field>
          <Field label="Employee ID" name="employee_id" error={fe('employee_id')}>
            {(p) => <input {...p} value={employeeId} onChange={(e) => setEmployeeId(e.target.value)} />}
          </Field>
          <Field label="Department" name="department" error={fe('department')}>
            {(p) => <input {...p} value={department} onChange={(e) => setDepartment(e.target.value)} />}
          </Field>
          <label className="toggle">
            <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} /> Consent given
          </label>
        </div>
        <fieldset>
          <legend>Photos (front, left and right work best)</legend>
          <PhotoPicker photos={photos} setPhotos={setPhotos} verdicts={verdicts} />
          {fe('images') && <small className="field-error" role="alert">{fe('images')}</small>}
        </fieldset>
        <div className="actions">
          <button type="button" onClick={onClose}>{created ? 'Done' : 'Cancel'}</button>
          {!created && (
            <button type="submit" className="primary" disabled={busy || !name.trim()}>
              {busy ? 'Enrolling…' : `Enrol${photos.length ? ` with ${photos.length} photo(s)` : ''}`}
            </button>
          )}
        </div>
      </form>
    </Modal>
  );
}

function PersonEdit({ person, onSaved, onCancel }: { person: Person; onSaved(): void; onCancel(): void }) {
  const [name, setName] = useState(person.name);
  const [employeeId, setEmployeeId] = useState(person.employee_id ?? '');
  const [department, setDepartment] = useState(person.department ?? '');
  const [consent, setConsent] = useState(!!person.consent?.given);
  const [err, setErr] = useState<unknown>(null);
  async function submit(e: FormEvent) {
    e.preventDefault();
    setErr(null);
    try {
      const body: Record<string, unknown> = { name: name.trim(), employee_id: employeeId, department, consent_given: consent };
      if (consent) body.consent_date = person.consent?.date || new Date().toISOString().slice(0, 10);
      await api.put(`/persons/${person.id}`, body);
      onSaved();
    } catch (e2) {
      setErr(e2);
    }
  }
  const fe = (...n: string[]) => fieldError(err, ...n);
  return (
    <form onSubmit={submit} className="form" aria-label="Edit person" noValidate>
      <ErrorBanner error={err instanceof ApiError && Object.keys(err.details).length ? null : err} />
      <div className="form-grid">
        <Field label="Full name" name="name" error={fe('name')}>
          {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} />}
        </Field>
        <Field label="Employee ID" name="employee_id" error={fe('employee_id')}>
          {(p) => <input {...p} value={employeeId} onChange={(e) => setEmployeeId(e.target.value)} />}
        </Field>
        <Field label="Department" name="department" error={fe('department')}>
          {(p) => <input {...p} value={department} onChange={(e) => setDepartment(e.target.value)} />}
        </Field>
        <label className="toggle">
          <input type="checkbox" checked={consent} onChange={(e) => setConsent(e.target.checked)} /> Consent given
        </label>
      </div>
      <div className="actions">
        <button type="button" onClick={onCancel}>Cancel</button>
        <button type="submit" className="primary">Save details</button>
      </div>
    </form>
  );
}

function PersonDetail({ personId, canEdit, onClose, onChanged }: { personId: number; canEdit: boolean; onClose(): void; onChanged(): void }) {
  const { data: person, error, reload } = useAsync((s) => api.get<{ person: Person }>(`/persons/${personId}`, undefined, s).then((r) => r.data.person ?? (r.data as any)), [personId]);
  const [photos, setPhotos] = useState<Photo[]>([]);
  const [verdicts, setVerdicts] = useState<ImageVerdict[]>([]);
  const [err, setErr] = useState<unknown>(null);
  const [confirm, setConfirm] = useState(false);
  const [editing, setEditing] = useState(false);

  async function upload() {
    setErr(null);
    const fd = new FormData();
    photos.forEach((p) => fd.append('images', p.file, p.file.name));
    try {
      const r = await api.postForm<{ images?: ImageVerdict[] }>(`/persons/${personId}/images`, fd);
      setVerdicts(r.data?.images ?? extractVerdicts(r.data));
      reload();
      onChanged();
    } catch (e) {
      setErr(e);
      setVerdicts(extractVerdicts(e));
    }
  }

  async function deleteImage(imageId: number) {
    try {
      await api.del(`/persons/${personId}/images/${imageId}`);
      reload();
    } catch (e) {
      setErr(e);
    }
  }

  return (
    <Modal title={person?.name ?? 'Person'} onClose={onClose} wide>
      <ErrorBanner error={error ?? err} />
      {person && editing && (
        <PersonEdit
          person={person}
          onCancel={() => setEditing(false)}
          onSaved={() => {
            setEditing(false);
            reload();
            onChanged();
          }}
        />
      )}
      {person && !editing && (
        <>
          {canEdit && (
            <div className="actions">
              <button type="button" onClick={() => setEditing(true)}>Edit details</button>
            </div>
          )}
          <dl className="kv">
            <dt>Employee ID</dt><dd>{person.employee_id || '–'}</dd>
            <dt>Department</dt><dd>{person.department || '–'}</dd>
            <dt>Consent</dt><dd>{person.consent?.given ? `given ${person.consent.date ?? ''}` : 'not recorded'}</dd>
            <dt>Last seen</dt><dd>{fmtTime(person.lastSeen)}</dd>
          </dl>
          <ul className="photo-list" aria-label="Enrolled photos">
            {(person.images ?? []).map((im) => (
              <li key={im.id}>
                <AuthImage src={im.url} alt={`${person.name} photo ${im.id}`} />
                {im.quality !== undefined && <small>quality {im.quality.toFixed(2)}</small>}
                {canEdit && (
                  <button type="button" className="icon" aria-label={`Delete photo ${im.id}`} onClick={() => deleteImage(im.id)}>×</button>
                )}
              </li>
            ))}
          </ul>
          {canEdit && (
            <fieldset>
              <legend>Add photos</legend>
              <PhotoPicker photos={photos} setPhotos={setPhotos} verdicts={verdicts} />
              <div className="actions">
                <button type="button" className="danger" onClick={() => setConfirm(true)}>Delete person</button>
                <button type="button" className="primary" disabled={!photos.length} onClick={upload}>Upload {photos.length} photo(s)</button>
              </div>
            </fieldset>
          )}
        </>
      )}
      {confirm && person && (
        <ConfirmDialog
          title="Delete person"
          body={<>Delete <strong>{person.name}</strong> and all enrolled photos and embeddings? This cannot be undone.</>}
          onCancel={() => setConfirm(false)}
          onConfirm={async () => {
            try {
              await api.del(`/persons/${personId}`);
              setConfirm(false);
              onChanged();
              onClose();
            } catch (e) {
              setErr(e);
              setConfirm(false);
            }
          }}
        />
      )}
    </Modal>
  );
}

export function PersonsPage() {
  const { user } = useAuth();
  const canEdit = hasRole(user, 'supervisor');
  const [search, setSearch] = useState('');
  const [page, setPage] = useState(1);
  const q = useDebounced(search);
  const { data, error, reload } = useAsync((s) => api.get<{ persons: Person[] }>('/persons', { page, per_page: 24, search: q }, s), [page, q]);
  const [onboarding, setOnboarding] = useState(false);
  const [open, setOpen] = useState<number | null>(null);
  const persons = data?.data.persons ?? [];
  return (
    <section aria-labelledby="persons-title">
      <div className="page-head">
        <h1 id="persons-title">Persons</h1>
        {canEdit && <button type="button" className="primary" onClick={() => setOnboarding(true)}>Enrol person</button>}
      </div>
      <ErrorBanner error={error} />
      <div className="filters" role="search">
        <div className="field">
          <label htmlFor="person-search">Search persons</label>
          <input id="person-search" type="search" value={search} onChange={(e) => { setSearch(e.target.value); setPage(1); }} placeholder="name, employee id, department" />
        </div>
      </div>
      <ul className="grid persons" aria-label="Persons">
        {persons.map((p) => (
          <li key={p.id} className="card person-card">
            <button type="button" className="card-button" onClick={() => setOpen(p.id)} aria-label={`Open ${p.name}`}>
              <AuthImage src={p.images?.[0]?.url} alt={`Photo of ${p.name}`} className="avatar" />
              <span className="person-name">{p.name}</span>
              <small className="muted">{[p.employee_id, p.department].filter(Boolean).join(' · ') || '\u00a0'}</small>
              <small>{p.images?.length ?? 0} photo(s) · last seen {fmtTime(p.lastSeen)}</small>
            </button>
          </li>
        ))}
      </ul>
      {data && persons.length === 0 && <p className="empty">No persons{q ? ' match' : ' enrolled yet'}.</p>}
      <Pager pagination={data?.pagination} onPage={setPage} />
      {onboarding && <OnboardingDialog onClose={() => { setOnboarding(false); reload(); }} onCreated={() => reload()} />}
      {open !== null && <PersonDetail personId={open} canEdit={canEdit} onClose={() => setOpen(null)} onChanged={reload} />}
    </section>
  );
}
