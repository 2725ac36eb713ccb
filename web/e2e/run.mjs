#!/usr/bin/env node
// End-to-end test of the Argus dashboard against a REAL argus server, driven by playwright-core
// and Debian's chromium. See docs/ui.md ("End-to-end tests") for the variables and exit codes.
//
//   ARGUS_URL=http://127.0.0.1:8080 ARGUS_ADMIN_PASSWORD=... node e2e/run.mjs
//
// Exit codes: 0 passed, 1 a step failed, 2 bad configuration / browser missing, 77 skipped
// (ARGUS_URL unset; use SKIP_RETURN_CODE 77 in ctest).
import { chromium } from 'playwright-core';
import { createServer } from 'node:http';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = resolve(here, '..', '..');

const BASE = (process.env.ARGUS_URL || '').replace(/\/+$/, '');
if (!BASE) {
  console.log('SKIP: ARGUS_URL is not set; the dashboard end-to-end test needs a running argus server.');
  console.log('      Run: ARGUS_URL=http://127.0.0.1:8080 ARGUS_ADMIN_PASSWORD=<pw> npm run e2e (in web/)');
  process.exit(77);
}
const ADMIN_USER = process.env.ARGUS_ADMIN_USER || 'admin';
const ADMIN_PASSWORD = process.env.ARGUS_ADMIN_PASSWORD;
if (!ADMIN_PASSWORD) {
  console.error('ERROR: ARGUS_ADMIN_PASSWORD is not set.');
  process.exit(2);
}
const CHROMIUM = process.env.ARGUS_CHROMIUM || '/usr/bin/chromium';
if (!existsSync(CHROMIUM)) {
  console.error(`ERROR: no chromium at ${CHROMIUM} (apt-get install -y chromium, or set ARGUS_CHROMIUM).`);
  process.exit(2);
}
const ART = resolve(process.env.ARGUS_E2E_ARTIFACTS || join(repoRoot, 'test-artifacts', 'ui'));
mkdirSync(ART, { recursive: true });
// failure screenshots of an earlier run would read as this run's
for (const f of readdirSync(ART)) if (/^FAILED-.*\.png$/.test(f)) rmSync(join(ART, f), { force: true });
const HEADFUL = process.env.ARGUS_E2E_HEADFUL === '1';
const KEEP = process.env.ARGUS_E2E_KEEP === '1';
const LIVE_TIMEOUT = Number(process.env.ARGUS_E2E_LIVE_TIMEOUT_S || 45) * 1000;
// The enrolled person must be named on the live view within this (the demo clip shows each
// photo for 4 s in a 24 s loop, so one loop plus analysis and re-identification).
const NAME_TIMEOUT = Number(process.env.ARGUS_E2E_NAME_TIMEOUT_S || 60) * 1000;
const EVENT_TIMEOUT = Number(process.env.ARGUS_E2E_EVENT_TIMEOUT_S || 90) * 1000;
const RUN_ID = Date.now().toString(36).slice(-5);

// ---------------------------------------------------------------- sample images
function jpgsIn(dir) {
  try {
    return readdirSync(dir)
      .filter((f) => /\.jpe?g$/i.test(f))
      .sort()
      .map((f) => join(dir, f))
      .filter((p) => statSync(p).isFile());
  } catch {
    return [];
  }
}

/**
 * Enrolment photo sets, tried in order until the server accepts one (ARGUS_E2E_IMAGES, then
 * models/samples/*.jpg, then one identity of $ARGUS_EVAL_DATA/identification/lfw10x10), and the
 * frames the fake camera loops (the other photos of that identity, so sightings can be recognised).
 */
function pickImages() {
  const sets = [];
  let frames = [];
  if (process.env.ARGUS_E2E_IMAGES) {
    const all = jpgsIn(process.env.ARGUS_E2E_IMAGES);
    if (all.length) sets.push({ source: process.env.ARGUS_E2E_IMAGES, files: all.slice(0, 3) });
    frames.push(...all);
  }
  const samples = jpgsIn(join(repoRoot, 'models', 'samples'));
  if (samples.length) {
    sets.push({ source: 'models/samples', files: samples.slice(0, 3) });
    if (!process.env.ARGUS_E2E_IMAGES) frames.push(...samples);  // one picture size per stream
  }
  const evalData = resolve(repoRoot, process.env.ARGUS_EVAL_DATA || '../shared/data');
  const ids = join(evalData, 'identification', 'lfw10x10', 'images');
  let person = null;
  if (existsSync(ids)) {
    const people = readdirSync(ids).filter((d) => statSync(join(ids, d)).isDirectory()).sort();
    if (people.length) {
      const mine = jpgsIn(join(ids, people[0]));
      // the person's name only when their photos are the ones tried first
      if (!sets.length) person = people[0].replace(/_/g, ' ');
      sets.push({ source: `lfw10x10/${people[0]}`, files: mine.slice(0, 3) });
      // one resolution per stream: the identity's other photos (all 250x250) replace mixed sizes,
      // unless the caller gave its own photos (then the camera shows the person it enrols)
      if (!process.env.ARGUS_E2E_IMAGES) frames = mine.slice(3, 9);
    }
  }
  return { source: sets.map((x) => x.source).join(', ') || null, sets, enrol: sets[0]?.files ?? [], frames, person };
}
const images = pickImages();

