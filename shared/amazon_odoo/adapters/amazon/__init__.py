"""The Amazon adapter: the only code that imports sp_api (python-amazon-sp-api).

- ``clients``: one library client per (seller, region, API), pointed at ``SP_API_ENDPOINT`` and
  ``LWA_ENDPOINT``;
- ``rate_limit``: token buckets per (seller, operation) with Amazon's usage plans;
- ``failures``: the failure table (skip / retry / permanent with a resolution);
- ``gateway``: :class:`SpApiGateway`, the ``AmazonGateway`` port, with the guarded ``call``.

Importing this package imports nothing heavy; import the modules you need.
"""
