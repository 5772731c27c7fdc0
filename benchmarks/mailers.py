#!/usr/bin/env python3
"""How fast the mail path goes: planning, rendering, and sending through the outbox and
through SMTP to a local aiosmtpd server. Run: .venv/bin/python benchmarks/mailers.py [N]"""

from __future__ import annotations

import socket
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from destsync.adapters.local.outbox import OutboxMailer
from destsync.adapters.local.smtp import SmtpMailer
from destsync.config.mail import DEFAULT_CAMPAIGNS, DEFAULT_TEMPLATES
from destsync.domain.calendar import AcademicCalendar
from destsync.domain.campaigns import Audience, plan_campaigns
from destsync.domain.plan import OutgoingMessage
from destsync.service.render import Renderer, campaign_context, sample_context

SENDER = "careers@oakfield.example.org"


class Sink:
    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        return "250 OK"


def rate(label: str, n: int, seconds: float) -> None:
    print(f"{label:<34} {n:>6} in {seconds:6.2f} s = {n / seconds:8.0f} /s")


def main(n: int) -> None:
    rows = {f"OAK-{i}": {"ref": f"OAK-{i}", "forename": "Zoë", "surname": "O'Rourke",
                         "leaving_year": str(2024 + i % 3), "consent": "Yes",
                         "email": f"s{i}@example.org"} for i in range(n)}
    aud = Audience("OAK", (SENDER,), AcademicCalendar({}), rows, (), {})
    t = time.perf_counter()
    plan = plan_campaigns(DEFAULT_CAMPAIGNS, aud, datetime(2027, 5, 3, 6, tzinfo=UTC))
    rate("plan (due messages)", len(plan.due), time.perf_counter() - t)

    renderer = Renderer(DEFAULT_TEMPLATES)
    ctx = sample_context("Oakfield Academy (example)", SENDER, "Example Trust", "https://x")
    c = DEFAULT_CAMPAIGNS[0]
    t = time.perf_counter()
    msgs = []
    for m in plan.due:
        subject, text, html = renderer.render(c.template, c.subject,
                                              {**ctx, **campaign_context(c, m.attempt)})
        msgs.append(OutgoingMessage(m.key, m.ref, c.key, m.to[0], subject, text, html))
    rate("render (text + HTML)", len(msgs), time.perf_counter() - t)

    with tempfile.TemporaryDirectory() as tmp:
        outbox = OutboxMailer(Path(tmp), SENDER, "Careers", SENDER)
        t = time.perf_counter()
        for m in msgs:
            outbox.send(m)
        rate("outbox send (fsync + rename)", len(msgs), time.perf_counter() - t)
        t = time.perf_counter()
        assert all(outbox.already_sent(m.key) for m in msgs)
        rate("outbox already_sent", len(msgs), time.perf_counter() - t)

        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        controller = Controller(Sink(), hostname="127.0.0.1", port=port)
        controller.start()
        try:
            smtp = SmtpMailer("127.0.0.1", port, SENDER, starttls=False,
                              journal=Path(tmp) / "journal")
            t = time.perf_counter()
            for m in msgs:
                smtp.send(m)
            smtp.close()
            rate("smtp send (local aiosmtpd)", len(msgs), time.perf_counter() - t)
        finally:
            controller.stop()


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
