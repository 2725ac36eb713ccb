export type Role = 'viewer' | 'supervisor' | 'admin';

export interface Pagination {
  page: number;
  pages: number;
  per_page: number;
  total: number;
  has_next: boolean;
  has_prev: boolean;
}

export interface User {
  id: number;
  username: string;
  role: Role;
  camera_ids: number[];
  createdAt?: string;
  lastLogin?: string | null;
}

export type CameraType = 'rtsp' | 'http_mjpeg' | 'usb' | 'websocket' | 'socket' | 'file';
/** waiting: a push camera that is running with nobody sending frames (idle, not a fault) */
export type CameraStatus = 'inactive' | 'connecting' | 'live' | 'error' | 'stopped' | 'waiting';

export interface DetectionSettings {
  enabled: boolean;
  fps_limit: number;
  min_face_size: number;
  confidence_threshold: number;
  max_faces_per_frame: number;
}

export interface CameraStats {
  frames_captured?: number;
  frames_processed?: number;
  frames_dropped?: number;
  /** not sampled because of the detection fps limit */
  frames_skipped?: number;
  /** detection slots that passed with a frame waiting but no analysis started (pool overloaded) */
  detections_missed?: number;
  avg_fps?: number;
  processed_fps?: number;
  /** frame received -> analysis done, as the pipeline reports it */
  avg_latency_ms?: number;
  latency_ms?: number;
  reconnections?: number;
  downtime_s?: number;
  downtime_ms?: number;
  bandwidth_kbps?: number;
  last_error?: string | null;
  faces_detected?: number;
  /** the size of the decoded frames (0 before the first frame) */
  width?: number;
  height?: number;
}

export interface Camera {
  id: number;
  name: string;
  source: string;
  type: CameraType;
  status: CameraStatus;
  resolution?: { width: number; height: number };
  fps?: number;
  settings?: Record<string, unknown>;
  detection?: DetectionSettings;
  location?: { site?: string; floor?: string; zone?: string };
  isActive?: boolean;
  hasCredentials?: boolean;
  createdAt?: string;
  updatedAt?: string;
  stats?: CameraStats;
  /** optional: people currently in view (from live results) */
  people_in_view?: number;
}

/** GET /cameras/discover: USB devices (type usb, source /dev/videoN) and ONVIF devices (type
 * onvif, source = the device service URL http://host[:port]/onvif/device_service). */
export interface DiscoveredCamera {
  source: string;
  name: string;
  type: CameraType | 'onvif';
  capabilities?: unknown;
  xaddrs?: string[];
  hardware?: string;
}

/** A system alert (GET /system/alerts, WebSocket system_alert); `id` is stable per condition. */
export interface SystemAlert {
  id: string;
  alert: 'camera_offline' | 'camera_idle' | 'analysis_overloaded' | 'disk_low' | string;
  severity: 'info' | 'warning' | 'critical' | string;
  camera_id: number | null;
  message: string;
  since: string;
  /** false: the condition cleared */
  active: boolean;
}

export interface PersonImage {
  id: number;
  url: string;
  quality?: number;
}

export interface Person {
  id: number;
  name: string;
  employee_id?: string | null;
  department?: string | null;
  metadata?: Record<string, unknown>;
  consent?: { given: boolean; date?: string | null };
  images?: PersonImage[];
  lastSeen?: string | null;
  createdAt?: string;
  updatedAt?: string;
}

export interface ImageVerdict {
  index: number;
  filename: string;
  ok: boolean;
  reason?: string;
  quality?: number;
  image_id?: number;
  duplicate_of?: { person_id: number; name: string; similarity: number };
}

export interface Sighting {
  id: number;
  camera_id: number;
  camera_name?: string;
  track_id?: number;
  person_id: number | null;
  person_name: string | null;
  first_seen: string | number;
  last_seen: string | number;
  best_confidence?: number;
  similarity?: number;
  frame_count?: number;
  snapshot_url?: string;
}

export interface AttendanceRow {
  date: string;
  person_id: number;
  name: string;
  first_seen: string;
  last_seen: string;
  cameras: number[];
}

/** GET /attendance (JSON): the rows and the date range the server applied. */
export interface AttendanceResponse {
  attendance: AttendanceRow[];
  from?: string | null;
  to?: string | null;
}

/** GET /detections/{id} */
export interface SightingResponse {
  detection: Sighting;
}

export interface BBox {
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface Detection {
  track_id?: number;
  bbox: BBox;
  normalized?: Partial<BBox>;
  confidence?: number;
  person?: { id: number; name: string; similarity?: number } | null;
  landmarks?: [number, number][];
  pose?: { yaw: number; pitch: number; roll: number };
}

export interface FrameResult {
  camera_id: number;
  frame_seq?: number;
  frame_ts?: number;
  width: number;
  height: number;
  detections: Detection[];
  timings?: Record<string, number>;
  model?: string;
  fps?: number;
  /** A preview sent right after detection: boxes final, names only for settled tracks; the
   * complete detection_event for the same frame_seq follows. */
  provisional?: boolean;
}

export interface SystemStatus {
  services?: { name: string; status: string; health?: string }[];
  performance?: { cpuUsage?: number; memoryUsage?: number; gpuUsage?: number | null; diskUsage?: number };
  process?: { rss_bytes?: number; threads?: number; uptime_s?: number; open_fds?: number };
  cameras?: { total?: number; live?: number };
  timestamp?: string | number;
}

export interface Health {
  status: 'healthy' | 'degraded' | 'unhealthy' | string;
  components?: Record<string, { status: string; [k: string]: unknown }>;
}

export interface AuditEntry {
  id: number;
  time: string;
  user: string;
  action: string;
  resource: string;
  resource_id?: string | number | null;
  client?: string;
  result?: string;
  details?: unknown;
}

export type VideoJobStatus = 'queued' | 'running' | 'completed' | 'failed' | 'cancelled';

/** One person track found in a video job (times are video time, ms from the start). */
export interface VideoJobTrack {
  track_id: number;
  known: boolean;
  person_id: number | null;
  person_name: string;
  similarity: number;
  first_ms: number;
  last_ms: number;
  best_confidence: number;
  frames: number;
}

/** GET /api/v1/jobs/{id} for a video job (ids start with vj_). */
export interface VideoJob {
  job_id: string;
  type: 'video';
  status: VideoJobStatus;
  cancel_requested?: boolean;
  source: { kind: 'upload' | 'path'; name: string };
  sample_fps: number;
  created_at: string;
  started_at: string | null;
  finished_at: string | null;
  position?: number;
  video?: { width: number; height: number; codec: string; format: string; fps: number; duration_ms: number };
  progress: {
    percent: number;
    video_ms: number;
    duration_ms: number;
    frames_decoded: number;
    frames_total: number;
    frames_analyzed: number;
    faces: number;
    tracks: number;
    elapsed_ms: number;
    speed: number;
  };
  result?: {
    summary: {
      frames_decoded: number;
      frames_analyzed: number;
      faces: number;
      tracks: number;
      persons?: number;
      unknown_tracks?: number;
      video_ms: number;
      elapsed_ms: number;
      cancelled: boolean;
      analyzer?: boolean;
      warning?: string;
    };
    tracks?: VideoJobTrack[];
  };
  error?: { code: string; message: string };
  status_url?: string;
}
