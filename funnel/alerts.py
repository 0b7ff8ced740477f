"""Failure alerts: a failed or blocked run tells the people who own it, by webhook and/or e-mail.

Every setting comes from the environment (see `docs/operations.md`). The webhook URL and the SMTP
password are secrets: no log line or exception message ever holds them; a failed delivery is
reported by channel, receiver host and kind of error only. A failing notifier never masks the
run's own failure: the Prefect hook catches and logs everything it raises.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import smtplib
import ssl
import sys
import urllib.error
import urllib.request
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from email.message import EmailMessage
from typing import Any
from urllib.parse import urlsplit

logger = logging.getLogger("funnel.alerts")

# The attribute a pipeline stage sets on the exception it fails with (see `mark_stage`).
STAGE_ATTRIBUTE = "funnel_stage"
OUTSIDE_STAGES = "outside a stage"
CRASHED_STAGE = "unknown (the run crashed; `funnel status` shows the last finished stage)"
ARTIFACT_KEY = "funnel-run-failure"
WEBHOOK_FORMATS = ("slack", "teams")
MAX_DETAIL_LINES = 20


class AlertConfigError(ValueError):
    """An alert setting is missing or malformed; the message names the variable, never a secret value."""


class AlertDeliveryError(RuntimeError):
    """A notifier could not deliver; the message names the channel and receiver host, never a secret."""


@dataclass(frozen=True)
class Failure:
    """What went wrong in one run, as the people who own it need to read it."""

    run_name: str
    run_id: str
    state: str
    stage: str
    reason: str
    details: tuple[str, ...] = ()
    url: str | None = None

    @property
    def title(self) -> str:
        known = self.stage not in (OUTSIDE_STAGES, CRASHED_STAGE)
        return f"funnel run {self.run_name} {self.state.lower()}" + (f" at stage {self.stage}" if known else "")

    def text(self) -> str:
        """The plain-text message: run, stage, one-line reason, details and the link to the run."""
        lines = [
            self.title,
            f"stage: {self.stage}",
            f"reason: {self.reason}",
            f"run: {self.run_name} ({self.run_id})",
            f"prefect: {self.url}" if self.url else "prefect: no UI (ephemeral API); see `funnel status`",
        ]
        if self.details:
            lines += ["", *self.details]
        return "\n".join(lines)


@dataclass(frozen=True)
class WebhookSettings:
    url: str
    format: str

    @property
    def host(self) -> str:
        return urlsplit(self.url).hostname or "?"


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    recipients: tuple[str, ...]
    starttls: bool
    user: str | None = None
    password: str | None = None


@dataclass(frozen=True)
class AlertSettings:
    webhook: WebhookSettings | None
    smtp: SmtpSettings | None
    timeout_seconds: float

    @property
    def secrets(self) -> tuple[str, ...]:
        values = [self.webhook.url if self.webhook else None, self.smtp.password if self.smtp else None]
        return tuple(v for v in values if v)


def load_settings(environ: Mapping[str, str] | None = None) -> AlertSettings:
    """Alert channels from FUNNEL_ALERT_* variables; none set means no alerts."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str | None:
        value = env.get(name, "").strip()
        return value or None

    webhook = None
    if url := get("FUNNEL_ALERT_WEBHOOK_URL"):
        if urlsplit(url).scheme not in ("http", "https") or not urlsplit(url).hostname:
            raise AlertConfigError("FUNNEL_ALERT_WEBHOOK_URL: expected an http:// or https:// URL")
        style = (get("FUNNEL_ALERT_WEBHOOK_FORMAT") or "slack").lower()
        if style not in WEBHOOK_FORMATS:
            raise AlertConfigError(f"FUNNEL_ALERT_WEBHOOK_FORMAT '{style}': expected {' or '.join(WEBHOOK_FORMATS)}")
        webhook = WebhookSettings(url=url, format=style)

    smtp = None
    if host := get("FUNNEL_ALERT_SMTP_HOST"):
        recipients = tuple(a.strip() for a in (get("FUNNEL_ALERT_EMAIL_TO") or "").split(",") if a.strip())
        sender = get("FUNNEL_ALERT_EMAIL_FROM")
        if not recipients or not sender:
            raise AlertConfigError(
                "FUNNEL_ALERT_SMTP_HOST is set: FUNNEL_ALERT_EMAIL_FROM and FUNNEL_ALERT_EMAIL_TO are needed too"
            )
        starttls = _flag(get("FUNNEL_ALERT_SMTP_STARTTLS"), "FUNNEL_ALERT_SMTP_STARTTLS", default=True)
        user, password = get("FUNNEL_ALERT_SMTP_USER"), env.get("FUNNEL_ALERT_SMTP_PASSWORD") or None
        if (user or password) and not starttls:
            raise AlertConfigError(
                "FUNNEL_ALERT_SMTP_USER/PASSWORD with FUNNEL_ALERT_SMTP_STARTTLS=false would send the password "
                "in clear: enable STARTTLS, or use a relay that needs no login"
            )
        if bool(user) != bool(password):
            raise AlertConfigError(
                "FUNNEL_ALERT_SMTP_USER and FUNNEL_ALERT_SMTP_PASSWORD go together: set both or neither"
            )
        smtp = SmtpSettings(
            host=host,
            port=_number(get("FUNNEL_ALERT_SMTP_PORT"), "FUNNEL_ALERT_SMTP_PORT", default=587),
            sender=sender,
            recipients=recipients,
            starttls=starttls,
            user=user,
            password=password,
        )
    timeout = _number(get("FUNNEL_ALERT_TIMEOUT_SECONDS"), "FUNNEL_ALERT_TIMEOUT_SECONDS", default=10)
    return AlertSettings(webhook=webhook, smtp=smtp, timeout_seconds=timeout)


