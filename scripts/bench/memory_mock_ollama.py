"""A minimal stand-in for Ollama's /api/chat, for scripts/bench/memory.sh.

It answers every chat request after DELAY_MS with one NDJSON line that
ends the answer ("done": true), which serves both streamed and whole
answers, and counts the requests it received (GET /count). It stands in for
a model server so that the benchmark times Vuhitra's own work, not
generation; the delay stands for the shortest answer a local model gives.

Usage: python3 memory_mock_ollama.py PORT_FILE [DELAY_MS]   (default 100)
Writes the port it listens on (127.0.0.1) to PORT_FILE.
"""

import json
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

requests_seen = 0
lock = threading.Lock()
delay_seconds = 0.1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format, *args):  # noqa: A002 - the base class names it
        pass

    def send_json(self, body: bytes, content_type: str) -> None:
        self.send_response(200)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802 - http.server's naming
        if self.path == "/count":
            with lock:
                self.send_json(str(requests_seen).encode(), "text/plain")
        else:
            self.send_error(404)

    def do_POST(self):  # noqa: N802 - http.server's naming
        global requests_seen
        length = int(self.headers.get("Content-Length", "0"))
        request = json.loads(self.rfile.read(length) or b"{}")
        if self.path != "/api/chat":
            self.send_error(404)
            return
        with lock:
            requests_seen += 1
        time.sleep(delay_seconds)
        prompt = request["messages"][-1]["content"]
        line = {
            "model": request.get("model", "bench"),
            "created_at": "2024-01-01T00:00:00Z",
            "message": {"role": "assistant", "content": f"An answer to: {prompt}"},
            "done": True,
            "done_reason": "stop",
            "prompt_eval_count": 12,
            "eval_count": 24,
        }
        self.send_json((json.dumps(line) + "\n").encode(), "application/x-ndjson")


def main() -> None:
    global delay_seconds
    if len(sys.argv) > 2:
        delay_seconds = float(sys.argv[2]) / 1000
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    with open(sys.argv[1], "w", encoding="utf-8") as port_file:
        port_file.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main()
