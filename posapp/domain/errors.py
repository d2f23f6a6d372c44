"""Expected failures, each carrying a message a person can act on."""

from __future__ import annotations


class PosError(Exception):
    """Base of every failure a user may see; str() is the message shown."""


class ValidationError(PosError):
    """Input was refused before anything was written."""


class NotFound(PosError):
    """The thing asked for does not exist."""


class PermissionDenied(PosError):
    """The user may not do this without a manager's approval."""


class AuthenticationFailed(PosError):
    """Wrong PIN, unknown user, disabled or locked account."""


class ConfigError(PosError):
    """The configuration file is missing, unreadable or has a bad key."""


class ConfigNotFound(ConfigError):
    """No configuration file anywhere posapp looks (a new terminal: the till offers its first-run set-up)."""


class StorageError(PosError):
    """The database could not be opened, migrated or written."""
