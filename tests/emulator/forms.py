"""Forms v1: forms, items with question ids, and responses with filtered paging."""

from __future__ import annotations

import base64
import copy
import json
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .errors import ApiError, invalid, not_found

Handler = Callable[[dict[str, str], dict[str, Any], Any], dict[str, Any]]
MAX_PAGE = 5000


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _parse_time(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


class FormsStore:
    def __init__(self) -> None:
        self.forms: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}
        self.handlers: dict[str, Handler] = {
            "forms.forms.create": self._create,
            "forms.forms.get": self._get,
            "forms.forms.batchUpdate": self._batch_update,
            "forms.forms.responses.list": self._responses_list,
            "forms.forms.responses.get": self._responses_get,
            "forms.forms.setPublishSettings": self._set_publish_settings,
        }

    def form(self, form_id: str) -> dict[str, Any]:
        if form_id not in self.forms:
            raise not_found()
        return self.forms[form_id]

    # -- forms ------------------------------------------------------------------------

    def create(
        self, title: str, document_title: str | None = None, form_id: str | None = None,
        published: bool = True,
    ) -> dict[str, Any]:
        """A form as a person made it in the Forms UI (published) unless ``published`` is
        False, as for ``forms.create`` (see ``_create``)."""
        fid = form_id or secrets.token_urlsafe(30)
        form: dict[str, Any] = {
            "formId": fid,
            "info": {"title": title, "documentTitle": document_title or title},
            "settings": {},
            "revisionId": "00000001",
            "responderUri": f"https://docs.google.com/forms/d/e/{fid}/viewform",
            "items": [],
            "publishSettings": {"publishState": {"isPublished": published,
                                                 "isAcceptingResponses": published}},
        }
        self.forms[fid] = form
        self.responses[fid] = []
        return form

    def _create(self, _p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        info = body.get("info", {})
        extra = set(body) - {"info"} or set(info) - {"title", "documentTitle"}
        if extra:
            raise invalid(
                "Only info.title and info.documentTitle can be set when creating a form. "
                "To add items and change settings, use batchUpdate."
            )
        # Google's Forms API guide ("API changes to Google Forms"): forms created through
        # the API after June 30, 2026 are unpublished and take no responses until
        # forms.setPublishSettings publishes them.
        return self._public(
            self.create(info.get("title", ""), info.get("documentTitle"), published=False)
        )

    def _set_publish_settings(
        self, p: dict[str, str], _q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        """forms.setPublishSettings: both publishState booleans are required, and
        accepting responses while unpublished is an error (discovery doc, PublishSettings)."""
        form = self.form(p["formId"])
        mask = body.get("updateMask", "*")
        if mask not in ("*", "publishState", "publish_state"):
            raise invalid(f"Invalid updateMask: {mask!r}")
        state = body.get("publishSettings", {}).get("publishState")
        if not isinstance(state, dict) or {"isPublished", "isAcceptingResponses"} - set(state):
            raise invalid("publishState.isPublished and publishState.isAcceptingResponses "
                          "must both be set")
        published = bool(state["isPublished"])
        accepting = bool(state["isAcceptingResponses"])
        if accepting and not published:
            raise invalid("A form cannot accept responses while it is unpublished")
        form["publishSettings"] = {"publishState": {"isPublished": published,
                                                    "isAcceptingResponses": accepting}}
        return {"formId": form["formId"], "publishSettings": copy.deepcopy(
            form["publishSettings"])}

    def accepting(self, form_id: str) -> bool:
        state = self.form(form_id).get("publishSettings", {}).get("publishState", {})
        return bool(state.get("isPublished")) and bool(state.get("isAcceptingResponses"))

    @staticmethod
    def _public(form: dict[str, Any]) -> dict[str, Any]:
        out = copy.deepcopy(form)
        if not out["items"]:
            del out["items"]  # Google omits empty repeated fields
        return out

    def _get(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        return self._public(self.form(p["formId"]))

    def _assign_ids(self, item: dict[str, Any]) -> dict[str, Any]:
        item.setdefault("itemId", secrets.token_hex(4))
        qids = []
        questions = []
        if "questionItem" in item:
            questions.append(item["questionItem"].setdefault("question", {}))
        questions += item.get("questionGroupItem", {}).get("questions", [])
        for q in questions:
            q.setdefault("questionId", secrets.token_hex(4))
            qids.append(q["questionId"])
        return {"itemId": item["itemId"], "questionId": qids}

    def _batch_update(self, p: dict[str, str], _q: dict[str, Any], body: Any) -> dict[str, Any]:
        form = self.form(p["formId"])
        required = body.get("writeControl", {}).get("requiredRevisionId")
        if required and required != form["revisionId"]:
            raise ApiError(
                400,
                f"The provided revision ID '{required}' does not match the latest revision ID.",
                "FAILED_PRECONDITION",
            )
        work = copy.deepcopy(form)  # atomic, as Google
        replies = [self._apply(work, i, req) for i, req in enumerate(body.get("requests", []))]
        if replies:
            work["revisionId"] = f"{int(work['revisionId']) + 1:08d}"
        self.forms[form["formId"]] = work
        out: dict[str, Any] = {
            "replies": replies,
            "writeControl": {"requiredRevisionId": work["revisionId"]},
        }
        if body.get("includeFormInResponse"):
            out["form"] = self._public(work)
        return out

    def _apply(self, form: dict[str, Any], i: int, req: dict[str, Any]) -> dict[str, Any]:
        kind, spec = next(iter(req.items())) if len(req) == 1 else ("", {})
        items: list[dict[str, Any]] = form["items"]
        index = spec.get("location", {}).get("index", 0) if isinstance(spec, dict) else 0
        if kind in ("updateItem", "updateFormInfo", "updateSettings") and not spec.get(
            "updateMask"
        ):
            raise invalid(f"Invalid requests[{i}].{kind}: updateMask must be set")
        if kind in ("updateItem", "deleteItem", "moveItem") and not 0 <= index < len(items):
            raise invalid(f"Invalid requests[{i}].{kind}: index {index} out of range")
        if kind == "createItem":
            if index > len(items):
                raise invalid(f"Invalid requests[{i}].createItem: index {index} out of range")
            item = copy.deepcopy(spec["item"])
            reply = self._assign_ids(item)
            items.insert(index, item)
            return {"createItem": reply}
        if kind == "updateItem":
            items[index] = self._masked(items[index], spec["item"], spec["updateMask"])
            self._assign_ids(items[index])
            return {}
        if kind == "deleteItem":
            del items[index]
            return {}
        if kind == "moveItem":
            items.insert(spec["newLocation"]["index"], items.pop(index))
            return {}
        if kind == "updateFormInfo":
            form["info"] = self._masked(form["info"], spec["info"], spec["updateMask"])
            return {}
        if kind == "updateSettings":
            form["settings"] = self._masked(form["settings"], spec["settings"], spec["updateMask"])
            return {}
        raise invalid(
            f"Invalid requests[{i}]: request kind '{kind}' is not supported by the emulator"
        )

    @staticmethod
    def _masked(old: dict[str, Any], new: dict[str, Any], mask: str) -> dict[str, Any]:
        if mask == "*":
            return copy.deepcopy(new)
        out = copy.deepcopy(old)
        for path in mask.split(","):
            src, dst = new, out
            parts = path.strip().split(".")
            for part in parts[:-1]:
                src = src.get(part, {})
                dst = dst.setdefault(part, {})
            if parts[-1] in src:
                dst[parts[-1]] = copy.deepcopy(src[parts[-1]])
            else:
                dst.pop(parts[-1], None)
        return out

    # -- responses --------------------------------------------------------------------

    def question_ids(self, form_id: str) -> dict[str, str]:
        """Question title -> questionId, for tests and seeding."""
        out = {}
        for item in self.form(form_id)["items"]:
            q = item.get("questionItem", {}).get("question")
            if q:
                out[item.get("title", "")] = q["questionId"]
        return out

    def add_response(
        self,
        form_id: str,
        answers: dict[str, Any],
        submitted: str | None = None,
        response_id: str | None = None,
        email: str | None = None,
    ) -> dict[str, Any]:
        """Record a submission. Answer keys are questionIds or question titles. A form
        that is unpublished or not accepting responses takes none, as at Google."""
        if not self.accepting(form_id):
            raise ApiError(
                403, f"Form {form_id} is not published or not accepting responses",
                "FAILED_PRECONDITION",
            )
        titles = self.question_ids(form_id)
        when = submitted or _now()
        resp: dict[str, Any] = {
            "formId": form_id,
            "responseId": response_id or "ACYDBN" + secrets.token_urlsafe(24),
            "createTime": when,
            "lastSubmittedTime": when,
            "answers": {},
        }
        if email:
            resp["respondentEmail"] = email
        for key, value in answers.items():
            qid = titles.get(key, key)
            vals = value if isinstance(value, list) else [value]
            resp["answers"][qid] = {
                "questionId": qid,
                "textAnswers": {"answers": [{"value": str(v)} for v in vals]},
            }
        existing = [r for r in self.responses[form_id] if r["responseId"] == resp["responseId"]]
        if existing:  # an edited response keeps createTime, gets a new lastSubmittedTime
            resp["createTime"] = existing[0]["createTime"]
            self.responses[form_id].remove(existing[0])
        self.responses[form_id].append(resp)
        return resp

    @staticmethod
    def _filter(text: str | None) -> Callable[[dict[str, Any]], bool]:
        if not text:
            return lambda r: True
        m = re.fullmatch(r"\s*timestamp\s*(>=|>)\s*(\S+)\s*", text)
        if not m:
            raise invalid(
                f"Invalid filter: {text!r}; supported: timestamp > T, timestamp >= T (RFC 3339)"
            )
        try:
            bound = _parse_time(m.group(2))
        except ValueError:
            raise invalid(f"Invalid timestamp in filter: {m.group(2)!r}") from None
        if m.group(1) == ">":
            return lambda r: _parse_time(r["lastSubmittedTime"]) > bound
        return lambda r: _parse_time(r["lastSubmittedTime"]) >= bound

    def _responses_list(self, p: dict[str, str], q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self.form(p["formId"])
        size = q.get("pageSize") or MAX_PAGE
        if size < 0:
            raise invalid("pageSize must be non-negative")
        size = min(size, MAX_PAGE)
        keep = self._filter(q.get("filter"))
        rows = sorted(
            (r for r in self.responses[p["formId"]] if keep(r)),
            key=lambda r: (r["lastSubmittedTime"], r["responseId"]),
        )
        start = 0
        if q.get("pageToken"):
            try:
                token = json.loads(base64.urlsafe_b64decode(q["pageToken"].encode()))
            except (ValueError, TypeError):
                raise invalid("Invalid page token") from None
            if token.get("f") != q.get("filter"):
                raise invalid("The filter must not change between paged requests")
            start = int(token["o"])
        page = rows[start : start + size]
        out: dict[str, Any] = {}
        if page:
            out["responses"] = copy.deepcopy(page)
        if start + size < len(rows):
            raw = json.dumps({"o": start + size, "f": q.get("filter")}).encode()
            out["nextPageToken"] = base64.urlsafe_b64encode(raw).decode()
        return out

    def _responses_get(self, p: dict[str, str], _q: dict[str, Any], _b: Any) -> dict[str, Any]:
        self.form(p["formId"])
        for r in self.responses[p["formId"]]:
            if r["responseId"] == p["responseId"]:
                return copy.deepcopy(r)
        raise not_found()

    def seed(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Create a form from a seed document.

        `{"formId", "title", "questions": [{"title", "questionId"?, "choices"?}],
        "responses": [{"answers": {title or questionId: value}, "submitted"?}]}`
        """
        form = self.create(doc.get("title", "Form"), doc.get("documentTitle"), doc.get("formId"),
                           published=doc.get("published", True))
        for q in doc.get("questions", []):
            question: dict[str, Any] = {"required": q.get("required", False)}
            if q.get("questionId"):
                question["questionId"] = q["questionId"]
            if q.get("choices"):
                question["choiceQuestion"] = {
                    "type": "RADIO",
                    "options": [{"value": c} for c in q["choices"]],
                }
            else:
                question["textQuestion"] = {"paragraph": False}
            item = {"title": q["title"], "questionItem": {"question": question}}
            self._assign_ids(item)
            form["items"].append(item)
        for r in doc.get("responses", []):
            self.add_response(
                form["formId"],
                r["answers"],
                r.get("submitted"),
                r.get("responseId"),
                r.get("email"),
            )
        return form

    def call(
        self, method_id: str, p: dict[str, str], q: dict[str, Any], body: Any
    ) -> dict[str, Any]:
        handler = self.handlers.get(method_id)
        if handler is None:
            raise ApiError(
                501, f"Method {method_id} is not implemented by the emulator", "UNIMPLEMENTED"
            )
        return handler(p, q, body or {})
