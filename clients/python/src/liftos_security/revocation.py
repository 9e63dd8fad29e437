"""The revocation feed (``GET /v1/revocations/stream``, server-sent events): ended sessions, revoked token ids and
disabled service accounts reach this process within a second, so a locally verified token is refused at once
without calling introspection per request.

One daemon thread holds the stream open, resumes from the last event id (``Last-Event-ID``) after a disconnect and
applies the service's snapshots. What it learnt is kept for ``retention_seconds`` (the access-token lifetime plus a
margin): after that every token it could concern has expired anyway.
"""
from __future__ import annotations

import codecs
import json
import logging
import threading
import time
from typing import Callable, Dict, Optional

import requests

from .http import new_session

log = logging.getLogger("liftos_security.revocation")

_KINDS = {"session_ended": "sessions", "token_revoked": "jtis", "service_account_disabled": "accounts"}


class RevocationFeed:
    def __init__(self, stream_url: str, tokens, *, http: Optional[requests.Session] = None,
                 retention_seconds: float = 3 * 3600, resume_from: Optional[str] = None,
                 clock: Callable[[], float] = time.monotonic):
        """``tokens``: a :class:`~liftos_security.tokens.ClientCredentials` of a service account holding
        ``subscribe:revocations``; ``resume_from``: a :attr:`position` of an earlier subscriber to resume from
        (the service replays what happened since, or sends a snapshot when it cannot)."""
        self.stream_url = stream_url
        self._tokens = tokens
        self._http = http or new_session()
        self._retention = retention_seconds
        self._clock = clock
        self._lock = threading.Lock()
        self._seen: Dict[str, Dict[str, float]] = {"sessions": {}, "jtis": {}, "accounts": {}}
        self._position: Optional[str] = resume_from
        self._connected = False
        self._disconnected_since: Optional[float] = clock()
        self._ready = threading.Event()
        self._closed = threading.Event()
        self._response: Optional[requests.Response] = None
        self._thread: Optional[threading.Thread] = None
        self.events = 0
        self.snapshots = 0
        self.connections = 0

    # -- what verifiers ask -------------------------------------------------------------------------------------
    def is_revoked(self, jti: str, session_id: Optional[str], subject: str) -> bool:
        s = self._seen
        return jti in s["jtis"] or (session_id is not None and session_id in s["sessions"]) or subject in s["accounts"]

    def stale_for(self) -> float:
        """Seconds since the stream was lost (0 while connected and past its first snapshot)."""
        since = self._disconnected_since
        return 0.0 if since is None else self._clock() - since

    @property
    def position(self) -> Optional[str]:
        """The resume position: the id of the last event applied."""
        return self._position

    def wait_ready(self, timeout: float = 10.0) -> bool:
        """Blocks until the first snapshot or resumed event stream is applied."""
        return self._ready.wait(timeout)

    # -- life cycle ---------------------------------------------------------------------------------------------
    def start(self) -> "RevocationFeed":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="liftos-revocation-feed", daemon=True)
            self._thread.start()
        return self

    def close(self) -> None:
        self._closed.set()
        self._mark_disconnected()
        r = self._response
        if r is not None:
            try:
                r.close()
            except Exception:  # noqa: BLE001 - closing a socket another thread reads
                pass
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- the stream ---------------------------------------------------------------------------------------------
    def _run(self) -> None:
        backoff = 1.0
        while not self._closed.is_set():
            try:
                self._stream()
                backoff = 1.0
            except Exception as e:  # noqa: BLE001 - any failure means: reconnect
                if self._closed.is_set():
                    break
                log.warning("revocation feed disconnected (%s); reconnecting in %.0f s", type(e).__name__, backoff)
            self._mark_disconnected()
            if self._closed.wait(backoff):
                break
            backoff = min(backoff * 2, 10.0)

    def _mark_disconnected(self) -> None:
        self._connected = False
        if self._disconnected_since is None:
            self._disconnected_since = self._clock()

    def _stream(self) -> None:
        headers = {"Authorization": "Bearer " + self._tokens.token(), "Accept": "text/event-stream"}
        if self._position:
            headers["Last-Event-ID"] = self._position
        # read timeout above the service's 15 s heartbeat: a silent half-open connection is noticed
        r = self._http.get(self.stream_url, headers=headers, stream=True, timeout=(5, 40))
        self._response = r
        try:
            if r.status_code == 401:
                self._tokens.invalidate()
                raise ConnectionError("feed refused the token (401)")
            if r.status_code != 200:
                raise ConnectionError(f"feed answered {r.status_code}")
            self.connections += 1
            if self._position:
                # resumed: the service replays what happened since the position (or sends a snapshot first)
                self._connected = True
                self._disconnected_since = None
            buf = ""
            event: Dict[str, str] = {}
            data: list = []
            decoder = codecs.getincrementaldecoder("utf-8")()
            while True:
                # read1: whatever has arrived (iter_content holds a chunk back until the next one arrives)
                raw = r.raw.read1(65536)
                if not raw or self._closed.is_set():
                    break
                buf += decoder.decode(raw)
                while "\n" in buf:
                    line, buf = buf.split("\n", 1)
                    line = line.rstrip("\r")
                    if line == "":
                        if "event" in event or data:
                            self._apply(event.get("event", "message"), event.get("id"), "\n".join(data))
                        event, data = {}, []
                    elif line.startswith(":"):
                        continue  # heartbeat
                    else:
                        name, _, value = line.partition(":")
                        value = value[1:] if value.startswith(" ") else value
                        if name == "data":
                            data.append(value)
                        elif name in ("event", "id"):
                            event[name] = value
            raise ConnectionError("feed closed")
        finally:
            self._response = None
            r.close()

    def _apply(self, name: str, event_id: Optional[str], data: str) -> None:
        now = self._clock()
        with self._lock:
            if name == "snapshot":
                body = json.loads(data)
                for key, field in (("revoked_jtis", "jtis"), ("ended_sessions", "sessions"),
                                   ("disabled_service_accounts", "accounts")):
                    for ident in body.get(key, []):
                        self._seen[field].setdefault(ident, now)
                self.snapshots += 1
                self._prune(now)
            elif name in _KINDS:
                ident = json.loads(data).get("id")
                if isinstance(ident, str):
                    self._seen[_KINDS[name]][ident] = now
                self.events += 1
            else:
                return
            if event_id:
                self._position = event_id
        self._connected = True
        self._disconnected_since = None
        self._ready.set()

    def _prune(self, now: float) -> None:
        for field, seen in self._seen.items():
            old = [k for k, at in seen.items() if now - at > self._retention]
            if old:
                fresh = dict(seen)
                for k in old:
                    del fresh[k]
                self._seen[field] = fresh