def _flag(value: str | None, name: str, default: bool) -> bool:
    if value is None:
        return default
    if value.lower() in ("1", "true", "yes", "on"):
        return True
    if value.lower() in ("0", "false", "no", "off"):
        return False
    raise AlertConfigError(f"{name} '{value}': expected true or false")


def _number(value: str | None, name: str, default: int) -> int:
    if value is None:
        return default
    try:
        number = int(value)
    except ValueError:
        number = 0
    if number <= 0:
        raise AlertConfigError(f"{name} '{value}': expected a positive whole number")
    return number


def redact(text: str, secrets: Iterable[str]) -> str:
    """The text with every secret replaced: a last guard for messages that quote what they were given."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def webhook_payload(failure: Failure, style: str) -> dict[str, Any]:
    """JSON for a Slack-compatible incoming webhook (`{"text"}`) or a Teams workflow (an Adaptive Card)."""
    if style == "teams":
        body: list[dict[str, Any]] = [
            {"type": "TextBlock", "text": failure.title, "weight": "Bolder", "color": "Attention", "wrap": True},
            {
                "type": "FactSet",
                "facts": [
                    {"title": "Stage", "value": failure.stage},
                    {"title": "Reason", "value": failure.reason},
                    {"title": "Run", "value": f"{failure.run_name} ({failure.run_id})"},
                ],
            },
        ]
        if failure.details:
            body.append({"type": "TextBlock", "text": "\n\n".join(failure.details), "wrap": True, "isSubtle": True})
        card: dict[str, Any] = {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": body,
        }
        if failure.url:
            card["actions"] = [{"type": "Action.OpenUrl", "title": "Open the run in Prefect", "url": failure.url}]
        return {
            "type": "message",
            "attachments": [
                {"contentType": "application/vnd.microsoft.card.adaptive", "contentUrl": None, "content": card}
            ],
        }
    lines = [
        f"*{_slack_escape(failure.title)}*",
        f"*stage:* {_slack_escape(failure.stage)}",
        f"*reason:* {_slack_escape(failure.reason)}",
        f"*run:* {_slack_escape(failure.run_name)} ({failure.run_id})",
    ]
    if failure.url:
        lines.append(f"<{failure.url}|open the run in Prefect>")
    if failure.details:
        lines.append("```" + _slack_escape("\n".join(failure.details)) + "```")
    return {"text": "\n".join(lines)}


def _slack_escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def send_webhook(failure: Failure, webhook: WebhookSettings, timeout: float) -> None:
    """POST the alert as JSON; raise AlertDeliveryError (naming only the host) when it is not accepted."""
    request = urllib.request.Request(
        webhook.url,
        data=json.dumps(webhook_payload(failure, webhook.format)).encode("utf-8"),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            status = response.status
    except urllib.error.HTTPError as exc:
        hint = " (for Microsoft Teams set FUNNEL_ALERT_WEBHOOK_FORMAT=teams)" if webhook.format == "slack" else ""
        raise AlertDeliveryError(f"webhook at {webhook.host} answered HTTP {exc.code}{hint}") from None
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        raise AlertDeliveryError(f"webhook at {webhook.host} unreachable: {type(reason).__name__}") from None
    if not 200 <= status < 300:
        raise AlertDeliveryError(f"webhook at {webhook.host} answered HTTP {status}")


def send_email(failure: Failure, smtp: SmtpSettings, timeout: float) -> None:
    """Send the alert through SMTP (STARTTLS with certificate checks unless turned off)."""
    message = EmailMessage()
    message["Subject"] = f"[funnel] {failure.title}: {failure.reason}"[:250]
    message["From"] = smtp.sender
    message["To"] = ", ".join(smtp.recipients)
    message.set_content(failure.text())
    step = "connect"
    try:
        with smtplib.SMTP(smtp.host, smtp.port, timeout=timeout) as client:
            if smtp.starttls:
                step = "starttls"
                client.starttls(context=ssl.create_default_context())
            if smtp.user and smtp.password:
                step = "login"
                client.login(smtp.user, smtp.password)
            step = "send"
            client.send_message(message)
    except (smtplib.SMTPException, OSError) as exc:
        code = getattr(exc, "smtp_code", None)
        detail = f"SMTP {code}" if code else type(exc).__name__
        raise AlertDeliveryError(f"e-mail through {smtp.host}:{smtp.port} failed at {step}: {detail}") from None


def notify(failure: Failure, settings: AlertSettings | None = None, log: Any = None) -> list[str]:
    """Send the alert on every configured channel; returns the channels that delivered. Never raises."""
    log = log or logger
    if settings is None:
        try:
            settings = load_settings()
        except AlertConfigError as exc:
            log.error("no alert sent: %s", exc)
            return []
    channels = []
    if settings.webhook:
        channels.append(("webhook", lambda: send_webhook(failure, settings.webhook, settings.timeout_seconds)))
    if settings.smtp:
        channels.append(("e-mail", lambda: send_email(failure, settings.smtp, settings.timeout_seconds)))
    if not channels:
        log.info("no alert channel configured (FUNNEL_ALERT_WEBHOOK_URL, FUNNEL_ALERT_SMTP_HOST)")
        return []
    delivered = []
    for name, send in channels:
        try:
            send()
        except Exception as exc:  # one broken channel must not stop the others, nor mask the run's failure
            log.error("alert by %s not delivered: %s", name, redact(str(exc), settings.secrets))
        else:
            delivered.append(name)
    if delivered:
        log.info("alert sent by %s: %s at stage %s", " and ".join(delivered), failure.state, failure.stage)
    return delivered


def mark_stage(exc: BaseException, stage: str) -> None:
    """Record on an exception the pipeline stage it failed; the first (innermost) stage wins."""
    if getattr(exc, STAGE_ATTRIBUTE, None) is None:
        # an exception type with __slots__ takes no attribute: its alert says "outside a stage"
        with contextlib.suppress(AttributeError):
            setattr(exc, STAGE_ATTRIBUTE, stage)


def describe(flow_run: Any, state: Any, url: str | None = None) -> Failure:
    """A Failure from a Prefect flow run and its final state (Failed or Crashed)."""
    exc = None
    try:
        value = state.result(raise_on_failure=False)
        exc = value if isinstance(value, BaseException) else None
    except Exception:  # a crash reported by the worker has no stored exception: the state message says it all
        exc = None
    if exc is not None:
        lines = [line.strip() for line in str(exc).splitlines() if line.strip()] or [""]
        reason = f"{type(exc).__name__}: {lines[0]}".rstrip(": ")
        details = tuple(lines[1 : 1 + MAX_DETAIL_LINES])
        stage = getattr(exc, STAGE_ATTRIBUTE, None) or (CRASHED_STAGE if state.is_crashed() else OUTSIDE_STAGES)
    else:
        lines = [line.strip() for line in (state.message or state.name or "").splitlines() if line.strip()] or ["?"]
        reason, details = lines[0], tuple(lines[1 : 1 + MAX_DETAIL_LINES])
        stage = CRASHED_STAGE if state.is_crashed() else OUTSIDE_STAGES
    return Failure(
        run_name=flow_run.name,
        run_id=str(flow_run.id),
        state=state.name or str(state.type),
        stage=stage,
        reason=reason[:500],
        details=details,
        url=url,
    )


def failure_markdown(failure: Failure) -> str:
    """The failure as the Markdown artifact a Prefect run keeps."""
    rows = [
        "# Run failed" if failure.state.lower() != "crashed" else "# Run crashed",
        "",
        "| | |",
        "|---|---|",
        f"| stage | `{failure.stage}` |",
        f"| reason | {_markdown_cell(failure.reason)} |",
        f"| run | {failure.run_name} (`{failure.run_id}`) |",
        "",
        "The last publication is unchanged. `funnel status` shows every stage of the run.",
    ]
    if failure.details:
        rows += ["", "```", *failure.details, "```"]
    return "\n".join(rows)


def _markdown_cell(text: str) -> str:
    return text.replace("|", "\\|")


def on_run_failure(flow: Any, flow_run: Any, state: Any) -> None:
    """Prefect `on_failure` / `on_crashed` hook: record the failure as an artifact and notify the owners."""
    from prefect.logging.loggers import flow_run_logger

    log = flow_run_logger(flow_run, flow)
    try:
        failure = describe(flow_run, state, url=_run_url(flow_run))
        log.error("run failed at stage %s: %s", failure.stage, failure.reason)
        _record_artifact(failure, flow_run, log)
        notify(failure, log=log)
    except Exception as exc:  # the run has failed already: an alerting bug must not hide that
        log.error("the failure alert could not be prepared: %s: %s", type(exc).__name__, _safe(str(exc)))


def _run_url(flow_run: Any) -> str | None:
    """The run's page in the Prefect UI, when a server (not the ephemeral API) is used."""
    from prefect.settings import PREFECT_API_URL
    from prefect.utilities.urls import url_for

    if not PREFECT_API_URL.value():
        return None
    return url_for(flow_run) or None


