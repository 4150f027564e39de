"""An AWS access denial, said as the missing permission: what the CLI prints when the caller's role lacks it.

The stack has two managed policies for people (template.yaml): ``ManagerPolicy`` (change settings and
secrets, run every job) and ``OperatorPolicy`` (run jobs, read state, logs and feeds). An operator who
runs ``sellers load`` gets "your role lacks secretsmanager:PutSecretValue on arn:…: ask for the manager
policy" instead of a botocore traceback.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from botocore.exceptions import ClientError

from amazon_odoo.domain.errors import ConfigError, ConnectorError

#: "User: arn:… is not authorized to perform: dynamodb:PutItem on resource: arn:… because …"
_PERFORM = re.compile(r"not authorized to perform:? ([A-Za-z0-9-]+:[A-Za-z0-9*]+)(?: on resource:? (\S+))?")
#: the codes that mean "your identity may not", not "your credentials are wrong"
DENIED = frozenset(
    {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "KMS.AccessDeniedException"}
)
MANAGER_POLICY = "AmazonOdooManager"


@dataclass(frozen=True)
class Denial:
    action: str
    resource: str

    def error(self) -> ConfigError:
        return ConfigError(
            f"your role lacks {self.action} on {self.resource}: ask for the manager policy",
            record=self.action,
            resolution=f"attach the stack's {MANAGER_POLICY} managed policy (ManagerPolicy output) to your "
            "user or role, or ask someone who has it to do this",
        )


def _from_client_error(exc: ClientError, service: str = "") -> Denial | None:
    error = exc.response.get("Error", {})
    code = str(error.get("Code", ""))
    if code not in DENIED:
        return None
    message = str(error.get("Message", ""))
    match = _PERFORM.search(message)
    if match:
        resource = (match.group(2) or "").rstrip(".,;") or "the resource"
        return Denial(match.group(1), resource)
    prefix = service or exc.response.get("ResponseMetadata", {}).get("ServiceId", "") or "aws"
    return Denial(f"{str(prefix).lower()}:{exc.operation_name}", "the resource")


def access_denial(exc: BaseException) -> Denial | None:
    """The denial behind ``exc`` (a botocore ClientError, or a ConnectorError raised from one), if any."""
    seen: set[int] = set()
    current: BaseException | None = exc
    service = ""
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, ConnectorError) and current.source.startswith("aws:"):
            service = current.source.removeprefix("aws:")
        if isinstance(current, ClientError):
            return _from_client_error(current, service)
        current = current.__cause__ or current.__context__
    return None
