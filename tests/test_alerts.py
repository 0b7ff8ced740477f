"""Failure alerts against local receivers: an HTTP server for the webhook, aiosmtpd for e-mail.

Each test checks what the receiver got, and that no secret (the webhook URL's token, the SMTP
password) appears in anything logged.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
import logging
import socket
import ssl
import threading
from email import message_from_bytes
from email.policy import default as default_policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult

from funnel import alerts

TOKEN = "T0SECRET/B0SECRET/xoxSECRETtoken42"
PASSWORD = "s3cret-Pa55word"

FAILURE = alerts.Failure(
    run_name="tidy-okapi",
    run_id="0f0e0d0c-0000-4000-8000-000000000001",
    state="Failed",
    stage="validate_raw",
    reason="QualityGateError: the raw audit failed; nothing was published.",
    details=("raw: 140 expectations passed, 1 critical and 0 warning failures", "CRITICAL: pos__receipts [store_id]"),
    url="http://127.0.0.1:4200/runs/flow-run/0f0e0d0c-0000-4000-8000-000000000001",
)


class Receiver(ThreadingHTTPServer):
    """An incoming-webhook stand-in: records every POST and answers `status`."""

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.posts: list[dict] = []
        self.status = 200

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/services/{TOKEN}"


class _Handler(BaseHTTPRequestHandler):
    def do_POST(self) -> None:  # noqa: N802 - http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.server.posts.append(
            {"path": self.path, "content_type": self.headers["Content-Type"], "json": json.loads(body)}
        )
        self.send_response(self.server.status)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def receiver():
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


def _webhook(url: str, style: str = "slack") -> alerts.AlertSettings:
    return alerts.load_settings({"FUNNEL_ALERT_WEBHOOK_URL": url, "FUNNEL_ALERT_WEBHOOK_FORMAT": style})


def _no_secret_in(caplog: pytest.LogCaptureFixture) -> None:
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert TOKEN not in logged and "SECRET" not in logged and PASSWORD not in logged, logged


def test_slack_webhook_gets_one_json_message_with_stage_reason_and_link(receiver, caplog):
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    assert alerts.notify(FAILURE, _webhook(receiver.url)) == ["webhook"]

    assert len(receiver.posts) == 1
    post = receiver.posts[0]
    assert post["path"] == f"/services/{TOKEN}"
    assert post["content_type"] == "application/json"
    assert list(post["json"]) == ["text"]
    text = post["json"]["text"]
    assert "*stage:* validate_raw" in text
    assert "*reason:* QualityGateError: the raw audit failed; nothing was published." in text
    assert f"<{FAILURE.url}|open the run in Prefect>" in text
    assert "CRITICAL: pos__receipts [store_id]" in text
    assert "alert sent by webhook: Failed at stage validate_raw" in caplog.text
    _no_secret_in(caplog)


def test_slack_text_escapes_the_characters_slack_reserves(receiver):
    failure = alerts.Failure("r", "1", "Failed", "load", "ContractError: expected <date> & got 'x'")
    alerts.notify(failure, _webhook(receiver.url))
    assert "*reason:* ContractError: expected &lt;date&gt; &amp; got 'x'" in receiver.posts[0]["json"]["text"]


def test_teams_webhook_gets_an_adaptive_card(receiver):
    assert alerts.notify(FAILURE, _webhook(receiver.url, "teams")) == ["webhook"]

    payload = receiver.posts[0]["json"]
    assert payload["type"] == "message"
    (attachment,) = payload["attachments"]
    assert attachment["contentType"] == "application/vnd.microsoft.card.adaptive"
    card = attachment["content"]
    assert card["type"] == "AdaptiveCard" and card["version"] == "1.4"
    facts = {f["title"]: f["value"] for block in card["body"] if block["type"] == "FactSet" for f in block["facts"]}
    assert facts["Stage"] == "validate_raw"
    assert facts["Reason"] == FAILURE.reason
    assert card["actions"] == [{"type": "Action.OpenUrl", "title": "Open the run in Prefect", "url": FAILURE.url}]


def test_a_refusing_webhook_is_logged_by_host_and_status_never_by_url(receiver, caplog):
    receiver.status = 400
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    assert alerts.notify(FAILURE, _webhook(receiver.url)) == []
    assert len(receiver.posts) == 1  # tried once, not retried
    assert "alert by webhook not delivered: webhook at 127.0.0.1 answered HTTP 400" in caplog.text
    assert "FUNNEL_ALERT_WEBHOOK_FORMAT=teams" in caplog.text
    _no_secret_in(caplog)


def test_an_unreachable_webhook_is_logged_without_its_url(caplog):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket closes
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    assert alerts.notify(FAILURE, _webhook(f"http://127.0.0.1:{port}/services/{TOKEN}")) == []
    assert "webhook at 127.0.0.1 unreachable: ConnectionRefusedError" in caplog.text
    _no_secret_in(caplog)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"FUNNEL_ALERT_WEBHOOK_URL": f"hooks.example.com/{TOKEN}"}, "expected an http:// or https:// URL"),
        ({"FUNNEL_ALERT_WEBHOOK_URL": f"https://x/{TOKEN}", "FUNNEL_ALERT_WEBHOOK_FORMAT": "xml"}, "slack or teams"),
        ({"FUNNEL_ALERT_SMTP_HOST": "mail"}, "FUNNEL_ALERT_EMAIL_FROM and FUNNEL_ALERT_EMAIL_TO are needed"),
        (
            {
                "FUNNEL_ALERT_SMTP_HOST": "mail",
                "FUNNEL_ALERT_EMAIL_FROM": "a@x",
                "FUNNEL_ALERT_EMAIL_TO": "b@x",
                "FUNNEL_ALERT_SMTP_USER": "u",
                "FUNNEL_ALERT_SMTP_PASSWORD": PASSWORD,
                "FUNNEL_ALERT_SMTP_STARTTLS": "false",
            },
            "would send the password in clear",
        ),
        (
            {
                "FUNNEL_ALERT_SMTP_HOST": "m",
                "FUNNEL_ALERT_EMAIL_FROM": "a@x",
                "FUNNEL_ALERT_EMAIL_TO": "b@x",
                "FUNNEL_ALERT_SMTP_PORT": "smtp",
            },
            "FUNNEL_ALERT_SMTP_PORT 'smtp': expected a positive whole number",
        ),
    ],
)
def test_bad_settings_name_the_variable_never_the_secret(env, message):
    with pytest.raises(alerts.AlertConfigError, match=message) as caught:
        alerts.load_settings(env)
    assert TOKEN not in str(caught.value) and PASSWORD not in str(caught.value)


def test_no_channel_configured_sends_nothing_and_says_so(caplog):
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    assert alerts.notify(FAILURE, alerts.load_settings({})) == []
    assert "no alert channel configured" in caplog.text


def test_redact_replaces_every_secret():
    assert alerts.redact(f"POST https://h/{TOKEN} with {PASSWORD}", [f"https://h/{TOKEN}", PASSWORD]) == (
        "POST *** with ***"
    )


# --- e-mail ---------------------------------------------------------------------------------------


class _Mailbox:
    def __init__(self) -> None:
        self.messages: list = []
        self.logins: list[tuple[str, str]] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd's naming
        self.messages.append((envelope.mail_from, envelope.rcpt_tos, envelope.content))
        return "250 OK"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        login, password = auth_data.login.decode(), auth_data.password.decode()
        self.logins.append((login, password))
        # handled=False: aiosmtpd answers 535 itself when the login is refused
        return AuthResult(success=(login, password) == ("funnel", PASSWORD), handled=False)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for 127.0.0.1, so STARTTLS can be checked for real (the client verifies it)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "cert.pem", tmp / "key.pem"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def tls_smtp(tmp_path):
    """An SMTP server that requires STARTTLS before AUTH, with a certificate the test can choose to trust."""
    cert, key = _self_signed(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    mailbox = _Mailbox()
    port = _free_port()
    controller = Controller(
        mailbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=mailbox.authenticate,
        auth_require_tls=True,
    )
    controller.start()
    yield mailbox, port, cert
    controller.stop()


def _smtp_env(port: int, password: str = PASSWORD, **extra: str) -> dict[str, str]:
    return {
        "FUNNEL_ALERT_SMTP_HOST": "127.0.0.1",
        "FUNNEL_ALERT_SMTP_PORT": str(port),
        "FUNNEL_ALERT_SMTP_USER": "funnel",
        "FUNNEL_ALERT_SMTP_PASSWORD": password,
        "FUNNEL_ALERT_EMAIL_FROM": "funnel@example.com",
        "FUNNEL_ALERT_EMAIL_TO": "data-team@example.com, oncall@example.com",
        **extra,
    }


def test_email_over_starttls_with_login_reaches_every_recipient(tls_smtp, monkeypatch, caplog):
    mailbox, port, cert = tls_smtp
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))  # trust the test's certificate, and only through the env
    caplog.set_level(logging.INFO, logger="funnel.alerts")

    assert alerts.notify(FAILURE, alerts.load_settings(_smtp_env(port))) == ["e-mail"]

    assert mailbox.logins == [("funnel", PASSWORD)]
    ((sender, recipients, content),) = mailbox.messages
    assert sender == "funnel@example.com"
    assert recipients == ["data-team@example.com", "oncall@example.com"]
    message = message_from_bytes(content, policy=default_policy)
    assert message["Subject"] == (
        "[funnel] funnel run tidy-okapi failed at stage validate_raw: "
        "QualityGateError: the raw audit failed; nothing was published."
    )
    body = message.get_content().replace("\r\n", "\n")
    assert "stage: validate_raw\nreason: QualityGateError: the raw audit failed; nothing was published." in body
    assert f"prefect: {FAILURE.url}" in body
    _no_secret_in(caplog)


def test_a_wrong_password_is_reported_by_smtp_code_never_by_value(tls_smtp, monkeypatch, caplog):
    mailbox, port, cert = tls_smtp
    monkeypatch.setenv("SSL_CERT_FILE", str(cert))
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    settings = alerts.load_settings(_smtp_env(port, password=PASSWORD + "-old"))

    assert alerts.notify(FAILURE, settings) == []

    assert mailbox.messages == []
    assert f"e-mail through 127.0.0.1:{port} failed at login: SMTP 535" in caplog.text
    _no_secret_in(caplog)


def test_an_untrusted_certificate_stops_the_mail_before_the_password_is_sent(tls_smtp, monkeypatch, caplog):
    mailbox, port, _ = tls_smtp
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    caplog.set_level(logging.INFO, logger="funnel.alerts")

    assert alerts.notify(FAILURE, alerts.load_settings(_smtp_env(port))) == []

    assert mailbox.logins == [] and mailbox.messages == []
    assert "failed at starttls: SSLCertVerificationError" in caplog.text


def test_a_local_relay_without_starttls_or_login(caplog):
    mailbox = _Mailbox()
    port = _free_port()
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        env = {
            "FUNNEL_ALERT_SMTP_HOST": "127.0.0.1",
            "FUNNEL_ALERT_SMTP_PORT": str(port),
            "FUNNEL_ALERT_SMTP_STARTTLS": "false",
            "FUNNEL_ALERT_EMAIL_FROM": "funnel@example.com",
            "FUNNEL_ALERT_EMAIL_TO": "data-team@example.com",
        }
        assert alerts.notify(FAILURE, alerts.load_settings(env)) == ["e-mail"]
    finally:
        controller.stop()
    assert len(mailbox.messages) == 1


def test_one_broken_channel_does_not_stop_the_other(receiver, caplog):
    env = {
        "FUNNEL_ALERT_WEBHOOK_URL": receiver.url,
        "FUNNEL_ALERT_SMTP_HOST": "127.0.0.1",
        "FUNNEL_ALERT_SMTP_PORT": str(_free_port()),  # nobody listens
        "FUNNEL_ALERT_SMTP_STARTTLS": "false",
        "FUNNEL_ALERT_EMAIL_FROM": "funnel@example.com",
        "FUNNEL_ALERT_EMAIL_TO": "data-team@example.com",
    }
    caplog.set_level(logging.INFO, logger="funnel.alerts")
    assert alerts.notify(FAILURE, alerts.load_settings(env)) == ["webhook"]
    assert len(receiver.posts) == 1
    assert "alert by e-mail not delivered" in caplog.text and "failed at connect: ConnectionRefusedError" in caplog.text


# --- what the hook reads from a Prefect run -------------------------------------------------------


class _Run:
    name = "tidy-okapi"
    id = "0f0e0d0c-0000-4000-8000-000000000001"


def test_describe_takes_the_stage_from_the_exception_and_one_line_reason():
    from prefect.states import Failed

    error = RuntimeError("the raw audit failed; nothing was published.\nraw: 3 passed\n  CRITICAL: x [y]: z")
    alerts.mark_stage(error, "validate_raw")
    alerts.mark_stage(error, "load")  # an outer stage does not overwrite the one that failed
    failure = alerts.describe(_Run(), Failed(data=error, message="Flow run encountered an exception"), url=None)

    assert failure.stage == "validate_raw"
    assert failure.reason == "RuntimeError: the raw audit failed; nothing was published."
    assert failure.details == ("raw: 3 passed", "CRITICAL: x [y]: z")
    assert failure.state == "Failed"


def test_describe_a_crash_reported_by_the_worker_uses_the_state_message():
    from prefect.states import Crashed

    failure = alerts.describe(_Run(), Crashed(message="Flow run process exited with non-zero status code -9."))
    assert failure.state == "Crashed"
    # Prefect turns the message into a CrashedRun exception; the reason keeps the worker's words
    assert failure.reason == "CrashedRun: Flow run process exited with non-zero status code -9."
    assert failure.stage.startswith("unknown (the run crashed")
    assert failure.title == "funnel run tidy-okapi crashed"  # no stage to name


# --- the hook on a real flow run (Prefect's ephemeral API) ------------------------------------------


def _tiny_flow():
    """A flow whose task fails on every one of its three tries, inside a stage called `load`."""
    from prefect import flow, task

    @task(retries=2, retry_delay_seconds=0)
    def fetch() -> None:
        raise RuntimeError("the source answered 503\nretry later")

    @flow(name="alert-probe", on_failure=[alerts.on_run_failure], on_crashed=[alerts.on_run_failure])
    def probe() -> None:
        try:
            fetch()
        except BaseException as exc:
            alerts.mark_stage(exc, "load")
            raise

    return probe


@pytest.fixture
def patient_ephemeral_api():
    """Prefect gives its ephemeral API 20 s to start; a busy machine needs more (docs/operations.md)."""
    from prefect.settings import PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, temporary_settings

    with temporary_settings({PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS: 120}):
        yield


def _run_logs_and_artifacts(run_id) -> tuple[str, dict]:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import ArtifactFilter, ArtifactFilterFlowRunId, LogFilter, LogFilterFlowRunId
    from prefect.logging.handlers import APILogHandler

    APILogHandler().flush()
    with get_client(sync_client=True) as client:
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        artifacts = client.read_artifacts(
            artifact_filter=ArtifactFilter(flow_run_id=ArtifactFilterFlowRunId(any_=[run_id]))
        )
    return "\n".join(log.message for log in logs), {a.key: a.data for a in artifacts if a.key}


@pytest.mark.prefect
def test_a_failed_flow_run_alerts_once_whatever_its_task_retries(receiver, monkeypatch, patient_ephemeral_api):
    monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", receiver.url)
    state = _tiny_flow()(return_state=True)

    assert state.is_failed()
    assert len(receiver.posts) == 1, receiver.posts  # three task tries, one failed run, one alert
    text = receiver.posts[0]["json"]["text"]
    assert "*stage:* load" in text and "*reason:* RuntimeError: the source answered 503" in text
    logs, artifacts = _run_logs_and_artifacts(state.state_details.flow_run_id)
    assert "run failed at stage load: RuntimeError: the source answered 503" in logs
    assert "alert sent by webhook: Failed at stage load" in logs
    assert "| stage | `load` |" in artifacts[alerts.ARTIFACT_KEY]
    assert TOKEN not in logs


@pytest.mark.prefect
def test_a_failing_notifier_does_not_mask_the_runs_own_failure(receiver, monkeypatch, patient_ephemeral_api):
    receiver.status = 500
    monkeypatch.setenv("FUNNEL_ALERT_WEBHOOK_URL", receiver.url)
    state = _tiny_flow()(return_state=True)

    assert state.is_failed()
    with pytest.raises(RuntimeError, match="the source answered 503"):
        state.result()
    assert len(receiver.posts) == 1
    logs, _ = _run_logs_and_artifacts(state.state_details.flow_run_id)
    assert "alert by webhook not delivered: webhook at 127.0.0.1 answered HTTP 500" in logs
    assert TOKEN not in logs
