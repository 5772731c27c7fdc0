"""Google credentials for Sheets, Forms and Gmail, and the emulator switch.

Order of preference:
1. ``WORKSPACE_EMULATOR_HOST=host:port`` set: anonymous credentials, every API at
   ``http://host:port`` (Google Cloud's emulator convention).
2. ``google.credentials_file`` in the config: a service-account key file. Documented for
   local runs only; on Cloud Run use no key at all.
3. Application Default Credentials: the Cloud Run job's service account, or
   ``gcloud auth application-default login`` on a laptop.

The sending mailbox is reached by domain-wide delegation with a *subject*. With ADC on
Cloud Run there is no private key: the service account signs its delegation token through
the IAM Credentials API (``signJwt``), so the job holds no key file.

Every failure is a ``CredentialError`` with one line and a hint, never a traceback.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from destsync.errors import ConfigError, CredentialError

EMULATOR_ENV = "WORKSPACE_EMULATOR_HOST"
ADC_FILE_ENV = "GOOGLE_APPLICATION_CREDENTIALS"

# Least privilege, per use. See README "Running on Google Workspace" for why each.
SHEETS_SCOPES: tuple[str, ...] = ("https://www.googleapis.com/auth/spreadsheets",)
FORMS_READ_SCOPES: tuple[str, ...] = (
    "https://www.googleapis.com/auth/forms.body.readonly",
    "https://www.googleapis.com/auth/forms.responses.readonly",
)
FORMS_SETUP_SCOPES: tuple[str, ...] = ("https://www.googleapis.com/auth/forms.body",)
GMAIL_SCOPES: tuple[str, ...] = (
    # Drafts: create, send, and after a crash get (was it sent?) or delete. gmail.send
    # does not cover drafts.*; compose is the narrowest scope that does (the discovery
    # document's scopes for users.drafts.create/send/get/delete).
    "https://www.googleapis.com/auth/gmail.compose",
)
# Only with mail.gmail.read_inbox: bounces and replies. users.messages.list and .get
# (format=raw) need gmail.readonly (or modify, or mail.google.com, broader still);
# gmail.metadata lists without a query and gives no body, so no reply text.
GMAIL_READ_SCOPES: tuple[str, ...] = ("https://www.googleapis.com/auth/gmail.readonly",)
# Only for signing a delegation token without a key (IAM Credentials signJwt).
IAM_SCOPES: tuple[str, ...] = ("https://www.googleapis.com/auth/cloud-platform",)
TOKEN_URI = "https://oauth2.googleapis.com/token"  # noqa: S105 (a URL, not a secret)

_HOST_PORT = re.compile(r"^[A-Za-z0-9.\-]+:\d{1,5}$|^\[[0-9A-Fa-f:]+\]:\d{1,5}$")


def emulator_endpoint(environ: dict[str, str] | None = None) -> str | None:
    """``http://host:port`` when WORKSPACE_EMULATOR_HOST is set, else None."""
    env = os.environ if environ is None else environ
    value = env.get(EMULATOR_ENV, "").strip()
    if not value:
        return None
    if value.startswith(("http://", "https://")):
        value = value.split("://", 1)[1].rstrip("/")
    if not _HOST_PORT.match(value):
        raise ConfigError(
            f"{EMULATOR_ENV}={value!r} is not host:port",
            f"set {EMULATOR_ENV}=localhost:8085, or unset it to use Google",
        )
    # The pattern allows five digits; a port above 65535 used to reach the HTTP library
    # and surface as an unexpected InvalidURL.
    port = int(value.rsplit(":", 1)[1])
    if not 1 <= port <= 65535:
        raise ConfigError(
            f"{EMULATOR_ENV}={value!r}: port {port} is not from 1 to 65535",
            f"set {EMULATOR_ENV} to the emulator's host:port, e.g. localhost:8085, or "
            "unset it to use Google",
        )
    return f"http://{value}"


def credentials_for(
    scopes: Sequence[str],
    key_file: Path | None = None,
    subject: str = "",
    environ: dict[str, str] | None = None,
) -> Any:
    """Credentials for ``scopes``, acting as ``subject`` when given (domain-wide
    delegation). Raises CredentialError with one line on any problem."""
    if emulator_endpoint(environ) is not None:
        from google.auth.credentials import AnonymousCredentials

        return AnonymousCredentials()  # type: ignore[no-untyped-call]
    if key_file is not None:
        return _from_key_file(key_file, scopes, subject)
    return _from_adc(scopes, subject, os.environ if environ is None else environ)


def _from_key_file(path: Path, scopes: Sequence[str], subject: str) -> Any:
    from google.oauth2 import service_account

    try:
        info = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise CredentialError(
            f"credentials file {path} does not exist",
            "fix google.credentials_file, or remove it to use Application Default Credentials",
        ) from None
    except (OSError, UnicodeDecodeError, json.JSONDecodeError):
        raise CredentialError(
            f"credentials file {path} is not a readable JSON key",
            "download the service account's key again from the Cloud console",
        ) from None
    if not isinstance(info, dict) or info.get("type") != "service_account":
        raise CredentialError(
            f"credentials file {path} is not a service-account key",
            "use a service account's JSON key (type: service_account)",
        )
    try:
        creds = service_account.Credentials.from_service_account_info(  # type: ignore[no-untyped-call]
            info, scopes=list(scopes)
        )
    except (ValueError, KeyError) as exc:
        raise CredentialError(
            f"credentials file {path} is incomplete or damaged ({type(exc).__name__})",
            "download the service account's key again from the Cloud console",
        ) from None
    return creds.with_subject(subject) if subject else creds


