"""The seed's decorators for Flask: ``require_auth``, ``require_roles``, ``require_permissions``,
``require_low_risk(max_risk=0.3)``. The verified caller is ``flask.g.security_context`` (a :class:`Principal`).

The :class:`~liftos_security.LiftOS` used is ``app.extensions["liftos"]`` (see :func:`init_app`), else the
process default (:func:`liftos_security.configure`). The client address for the risk score is
``request.remote_addr``: behind a proxy, wrap the app in ``werkzeug.middleware.proxy_fix.ProxyFix``.
"""
from __future__ import annotations

import functools
from typing import Callable

from flask import current_app, g, jsonify, request

from . import client as _client
from .guards import Denied, authenticate, check_permissions, check_risk, check_roles, flatten

__all__ = ["require_auth", "require_roles", "require_permissions", "require_low_risk", "init_app"]


def init_app(app, liftos) -> None:
    app.extensions["liftos"] = liftos


def _liftos():
    return current_app.extensions.get("liftos") or _client.default()


def _principal():
    p = g.get("security_context")
    if p is None:
        p = authenticate(_liftos(), request.headers.get("Authorization"))
        g.security_context = p
    return p


def _guarded(fn: Callable, check: Callable[[], None]) -> Callable:
    @functools.wraps(fn)
    def wrapper(*args, **kwargs):
        try:
            check()
        except Denied as d:
            response = jsonify(d.body())
            response.status_code = d.status
            response.headers.update(d.headers())
            return response
        return fn(*args, **kwargs)

    return wrapper


def require_auth(fn: Callable = None):
    """``@require_auth`` (or ``@require_auth()``): a valid, unrevoked access token."""
    if fn is None:
        return require_auth
    return _guarded(fn, _principal)


def require_roles(*roles):
    """Any of the roles (``@require_roles('admin')``)."""
    wanted = flatten(roles)
    return lambda fn: _guarded(fn, lambda: check_roles(_principal(), wanted))


def require_permissions(*permissions):
    """All of the permissions (``@require_permissions('read:connections')`` or a list)."""
    wanted = flatten(permissions)
    return lambda fn: _guarded(fn, lambda: check_permissions(_principal(), wanted))


def require_low_risk(max_risk: float = 0.3):
    """The request's risk score (the service's inputs plus this request's address) at most ``max_risk``."""
    def check():
        g.security_context = check_risk(_liftos(), _principal(), request.remote_addr, max_risk)

    return lambda fn: _guarded(fn, check)
