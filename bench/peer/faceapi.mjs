// face-api.js (@vladmandic/face-api 1.7.15, TF.js 4.22 wasm backend) as the peer of `argus detect`
// and `argus eval lfw`: same images, same pair selection, same 10-fold protocol. Driven by run.sh.
//
//   node faceapi.mjs time [--warmup 2] [--runs 10] IMAGE...         -> JSON per image
//   node faceapi.mjs lfw --data DIR [--pairs 600] [--min-confidence 0.5] [--retry-confidence 0.1]
//
// Images: binary PPM (P6) or JPEG. Models come from the npm package's model/ folder; nothing is
// fetched at run time. Pipeline: SSD MobileNet v1 -> 68 landmarks -> 128-d descriptor (the
// package's own chain, default options), matched by Euclidean distance as its FaceMatcher does.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const here = path.dirname(fileURLToPath(import.meta.url));
const tf = require('@tensorflow/tfjs');
const wasm = require('@tensorflow/tfjs-backend-wasm');
const faceapi = require('@vladmandic/face-api/dist/face-api.node-wasm.js');
const jpeg = require('jpeg-js');

function parseArgs(argv) {
  const opts = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) opts[a.slice(2)] = argv[++i];
    else opts._.push(a);
  }
  return opts;
}

// Decoded RGB pixels {width, height, data: Uint8Array (h*w*3)}.
function readImage(file) {
  const buf = fs.readFileSync(file);
  if (buf[0] === 0x50 && buf[1] === 0x36) {  // "P6": header tokens, then one whitespace byte, then pixels
    let pos = 2;
    const tok = [];
    while (tok.length < 3) {
      while (/\s/.test(String.fromCharCode(buf[pos]))) pos++;
      if (buf[pos] === 0x23) { while (buf[pos] !== 0x0a) pos++; continue; }  // comment
      let s = '';
      while (!/\s/.test(String.fromCharCode(buf[pos]))) s += String.fromCharCode(buf[pos++]);
      tok.push(Number(s));
    }
    const [width, height, maxval] = tok;
    if (maxval !== 255) throw new Error(`${file}: only 8-bit PPM`);
    pos++;
    return { width, height, data: new Uint8Array(buf.buffer, buf.byteOffset + pos, width * height * 3) };
  }
  const img = jpeg.decode(buf, { useTArray: true, formatAsRGBA: false, maxMemoryUsageInMB: 1024 });
  return { width: img.width, height: img.height, data: img.data };
}

const toTensor = (img) => tf.tensor3d(img.data, [img.height, img.width, 3], 'int32');

async function init() {
  wasm.setWasmPaths(path.join(here, 'node_modules/@tensorflow/tfjs-backend-wasm/dist') + path.sep);
  await tf.setBackend('wasm');
  await tf.ready();
  const modelDir = path.join(here, 'node_modules/@vladmandic/face-api/model');
  await faceapi.nets.ssdMobilenetv1.loadFromDisk(modelDir);
  await faceapi.nets.faceLandmark68Net.loadFromDisk(modelDir);
  await faceapi.nets.faceRecognitionNet.loadFromDisk(modelDir);
  return {
    faceapi: faceapi.version,
    tfjs: tf.version_core,
    backend: tf.getBackend(),
    wasm_simd: await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT'),
    wasm_threads: await tf.env().getAsync('WASM_HAS_MULTITHREAD_SUPPORT'),
    node: process.version,
  };
}

async function analyze(tensor, minConfidence) {
  const options = new faceapi.SsdMobilenetv1Options({ minConfidence });
  return faceapi.detectAllFaces(tensor, options).withFaceLandmarks().withFaceDescriptors();
}

// Nearest-rank percentile, as `argus detect --repeat` computes it.
function percentile(v, p) {
  const s = [...v].sort((a, b) => a - b);
  const k = Math.ceil(p * s.length);
  return s[Math.min(s.length - 1, k ? k - 1 : 0)];
}

async function runTime(opts) {
  const info = await init();
  const warmup = Number(opts.warmup ?? 2);
  const runs = Number(opts.runs ?? 10);
  const minConfidence = Number(opts['min-confidence'] ?? 0.5);
  const out = { peer: info, warmup, runs, min_confidence: minConfidence, images: [] };
  for (const file of opts._) {
    const img = readImage(file);
    const tensor = toTensor(img);
    let res = [];
    for (let i = 0; i < warmup; i++) res = await analyze(tensor, minConfidence);
    const wall = [];
    const cpu = [];
    for (let i = 0; i < runs; i++) {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      res = await analyze(tensor, minConfidence);
      wall.push(performance.now() - t0);
      const c = process.cpuUsage(c0);
      cpu.push((c.user + c.system) / 1000);
    }
    tf.dispose(tensor);
    out.images.push({
      image: file,
      width: img.width,
      height: img.height,
      count: res.length,
      boxes: res.map((r) => {
        const b = r.detection.box;
        return [Math.round(b.x), Math.round(b.y), Math.round(b.width), Math.round(b.height)];
      }),
      timing: {
        runs,
        wall_ms_p50: percentile(wall, 0.5),
        wall_ms_p90: percentile(wall, 0.9),
        wall_ms_min: percentile(wall, 0),
        cpu_ms_p50: percentile(cpu, 0.5),
      },
    });
  }
  console.log(JSON.stringify(out));
}