def _from_adc(scopes: Sequence[str], subject: str, env: Mapping[str, str]) -> Any:
    import google.auth
    from google.auth.exceptions import DefaultCredentialsError

    # Google's own message for a wrong path is the generic "no credentials found", which
    # sends people to gcloud when the fix is the variable they set themselves.
    adc_file = env.get(ADC_FILE_ENV, "")
    if adc_file and not Path(adc_file).is_file():
        state = "is a folder" if Path(adc_file).is_dir() else "does not exist"
        raise CredentialError(
            f"{ADC_FILE_ENV} points to {adc_file}, which {state}",
            f"fix {ADC_FILE_ENV} to name the service account's JSON key file, or unset it "
            "to use Application Default Credentials",
        )
    try:
        creds, _ = google.auth.default(scopes=list(IAM_SCOPES if subject else scopes))
    except DefaultCredentialsError:
        if adc_file:
            raise CredentialError(
                f"{ADC_FILE_ENV} points to {adc_file}, which is not a usable credentials file",
                f"fix {ADC_FILE_ENV} to name the service account's JSON key file, or unset "
                "it to use Application Default Credentials",
            ) from None
        raise CredentialError(
            "no Google credentials found (Application Default Credentials)",
            "on Cloud Run give the job a service account; on a laptop run `gcloud auth "
            "application-default login`, or set google.credentials_file",
        ) from None
    if not subject:
        return creds
    return _delegated_without_key(creds, scopes, subject)


def _delegated_without_key(source: Any, scopes: Sequence[str], subject: str) -> Any:
    """Domain-wide delegation from a key-less service account: the token request is signed
    by the IAM Credentials API instead of a local private key."""
    from google.auth import iam
    from google.auth.exceptions import RefreshError, TransportError
    from google.auth.transport.requests import Request
    from google.oauth2 import service_account

    if isinstance(source, service_account.Credentials):
        return source.with_scopes(list(scopes)).with_subject(subject)
    email = getattr(source, "service_account_email", "")
    if not email:
        raise CredentialError(
            "sending as a mailbox needs a service account, but the default credentials "
            "are a person's",
            "run as the job's service account (Cloud Run), or set google.credentials_file",
        )
    request = Request()
    if email == "default":  # the metadata server names the account only after a refresh
        try:
            source.refresh(request)
        except (RefreshError, TransportError) as exc:
            raise CredentialError(
                f"cannot read the service account from the metadata server ({type(exc).__name__})",
                "run on Cloud Run with a service account attached",
            ) from None
        email = source.service_account_email
    signer = iam.Signer(request, source, email)  # type: ignore[no-untyped-call]
    return service_account.Credentials(  # type: ignore[no-untyped-call]
        signer, email, TOKEN_URI, scopes=list(scopes), subject=subject
    )


def explain_auth_failure(api: str, status: int, message: str, what: str) -> CredentialError:
    """A 401/403 from Google as one line naming what to share or grant."""
    if status == 401:
        return CredentialError(
            f"Google rejected destsync's credentials for {api} (401): {message[:160]}",
            "check the service account and its key; on a laptop run `gcloud auth "
            "application-default login` again",
        )
    return CredentialError(
        f"{api} refused access to {what} (403): {message[:160]}",
        f"share {what} with the service account as an editor, and check the API is "
        "enabled in the Cloud project",
    )


def discovery_service(
    api: str,
    version: str,
    credentials: Any,
    policy: Any,
    counter: Any = None,
    environ: dict[str, str] | None = None,
) -> Any:
    """A google-api-python-client service from the bundled (static) discovery document,
    on an authorised httplib2 wrapped in the one retry policy, aimed at the emulator when
    WORKSPACE_EMULATOR_HOST is set. Builds nothing on the network."""
    import google_auth_httplib2  # type: ignore[import-untyped]
    from googleapiclient.discovery import build

    from destsync.adapters.google.transport import DEFAULT_TIMEOUT, RetryingHttp, one_shot_http

    # One attempt per request at the httplib2 level: the policy is the only place that
    # retries (and googleapiclient's num_retries stays at its default 0).
    authed = google_auth_httplib2.AuthorizedHttp(credentials, http=one_shot_http(DEFAULT_TIMEOUT))
    endpoint = emulator_endpoint(environ)
    return build(
        api,
        version,
        http=RetryingHttp(authed, policy, counter, endpoint),
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": endpoint + "/"} if endpoint else None,
    )


def gspread_client(
    credentials: Any, policy: Any, counter: Any = None, environ: dict[str, str] | None = None
) -> Any:
    """A gspread Client on transport.retrying_session (policy, counting, emulator endpoint)."""
    import gspread

    from destsync.adapters.google.transport import retrying_session

    session = retrying_session(credentials, policy, counter, emulator_endpoint(environ))
    return gspread.Client(auth=credentials, session=session)
