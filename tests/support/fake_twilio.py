"""A fake Twilio REST API on loopback: a real threaded HTTP server speaking the Messages create request,
recording what it received and failing on cue; it also posts signed status callbacks as Twilio does.

    with FakeTwilio() as twilio:              # base_url, account_sid, auth_token for the settings
        twilio.program("503")                 # the next create answers 503; then all accepted
        twilio.program("400:21211")           # the next one 400 with Twilio's error code 21211
        twilio.program("stall")               # the next one is read, then no answer for stall_seconds
        twilio.received                       # [Received(to, body, from_, ...)] of accepted creates
        twilio.callback_send(url, sid, "delivered", error_code=None)   # a signed status callback
    refused = FakeTwilio.refused_url()        # a base URL where nothing listens (connection refused)

Only POST /2010-04-01/Accounts/{sid}/Messages.json with the account's basic auth is answered like
Twilio (201 and the message's JSON); anything else is 404, a wrong password 401 with code 20003.
"""

import base64
import json
import threading
import time
import urllib.parse
import urllib.request
import uuid
from collections import deque
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from twilio.request_validator import RequestValidator

from tests.support.smtp_sink import free_port

MESSAGES_PATH = "/2010-04-01/Accounts/{sid}/Messages.json"
FAKE_AUTH_TOKEN = "fake-auth-token"  # noqa: S105 (the fake's own token, nobody's secret)


@dataclass(frozen=True)
class Received:
    sid: str
    to: str
    body: str
    from_: str
    messaging_service_sid: str
    status_callback: str
    form: dict = field(default_factory=dict)


class FakeTwilio:
    def __init__(self, *, account_sid: str = "AC" + "1" * 32, auth_token: str = FAKE_AUTH_TOKEN):
        self.account_sid, self.auth_token = account_sid, auth_token
        self.received: list[Received] = []
        self.attempts: list[str] = []
        self.stall_seconds = 5.0
        self._program: deque[str] = deque()
        self._lock = threading.Lock()
        self._server = ThreadingHTTPServer(("127.0.0.1", free_port()), self._handler())
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @staticmethod
    def refused_url() -> str:
        return f"http://127.0.0.1:{free_port()}"

    def __enter__(self) -> "FakeTwilio":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._server.shutdown()
        self._server.server_close()

    def program(self, *steps: str) -> None:
        """Steps for the next creates, in order: "accept", "<status>" or "<status>:<code>", "stall"."""
        with self._lock:
            self._program.extend(steps)

    def _next_step(self) -> str:
        with self._lock:
            return self._program.popleft() if self._program else "accept"

    def _authorised(self, header: str) -> bool:
        expected = base64.b64encode(f"{self.account_sid}:{self.auth_token}".encode()).decode()
        return header == f"Basic {expected}"

    def _create(self, form: dict[str, str]) -> tuple[int, dict]:
        step = self._next_step()
        self.attempts.append(step)
        if step == "stall":
            time.sleep(self.stall_seconds)
        elif step != "accept":
            status, _, code = step.partition(":")
            return int(status), {
                "code": int(code) if code else None,
                "message": f"Fake error {step}",
                "status": int(status),
            }
        sid = "SM" + uuid.uuid4().hex
        received = Received(
            sid=sid,
            to=form.get("To", ""),
            body=form.get("Body", ""),
            from_=form.get("From", ""),
            messaging_service_sid=form.get("MessagingServiceSid", ""),
            status_callback=form.get("StatusCallback", ""),
            form=form,
        )
        with self._lock:
            self.received.append(received)
        answer = {
            "sid": sid,
            "account_sid": self.account_sid,
            "to": received.to,
            "from": received.from_ or None,
            "messaging_service_sid": received.messaging_service_sid or None,
            "body": received.body,
            "status": "queued",
            "num_segments": "1",
            "direction": "outbound-api",
            "api_version": "2010-04-01",
            "error_code": None,
            "error_message": None,
            "uri": MESSAGES_PATH.format(sid=self.account_sid).replace(".json", f"/{sid}.json"),
        }
        return 201, answer

    def _handler(self):
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                pass

            def _answer(self, status: int, payload: dict) -> None:
                data = json.dumps(payload).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length).decode()
                if self.path != MESSAGES_PATH.format(sid=fake.account_sid):
                    return self._answer(404, {"code": 20404, "message": "Not found", "status": 404})
                if not fake._authorised(self.headers.get("Authorization", "")):
                    return self._answer(401, {"code": 20003, "message": "Authenticate", "status": 401})
                form = dict(urllib.parse.parse_qsl(body, keep_blank_values=True))
                self._answer(*fake._create(form))

        return Handler

    def callback_params(self, sid: str, status: str, *, error_code: int | None = None, to: str = "") -> dict:
        params = {
            "AccountSid": self.account_sid,
            "MessageSid": sid,
            "SmsSid": sid,
            "MessageStatus": status,
            "SmsStatus": status,
            "To": to,
            "ApiVersion": "2010-04-01",
        }
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
        return params

    def signature(self, url: str, params: dict) -> str:
        return RequestValidator(self.auth_token).compute_signature(url, params)

    def callback_send(self, url: str, sid: str, status: str, *, error_code: int | None = None) -> int:
        """Post a status callback to `url`, signed with the auth token as Twilio signs; the HTTP status."""
        params = self.callback_params(sid, status, error_code=error_code)
        request = urllib.request.Request(  # noqa: S310 (a URL the test gives)
            url,
            data=urllib.parse.urlencode(params).encode(),
            headers={"X-Twilio-Signature": self.signature(url, params)},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310 (a URL the test gives)
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
