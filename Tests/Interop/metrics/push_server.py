"""A stand-in for sensor.community's push API (Tests/Interop/run-metrics.sh): records every request
(method, path, headers, body) as a JSON line and answers the statuses given, in turn, then 200.
A status of 0 closes the connection without an answer; -1 answers nothing for 30 s (longer than
the station's request timeout), then closes it.

    push_server.py PORTFILE RECORDFILE [STATUS ...]
"""
import json
import socket
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

port_file, record_file = sys.argv[1], sys.argv[2]
answers = [int(a) for a in sys.argv[3:]]
lock = threading.Lock()


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self):
        length = int(self.headers.get("Content-Length", "0"))
        body = self.rfile.read(length)
        with lock:
            status = answers.pop(0) if answers else 200
            with open(record_file, "a") as f:
                f.write(json.dumps({
                    "method": "POST", "path": self.path, "headers": {k: v for k, v in self.headers.items()},
                    "body": body.decode("utf-8", "replace"), "answered": status,
                }) + "\n")
        if status == -1:
            time.sleep(30)
        if status <= 0:
            self.connection.shutdown(socket.SHUT_RDWR)
            self.close_connection = True
            return
        reply = b'{"ok":true}' if status < 300 else b'{"error":"test"}'
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
with open(port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(port_file + ".tmp", port_file)
server.serve_forever()
