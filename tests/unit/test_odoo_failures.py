"""The Odoo failure table: every raw failure gets a disposition and a resolution a person can act on."""

from __future__ import annotations

import xmlrpc.client

import pytest

from amazon_odoo.adapters.odoo.failures import (
    RULES,
    FailureKind,
    OdooFailure,
    classify,
    missing_group_hint,
)
from amazon_odoo.adapters.odoo.transports import (
    json2_error_failure,
    jsonrpc_error_failure,
    xmlrpc_fault_failure,
)
from amazon_odoo.domain.errors import PermanentError, RetryableError

ACCESS_17 = (
    "You are not allowed to create 'Bank Statement' (account.bank.statement) records.\n\n"
    "This operation is allowed for the following groups:\n\t- Technical/Show Full Accounting Features\n\n"
    "Contact your administrator to request access if necessary."
)
TRACEBACK = (
    'Traceback (most recent call last):\n  File "/odoo/service/model.py", line 133, in retrying\n'
    "    result = func()\n"
    "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update\n"
)

CASES = [
    # (failure, error class, code, text expected in the resolution)
    (OdooFailure(FailureKind.AUTH, "refused"), PermanentError, "odoo.auth", "ODOO_USERNAME"),
    (
        OdooFailure(FailureKind.FAULT, "Access Denied", "odoo.exceptions.AccessDenied"),
        PermanentError,
        "odoo.auth",
        "API key",
    ),
    (
        OdooFailure(FailureKind.FAULT, "Invalid apikey", "werkzeug.exceptions.Unauthorized", 401),
        PermanentError,
        "odoo.auth",
        "ODOO_PASSWORD",
    ),
    (
        OdooFailure(FailureKind.FAULT, ACCESS_17, "odoo.exceptions.AccessError"),
        PermanentError,
        "odoo.access",
        "account.group_account_user",
    ),
    (OdooFailure(FailureKind.FAULT, TRACEBACK), RetryableError, "odoo.concurrency", "retry"),
    (
        OdooFailure(
            FailureKind.FAULT,
            "Private methods (such as _x) cannot be called remotely.",
            "odoo.exceptions.AccessError",
        ),
        PermanentError,
        "odoo.private_method",
        "public method",
    ),
    (
        OdooFailure(FailureKind.FAULT, "The partner has no country", "odoo.exceptions.ValidationError"),
        PermanentError,
        "odoo.user_error",
        "fix the data",
    ),
    (
        OdooFailure(FailureKind.FAULT, "Nothing to invoice", "odoo.exceptions.UserError"),
        PermanentError,
        "odoo.user_error",
        "fix the data",
    ),
    (
        OdooFailure(FailureKind.FAULT, "Record does not exist", "odoo.exceptions.MissingError"),
        PermanentError,
        "odoo.missing",
        "deleted",
    ),
    (
        OdooFailure(FailureKind.CONNECTION, "ConnectionRefusedError: [Errno 111]"),
        RetryableError,
        "odoo.unreachable",
        "ODOO_URL",
    ),
    (OdooFailure(FailureKind.TIMEOUT, "timed out"), RetryableError, "odoo.timeout", "ODOO_TIMEOUT"),
    (
        OdooFailure(FailureKind.HTTP, "HTTP 502: Bad Gateway", status=502),
        RetryableError,
        "odoo.unavailable",
        "retry",
    ),
    (OdooFailure(FailureKind.HTTP, "HTTP 503", status=503), RetryableError, "odoo.unavailable", "retry"),
    (OdooFailure(FailureKind.HTTP, "HTTP 500", status=500), RetryableError, "odoo.unavailable", "retry"),
    (OdooFailure(FailureKind.HTTP, "HTTP 404", status=404), PermanentError, "odoo.user_error", "fix"),
    (OdooFailure(FailureKind.HTTP, "HTTP 405", status=405), PermanentError, "odoo.http", "ODOO_PROTOCOL"),
    (
        OdooFailure(FailureKind.FAULT, "Traceback ...\nTypeError: bad", "builtins.TypeError"),
        PermanentError,
        "odoo.server_error",
        "server log",
    ),
]


