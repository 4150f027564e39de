"""In-memory fakes of the ports, held honest by the contract suites in tests/contract."""

from tests.fakes.aws import InMemorySecretStore, InMemoryStateStore, InMemoryWorkQueue

__all__ = ["InMemorySecretStore", "InMemoryStateStore", "InMemoryWorkQueue"]