// ---------------------------------------------------------------- fake camera (MJPEG over loopback)
// Not a stand-in for argus: a tiny IP camera so the real server has something to ingest.
let fakeCam = null;
async function startFakeCamera(frames) {
  const jpegs = frames.map((f) => readFileSync(f));
  if (!jpegs.length) return null;
  const server = createServer((req, res) => {
    if (req.url?.startsWith('/snapshot.jpg')) {
      res.writeHead(200, { 'Content-Type': 'image/jpeg' });
      res.end(jpegs[0]);
      return;
    }
    res.writeHead(200, { 'Content-Type': 'multipart/x-mixed-replace; boundary=argusframe', 'Cache-Control': 'no-cache', Connection: 'close' });
    let i = 0;
    const tick = () => {
      const j = jpegs[Math.floor(i++ / 10) % jpegs.length]; // each picture for ~2 s at 5 fps
      res.write(`--argusframe\r\nContent-Type: image/jpeg\r\nContent-Length: ${j.length}\r\n\r\n`);
      res.write(j);
      res.write('\r\n');
    };
    tick();
    const id = setInterval(tick, 200);
    req.on('close', () => clearInterval(id));
  });
  const host = process.env.ARGUS_E2E_CAMERA_HOST || '127.0.0.1';
  await new Promise((r) => server.listen(0, host, r));
  const port = server.address().port;
  return { server, url: `http://${host}:${port}/stream.mjpg` };
}

// ---------------------------------------------------------------- API helper (setup/cleanup only)
async function apiCall(method, path, token, body) {
  const res = await fetch(`${BASE}/api/v1${path}`, {
    method,
    headers: { 'Content-Type': 'application/json', ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  let json = null;
  try {
    json = await res.json();
  } catch {
    /* empty */
  }
  return { status: res.status, json };
}

// ---------------------------------------------------------------- steps
const results = [];
const shots = [];
const consoleErrors = [];
const pageErrors = [];
let failed = 0;

async function step(name, fn) {
  const t0 = Date.now();
  process.stdout.write(`• ${name} … `);
  try {
    const note = await fn();
    const ms = Date.now() - t0;
    results.push({ name, ok: true, ms, note: note || undefined });
    console.log(`ok (${ms} ms)${note ? ` — ${note}` : ''}`);
    return true;
  } catch (e) {
    failed++;
    const ms = Date.now() - t0;
    results.push({ name, ok: false, ms, error: String(e?.message || e) });
    const lines = String(e?.message || e).split('\n').filter((l) => l.trim() && !l.includes('\u001b[2m'));
    console.log(`FAILED (${ms} ms)\n    ${lines.slice(0, 4).join('\n    ')}`);
    try {
      await page.screenshot({ path: join(ART, `FAILED-${slug(name)}.png`) });
      // close any dialog left open so the next step starts clean
      for (let i = 0; i < 3 && (await page.getByRole('dialog').count()); i++) await page.keyboard.press('Escape');
    } catch {
      /* page gone */
    }
    return false;
  }
}

const slug = (s) => s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');

async function shot(file, description) {
  await page.waitForTimeout(300);
  await page.screenshot({ path: join(ART, file), fullPage: false });
  shots.push({ file, description, width: page.viewportSize()?.width });
}

async function login(user, password) {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor({ timeout: 15000 });
}

async function logout() {
  await page.getByRole('button', { name: 'Log out' }).click();
  await page.getByLabel('Username').waitFor({ timeout: 10000 });
}

/** Client-side navigation (does not depend on the server's SPA fallback). */
async function goClient(path) {
  await page.evaluate((p) => {
    window.history.pushState({}, '', p);
    window.dispatchEvent(new PopStateEvent('popstate'));
  }, path);
}

async function nav(name) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).click();
}

// ---------------------------------------------------------------- run
const browser = await chromium.launch({
  executablePath: CHROMIUM,
  headless: !HEADFUL,
  args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--use-fake-ui-for-media-stream', '--use-fake-device-for-media-stream'],
});
const context = await browser.newContext({ viewport: { width: 1366, height: 860 }, colorScheme: 'dark' });
const page = await context.newPage();
page.on('console', (m) => {
  if (m.type() === 'error') consoleErrors.push({ url: page.url(), text: m.text() });
});
page.on('pageerror', (e) => pageErrors.push({ url: page.url(), text: String(e?.message || e) }));

let adminToken = null;
let cameraId = null;
const cameraName = `e2e-cam-${RUN_ID}`;
const personName = `E2E ${images.person || 'Person'} ${RUN_ID}`;
let personId = null;
let webcamCameraId = null;
const viewerName = `e2e-viewer-${RUN_ID}`;
const viewerPassword = `Vw-${RUN_ID}-pass-12345`;
let viewerId = null;

console.log(`Argus dashboard e2e against ${BASE} (screenshots: ${ART})`);
console.log(`images: ${images.source ?? 'none found (synthetic)'}; ${images.sets.length} enrolment set(s), ${images.frames.length} camera frames`);

await step('server reachable and admin login via API', async () => {
  const r = await apiCall('POST', '/auth/login', null, { username: ADMIN_USER, password: ADMIN_PASSWORD });
  if (r.status !== 200 || !r.json?.data?.token) throw new Error(`POST /auth/login -> ${r.status} ${JSON.stringify(r.json)}`);
  adminToken = r.json.data.token;
  const idx = await fetch(`${BASE}/`);
  const html = await idx.text();
  if (!idx.ok || !html.includes('<div id="root">')) throw new Error(`GET / does not serve the dashboard (status ${idx.status}); is web/dist built?`);
});

await step('log in through the form', async () => {
  await page.goto(`${BASE}/login`);
  await page.getByLabel('Username').waitFor();
  await shot('01-login.png', 'Login form: labelled username and password fields, dark theme.');
  // a wrong password first: the form must say so and stay on the login page
  await page.getByLabel('Username').fill(ADMIN_USER);
  await page.getByLabel('Password').fill('definitely-wrong-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('alert').waitFor({ timeout: 10000 });
  await login(ADMIN_USER, ADMIN_PASSWORD);
  for (const name of ['Cameras', 'Persons', 'Events', 'Attendance', 'System']) {
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name, exact: true }).waitFor();
  }
  await shot('02-dashboard.png', 'Dashboard after login: camera grid (live thumbnail, status, fps, people in view).');
});