@pytest.mark.parametrize(
    ("failure", "error", "code", "hint"), CASES, ids=[c[2] + ":" + c[0].message[:20] for c in CASES]
)
def test_each_failure_is_classified(failure: OdooFailure, error: type, code: str, hint: str) -> None:
    result = classify(failure, record="sale.order.load")
    assert type(result) is error
    assert result.code == code
    assert hint in result.resolution
    assert result.record == "sale.order.load"
    assert result.source == "odoo"


def test_every_rule_is_reachable() -> None:
    hit = {next(r for r in RULES if r.matches(case[0])).name for case in CASES}
    unreached = (
        {r.name for r in RULES}
        - hit
        - {
            "access rights (text only)",
            "HTTP 403",
            "HTTP 429 / 502 / 503 / 504 from Odoo",
            "HTTP 401",
            "HTTP 404 / 422",
        }
    )
    assert unreached == set()


def test_a_traceback_is_reduced_to_its_last_line() -> None:
    result = classify(OdooFailure(FailureKind.FAULT, TRACEBACK))
    assert (
        result.message
        == "psycopg2.errors.SerializationFailure: could not serialize access due to concurrent update"
    )


def test_the_missing_group_comes_from_odoos_list_when_the_model_is_unknown() -> None:
    message = ACCESS_17.replace("account.bank.statement", "x.custom").replace(
        "Technical/Show Full Accounting Features", "Custom/Clerk"
    )
    assert "Custom/Clerk" in missing_group_hint(OdooFailure(FailureKind.FAULT, message))
    assert "access rights" in missing_group_hint(OdooFailure(FailureKind.FAULT, "no details"))


@pytest.mark.parametrize(
    ("code", "text", "exception"),
    [
        (4, ACCESS_17, "odoo.exceptions.AccessError"),
        (3, "Access Denied", "odoo.exceptions.AccessDenied"),
        (2, "Nothing to invoice", "odoo.exceptions.UserError"),
        (1, TRACEBACK, "psycopg2.errors.SerializationFailure"),
        (
            1,
            "Traceback (most recent call last):\nValueError: Invalid field 'x' on model 'res.partner'",
            "ValueError",
        ),
    ],
)
def test_xmlrpc_fault_codes_name_the_exception(code: int, text: str, exception: str) -> None:
    failure = xmlrpc_fault_failure(xmlrpc.client.Fault(code, text))
    assert failure.kind is FailureKind.FAULT
    assert failure.exception == exception


def test_jsonrpc_error_envelope() -> None:
    info = {
        "code": 200,
        "message": "Odoo Server Error",
        "data": {"name": "odoo.exceptions.AccessError", "message": ACCESS_17},
    }
    failure = jsonrpc_error_failure(info, "fallback")
    assert (failure.exception, failure.message) == ("odoo.exceptions.AccessError", ACCESS_17)
    assert jsonrpc_error_failure(False, "Wrong login ID or password").message == "Wrong login ID or password"


def test_json2_error_bodies() -> None:
    body = {"name": "odoo.exceptions.ValidationError", "message": "bad vat", "arguments": ["bad vat"]}
    assert json2_error_failure(422, body) == OdooFailure(
        FailureKind.FAULT, "bad vat", "odoo.exceptions.ValidationError", 422
    )
    assert json2_error_failure(422, "cannot call x with ids").message == "cannot call x with ids"
    assert json2_error_failure(502, None) == OdooFailure(FailureKind.HTTP, "HTTP 502", status=502)
    assert isinstance(
        classify(json2_error_failure(403, {"name": "odoo.exceptions.AccessError", "message": ACCESS_17})),
        PermanentError,
    )
