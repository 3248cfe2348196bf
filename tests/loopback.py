"""A loopback HTTP server that records every request, to prove none arrives."""

from __future__ import annotations

import http.server
import threading
from contextlib import contextmanager


class _Recorder(http.server.BaseHTTPRequestHandler):
    def _answer(self):
        self.server.requests.append(self.path)
        body = b'{"head":{"vars":["s","p","o"]},"results":{"bindings":[]}}'
        self.send_response(200)
        self.send_header("Content-Type", "application/sparql-results+json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_GET = do_POST = _answer

    def log_message(self, *args):
        pass


@contextmanager
def recording_server():
    """Yield (base URL, list of request paths) for a server on a free loopback port."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    server.requests = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", server.requests
    finally:
        server.shutdown()
        server.server_close()