await step('add a camera (validation errors shown at the field first)', async () => {
  fakeCam = process.env.ARGUS_E2E_CAMERA_SOURCE ? null : await startFakeCamera(images.frames.length ? images.frames : images.enrol);
  const source = process.env.ARGUS_E2E_CAMERA_SOURCE || fakeCam?.url;
  const type = process.env.ARGUS_E2E_CAMERA_TYPE || 'http_mjpeg';
  if (!source) throw new Error('no camera source: set ARGUS_E2E_CAMERA_SOURCE (and ARGUS_E2E_CAMERA_TYPE) or provide sample images');
  await nav('Cameras');
  await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Add camera' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.waitFor();
  // submit an empty form: the API's per-field messages must appear
  await dialog.getByRole('button', { name: 'Add camera' }).click();
  await dialog.locator('.field-error').first().waitFor({ timeout: 10000 });
  await shot('03-camera-validation.png', 'Add-camera form after submitting it empty: the API validation messages (error.details) shown under their fields.');
  await dialog.getByLabel('Name', { exact: true }).fill(cameraName);
  await dialog.getByLabel('Type', { exact: true }).selectOption(type);
  await dialog.getByLabel('Source', { exact: true }).fill(source);
  await dialog.getByLabel('FPS limit').fill('5');
  await dialog.getByRole('button', { name: 'Add camera' }).click();
  await dialog.waitFor({ state: 'detached', timeout: 15000 });
  await page.getByLabel('Search cameras').fill(cameraName);
  const link = page.getByRole('link', { name: cameraName });
  await link.waitFor({ timeout: 10000 });
  const r = await apiCall('GET', `/cameras?search=${encodeURIComponent(cameraName)}`, adminToken);
  cameraId = r.json?.data?.cameras?.find((c) => c.name === cameraName)?.id ?? null;
  await shot('04-cameras-list.png', 'Cameras page: search box, status/type filters, server-side paging, start/stop/edit/delete per row.');
  return `camera id ${cameraId}, ${type} ${source}`;
});

await step('live view appears', async () => {
  if (!cameraId) throw new Error('no camera');
  const row = page.locator('tr', { has: page.getByRole('link', { name: cameraName }) });
  const start = row.getByRole('button', { name: `Start ${cameraName}` });
  if (await start.count()) await start.click();
  await page.getByRole('link', { name: cameraName }).click();
  await page.getByRole('heading', { name: cameraName }).waitFor();
  const lv = page.getByTestId('liveview');
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=liveview]')?.getAttribute('data-frames')) > 0, null, { timeout: LIVE_TIMEOUT });
  const mode = await lv.getAttribute('data-mode');
  const natural = await lv.getAttribute('data-natural');
  // a detection box is drawn: the overlay canvas gets non-transparent pixels, and the
  // "In view" list (the overlay's labels as text) names at least one face
  const t0 = Date.now();
  await page.getByRole('list', { name: 'In view' }).locator('li.known, li.unknown').first().waitFor({ timeout: LIVE_TIMEOUT });
  await page.waitForFunction(() => {
    const c = document.querySelector('[data-testid=overlay]');
    const g = c?.getContext('2d');
    if (!c || !g || !c.width || !c.height) return false;
    const px = g.getImageData(0, 0, c.width, c.height).data;
    for (let i = 3; i < px.length; i += 16) if (px[i] > 0) return true;
    return false;
  }, null, { timeout: LIVE_TIMEOUT, polling: 250 });
  const firstBox = Date.now() - t0;
  await page.waitForTimeout(1500);
  await shot('05-live-view.png', 'Single-camera live view of the RTSP camera: video with the detection overlay (boxes, labels, track ids), layer toggles, camera figures and the "In view" list.');
  return `transport ${mode}, frame ${natural}, first detection box ${firstBox} ms after the first frame`;
});

