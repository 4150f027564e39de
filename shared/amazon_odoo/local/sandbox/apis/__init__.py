"""One module per SP-API family; each exposes ``ROUTES`` (its rows of the routing table)."""
