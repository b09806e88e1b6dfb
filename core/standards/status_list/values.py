"""§7.1 Status Types: the values a Status List holds, and a credential's status as the roles
name it."""

from __future__ import annotations

from enum import IntEnum, StrEnum


class StatusValue(IntEnum):
    """§7.1 Status Types Values."""

    VALID = 0
    INVALID = 1
    SUSPENDED = 2


class CredentialStatus(StrEnum):
    """A credential's status as the roles name it: a §7.1 value's name, or ``UNKNOWN`` for a
    value that §7.1 leaves to applications or does not define."""

    VALID = "VALID"
    INVALID = "INVALID"
    SUSPENDED = "SUSPENDED"
    UNKNOWN = "UNKNOWN"

    @classmethod
    def of(cls, value: int) -> CredentialStatus:
        try:
            return cls[StatusValue(value).name]
        except ValueError:
            return cls.UNKNOWN