await step('overlay toggles work and are remembered across reloads', async () => {
  if (!cameraId) throw new Error('no camera');
  for (const name of ['Debug', 'Landmarks', 'Head pose']) {
    const cb = page.getByRole('checkbox', { name });
    if (!(await cb.isChecked())) await cb.check();
  }
  await page.getByRole('checkbox', { name: 'Tracks' }).uncheck();
  await page.waitForTimeout(1500);
  await shot('06-overlay-debug.png', 'Live view with landmarks, head pose and the debug layer (fps, latency, model) on and track trails off.');
  const stored = await page.evaluate((id) => localStorage.getItem(`argus.overlay.${id}`), cameraId);
  if (!stored || !JSON.parse(stored).debug) throw new Error(`layer state not stored: ${stored}`);
  await page.reload();
  await page.getByRole('checkbox', { name: 'Debug' }).waitFor();
  if (!(await page.getByRole('checkbox', { name: 'Debug' }).isChecked())) throw new Error('Debug toggle lost on reload');
  if (await page.getByRole('checkbox', { name: 'Tracks' }).isChecked()) throw new Error('Tracks toggle lost on reload');
  // resizing keeps the overlay canvas the size of the view
  await page.setViewportSize({ width: 900, height: 800 });
  await page.waitForTimeout(500);
  const sizes = await page.evaluate(() => {
    const lv = document.querySelector('[data-testid=liveview]');
    const ov = document.querySelector('[data-testid=overlay]');
    return { lv: [lv.clientWidth, lv.clientHeight], ov: [ov.width / devicePixelRatio, ov.height / devicePixelRatio] };
  });
  await page.setViewportSize({ width: 1366, height: 860 });
  if (Math.abs(sizes.lv[0] - sizes.ov[0]) > 2 || Math.abs(sizes.lv[1] - sizes.ov[1]) > 2) throw new Error(`overlay ${sizes.ov} != view ${sizes.lv} after resize`);
  // restore defaults-ish for the following screenshots
  await page.getByRole('checkbox', { name: 'Tracks' }).check();
});

