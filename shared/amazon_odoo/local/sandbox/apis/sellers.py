"""Sellers API v1: getMarketplaceParticipations, getAccount."""

from __future__ import annotations

import copy

from amazon_odoo.local.sandbox.core import Context, Reply
from amazon_odoo.local.sandbox.routing import Route

MODEL = "sellers-api-model/sellers.json"


def get_marketplace_participations(ctx: Context) -> Reply:
    return Reply(200, {"payload": copy.deepcopy(ctx.seller.marketplaces)})


def get_account(ctx: Context) -> Reply:
    seller = ctx.seller
    account = {
        "businessType": "PRIVATE_LIMITED",
        "sellingPlan": "PROFESSIONAL",
        **copy.deepcopy(seller.account),
        "marketplaceParticipationList": copy.deepcopy(seller.marketplaces),
    }
    return Reply(200, {"payload": account})


ROUTES = [
    Route(
        "getMarketplaceParticipations",
        "GET",
        "/sellers/v1/marketplaceParticipations",
        MODEL,
        get_marketplace_participations,
    ),
    Route("getAccount", "GET", "/sellers/v1/account", MODEL, get_account),
]
