#!/usr/bin/env python3
"""A real SMTP listener (aiosmtpd) and HTTP receiver for chiso's alert tests.

Usage: mail_sink.py DIR
Listens on 127.0.0.1, free ports, writes "SMTP_PORT HTTP_PORT" to DIR/ports when ready.
Every message received by SMTP is saved as DIR/mail-N.eml and parsed, by Python's own email
package, into DIR/mail-N.json: envelope (mail_from, rcpt_tos), decoded headers and the text of
each MIME part. Every HTTP POST is saved as DIR/http-N.json (path, headers, body).
Runs until killed."""
import email
import email.policy
import json
import os
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiosmtpd.controller import Controller

# Started from a process that ignores SIGTERM (it inherits that): make SIGTERM stop it again.
signal.signal(signal.SIGTERM, signal.SIG_DFL)
out = sys.argv[1]
lock = threading.Lock()
counter = {"mail": 0, "http": 0}


def next_path(kind, extension):
    with lock:
        counter[kind] += 1
        return os.path.join(out, f"{kind}-{counter[kind]}.{extension}")


class Handler:
    async def handle_DATA(self, server, session, envelope):
        raw = envelope.original_content or envelope.content
        base = next_path("mail", "eml")
        with open(base, "wb") as f:
            f.write(raw)
        message = email.message_from_bytes(raw, policy=email.policy.default)
        parts = []
        for part in message.walk():
            if part.is_multipart():
                continue
            parts.append({"content_type": part.get_content_type(), "charset": part.get_content_charset(),
                          "text": part.get_content()})
        record = {
            "mail_from": envelope.mail_from,
            "rcpt_tos": envelope.rcpt_tos,
            "headers": [[k, str(v)] for k, v in message.items()],
            "subject": str(message["subject"]),
            "to": str(message["to"] or ""),
            "cc": str(message["cc"] or ""),
            "bcc": message["bcc"] is not None,
            "message_id": str(message["message-id"] or ""),
            "in_reply_to": str(message["in-reply-to"] or ""),
            "references": str(message["references"] or ""),
            "content_type": message.get_content_type(),
            "parts": parts,
        }
        tmp = base[:-4] + ".json.tmp"
        with open(tmp, "w") as f:
            json.dump(record, f, ensure_ascii=False)
        os.rename(tmp, base[:-4] + ".json")
        return "250 OK"


class Receiver(BaseHTTPRequestHandler):
    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length).decode("utf-8")
        path = next_path("http", "json")
        status = 500 if self.path.endswith("/fail") else 204
        tmp = path + ".tmp"
        with open(tmp, "w") as f:
            json.dump({"path": self.path, "headers": dict(self.headers.items()), "body": body, "answered": status}, f, ensure_ascii=False)
        os.rename(tmp, path)
        self.send_response(status)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


import socket

probe = socket.socket()
probe.bind(("127.0.0.1", 0))
smtp_port = probe.getsockname()[1]
probe.close()
controller = Controller(Handler(), hostname="127.0.0.1", port=smtp_port)
controller.start()
http = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
threading.Thread(target=http.serve_forever, daemon=True).start()
with open(os.path.join(out, "ports.tmp"), "w") as f:
    f.write(f"{smtp_port} {http.server_address[1]}\n")
os.rename(os.path.join(out, "ports.tmp"), os.path.join(out, "ports"))
threading.Event().wait()