async function enrolWith(files) {
  await page.getByRole('button', { name: 'Enrol person' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Full name').fill(personName);
  await dialog.getByLabel('Department').fill('E2E');
  await dialog.getByLabel('Consent given').check();
  await dialog.locator('#photo-input').setInputFiles(files);
  await dialog.getByRole('img', { name: /Photo 1/ }).waitFor();
  await dialog.getByRole('button', { name: /^Enrol/ }).click();
  // either per-image verdicts, or an error banner (e.g. 4xx without verdicts)
  await Promise.race([
    dialog.getByTestId('verdict').first().waitFor({ timeout: 60000 }),
    dialog.locator('.banner.error').first().waitFor({ timeout: 60000 }),
  ]);
  await page.waitForTimeout(300);
  const verdicts = await dialog.getByTestId('verdict').allInnerTexts();
  if (!verdicts.length) verdicts.push(`error: ${await dialog.locator('.banner.error').first().innerText()}`);
  await shot('07-enrol-verdicts.png', 'Enrolment dialog after upload: per-photo verdicts from the API (OK with quality, or the rejection reason).');
  const r = await apiCall('GET', `/persons?search=${encodeURIComponent(personName)}`, adminToken);
  const id = r.json?.data?.persons?.find((p) => p.name === personName)?.id ?? null;
  await dialog.getByRole('button', { name: /Done|Cancel/ }).click();
  return { id, verdicts };
}

await step('enrol a person from uploaded photos', async () => {
  await nav('Persons');
  await page.getByRole('heading', { name: 'Persons', level: 1 }).waitFor();
  const notes = [];
  const sets = images.sets.length ? images.sets : [{ source: 'synthetic', files: [] }];
  for (const set of sets) {
    let files = set.files.map((p) => ({ name: basename(p), mimeType: 'image/jpeg', buffer: readFileSync(p) }));
    if (!files.length) {
      // no sample photos on this machine: a synthetic picture (expected to be rejected with a reason)
      const dataUrl = await page.evaluate(() => {
        const c = document.createElement('canvas');
        c.width = 320;
        c.height = 320;
        const g = c.getContext('2d');
        g.fillStyle = '#888';
        g.fillRect(0, 0, 320, 320);
        g.fillStyle = '#e0b090';
        g.beginPath();
        g.ellipse(160, 160, 80, 105, 0, 0, Math.PI * 2);
        g.fill();
        return c.toDataURL('image/jpeg', 0.9);
      });
      files = [{ name: 'synthetic.jpg', mimeType: 'image/jpeg', buffer: Buffer.from(dataUrl.split(',')[1], 'base64') }];
    }
    const { id, verdicts } = await enrolWith(files);
    notes.push(`${set.source}: ${verdicts.join(' | ')}`);
    if (id) {
      personId = id;
      break;
    }
  }
  if (!personId) {
    if (images.sets.length) throw new Error(`no photo set was accepted; verdicts shown: ${notes.join('; ')}`);
    return `no sample photos; verdicts shown: ${notes.join('; ')}`;
  }
  await page.getByLabel('Search persons').fill(personName);
  await page.getByRole('button', { name: `Open ${personName}` }).click();
  await page.getByRole('dialog').waitFor();
  await page.waitForTimeout(1000);
  await shot('08-person-card.png', 'Person card: enrolled photos (fetched with the token), consent, last seen, add photos, delete with confirmation.');
  await page.getByRole('dialog').getByRole('button', { name: 'Close' }).click();
  return `person id ${personId}; ${notes.join('; ')}`;
});

await step("the enrolled person's name appears on the live view", async () => {
  if (!cameraId) throw new Error('no camera');
  if (!personId) throw new Error('nobody enrolled');
  await goClient(`/cameras/${cameraId}`);
  await page.getByTestId('liveview').waitFor();
  const t0 = Date.now();
  const item = page.getByRole('list', { name: 'In view' }).locator('li.known', { hasText: personName });
  try {
    await item.first().waitFor({ timeout: NAME_TIMEOUT });
  } catch {
    const seen = await page.getByRole('list', { name: 'In view' }).innerText().catch(() => '?');
    throw new Error(`"${personName}" not on the live view after ${NAME_TIMEOUT / 1000} s; in view: ${seen.replace(/\n/g, ', ')}`);
  }
  const ms = Date.now() - t0;
  // the overlay draws the same label: let a few frames land, then keep the picture
  await page.waitForTimeout(700);
  await shot('08b-live-recognised.png', 'Live view after enrolment: the enrolled person is labelled with their name (green box) on the RTSP camera, and listed under "In view".');
  return `named after ${ms} ms`;
});

await step('webcam capture guides front, left and right poses', async () => {
  await nav('Persons');
  await page.getByRole('heading', { name: 'Persons', level: 1 }).waitFor();
  await page.getByRole('button', { name: 'Enrol person' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByRole('button', { name: 'Use webcam' }).click();
  const guide = dialog.locator('.pose-guide');
  const problem = dialog.locator('.webcam .field-error');
  await Promise.race([guide.waitFor({ timeout: 15000 }), problem.waitFor({ timeout: 15000 })]);
  if (await problem.count()) {
    const text = await problem.innerText();
    await page.keyboard.press('Escape');
    return `webcam not available here: ${text}`;
  }
  await page.waitForFunction(() => (document.querySelector('.webcam-frame video')?.videoWidth ?? 0) > 0, null, { timeout: 15000 });
  for (const pose of ['front', 'left', 'right']) {
    if (pose === 'left') await shot('07b-webcam-guide.png', 'Webcam capture in the enrolment dialog: the pose guide (front, left, right) over the preview.');
    await dialog.getByRole('button', { name: `Capture ${pose}` }).click();
    await dialog.getByRole('img', { name: new RegExp(`webcam-${pose}\\.jpg`) }).waitFor({ timeout: 10000 });
  }
  const n = await dialog.getByRole('list', { name: 'Selected photos' }).getByRole('listitem').count();
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  if (n !== 3) throw new Error(`expected 3 captured photos, got ${n}`);
  return '3 poses captured from the fake camera device';
});

await step("a websocket camera streams this browser's webcam (push ingest)", async () => {
  // a push camera: no source; frames arrive at /api/v1/ingest/ws/{id}
  const name = `e2e-webcam-${RUN_ID}`;
  const c = await apiCall('POST', '/cameras', adminToken, { name, camera_type: 'websocket', source: '', detection: { enabled: true, fps_limit: 1, min_face_size: 40, confidence_threshold: 0.5, max_faces_per_frame: 20 } });
  webcamCameraId = c.json?.data?.camera?.id ?? null;
  if (!webcamCameraId) throw new Error(`POST /cameras (websocket) -> ${c.status} ${JSON.stringify(c.json)}`);
  const st = await apiCall('POST', `/cameras/${webcamCameraId}/start`, adminToken);
  if (st.status !== 200) throw new Error(`POST /cameras/${webcamCameraId}/start -> ${st.status} ${JSON.stringify(st.json)}`);
  const captured = async () => (await apiCall('GET', `/cameras/${webcamCameraId}`, adminToken)).json?.data?.camera?.stats?.frames_captured ?? 0;
  const before = await captured();
  await goClient(`/cameras/${webcamCameraId}`);
  await page.getByRole('heading', { name }).waitFor();
  const panel = page.getByTestId('webcam-ingest');
  await panel.waitFor({ timeout: 10000 });
  // the URL for an external device, with its token
  await panel.getByRole('button', { name: 'Show ingest URL' }).click();
  const url = await panel.getByLabel(/Ingest URL/).inputValue();
  if (!new RegExp(`^wss?://[^/]+/api/v1/ingest/ws/${webcamCameraId}\\?token=.+`).test(url)) throw new Error(`ingest URL shown: ${url}`);
  await panel.getByRole('button', { name: "Stream this browser's webcam" }).click();
  const problem = panel.getByRole('alert');
  await Promise.race([
    page.waitForFunction(() => document.querySelector('[data-testid=webcam-ingest]')?.getAttribute('data-state') === 'streaming', null, { timeout: 15000 }),
    problem.waitFor({ timeout: 15000 }).then(async () => { throw new Error(`webcam ingest: ${await problem.innerText()}`); }),
  ]);
  // the server counts the frames it captures from the pushed JPEGs
  const deadline = Date.now() + 30000;
  let first = 0;
  let now = before;
  while (Date.now() < deadline) {
    now = await captured();
    if (!first && now > before) first = now;
    else if (first && now > first) break;
    await page.waitForTimeout(1000);
  }
  const sent = Number(await panel.getAttribute('data-sent'));
  if (!(first && now > first)) throw new Error(`frames_captured did not increase (before ${before}, then ${first}, ${now}); ${sent} frames sent by the page; state ${await panel.getAttribute('data-state')}; ${(await problem.count()) ? await problem.innerText() : 'no error shown'}`);
  if (!(sent > 0)) throw new Error('the page counts no frames sent');
  await page.waitForTimeout(2500);  // a status poll: the camera figures show the frames too
  await panel.scrollIntoViewIfNeeded();
  await shot('07c-webcam-ingest.png', "Camera page of a websocket (push) camera streaming this browser's webcam: frames sent, the ingest URL for an external device, and the camera statistics.");
  await panel.getByRole('button', { name: 'Stop webcam' }).click();
  await page.waitForFunction(() => document.querySelector('[data-testid=webcam-ingest]')?.getAttribute('data-state') === 'idle', null, { timeout: 5000 });
  const live = await page.evaluate(() => [...document.querySelectorAll('video.ingest-preview')].some((v) => v.srcObject));
  if (live) throw new Error('the webcam is still attached after Stop');
  await apiCall('POST', `/cameras/${webcamCameraId}/stop`, adminToken);
  return `frames_captured ${before} -> ${first} -> ${now}; ${sent} frames sent`;
});

await step('an unreachable camera raises an alert in the header, cleared when it is removed', async () => {
  // with-server.sh runs the server with pipeline.alert_offline_s=3; port 1 refuses every attempt
  const name = `e2e-nowhere-${RUN_ID}`;
  const c = await apiCall('POST', '/cameras', adminToken, { name, camera_type: 'rtsp', source: 'rtsp://127.0.0.1:1/none', is_active: true });
  const id = c.json?.data?.camera?.id;
  if (!id) throw new Error(`POST /cameras -> ${c.status} ${JSON.stringify(c.json)}`);
  const item = page.locator(`[data-alert-id="camera_offline:${id}"]`);
  const button = page.getByTestId('alerts-count');
  if ((await button.getAttribute('aria-expanded')) !== 'true') await button.click();
  try {
    await item.waitFor({ timeout: 30000 });
  } catch {
    throw new Error(`no camera_offline alert for camera ${id} in the header list (count ${await button.getAttribute('data-count')})`);
  }
  const text = await item.innerText();
  if (!text.includes(name)) throw new Error(`the alert does not name the camera: ${text}`);
  const count = Number(await button.getAttribute('data-count'));
  if (!(count >= 1)) throw new Error(`the header counts ${count} alerts`);
  const del = await apiCall('DELETE', `/cameras/${id}`, adminToken);
  if (del.status !== 200) throw new Error(`DELETE /cameras/${id} -> ${del.status}`);
  await item.waitFor({ state: 'detached', timeout: 15000 });
  await page.keyboard.press('Escape');
  return `shown: "${text.split('\n')[0]}"; cleared after the camera was removed`;
});

await step("events timeline shows the enrolled person's sighting", async () => {
  await nav('Events');
  await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
  const deadline = Date.now() + EVENT_TIMEOUT;
  const mine = page.getByTestId('sighting').filter({ hasText: personName });
  let n = 0;
  let m = 0;
  while (Date.now() < deadline) {
    n = await page.getByTestId('sighting').count();
    m = personId ? await mine.count() : 0;
    if (n > 0 && (!personId || m > 0)) break;
    await page.waitForTimeout(3000);
    await page.getByRole('button', { name: 'Refresh' }).click();
  }
  if (m > 0) await mine.first().scrollIntoViewIfNeeded();
  await shot('09-events.png', 'Events: timeline of sightings with snapshot thumbnails (the enrolled person by name, unknown faces in their own colour), filters (camera, person, unknown only, time range) and live updates.');
  if (n === 0) throw new Error(`no sightings after ${EVENT_TIMEOUT / 1000} s`);
  if (personId && m === 0) throw new Error(`${n} sightings, none of "${personName}" after ${EVENT_TIMEOUT / 1000} s`);
  return `${n} sightings shown, ${m} of ${personName}`;
});

await step('dashboard counts the sightings and links a camera to its events', async () => {
  await nav('Dashboard');
  await page.getByRole('heading', { name: 'Dashboard', level: 1 }).waitFor();
  const box = page.getByTestId('sighting-stats');
  await box.waitFor({ timeout: 15000 });
  const total = Number((await box.locator('dd').first().textContent()) ?? '0');
  const r = await apiCall('GET', '/detections/statistics?period=24h', adminToken);
  if (!(total > 0)) throw new Error(`dashboard shows ${total} sightings in 24 h; the API says ${r.json?.data?.total}`);
  // the camera card's live thumbnail (MJPEG in an <img>) shows a picture
  await page.waitForFunction(() => [...document.querySelectorAll('img.thumb')].some((i) => i.naturalWidth > 0), null, { timeout: 15000 });
  const camLink = page.getByRole('table', { name: 'Sightings per camera' }).getByRole('link', { name: cameraName });
  await camLink.scrollIntoViewIfNeeded();
  await shot('09b-dashboard-stats.png', 'Dashboard: sightings in the last 24 hours (identified, unknown, people), per hour and per camera.');
  await camLink.click();
  await page.getByRole('heading', { name: 'Events', level: 1 }).waitFor();
  const sel = page.getByLabel('Camera', { exact: true });
  await page.waitForFunction((id) => document.querySelector('#ev-camera')?.value === String(id), cameraId, { timeout: 10000 });
  return `${total} sightings on the dashboard (API: ${r.json?.data?.total}); camera filter ${await sel.inputValue()}`;
});

await step('attendance and system pages render', async () => {
  await nav('Attendance');
  await page.getByRole('heading', { name: 'Attendance', level: 1 }).waitFor();
  await page.getByText('Arrivals per hour').waitFor();
  await shot('10-attendance.png', 'Attendance: per-day table, CSV export and the arrivals-per-hour chart (Recharts).');
  await nav('System');
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  await page.getByRole('heading', { name: 'Resources' }).waitFor();
  await page.waitForTimeout(1000);
  await shot('11-system.png', 'System: health, CPU/memory/GPU/disk, per-camera statistics, model registry and configuration editor.');
  // an out-of-range value: the API's message must appear under that field
  const thr = page.getByLabel('Detection threshold', { exact: true });
  await thr.fill('7');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await page.locator('.field.has-error .field-error').first().waitFor({ timeout: 10000 });
  await thr.scrollIntoViewIfNeeded();
  await shot('12-config-errors.png', 'Configuration editor after saving an out-of-range value: the API validation error shown under its field.');
  await page.getByRole('button', { name: 'Revert' }).click();
  // an unknown key in JSON mode: listed by key
  await page.getByLabel('Edit as JSON').check();
  await page.getByLabel('Configuration (JSON)').fill('{"noSuchKey": 1}');
  await page.getByRole('button', { name: 'Save configuration' }).click();
  await page.locator('#cfg-errors li').first().waitFor({ timeout: 10000 });
  await page.getByRole('button', { name: 'Revert' }).click();
  await page.getByLabel('Edit as JSON').uncheck();
});

await step('admin creates a viewer user', async () => {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Users', exact: true }).click();
  await page.getByRole('button', { name: 'Create user' }).click();
  const dialog = page.getByRole('dialog');
  await dialog.getByLabel('Username', { exact: true }).fill(viewerName);
  await dialog.getByLabel('Password', { exact: true }).fill(viewerPassword);
  await dialog.getByLabel('Role').selectOption('viewer');
  await dialog.getByRole('button', { name: 'Create user' }).click();
  await dialog.waitFor({ state: 'detached', timeout: 10000 });
  await page.getByLabel('Search users').fill(viewerName);
  await page.getByRole('cell', { name: viewerName, exact: true }).waitFor({ timeout: 10000 });
  await shot('13-users.png', 'Users (admin only): list, create/edit/delete, role and camera restrictions.');
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit', exact: true }).click();
  await page.getByRole('heading', { name: 'Audit log' }).waitFor();
  await page.waitForTimeout(800);
  await shot('14-audit.png', 'Audit log (admin only) with user/action/resource filters.');
  const r = await apiCall('GET', `/users?search=${encodeURIComponent(viewerName)}`, adminToken);
  viewerId = (r.json?.data?.users ?? []).find((u) => u.username === viewerName)?.id ?? null;
});

await step('light theme and tablet width', async () => {
  await nav('Cameras');
  await page.getByRole('button', { name: /Switch to light theme/ }).click();
  await page.setViewportSize({ width: 768, height: 1024 });
  await page.waitForTimeout(500);
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  await shot('15-tablet-light.png', 'Cameras page in the light theme at tablet width (768 px).');
  // every page fits 768 px without sideways scrolling (tables scroll inside their own box)
  const wide = [];
  for (const name of ['Dashboard', 'Persons', 'Events', 'Attendance', 'System']) {
    await nav(name);
    await page.waitForTimeout(700);
    const o = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (o > 4) wide.push(`${name} +${o}px`);
  }
  if (cameraId) {
    await goClient(`/cameras/${cameraId}`);
    await page.getByTestId('liveview').waitFor();
    await page.waitForTimeout(700);
    const o = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
    if (o > 4) wide.push(`live view +${o}px`);
    await shot('15b-tablet-live.png', 'Live view at 768 px in the light theme: the controls stack under the video.');
  }
  await nav('Cameras');
  await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
  if (wide.length) throw new Error(`sideways scrolling at 768 px: ${wide.join(', ')}`);
  await page.reload();
  await page.getByRole('heading', { name: 'Cameras', level: 1 }).waitFor();
  const theme = await page.evaluate(() => document.documentElement.dataset.theme);
  await page.getByRole('button', { name: /Switch to dark theme/ }).click();
  await page.setViewportSize({ width: 1366, height: 860 });
  if (theme !== 'light') throw new Error(`theme not remembered (${theme})`);
  if (overflow > 4) throw new Error(`page scrolls sideways by ${overflow}px at 768px`);
});

await step('a viewer cannot reach admin pages', async () => {
  await logout();
  await login(viewerName, viewerPassword);
  const navEl = page.getByRole('navigation', { name: 'Main' });
  if (await navEl.getByRole('link', { name: 'Users', exact: true }).count()) throw new Error('viewer sees the Users link');
  if (await navEl.getByRole('link', { name: 'Audit', exact: true }).count()) throw new Error('viewer sees the Audit link');
  await goClient('/system/users');
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor({ timeout: 5000 });
  await goClient('/system/audit');
  await page.getByRole('heading', { name: 'Not allowed' }).waitFor({ timeout: 5000 });
  await shot('16-viewer-not-allowed.png', 'A viewer who opens /system/users gets the "Not allowed" page; the admin links are not in the nav.');
  // a deep link (needs the server's SPA fallback: unknown non-API paths serve index.html)
  let note = 'deep link refused too';
  const res = await page.goto(`${BASE}/system/audit`);
  if (res && res.status() === 200) await page.getByRole('heading', { name: 'Not allowed' }).waitFor({ timeout: 10000 });
  else {
    note = `deep link /system/audit answered ${res?.status()} (server has no SPA fallback)`;
    await page.goto(`${BASE}/`);
  }
  // the API must refuse too
  const tok = await page.evaluate(() => localStorage.getItem('argus.access_token'));
  const api = await apiCall('GET', '/users', tok);
  if (api.status !== 403) throw new Error(`GET /users as viewer -> ${api.status}, expected 403`);
  await nav('System');
  await page.getByRole('heading', { name: 'System', level: 1 }).waitFor();
  if (await page.getByRole('button', { name: 'Save configuration' }).count()) throw new Error('viewer can save the configuration');
  return note;
});

await step('no uncaught errors in the page', async () => {
  if (pageErrors.length) throw new Error(pageErrors.map((e) => `${e.url}: ${e.text}`).join('\n'));
  const appErrors = consoleErrors.filter((e) => !/Failed to load resource|net::ERR_|status of (4|5)\d\d|WebSocket connection to .* failed/.test(e.text));
  if (appErrors.length) throw new Error(appErrors.map((e) => `${e.url}: ${e.text}`).join('\n'));
  const net = consoleErrors.length - appErrors.length;
  return net ? `${net} network error(s) logged by the browser (see e2e-report.json)` : 'console clean';
});

// ---------------------------------------------------------------- cleanup + report
if (!KEEP && adminToken) {
  if (cameraId) await apiCall('DELETE', `/cameras/${cameraId}`, adminToken).catch(() => {});
  if (webcamCameraId) await apiCall('DELETE', `/cameras/${webcamCameraId}`, adminToken).catch(() => {});
  if (personId) await apiCall('DELETE', `/persons/${personId}`, adminToken).catch(() => {});
  if (viewerId) await apiCall('DELETE', `/users/${viewerId}`, adminToken).catch(() => {});
}
await browser.close();
fakeCam?.server.close();

writeFileSync(join(ART, 'e2e-report.json'), JSON.stringify({ base: BASE, when: new Date().toISOString(), images: images.source, results, screenshots: shots, consoleErrors, pageErrors }, null, 2));
writeFileSync(join(ART, 'screenshots.md'), shots.map((s) => `- \`test-artifacts/ui/${s.file}\` — ${s.description}`).join('\n') + '\n');
const passed = results.filter((r) => r.ok).length;
console.log(`\n${passed}/${results.length} steps passed; ${shots.length} screenshots in ${ART}`);
process.exit(failed ? 1 : 0);
