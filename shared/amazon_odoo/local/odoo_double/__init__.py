"""An in-memory Odoo for tests and the local demo: XML-RPC, JSON-RPC and JSON-2 over HTTP on 127.0.0.1,
with an ORM that follows Odoo's semantics for the models the connector uses (see ``models.py``)."""

from amazon_odoo.local.odoo_double import (
    documents,  # noqa: F401 - invoice PDFs (issue 8)
    returns,  # noqa: F401 - credit notes and returns (issue 8)
)
from amazon_odoo.local.odoo_double.errors import (
    AccessDenied,
    AccessError,
    InternalError,
    MissingError,
    OdooError,
    UserError,
    ValidationError,
    serialization_failure,
)
from amazon_odoo.local.odoo_double.orm import (
    REGISTRY,
    Database,
    Environment,
    Field,
    Model,
    api_model,
    api_multi,
    register,
)
from amazon_odoo.local.odoo_double.server import OdooDouble

__all__ = [
    "REGISTRY",
    "AccessDenied",
    "AccessError",
    "Database",
    "Environment",
    "Field",
    "InternalError",
    "MissingError",
    "Model",
    "OdooDouble",
    "OdooError",
    "UserError",
    "ValidationError",
    "api_model",
    "api_multi",
    "register",
    "serialization_failure",
]
