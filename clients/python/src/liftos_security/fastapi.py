"""The seed's decorators for FastAPI: ``require_auth``, ``require_roles``, ``require_permissions``,
``require_low_risk(max_risk=0.3)``, on path operations::

    @app.get("/api/sensitive")
    @require_auth
    @require_permissions("sensitive_data_access")
    @require_low_risk(max_risk=0.3)
    async def sensitive(request: Request):
        return {"user": request.state.security_context.user_id}

The endpoint may declare ``request: Request`` (the verified caller is ``request.state.security_context``) or
``ctx: Principal = Depends(security_context)``; it need not: the decorators add a hidden ``Request`` parameter.
The :class:`~liftos_security.LiftOS` used is ``app.state.liftos`` when set, else the process default. The client
address is ``request.client.host`` (run uvicorn with ``--proxy-headers`` behind a proxy).
"""
from __future__ import annotations

import functools
import inspect
from typing import Callable

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse

from . import client as _client
from .guards import Denied, authenticate, check_permissions, check_risk, check_roles, flatten
from .principal import Principal

__all__ = ["require_auth", "require_roles", "require_permissions", "require_low_risk", "security_context"]

_HIDDEN = "liftos_request__"


def _liftos(request: Request):
    return getattr(request.app.state, "liftos", None) or _client.default()


def _principal(request: Request) -> Principal:
    p = getattr(request.state, "security_context", None)
    if p is None:
        p = authenticate(_liftos(request), request.headers.get("authorization"))
        request.state.security_context = p
    return p


def security_context(request: Request) -> Principal:
    """A dependency: ``ctx: Principal = Depends(security_context)`` (authenticates when no decorator did)."""
    try:
        return _principal(request)
    except Denied as d:
        from fastapi import HTTPException

        raise HTTPException(d.status, d.body()["error"], headers=d.headers()) from None


def _request_parameter(sig: inspect.Signature):
    for name, p in sig.parameters.items():
        if inspect.isclass(p.annotation) and issubclass(p.annotation, Request):
            return name
    return None


def _guarded(fn: Callable, check: Callable[[Request], None]) -> Callable:
    sig = inspect.signature(fn, eval_str=True)
    name = _request_parameter(sig)
    hidden = name is None
    if hidden:
        name = _HIDDEN
        params = list(sig.parameters.values())
        extra = inspect.Parameter(name, inspect.Parameter.KEYWORD_ONLY, annotation=Request)
        at = next((i for i, p in enumerate(params) if p.kind is inspect.Parameter.VAR_KEYWORD), len(params))
        params.insert(at, extra)
        sig = sig.replace(parameters=params)

    def request_of(kwargs) -> Request:
        return kwargs.pop(name) if hidden else kwargs[name]

    def refusal(d: Denied) -> JSONResponse:
        return JSONResponse(d.body(), status_code=d.status, headers=d.headers())

    if inspect.iscoroutinefunction(fn):
        @functools.wraps(fn)
        async def wrapper(*args, **kwargs):
            try:
                await run_in_threadpool(check, request_of(kwargs))
            except Denied as d:
                return refusal(d)
            return await fn(*args, **kwargs)
    else:
        @functools.wraps(fn)
        def wrapper(*args, **kwargs):
            try:
                check(request_of(kwargs))
            except Denied as d:
                return refusal(d)
            return fn(*args, **kwargs)

    wrapper.__signature__ = sig
    return wrapper


def require_auth(fn: Callable = None):
    """``@require_auth`` (or ``@require_auth()``): a valid, unrevoked access token."""
    if fn is None:
        return require_auth
    return _guarded(fn, _principal)


def require_roles(*roles):
    """Any of the roles."""
    wanted = flatten(roles)
    return lambda fn: _guarded(fn, lambda r: check_roles(_principal(r), wanted))


def require_permissions(*permissions):
    """All of the permissions."""
    wanted = flatten(permissions)
    return lambda fn: _guarded(fn, lambda r: check_permissions(_principal(r), wanted))


def require_low_risk(max_risk: float = 0.3):
    """The request's risk score (the service's inputs plus this request's address) at most ``max_risk``."""
    def check(request: Request):
        p = check_risk(_liftos(request), _principal(request), request.client.host if request.client else None,
                       max_risk)
        request.state.security_context = p

    return lambda fn: _guarded(fn, check)
