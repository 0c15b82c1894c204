#!/usr/bin/env python3
"""HTTP figures for scripts/bench (issue 11, part 3): `chiso serve` on a bench schema against nginx
serving the same bytes from files, on the same machine, with wrk. For `/metrics`,
`/api/v1/snapshot` and `/`: the body's size plain and gzip, chiso's requests per second plain and
with `Accept-Encoding: gzip`, nginx's with the plain file and with `gzip_static` (the .gz file made
once, beforehand), and their ratios; then serve's RSS and high-water mark after the load.

Figures only, never assertions.
    throughput.py CHISO_BINARY DATABASE_URL SCHEMA AS_OF [SECONDS]   (default 8 s per run)
"""
import gzip
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

binary, url, schema, as_of = sys.argv[1:5]
seconds = int(sys.argv[5]) if len(sys.argv) > 5 else 8
paths = {"/metrics": "metrics.txt", "/api/v1/snapshot": "snapshot.json", "/": "index.html"}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port, path, gzip_ok=False):
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", headers={"Accept-Encoding": "gzip"} if gzip_ok else {})
    with urllib.request.urlopen(request, timeout=120) as response:
        return response.read(), response.headers.get("Content-Encoding")


def wrk(port, path, gzip_ok):
    command = ["wrk", "-t2", "-c16", f"-d{seconds}s", f"http://127.0.0.1:{port}{path}"]
    if gzip_ok:
        command[1:1] = ["-H", "Accept-Encoding: gzip"]
    out = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    latency = re.search(r"Latency\s+([\d.]+\w+)", out)
    return float(rate.group(1)) if rate else 0.0, latency.group(1) if latency else "?"


def memory(pid):
    fields = {}
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM"):
                fields[key] = int(value.split()[0]) / 1024
    return fields


site = tempfile.mkdtemp(prefix="chiso-bench-http.")
os.chmod(site, 0o755)
chiso_port, nginx_port = free_port(), free_port()
env = dict(os.environ, CHISO_OUTPUT_DIR="", CHISO_ALERT_ENABLED="false", CHISO_LOG_LEVEL="warning")
serve = subprocess.Popen([binary, "serve", "--database-url", url, "--schema", schema, "--as-of", as_of, "--refresh-interval", "3600",
                          "--listen", f"127.0.0.1:{chiso_port}"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
nginx = None
try:
    for _ in range(1200):
        try:
            body, _ = get(chiso_port, "/readyz")
            if body.startswith(b"ready"):
                break
        except OSError:
            pass
        time.sleep(0.25)
    else:
        sys.exit("throughput.py: chiso serve did not become ready")
    sizes = {}
    for path, name in paths.items():
        plain, _ = get(chiso_port, path)
        compressed, encoding = get(chiso_port, path, gzip_ok=True)
        with open(os.path.join(site, name), "wb") as f:
            f.write(plain)
        with open(os.path.join(site, name + ".gz"), "wb") as f:
            f.write(gzip.compress(plain, 6))
        sizes[path] = (len(plain), len(compressed) if encoding == "gzip" else None)
    conf = os.path.join(site, "nginx.conf")
    with open(conf, "w") as f:
        f.write(f"""
user root;
worker_processes auto;
error_log {site}/error.log;
pid {site}/nginx.pid;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    sendfile on;
    client_body_temp_path {site}/tmp; proxy_temp_path {site}/tmp; fastcgi_temp_path {site}/tmp;
    uwsgi_temp_path {site}/tmp; scgi_temp_path {site}/tmp;
    server {{
        listen 127.0.0.1:{nginx_port};
        gzip_static on;
        location = /metrics {{ default_type "text/plain; version=0.0.4"; alias {site}/metrics.txt; }}
        location = /api/v1/snapshot {{ default_type application/json; alias {site}/snapshot.json; }}
        # Not `alias` for `/`: a URI ending in a slash goes to the index module, which then looks
        # for "index.htmlindex.html" and answers 500 (what an earlier run measured, at 177 bytes).
        location = / {{ default_type text/html; root {site}; try_files /index.html =404; }}
    }}
}}
""")
    nginx = subprocess.Popen(["nginx", "-c", conf, "-g", "daemon off;"], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    time.sleep(1)
    # Both servers must answer the same bytes, plain and gzip, before either is timed.
    for path, name in paths.items():
        with open(os.path.join(site, name), "rb") as f:
            expected = f.read()
        for port, server in ((chiso_port, "chiso"), (nginx_port, "nginx")):
            plain, _ = get(port, path)
            compressed, encoding = get(port, path, gzip_ok=True)
            if plain != expected or encoding != "gzip" or gzip.decompress(compressed) != expected:
                sys.exit(f"throughput.py: {server} does not answer {path} with the same bytes "
                         f"(plain {len(plain):,} B of {len(expected):,}, gzip: {encoding})")
    print(f"  HTTP, wrk -t2 -c16 -d{seconds}s on the same machine (2 cores shared by server and client):")
    for path in paths:
        plain_size, gzip_size = sizes[path]
        chiso_plain = wrk(chiso_port, path, False)
        chiso_gzip = wrk(chiso_port, path, True)
        nginx_plain = wrk(nginx_port, path, False)
        nginx_gzip = wrk(nginx_port, path, True)
        gz = f"{gzip_size:,} B gzip" if gzip_size else "no gzip"
        print(f"    {path}: {plain_size:,} B plain, {gz}")
        print(f"      plain: chiso {chiso_plain[0]:,.0f} req/s (latency {chiso_plain[1]}), nginx {nginx_plain[0]:,.0f} req/s "
              f"-> {chiso_plain[0] / max(nginx_plain[0], 1e-9):.2f}")
        print(f"      gzip:  chiso {chiso_gzip[0]:,.0f} req/s (latency {chiso_gzip[1]}), nginx gzip_static {nginx_gzip[0]:,.0f} req/s "
              f"-> {chiso_gzip[0] / max(nginx_gzip[0], 1e-9):.2f}")
    rss = memory(serve.pid)
    print(f"    serve after the load: RSS {rss.get('VmRSS', 0):.0f} MiB, high-water {rss.get('VmHWM', 0):.0f} MiB")
finally:
    if nginx:
        nginx.terminate()
        nginx.wait()
    serve.terminate()
    serve.wait()
    shutil.rmtree(site, ignore_errors=True)
