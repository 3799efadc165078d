"""GOV.UK Notify as the channel, through its maintained client, against a local fake of its
HTTP API: the same outbox, the same retries, nothing about the child."""

import json
import threading
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import jwt
import pytest

from safeguard.checks.delivery import send_queued
from safeguard.checks.models import Outbox
from safeguard.checks.services import run_checks
from tests import factories
from tests.checks_helpers import D, event, involve, looked_after_child

pytestmark = pytest.mark.django_db
SERVICE_ID = str(uuid.UUID(int=1))
SECRET = str(uuid.UUID(int=2))
TEMPLATE = str(uuid.UUID(int=3))


class FakeNotify(BaseHTTPRequestHandler):
    received: list = []
    status = 201

    def do_POST(self):
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        token = self.headers["Authorization"].removeprefix("Bearer ")
        claims = jwt.decode(token, SECRET, algorithms=["HS256"])
        type(self).received.append((self.path, claims["iss"], body))
        self.send_response(self.status)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        reply = (
            {"id": str(uuid.uuid4()), "reference": body.get("reference"), "content": {}}
            if self.status == 201
            else {"status_code": self.status, "errors": [{"error": "Exception", "message": "down"}]}
        )
        self.wfile.write(json.dumps(reply).encode())

    def log_message(self, *args):
        pass


@pytest.fixture
def notify(settings):
    FakeNotify.received = []
    FakeNotify.status = 201
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeNotify)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    settings.SAFEGUARD_NOTIFY_API_KEY = f"safeguard_test-{SERVICE_ID}-{SECRET}"
    settings.SAFEGUARD_NOTIFY_TEMPLATE_ID = TEMPLATE
    settings.SAFEGUARD_NOTIFY_BASE_URL = f"http://127.0.0.1:{server.server_address[1]}"
    yield FakeNotify
    server.shutdown()
    server.server_close()


@pytest.fixture
def raised():
    sw = factories.user("sw", email="sw@example.org")
    child = looked_after_child(
        start=D(2018, 3, 1),
        given_name="Zerelda",
        family_name="Quillfeather",
        nhs_number="9434765919",
    )
    involve(child, sw, "allocated_social_worker")
    event(child, "returned_from_missing", "2018-03-05T14:00", episode_ref="M1")
    run_checks(D(2018, 3, 8), [child.pk])
    return Outbox.objects.get(recipient=sw)


def test_sends_through_notify_with_the_template_and_no_child_details(notify, raised):
    assert send_queued()["sent"] == 1
    ((path, issuer, body),) = notify.received
    assert path == "/v2/notifications/email"
    assert issuer == SERVICE_ID
    assert body["template_id"] == TEMPLATE
    assert body["email_address"] == "sw@example.org"
    assert body["personalisation"]["subject"] == "A high-severity Safeguard alert needs you"
    assert body["reference"] == f"safeguard-outbox-{raised.pk}"
    text = json.dumps(body).lower()
    assert "zerelda" not in text and "quillfeather" not in text
    raised.refresh_from_db()
    assert raised.status == "sent"


def test_notify_failure_keeps_the_message_queued_with_the_error(notify, raised):
    notify.status = 500
    assert send_queued()["retrying"] == 1
    raised.refresh_from_db()
    assert (raised.status, raised.attempts) == ("queued", 1)
    assert "500" in raised.last_error or "down" in raised.last_error
