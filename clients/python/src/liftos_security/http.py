"""The HTTP plumbing shared by the clients: one ``requests`` session, the service's error body."""
from __future__ import annotations

import requests

from .errors import ServiceError

USER_AGENT = "liftos-security-python/0.1.0"


def new_session() -> requests.Session:
    s = requests.Session()
    s.headers["User-Agent"] = USER_AGENT
    return s


def raise_for(response: requests.Response) -> None:
    """Raises :class:`ServiceError` for a non-2xx answer, with the code of the service's error format."""
    if 200 <= response.status_code < 300:
        return
    code, message = "http_%d" % response.status_code, ""
    try:
        body = response.json()
        err = body.get("error") if isinstance(body, dict) else None
        if isinstance(err, dict):
            code, message = str(err.get("code", code)), str(err.get("message", ""))
        elif isinstance(err, str):  # OAuth error format
            code, message = err, str(body.get("error_description", ""))
    except ValueError:
        pass
    raise ServiceError(response.status_code, code, message)
