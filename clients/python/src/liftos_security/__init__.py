"""LiftOS Security for Python services: verify access tokens offline (JWKS with rotation, revocation feed),
guard FastAPI and Flask routes (``liftos_security.fastapi`` / ``liftos_security.flask``: ``require_auth``,
``require_roles``, ``require_permissions``, ``require_low_risk``), obtain service tokens, fetch vault
credentials and write audit events (``log_security_event``)."""
from .audit import IngestResult, SecurityAuditLogger, SecurityEventType, security_event
from .client import LiftOS, configure, default, get_credentials, log_security_event
from .errors import InvalidToken, LiftOSError, ServiceError
from .jwks import JwksCache
from .principal import Principal, SecurityContext
from .revocation import RevocationFeed
from .tokens import ClientCredentials
from .vault import Credential, VaultClient
from .verifier import Verifier

__version__ = "0.1.0"
__all__ = ["LiftOS", "configure", "default", "log_security_event", "get_credentials", "Principal",
           "SecurityContext", "Verifier", "JwksCache", "RevocationFeed", "ClientCredentials", "VaultClient",
           "Credential", "SecurityAuditLogger", "SecurityEventType", "security_event", "IngestResult",
           "InvalidToken", "LiftOSError", "ServiceError"]