// ---------------------------------------------------------------- LFW
// Pair list and subset exactly as `argus eval lfw --pairs N` builds them (src/cli/vision_commands.cpp).
function readPairs(data, limit) {
  const lines = fs.readFileSync(path.join(data, 'pairs.txt'), 'utf8').split('\n');
  const [folds] = lines[0].trim().split(/\s+/).map(Number);
  const img = (name, i) => `${name}/${name}_${String(i).padStart(4, '0')}.jpg`;
  let pairs = [];
  for (const line of lines.slice(1)) {
    const t = line.trim().split(/\s+/);
    if (t.length === 3) pairs.push({ a: img(t[0], +t[1]), b: img(t[0], +t[2]), same: true });
    else if (t.length === 4) pairs.push({ a: img(t[0], +t[1]), b: img(t[2], +t[3]), same: false });
  }
  if (limit > 0 && limit < pairs.length) {
    const foldN = Math.floor(pairs.length / folds);
    const take = Math.floor(limit / folds);
    const half = Math.floor(foldN / 2);
    const kept = [];
    for (let f = 0; f < folds; f++)
      for (let i = 0; i < take; i++) kept.push(pairs[f * foldN + (i % 2 ? half + Math.floor(i / 2) : Math.floor(i / 2))]);
    pairs = kept;
  }
  return { pairs, folds };
}

// Same metrics as argus's verify_metrics(): threshold picked on 9 folds, accuracy on the tenth.
function verifyMetrics(scores, same, folds) {
  const n = scores.length;
  const cand = [...new Set(scores)].sort((a, b) => a - b);
  const step = Math.max(1, Math.floor(cand.length / 2000));
  const ths = [];
  for (let i = 0; i + 1 < cand.length; i += step) ths.push((cand[i] + cand[i + 1]) / 2);
  if (!ths.length) ths.push(cand[0]);
  const accOn = (th, inSet) => {
    let ok = 0;
    let tot = 0;
    for (let i = 0; i < n; i++) {
      if (!inSet(i)) continue;
      tot++;
      if ((scores[i] > th) === same[i]) ok++;
    }
    return tot ? ok / tot : 0;
  };
  const foldSize = Math.floor(n / folds);
  const accs = [];
  for (let f = 0; f < folds; f++) {
    const lo = f * foldSize;
    const hi = f === folds - 1 ? n : lo + foldSize;
    let best = -1;
    let bestTh = ths[0];
    for (const th of ths) {
      const a = accOn(th, (i) => i < lo || i >= hi);
      if (a > best) { best = a; bestTh = th; }
    }
    accs.push(accOn(bestTh, (i) => i >= lo && i < hi));
  }
  const mean = accs.reduce((a, b) => a + b, 0) / accs.length;
  const std = Math.sqrt(accs.reduce((a, b) => a + (b - mean) ** 2, 0) / accs.length);
  return { accuracy: mean, std };
}

// The LFW subject is the face nearest the centre (argus uses the same rule).
function central(results, w, h) {
  let best = null;
  let bestD = Infinity;
  for (const r of results) {
    const b = r.detection.box;
    const dx = b.x + b.width / 2 - w / 2;
    const dy = b.y + b.height / 2 - h / 2;
    const d = dx * dx + dy * dy - 0.5 * b.width * b.height;
    if (d < bestD) { bestD = d; best = r; }
  }
  return best;
}

async function runLfw(opts) {
  const info = await init();
  const data = opts.data;
  const limit = Number(opts.pairs ?? 600);
  const minConfidence = Number(opts['min-confidence'] ?? 0.5);
  const retryConfidence = Number(opts['retry-confidence'] ?? 0.1);
  const { pairs, folds } = readPairs(data, limit);
  const names = [...new Set(pairs.flatMap((p) => [p.a, p.b]))].sort();
  const desc = new Map();  // name -> {strict: Float32Array|null, retried: Float32Array|null}
  let missed = 0;
  let missedAfterRetry = 0;
  const t0 = performance.now();
  for (const [i, name] of names.entries()) {
    const img = readImage(path.join(data, 'images', name));
    const tensor = toTensor(img);
    let face = central(await analyze(tensor, minConfidence), img.width, img.height);
    const strict = face ? face.descriptor : null;
    if (!face) {
      missed++;
      face = central(await analyze(tensor, retryConfidence), img.width, img.height);
      if (!face) missedAfterRetry++;
    }
    desc.set(name, { strict, retried: face ? face.descriptor : null });
    tf.dispose(tensor);
    if (process.stderr.isTTY && (i + 1) % 25 === 0) process.stderr.write(`\rface-api lfw ${i + 1}/${names.length}`);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
  const seconds = (performance.now() - t0) / 1000;
  // A pair with a missing face scores below every real pair: judged "different people".
  const score = (a, b) => (a && b ? -faceapi.euclideanDistance(a, b) : -1e9);
  const same = pairs.map((p) => p.same);
  const strict = verifyMetrics(pairs.map((p) => score(desc.get(p.a).strict, desc.get(p.b).strict)), same, folds);
  const retried = verifyMetrics(pairs.map((p) => score(desc.get(p.a).retried, desc.get(p.b).retried)), same, folds);
  console.log(JSON.stringify({
    peer: info,
    pairs: pairs.length,
    images: names.length,
    seconds,
    ms_per_image: (1000 * seconds) / names.length,
    min_confidence: minConfidence,
    missed_faces: missed,
    accuracy: strict.accuracy,
    std: strict.std,
    retry_confidence: retryConfidence,
    missed_after_retry: missedAfterRetry,
    accuracy_with_retry: retried.accuracy,
    std_with_retry: retried.std,
  }, null, 2));
}

const opts = parseArgs(process.argv.slice(2));
const mode = opts._.shift();
if (mode === 'time') await runTime(opts);
else if (mode === 'lfw') await runLfw(opts);
else {
  console.error('usage: node faceapi.mjs time [--warmup N] [--runs N] IMAGE... | lfw --data DIR [--pairs N]');
  process.exit(2);
}
