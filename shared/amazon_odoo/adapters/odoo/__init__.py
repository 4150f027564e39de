"""The only code that speaks to Odoo: transports (XML-RPC, JSON-RPC, JSON-2), the failure table and the
intent-level gateway."""

from amazon_odoo.adapters.odoo.failures import FailureKind, OdooFailure, classify
from amazon_odoo.adapters.odoo.gateway import AMAZON_MODULE, OdooDialect, OdooGateway, xmlid_name
from amazon_odoo.adapters.odoo.transports import (
    Json2Transport,
    JsonRpcTransport,
    OdooTransport,
    XmlRpcTransport,
    make_transport,
    transport_from_settings,
)

__all__ = [
    "AMAZON_MODULE",
    "FailureKind",
    "Json2Transport",
    "JsonRpcTransport",
    "OdooDialect",
    "OdooFailure",
    "OdooGateway",
    "OdooTransport",
    "XmlRpcTransport",
    "classify",
    "make_transport",
    "transport_from_settings",
    "xmlid_name",
]
