"""The error tree: what the user can fix (CvcError and its children) versus our own bugs."""

from __future__ import annotations

from dataclasses import dataclass

from cvcdesk.i18n import _


class CvcError(Exception):
    """An error whose message is meant for the user: one clear, translated sentence."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


@dataclass(frozen=True)
class FieldError:
    """One problem with one field; `where` names the place (a form, or a file row and column)."""

    field: str
    message: str
    where: str = ""

    def __str__(self) -> str:
        if self.where:
            return _("{where}: {message}").format(where=self.where, message=self.message)
        return self.message


class ValidationError(CvcError):
    """One or more fields were refused; nothing was changed."""

    def __init__(self, errors: list[FieldError]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(str(error) for error in self.errors))

    def for_field(self, field: str) -> list[FieldError]:
        return [error for error in self.errors if error.field == field]


class NotFoundError(CvcError):
    """A record asked for by uuid, reference or name is not there (or was deleted)."""


class ConflictError(CvcError):
    """The record changed under us (another coordinator saved first)."""


class DatabaseError(CvcError):
    """The database file cannot be used: not ours, too new, locked, damaged, read-only."""
