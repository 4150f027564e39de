"""amazon-odoo: Amazon Seller (FBM) <-> Odoo connector on AWS Lambda."""

__version__ = "0.1.0"