def _record_artifact(failure: Failure, flow_run: Any, log: Any) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import ArtifactCreate

    try:
        with get_client(sync_client=True) as client:
            client.create_artifact(
                ArtifactCreate(
                    type="markdown",
                    key=ARTIFACT_KEY,
                    description=f"why run {failure.run_name} failed",
                    flow_run_id=flow_run.id,
                    data=failure_markdown(failure),
                )
            )
    except Exception as exc:
        log.warning("the failure artifact could not be written: %s", type(exc).__name__)


def _safe(text: str) -> str:
    try:
        secrets = load_settings().secrets
    except AlertConfigError:
        secrets = tuple(os.environ.get(n, "") for n in ("FUNNEL_ALERT_WEBHOOK_URL", "FUNNEL_ALERT_SMTP_PASSWORD"))
    return redact(text, secrets)


def _main(argv: list[str]) -> int:
    """`python -m funnel.alerts test`: send a test alert through the configured channels."""
    if argv != ["test"]:
        print("usage: python -m funnel.alerts test", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    try:
        settings = load_settings()
    except AlertConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    failure = Failure(
        run_name="alert-test",
        run_id="-",
        state="Failed",
        stage="none (a test alert)",
        reason="this is a test of the funnel failure alerts; nothing failed",
    )
    delivered = notify(failure, settings)
    configured = sum(1 for c in (settings.webhook, settings.smtp) if c)
    return 0 if configured and len(delivered) == configured else 1


if __name__ == "__main__":
    sys.exit(_main(sys.argv[1:]))
