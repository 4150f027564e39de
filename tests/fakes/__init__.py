"""In-memory fakes of the ports, held honest by the contract suites in tests/contract."""

from tests.fakes.aws import (
    InMemoryDocumentStore,
    InMemorySecretStore,
    InMemoryStateStore,
    InMemoryWorkQueue,
)

__all__ = ["InMemoryDocumentStore", "InMemorySecretStore", "InMemoryStateStore", "InMemoryWorkQueue"]
