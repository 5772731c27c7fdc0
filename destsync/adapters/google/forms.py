"""Form A responses from the Google Forms API (google-api-python-client).

``forms.get`` maps the configured question titles to questionIds: a title edited in the
form is a clear error naming the question and the config key, not a silently empty column.
``forms.responses.list`` reads incrementally from a watermark (``timestamp >= T`` minus a
small overlap, so a response saved in the same second as the last run is not missed),
follows ``nextPageToken`` (pages hold up to 5,000), and drops duplicates by responseId and
lastSubmittedTime. An edited response keeps its responseId and gets a new
lastSubmittedTime, so it is read again and the planner sees the newer answers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from destsync.adapters.form_questions import norm_title, resolve
from destsync.adapters.google.credentials import explain_auth_failure
from destsync.domain.model import RawResponse
from destsync.errors import CredentialError, InputError, RemoteError

OVERLAP = timedelta(minutes=10)
PAGE_SIZE = 5000  # the API's maximum


def parse_time(text: str) -> datetime:
    """RFC 3339 with Z and up to nanoseconds -> aware datetime (microseconds)."""
    text = text.strip().replace("Z", "+00:00")
    if "." in text:
        head, rest = text.split(".", 1)
        digits = "".join(ch for ch in rest if ch.isdigit())
        zone = rest[len(digits):]
        text = f"{head}.{digits[:6].ljust(6, '0')}{zone}"
    t = datetime.fromisoformat(text)
    return t if t.tzinfo else t.replace(tzinfo=UTC)


def rfc3339(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def http_status(exc: BaseException) -> int | None:
    resp = getattr(exc, "resp", None)
    status = getattr(resp, "status", None)
    return int(status) if status is not None else None


def translate(exc: BaseException, what: str) -> Exception:
    """A googleapiclient/google-auth error as a one-line destsync error."""
    from google.auth.exceptions import RefreshError, TransportError
    from googleapiclient.errors import HttpError

    if isinstance(exc, HttpError):
        status = http_status(exc) or 0
        reason = str(exc.reason or "")[:200] if hasattr(exc, "reason") else ""
        if status in (401, 403):
            return explain_auth_failure("the Forms API", status, reason, what)
        if status == 404:
            return InputError(
                f"{what} was not found",
                "check responses.form_id in the config (the id in the form's edit URL), and "
                "that the form is shared with the service account",
            )
        return RemoteError(f"Forms answered {status} for {what}: {reason}", "run again later")
    if isinstance(exc, RefreshError):
        return CredentialError(
            f"Google would not issue a token for the Forms API ({str(exc)[:120]})",
            "check the service account and its key or delegation settings",
        )
    if isinstance(exc, TransportError):
        return RemoteError(f"cannot reach Google ({type(exc).__name__})", "run again later")
    return exc if isinstance(exc, Exception) else RuntimeError(str(exc))


def execute(request: Any, what: str) -> dict[str, Any]:
    """Run one googleapiclient request (retries happen below, in transport.RetryingHttp)."""
    from google.auth.exceptions import GoogleAuthError
    from googleapiclient.errors import HttpError

    try:
        result = request.execute(num_retries=0)
    except (HttpError, GoogleAuthError) as exc:
        raise translate(exc, what) from None
    return result if isinstance(result, dict) else {}


def question_ids(
    form: Mapping[str, Any], questions: Mapping[str, str], what: str, table: str = "form_a"
) -> dict[str, str]:
    """Form A field key -> questionId, by title. A missing title is an InputError that names
    the question and the config key to change."""
    by_title: dict[str, str] = {}
    for item in form.get("items", []):
        question = item.get("questionItem", {}).get("question", {})
        if question.get("questionId"):
            by_title.setdefault(norm_title(item.get("title", "")), question["questionId"])
    return resolve(by_title, questions, what, "question",
                   "; `destsync setup` adds missing questions", table)


def questions_by_id(form: Mapping[str, Any], questions: Mapping[str, str],
                    known: Mapping[str, str], what: str,
                    table: str = "form_a") -> tuple[dict[str, str], dict[str, str]]:
    """Field key -> questionId: by the stored id where there is one (a reworded question
    keeps working), by title for the rest. Also field key -> the form's title, for the
    questions whose title no longer matches the config. A stored id missing from the form
    means the question was deleted: an InputError naming it."""
    titles = {q["questionId"]: item.get("title", "")
              for item in form.get("items", [])
              if (q := item.get("questionItem", {}).get("question", {})).get("questionId")}
    by_id = {k: v for k, v in known.items() if questions.get(k)}
    for key, qid in by_id.items():
        if qid not in titles:
            raise InputError(
                f"{what} no longer has the question for {key} (it was deleted)",
                f"add it back with `destsync setup`, or set form_a.questions.{key} to \"\" "
                "if the form no longer asks it")
    rest = question_ids(form, {k: t for k, t in questions.items() if k not in by_id}, what,
                        table)
    renamed = {k: titles[q] for k, q in by_id.items()
               if norm_title(titles[q]) != norm_title(questions[k])}
    return {**by_id, **rest}, renamed


def publish_state(form: Mapping[str, Any]) -> tuple[bool, bool] | None:
    """(isPublished, isAcceptingResponses), or None for a legacy form, which has no
    ``publishSettings`` (Forms API discovery doc: Form.publishSettings)."""
    state = form.get("publishSettings", {}).get("publishState")
    if not isinstance(state, dict):
        return None
    return bool(state.get("isPublished")), bool(state.get("isAcceptingResponses"))


def publish_warning(form: Mapping[str, Any], what: str) -> str:
    """One line, with its fix, when the form takes no responses; "" when it does."""
    state = publish_state(form)
    if state is None or all(state):
        return ""
    if not state[0]:
        return (f"{what} is not published, so it takes no responses: run `destsync setup` "
                "(it publishes Form A), or press Publish in Google Forms")
    return (f"{what} is not accepting responses: turn on 'Accepting responses' in the "
            "form's Responses tab if it should be open")


def answer_text(answer: Mapping[str, Any]) -> str:
    values = [a.get("value", "") for a in answer.get("textAnswers", {}).get("answers", [])]
    return ", ".join(v for v in values if v)


class GoogleFormsSource:
    """ResponseSource over the Forms API. ``watermark`` supplies the newest submission
    already placed (kept by the tracker) when the caller passes no ``since``."""

    def __init__(
        self,
        service: Callable[[], Any],
        form_id: str,
        questions: Mapping[str, str],
        watermark: Callable[[], str] | None = None,
        table: str = "form_a",
    ) -> None:
        self._service_factory = service
        self.table = table  # the config table naming the questions, for the hint
        self._service: Any = None
        self.form_id = form_id
        self.questions = dict(questions)
        self.watermark = watermark
        self.what = f"form {form_id}"
        self.warning = ""  # set by read(): the form takes no responses (publish_warning)
        # Question ids the tracker stored after an earlier run resolved them by title
        # (field key -> questionId), set by the service before read(); read() then finds
        # those questions by id, so rewording one keeps working.
        self.known_ids: dict[str, str] = {}
        self.resolved_ids: dict[str, str] = {}  # set by read(): field key -> questionId
        self.renamed: dict[str, str] = {}  # set by read(): field key -> the form's title now

    @property
    def service(self) -> Any:
        if self._service is None:
            self._service = self._service_factory()
        return self._service

    def read(self, since: datetime | None = None) -> Sequence[RawResponse]:
        if since is None and self.watermark is not None:
            mark = self.watermark()
            since = parse_time(mark) if mark else None
        forms = self.service.forms()
        form = execute(forms.get(formId=self.form_id), self.what)
        self.warning = publish_warning(form, self.what)
        ids, self.renamed = questions_by_id(form, self.questions, self.known_ids, self.what,
                                            self.table)
        self.resolved_ids = dict(ids)
        params: dict[str, Any] = {"formId": self.form_id, "pageSize": PAGE_SIZE}
        if since is not None:
            params["filter"] = f"timestamp >= {rfc3339(since - OVERLAP)}"
        out: list[RawResponse] = []
        seen: set[tuple[str, str]] = set()
        token = ""
        while True:
            page = execute(
                forms.responses().list(**params, **({"pageToken": token} if token else {})),
                self.what,
            )
            for r in page.get("responses", []):
                key = (r.get("responseId", ""), r.get("lastSubmittedTime", ""))
                if not key[0] or key in seen:
                    continue
                seen.add(key)
                out.append(self._raw(r, ids))
            token = page.get("nextPageToken", "")
            if not token:
                break
        return out

    def _raw(self, r: Mapping[str, Any], ids: Mapping[str, str]) -> RawResponse:
        answers = r.get("answers", {})
        values = {key: answer_text(answers.get(qid, {})) for key, qid in ids.items()}
        try:
            submitted = parse_time(r.get("lastSubmittedTime") or r.get("createTime", ""))
        except ValueError:
            raise RemoteError(
                f"Forms returned response {r.get('responseId', '?')[:12]} with an unreadable "
                "time", "run again; report it if it repeats"
            ) from None
        rid = str(r["responseId"])
        return RawResponse(rid, submitted, values, f"Forms response {rid[:12]}")
