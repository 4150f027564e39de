"""Exceptions of the Odoo double, named and worded like Odoo's own (``odoo.exceptions``)."""

from __future__ import annotations


class OdooError(Exception):
    """Base of what the double raises; ``name`` is what Odoo reports as the exception class."""

    name = "builtins.Exception"
    http_code = 500
    #: XML-RPC ``/xmlrpc/2`` fault code (odoo/addons/base/controllers/rpc.py); 1 = traceback text.
    fault_code = 1

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class UserError(OdooError):
    name = "odoo.exceptions.UserError"
    http_code = 422
    fault_code = 2


class ValidationError(UserError):
    name = "odoo.exceptions.ValidationError"


class MissingError(UserError):
    name = "odoo.exceptions.MissingError"
    http_code = 404


class AccessError(UserError):
    name = "odoo.exceptions.AccessError"
    http_code = 403
    fault_code = 4


class AccessDenied(UserError):
    name = "odoo.exceptions.AccessDenied"
    http_code = 401
    fault_code = 3

    def __init__(self, message: str = "Access Denied") -> None:
        super().__init__(message)


class InternalError(OdooError):
    """A Python or database error inside the server (faults as a traceback, JSON-2 as HTTP 500)."""

    def __init__(self, message: str, name: str = "builtins.ValueError") -> None:
        super().__init__(message)
        self.name = name


def serialization_failure() -> InternalError:
    """What PostgreSQL raises when two transactions update the same rows (ODOO.md §3)."""
    return InternalError(
        "could not serialize access due to concurrent update", name="psycopg2.errors.SerializationFailure"
    )
