"""Errors of the client. Messages never carry a token, a secret or a credential value."""


class LiftOSError(Exception):
    """Base class."""


class InvalidToken(LiftOSError):
    """The access token is not accepted (bad signature, claims, algorithm, key, revoked...).

    ``reason`` is a short machine word for logs; callers should answer one uniform 401 whatever it is.
    """

    def __init__(self, reason: str):
        super().__init__(f"invalid token: {reason}")
        self.reason = reason


class ServiceError(LiftOSError):
    """The service answered with an error (``status``, ``code`` from its error body)."""

    def __init__(self, status: int, code: str, message: str = ""):
        super().__init__(f"LiftOS Security answered {status} {code}: {message}".strip())
        self.status = status
        self.code = code
