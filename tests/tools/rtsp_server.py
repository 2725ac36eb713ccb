#!/usr/bin/python3
"""RTSP test peer: serves mp4 clips over RTSP with stream copy (no re-encoding), using
Debian's GStreamer RTSP server through Python GI (ffmpeg 5.1 cannot serve RTSP).

  rtsp_server.py [--port N] [--user U --password P] [--tls-cert PEM] [--loops N] MOUNT=CLIP.mp4 ...

Each MOUNT is served at rtsp://127.0.0.1:PORT/MOUNT (rtsps:// with --tls-cert: a PEM file
holding the certificate and its private key; needs --user, as the server's TLS lives in its
auth object). --port 0 (default) picks a free port.
Prints "READY <port>" on stdout once listening. Killable at any time; restartable on the
same port. Looping: qtdemux cannot loop a stream-copied mp4 in place without timestamp
jumps, so the clip is first remuxed --loops times back to back (ffmpeg -stream_loop -c copy,
seconds for our clips) into a temp dir that is removed on exit.
"""
import argparse
import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtspServer  # noqa: E402


TEMP_PREFIX = "argus-rtsp-"


def remove_stale_temp_dirs():
    """Temp dirs of servers that were killed (the fault tests SIGKILL them): the dir name
    carries the owner's pid; remove those whose owner is gone."""
    base = tempfile.gettempdir()
    for name in os.listdir(base):
        if not name.startswith(TEMP_PREFIX):
            continue
        pid = name[len(TEMP_PREFIX):].split("-", 1)[0]
        if not pid.isdigit():
            continue  # an older unnamed one: its owner is unknown, leave it
        try:
            os.kill(int(pid), 0)
        except ProcessLookupError:
            shutil.rmtree(os.path.join(base, name), True)
        except PermissionError:
            pass  # alive, another user's


def video_codec(path):
    out = subprocess.run(["ffprobe", "-v", "error", "-select_streams", "v:0", "-show_entries",
                          "stream=codec_name", "-of", "json", path], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)["streams"][0]["codec_name"]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--port", type=int, default=0)
    ap.add_argument("--user")
    ap.add_argument("--password")
    ap.add_argument("--tls-cert", help="PEM with certificate and key: serve RTSPS (needs --user)")
    ap.add_argument("--loops", type=int, default=1, help="times the clip repeats before EOS")
    ap.add_argument("mounts", nargs="+", help="MOUNT=CLIP")
    args = ap.parse_args()
    if args.tls_cert and not args.user:
        ap.error("--tls-cert needs --user")

    Gst.init(None)
    remove_stale_temp_dirs()
    tmp = tempfile.mkdtemp(prefix=f"{TEMP_PREFIX}{os.getpid()}-")
    atexit.register(shutil.rmtree, tmp, True)
    loop = GLib.MainLoop()
    # SIGTERM / SIGINT: leave the main loop (a Python handler would not run while GLib waits
    # in C), then exit through atexit so the temp dir goes away.
    for sig in (signal.SIGTERM, signal.SIGINT):
        GLib.unix_signal_add(GLib.PRIORITY_DEFAULT, sig, loop.quit)

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    server.set_service(str(args.port))
    mounts = server.get_mount_points()
    for spec in args.mounts:
        name, _, clip = spec.partition("=")
        if not clip:
            ap.error("mount must be NAME=CLIP")
        codec = video_codec(clip)
        if args.loops > 1:
            looped = os.path.join(tmp, name.replace("/", "_") + ".mp4")
            subprocess.run(["ffmpeg", "-v", "error", "-y", "-stream_loop", str(args.loops - 1), "-i", clip,
                            "-map", "0:v:0", "-c", "copy", looped], check=True)
            clip = looped
        parse, pay = {"h264": ("h264parse", "rtph264pay"), "hevc": ("h265parse", "rtph265pay")}[codec]
        factory = GstRtspServer.RTSPMediaFactory()
        factory.set_launch(f'( filesrc location="{clip}" ! qtdemux ! {parse} config-interval=-1 ! '
                           f'{pay} name=pay0 pt=96 )')
        factory.set_shared(True)
        if args.user:
            factory.add_role_from_structure(Gst.Structure.new_from_string(
                "user, media.factory.access=(boolean)true, media.factory.construct=(boolean)true"))
        mounts.add_factory("/" + name.lstrip("/"), factory)

    if args.user:
        auth = GstRtspServer.RTSPAuth()
        token = GstRtspServer.RTSPToken()
        token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "user")
        auth.add_basic(GstRtspServer.RTSPAuth.make_basic(args.user, args.password or ""), token)
        if args.tls_cert:
            auth.set_tls_certificate(Gio.TlsCertificate.new_from_file(args.tls_cert))
        server.set_auth(auth)

    if server.attach(None) == 0:
        print("ERROR cannot listen", flush=True)
        return 1
    print(f"READY {server.get_bound_port()}", flush=True)
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main())
