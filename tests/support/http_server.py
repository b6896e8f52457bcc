#!/usr/bin/env python3
"""A small HTTP(S) server for the `uri` module tests (tests/modules_local.rs and the lab
conformance playbook 07_uri.yml). Its answers are deterministic (fixed Date and Server
headers) so that two runs compare equal. It exits by itself after --idle seconds without a
request, so a test that dies cannot leave it running for long.

Routes: /hello (text), /json, /redirect (302 to /hello), /redirect-abs (301, absolute
Location), /missing (404), /echo (any method: a JSON echo of method, path, body and some
request headers), /auth (basic auth user/secret, else 401), /cookie (two Set-Cookie),
/download (Content-Disposition), /slow (sleeps 3 s), /nocontent (204).
"""

import argparse
import base64
import json
import ssl
import sys
import time
from http.server import BaseHTTPRequestHandler, HTTPServer

FIXED_DATE = "Thu, 01 Jan 2026 00:00:00 GMT"
last_request = time.monotonic()


class Handler(BaseHTTPRequestHandler):
    server_version = "lab-http"
    sys_version = ""

    def version_string(self):
        return "lab-http"

    def date_time_string(self, timestamp=None):
        return FIXED_DATE

    def log_message(self, format, *args):
        pass

    def reply(self, code, body=b"", ctype="text/plain", extra=()):
        self.send_response(code)
        if ctype:
            self.send_header("Content-Type", ctype)
        for k, v in extra:
            self.send_header(k, v)
        if code not in (204, 304):
            self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD" and code not in (204, 304):
            self.wfile.write(body)

    def handle_any(self):
        global last_request
        last_request = time.monotonic()
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        path = self.path.split("?")[0]
        if path == "/hello":
            self.reply(200, b"hello\n")
        elif path == "/json":
            self.reply(200, b'{"a": 1, "b": [true, null, "x"], "c": {"d": 2.5}}', "application/json")
        elif path == "/redirect":
            self.reply(302, b"moved\n", extra=[("Location", "/hello")])
        elif path == "/redirect-abs":
            host = self.headers.get("Host")
            scheme = "https" if isinstance(self.connection, ssl.SSLSocket) else "http"
            self.reply(301, b"", extra=[("Location", f"{scheme}://{host}/json")])
        elif path == "/missing":
            self.reply(404, b"no such thing\n")
        elif path == "/echo":
            echo = {
                "method": self.command,
                "path": self.path,
                "body": body.decode("utf-8", "replace"),
                "content_type": self.headers.get("Content-Type"),
                "authorization": self.headers.get("Authorization"),
                "x_custom": self.headers.get("X-Custom"),
                "user_agent": self.headers.get("User-Agent"),
            }
            self.reply(200, json.dumps(echo, sort_keys=True).encode(), "application/json")
        elif path == "/auth":
            want = "Basic " + base64.b64encode(b"user:secret").decode()
            if self.headers.get("Authorization") == want:
                self.reply(200, b"welcome\n")
            else:
                self.reply(401, b"who are you\n", extra=[("WWW-Authenticate", 'Basic realm="lab"')])
        elif path == "/cookie":
            self.reply(200, b"cookies\n", extra=[("Set-Cookie", "a=1; Path=/"), ("Set-Cookie", "b=two; Path=/")])
        elif path == "/download":
            self.reply(200, b"payload 1\n", "application/octet-stream",
                       extra=[("Content-Disposition", 'attachment; filename="payload.txt"')])
        elif path == "/slow":
            time.sleep(3)
            self.reply(200, b"late\n")
        elif path == "/nocontent":
            self.reply(204, ctype=None)
        else:
            self.reply(404, b"not found\n")

    do_GET = do_POST = do_PUT = do_DELETE = do_PATCH = do_HEAD = handle_any


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--bind", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0)
    p.add_argument("--cert")
    p.add_argument("--key")
    p.add_argument("--client-ca", help="require client certificates signed by this CA")
    p.add_argument("--idle", type=float, default=60.0)
    p.add_argument("--port-file", help="write the bound port here once listening")
    a = p.parse_args()
    srv = HTTPServer((a.bind, a.port), Handler)
    if a.cert:
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(a.cert, a.key)
        if a.client_ca:
            ctx.verify_mode = ssl.CERT_REQUIRED
            ctx.load_verify_locations(a.client_ca)
        srv.socket = ctx.wrap_socket(srv.socket, server_side=True)
    srv.timeout = 0.5
    if a.port_file:
        with open(a.port_file + ".tmp", "w") as f:
            f.write(str(srv.server_address[1]))
        import os
        os.rename(a.port_file + ".tmp", a.port_file)
    print(srv.server_address[1], flush=True)
    while time.monotonic() - last_request < a.idle:
        try:
            srv.handle_request()
        except Exception:
            pass
    sys.exit(0)


if __name__ == "__main__":
    main()
