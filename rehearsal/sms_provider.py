"""A stand-in for Termii's SMS API, served on its own port as the real provider would be.

It answers `POST /api/sms/send` the way Termii does (a message id, the balance) and keeps every
text it was asked to send; `GET /sent` lists them, so the rehearsal can see what reached a phone.
Run: python -m rehearsal.sms_provider PORT API_KEY
"""

import json
import sys
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class Provider(BaseHTTPRequestHandler):
    api_key = ""
    sent: list[dict] = []
    lock = threading.Lock()

    def do_POST(self) -> None:
        if self.path != "/api/sms/send":
            return self.reply(404, {"message": "Not found"})
        try:
            body = json.loads(self.rfile.read(int(self.headers.get("Content-Length") or 0)))
        except ValueError:
            return self.reply(400, {"message": "Invalid JSON"})
        if body.get("api_key") != self.api_key:
            return self.reply(401, {"message": "Invalid API key"})
        if not (str(body.get("to", "")).isdigit() and body.get("sms")):
            return self.reply(400, {"message": "to and sms are required"})
        message_id = uuid.uuid4().hex
        with self.lock:
            self.sent.append({"message_id": message_id, "to": body["to"], "from": body.get("from"), "sms": body["sms"]})
        self.reply(
            200,
            {
                "code": "ok",
                "message_id": message_id,
                "message": "Successfully Sent",
                "balance": 1000,
                "user": "Rehearsal",
            },
        )

    def do_GET(self) -> None:
        if self.path != "/sent":
            return self.reply(404, {"message": "Not found"})
        with self.lock:
            self.reply(200, {"sent": list(self.sent)})

    def reply(self, status: int, payload: dict) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args) -> None:
        sys.stderr.write(f"sms-provider: {format % args}\n")


def main() -> None:
    port, Provider.api_key = int(sys.argv[1]), sys.argv[2]
    server = ThreadingHTTPServer(("127.0.0.1", port), Provider)
    print(f"SMS provider (Termii API) on http://127.0.0.1:{port}", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
