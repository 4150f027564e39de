"""A small in-memory ORM with Odoo's semantics, as far as the external API shows them.

- :class:`Database` holds the tables (``{model: {id: {field: value}}}``), sequences and one lock; every
  RPC runs in :meth:`Database.transaction`, which rolls the touched tables back when the call raises.
- :class:`Model` is one class per Odoo model (``_name``), registered with :func:`register`. Public methods
  carry their calling convention (:func:`api_model`, :func:`api_create`, :func:`api_multi`) like Odoo's
  ``@api`` decorators; anything else is not callable remotely.
- Values are stored raw (many2one = id or False, many2many = list of ids); ``read`` formats them the way
  Odoo does (many2one -> ``[id, display_name]``, empty -> ``False``). One2many fields are computed from the
  inverse many2one. Domains support ``& | !``, ``= != in not in (=)like (=)ilike < > <= >= =? child_of``
  and dotted paths through many2one and x2many fields.
"""

from __future__ import annotations

import contextlib
import dataclasses
import re
import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, ClassVar, TypeVar

from amazon_odoo.local.odoo_double.errors import (
    AccessError,
    InternalError,
    MissingError,
    OdooError,
    UserError,
    ValidationError,
)

F = TypeVar("F", bound=Callable[..., Any])
Row = dict[str, Any]
Compute = Callable[["Model", int], Any]
Default = Callable[["Environment"], Any]

RELATIONAL = frozenset({"many2one", "one2many", "many2many"})
X2MANY = frozenset({"one2many", "many2many"})


def api_model(fn: F) -> F:
    """Model-level method: no ids (Odoo's ``@api.model``)."""
    fn._api = "model"  # type: ignore[attr-defined]
    return fn


def api_create(fn: F) -> F:
    """``create``: over the legacy RPCs Odoo reads ``args[0]``, so the values must be positional there."""
    fn._api = "model_create"  # type: ignore[attr-defined]
    return fn


def api_multi(fn: F) -> F:
    """Record method: the first positional RPC argument is the list of ids."""
    fn._api = "multi"  # type: ignore[attr-defined]
    return fn


@dataclass
class Field:
    type: str
    string: str = ""
    relation: str = ""
    inverse: str = ""
    default: Any = None
    required: bool = False
    readonly: bool = False
    selection: tuple[tuple[str, str], ...] = ()
    compute: Compute | None = None
    name: str = ""
    searchable: bool = True  # False: a non-stored computed field without a search method

    @property
    def stored(self) -> bool:
        return self.compute is None and self.type != "one2many"


def now_string() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S")


BASE_FIELDS: dict[str, Field] = {
    "id": Field("integer", "ID", readonly=True),
    "display_name": Field("char", "Display Name", compute=lambda m, i: m._display_name(i)),
    "create_date": Field("datetime", "Created on", readonly=True, default=lambda env: now_string()),
    "write_date": Field("datetime", "Last Updated on", readonly=True, default=lambda env: now_string()),
    "create_uid": Field(
        "many2one", "Created by", relation="res.users", readonly=True, default=lambda env: env.uid
    ),
}

REGISTRY: dict[str, type[Model]] = {}


def register(cls: type[M]) -> type[M]:
    REGISTRY[cls._name] = cls
    return cls


@dataclass
class Database:
    """One database: tables, sequences, external ids, call counts."""

    name: str
    version: str
    registry: dict[str, type[Model]] = field(default_factory=lambda: dict(REGISTRY))
    tables: dict[str, dict[int, Row]] = field(default_factory=dict)
    next_ids: dict[str, int] = field(default_factory=dict)
    sequences: Counter[str] = field(default_factory=Counter)
    calls: Counter[tuple[str, str]] = field(default_factory=Counter)
    requests: int = 0
    api_keys: dict[str, int] = field(default_factory=dict)
    injected: dict[tuple[str, str], list[OdooError]] = field(default_factory=dict)
    lock: threading.RLock = field(default_factory=threading.RLock)
    _snapshot: dict[str, tuple[dict[int, Row], int]] | None = None

    @property
    def major(self) -> int:
        return int(re.match(r"(?:saas~)?(\d+)", self.version).group(1))  # type: ignore[union-attr]

    @property
    def version_info(self) -> list[Any]:
        parts = [int(p) for p in re.findall(r"\d+", self.version)[:2]] + [0, 0]
        return [parts[0], parts[1], 0, "final", 0, ""]

    def table(self, model: str) -> dict[int, Row]:
        return self.tables.setdefault(model, {})

    def touch(self, model: str) -> dict[int, Row]:
        """The table, snapshotted first if a transaction is open and it was not touched yet."""
        table = self.table(model)
        if self._snapshot is not None and model not in self._snapshot:
            self._snapshot[model] = ({k: dict(v) for k, v in table.items()}, self.next_ids.get(model, 1))
        return table

    def new_id(self, model: str) -> int:
        self.touch(model)
        value = self.next_ids.get(model, 1)
        self.next_ids[model] = value + 1
        return value

    def next_sequence(self, code: str) -> int:
        self.sequences[code] += 1  # gaps are fine (Odoo sequences are not rolled back either)
        return self.sequences[code]

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        with self.lock:
            outer = self._snapshot is None
            if outer:
                self._snapshot = {}
            try:
                yield
            except BaseException:
                if outer and self._snapshot is not None:
                    for model, (rows, next_id) in self._snapshot.items():
                        self.tables[model] = rows
                        self.next_ids[model] = next_id
                raise
            finally:
                if outer:
                    self._snapshot = None

    @contextlib.contextmanager
    def savepoint(self) -> Iterator[None]:
        """Nested rollback point (``load``): on error, only what was touched inside it is restored."""
        with self.lock:
            outer = self._snapshot
            self._snapshot = {}
            try:
                yield
            except BaseException:
                for model, (rows, next_id) in self._snapshot.items():
                    self.tables[model] = rows
                    self.next_ids[model] = next_id
                raise
            finally:
                inner, self._snapshot = self._snapshot, outer
                if outer is not None:
                    for model, saved in inner.items():
                        outer.setdefault(model, saved)

    def xmlid_lookup(self, xmlid: str) -> tuple[str, int] | None:
        module, _, name = xmlid.partition(".")
        for row in self.table("ir.model.data").values():
            if row["module"] == module and row["name"] == name:
                return str(row["model"]), int(row["res_id"])
        return None

    def xmlid_bind(self, xmlid: str, model: str, res_id: int) -> int:
        module, _, name = xmlid.partition(".")
        vals = {"module": module, "name": name, "model": model, "res_id": res_id}
        return self.env(1, su=True)["ir.model.data"].create([vals]).ids[0]

    def env(self, uid: int, context: dict[str, Any] | None = None, su: bool = False) -> Environment:
        return Environment(self, uid, dict(context or {}), su=su)

    def pop_injected(self, model: str, method: str) -> OdooError | None:
        queue = self.injected.get((model, method))
        if queue:
            return queue.pop(0)
        return None


class Environment:
    def __init__(self, db: Database, uid: int, context: dict[str, Any], su: bool = False) -> None:
        self.db = db
        self.uid = uid
        self.context = context
        self.su = su

    def __getitem__(self, model: str) -> Model:
        cls = self.db.registry.get(model)
        if cls is None:
            raise UserError(f"Object {model} doesn't exist")
        return cls(self, [])

    def __contains__(self, model: str) -> bool:
        return model in self.db.registry

    def sudo(self) -> Environment:
        return Environment(self.db, self.uid, self.context, su=True)

    def with_context(self, **values: Any) -> Environment:
        return Environment(self.db, self.uid, {**self.context, **values}, su=self.su)

    @property
    def major(self) -> int:
        return self.db.major

    def ref(self, xmlid: str, raise_if_not_found: bool = True) -> int:
        module, _, name = xmlid.partition(".")
        for row in self.db.table("ir.model.data").values():
            if row["module"] == module and row["name"] == name:
                return int(row["res_id"])
        if raise_if_not_found:
            raise ValueError(f"External ID not found in the system: {xmlid}")
        return 0

    def user_group_ids(self, uid: int | None = None) -> set[int]:
        """The user's groups, implied ones included (17/18 store them; 19 computes them)."""
        user = self.db.table("res.users").get(self.uid if uid is None else uid)
        if not user:
            return set()
        if "groups_id" in user:
            return set(user["groups_id"] or [])
        groups = self.db.table("res.groups")
        seen: set[int] = set()
        todo = list(user.get("group_ids") or [])
        while todo:
            gid = todo.pop()
            if gid not in seen and gid in groups:
                seen.add(gid)
                todo += groups[gid].get("implied_ids") or []
        return seen

    def has_group(self, xmlid: str, uid: int | None = None) -> bool:
        gid = self.ref(xmlid, raise_if_not_found=False)
        return bool(gid) and gid in self.user_group_ids(uid)


M = TypeVar("M", bound="Model")


def _norm_domain(domain: Sequence[Any]) -> list[Any]:
    result: list[Any] = []
    expected = 1
    for token in domain:
        if expected == 0:
            result.insert(0, "&")
            expected = 1
        if isinstance(token, list | tuple):
            expected -= 1
            result.append(tuple(token))
        else:
            expected += {"&": 1, "|": 1, "!": 0}.get(token, 0)
            result.append(token)
    return result


def _like(pattern: str, text: str, *, exact: bool, case: bool) -> bool:
    if exact:
        regex = "".join(".*" if c == "%" else "." if c == "_" else re.escape(c) for c in pattern)
        return re.fullmatch(regex, text, 0 if case else re.IGNORECASE) is not None
    return pattern in text if case else pattern.lower() in text.lower()


class Model:
    """Base of every model of the double (one subclass per Odoo model)."""

    _name: ClassVar[str] = ""
    _description: ClassVar[str] = ""
    _rec_name: ClassVar[str] = "name"
    _order: ClassVar[str] = "id"
    _fields: ClassVar[dict[str, Field]] = {}
    #: mode ('read', 'write', 'create', 'unlink', or '*') -> groups (xmlids), any of which grants access
    _access: ClassVar[dict[str, tuple[str, ...]]] = {}
    _all_fields: ClassVar[dict[str, Field]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        merged: dict[str, Field] = dict(BASE_FIELDS)
        for base in reversed(cls.__mro__[1:]):
            merged.update(getattr(base, "_fields", {}))
        merged.update(cls.__dict__.get("_fields", {}))
        for name, fld in merged.items():
            fld.name = name
        cls._all_fields = merged

    def __init__(self, env: Environment, ids: Sequence[int]) -> None:
        self.env = env
        self.ids = list(ids)

    def __repr__(self) -> str:
        return f"{self._name}({', '.join(map(str, self.ids))})"

    def __len__(self) -> int:
        return len(self.ids)

    def __iter__(self) -> Iterator[int]:
        return iter(self.ids)

    # ----------------------------------------------------------------------------------- infrastructure

    @property
    def db(self) -> Database:
        return self.env.db

    @property
    def fields(self) -> dict[str, Field]:
        fields = dict(self._all_fields)
        for name, fld in self._version_fields(self.env.major).items():
            if fld is None:
                fields.pop(name, None)
            else:
                fields[name] = dataclasses.replace(fld, name=name)
        return fields

    @classmethod
    def _version_fields(cls, major: int) -> dict[str, Field | None]:
        """Fields added (Field) or removed (None) in this Odoo version."""
        return {}

    @property
    def context(self) -> dict[str, Any]:
        return self.env.context

    def browse(self: M, ids: Sequence[int] | int) -> M:
        return type(self)(self.env, [ids] if isinstance(ids, int) else list(ids))

    def sudo(self: M) -> M:
        return type(self)(self.env.sudo(), self.ids)

    def with_context(self: M, **values: Any) -> M:
        return type(self)(self.env.with_context(**values), self.ids)

    def rows(self) -> dict[int, Row]:
        return self.db.table(self._name)

    def row(self, rec_id: int) -> Row:
        row = self.rows().get(rec_id)
        if row is None:
            raise MissingError(
                "Record does not exist or has been deleted.\n"
                f"(Record: {self._name}({rec_id},), User: {self.env.uid})"
            )
        return row

    def ensure_one(self) -> int:
        if len(self.ids) != 1:
            raise InternalError(f"Expected singleton: {self!r}")
        return self.ids[0]

    def get(self, rec_id: int, name: str) -> Any:
        """Raw value (computed ones computed; one2many from the inverse)."""
        fld = self.fields.get(name)
        if fld is None:
            raise InternalError(f"Invalid field {name!r} on model {self._name!r}")
        if name == "id":
            return rec_id
        if fld.compute is not None:
            return fld.compute(self, rec_id)
        if fld.type == "one2many":
            comodel = self.env[fld.relation]
            return sorted(i for i, r in comodel.rows().items() if r.get(fld.inverse) == rec_id)
        value = self.row(rec_id).get(name, False)
        return list(value) if isinstance(value, list) else value

    def _api_of(self, method: str, api: str) -> str:
        """Calling convention of ``method`` in this version (hook for methods that changed)."""
        return api

    def _display_name(self, rec_id: int) -> str:
        value = self.row(rec_id).get(self._rec_name)
        return str(value) if value else f"{self._name},{rec_id}"

    def _check_access(self, mode: str) -> None:
        if self.env.su:
            return
        groups = self._access.get(mode) or self._access.get("*")
        if not groups or any(self.env.has_group(g) for g in groups):
            return
        names = []
        for xmlid in groups:
            gid = self.env.ref(xmlid, raise_if_not_found=False)
            grow = self.db.table("res.groups").get(gid, {})
            names.append(f"\t- {grow.get('full_name') or grow.get('name') or xmlid}")
        verb = {"read": "access", "write": "modify", "create": "create", "unlink": "delete"}[mode]
        raise AccessError(
            f"You are not allowed to {verb} '{self._description or self._name}' ({self._name}) records.\n\n"
            "This operation is allowed for the following groups:\n" + "\n".join(names) + "\n\n"
            "Contact your administrator to request access if necessary."
        )

    # ----------------------------------------------------------------------------------- value handling

    def _default(self, fld: Field) -> Any:
        value = fld.default
        if callable(value):
            return value(self.env)
        if isinstance(value, list):
            return list(value)
        if value is None:
            return [] if fld.type == "many2many" else False
        return value

    def _convert(self, fld: Field, value: Any) -> Any:
        if fld.readonly and fld.name in ("id",):
            raise InternalError(f"field {fld.name} is read only")
        if value is None:
            value = False
        kind = fld.type
        if kind == "many2one":
            if isinstance(value, list | tuple):
                value = value[0] if value else False
            if value is False or value == 0:
                return False
            if not isinstance(value, int) or value not in self.env[fld.relation].rows():
                raise ValidationError(
                    f"The operation cannot be completed: insert or update on table "
                    f'"{self._name.replace(".", "_")}" violates foreign key constraint '
                    f'"{self._name.replace(".", "_")}_{fld.name}_fkey" '
                    f"(Key ({fld.name})=({value}) is not present)"
                )
            return value
        if kind == "selection":
            if value is not False and value not in {k for k, _ in fld.selection}:
                raise ValueError(f"Wrong value for {self._name}.{fld.name}: {value!r}")
            return value
        if kind in ("char", "text", "html"):
            return str(value) if value is not False else False
        if kind == "integer":
            return int(value) if value is not False else 0
        if kind in ("float", "monetary"):
            return float(value) if value is not False else 0.0
        if kind == "boolean":
            return bool(value)
        return value

    def _commands(self, value: Any) -> list[tuple[Any, ...]]:
        if value is False or value is None:
            return [(5,)]
        if isinstance(value, list) and all(isinstance(v, int) and not isinstance(v, bool) for v in value):
            return [(6, 0, list(value))]
        commands = []
        for cmd in value:
            if not isinstance(cmd, list | tuple) or not cmd:
                raise ValueError(f"Invalid command {cmd!r}")
            commands.append(tuple(cmd))
        return commands

    def _apply_x2many(self, rec_id: int, fld: Field, value: Any) -> None:
        comodel = self.env[fld.relation]
        if fld.type == "many2many":
            current = list(self.row(rec_id).get(fld.name) or [])
            for cmd in self._commands(value):
                code = cmd[0]
                if code == 0:
                    current += comodel.create([dict(cmd[2])])._ids_list()
                elif code == 1:
                    comodel.browse(cmd[1]).write(dict(cmd[2]))
                elif code == 2:
                    comodel.browse(cmd[1]).unlink()
                    current = [i for i in current if i != cmd[1]]
                elif code == 3:
                    current = [i for i in current if i != cmd[1]]
                elif code == 4:
                    self._check_exists(comodel, [cmd[1]])
                    current += [cmd[1]] if cmd[1] not in current else []
                elif code == 5:
                    current = []
                elif code == 6:
                    self._check_exists(comodel, list(cmd[2]))
                    current = list(dict.fromkeys(cmd[2]))
                else:
                    raise ValueError(f"Invalid command {cmd!r}")
            self.db.touch(self._name)[rec_id][fld.name] = current
            return
        inverse = comodel.fields[fld.inverse]
        for cmd in self._commands(value):
            code = cmd[0]
            if code == 0:
                comodel.create([{**dict(cmd[2]), fld.inverse: rec_id}])
            elif code == 1:
                comodel.browse(cmd[1]).write(dict(cmd[2]))
            elif code == 2:
                comodel.browse(cmd[1]).unlink()
            elif code in (3, 5, 6):
                targets = [cmd[1]] if code == 3 else self.get(rec_id, fld.name)
                keep = set(cmd[2]) if code == 6 else set()
                for child in targets:
                    if child in keep:
                        continue
                    if inverse.required:
                        comodel.browse(child).unlink()
                    else:
                        comodel.browse(child).write({fld.inverse: False})
                if code == 6:
                    comodel.browse(list(keep)).write({fld.inverse: rec_id})
            elif code == 4:
                comodel.browse(cmd[1]).write({fld.inverse: rec_id})
            else:
                raise ValueError(f"Invalid command {cmd!r}")

    def _check_exists(self, model: Model, ids: list[int]) -> None:
        missing = [i for i in ids if i not in model.rows()]
        if missing:
            raise MissingError(
                f"Record does not exist or has been deleted.\n(Record: {model._name}{tuple(missing)})"
            )

    def _ids_list(self) -> list[int]:
        return list(self.ids)

    def _split_vals(self, vals: Row) -> tuple[Row, Row]:
        fields = self.fields
        plain: Row = {}
        x2many: Row = {}
        for name, value in vals.items():
            fld = fields.get(name)
            if fld is None:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
            if fld.compute is not None or name == "id":
                continue  # computed fields ignore writes (no inverse in the double)
            if fld.type in X2MANY:
                x2many[name] = value
            else:
                plain[name] = self._convert(fld, value)
        return plain, x2many

    # ----------------------------------------------------------------------------------- domains

    def _value_for_compare(self, rec_id: int, path: list[str]) -> list[Any]:
        """All values the path reaches from the record (many at a time through x2many)."""
        name, rest = path[0], path[1:]
        fields = self.fields
        if name not in fields:
            raise ValueError(f"Invalid field {self._name}.{name} in leaf")
        fld = fields[name]
        value = self.get(rec_id, name)
        if not rest:
            return [value]
        if fld.type not in RELATIONAL:
            raise ValueError(f"Invalid field {self._name}.{'.'.join(path)} in leaf")
        targets = [value] if fld.type == "many2one" else list(value)
        comodel = self.env[fld.relation]
        out: list[Any] = []
        for target in targets:
            if target:
                out += comodel._value_for_compare(int(target), rest)
        return out or [False]

    def _leaf(self, rec_id: int, leaf: tuple[Any, ...]) -> bool:
        if len(leaf) != 3:
            raise ValueError(f"Invalid leaf {leaf!r}")
        left, op, right = leaf
        if left in (0, 1) and op == "=" and right == 1:
            return bool(left)
        path = str(left).split(".")
        fld = self.fields.get(path[0])
        if fld is None:
            raise ValueError(f"Invalid field {self._name}.{path[0]} in leaf {leaf!r}")
        last = fld
        model: Model = self
        for part in path[1:]:
            model = model.env[last.relation]
            last = model.fields[part]
        if not last.searchable:
            raise ValueError(f"Non-stored field {model._name}.{path[-1]} cannot be searched.")
        values = self._value_for_compare(rec_id, path)
        if last.type in X2MANY and len(path) == 1:
            ids = values[0]
            if op in ("=", "in", "child_of"):
                wanted = right if isinstance(right, list | tuple) else [right]
                if right is False:
                    return not ids
                return bool(set(ids) & set(wanted))
            if op in ("!=", "not in"):
                wanted = right if isinstance(right, list | tuple) else [right]
                if right is False:
                    return bool(ids)
                return not set(ids) & set(wanted)
            raise ValueError(f"Unsupported operator {op!r} on x2many in the double")
        return any(self._compare(model, last, v, op, right) for v in values)

    def _compare(self, model: Model, fld: Field, value: Any, op: str, right: Any) -> bool:
        empty = value in (False, None, "")
        if op == "=?":
            return True if right in (False, None) else self._compare(model, fld, value, "=", right)
        if op == "=":
            return empty if right is False or right is None else value == right
        if op == "!=":
            return not empty if right is False or right is None else value != right
        if op in ("in", "not in"):
            options = list(right) if isinstance(right, list | tuple) else [right]
            found = (empty and False in options) or value in options
            return found if op == "in" else not found
        if op == "child_of":
            options = list(right) if isinstance(right, list | tuple) else [right]
            comodel = model.env[fld.relation] if fld.type == "many2one" else model
            current = value
            while current:
                if current in options:
                    return True
                current = (
                    comodel.rows().get(int(current), {}).get("parent_id")
                    if "parent_id" in comodel.fields
                    else False
                )
            return False
        if op in ("like", "ilike", "not like", "not ilike", "=like", "=ilike"):
            if fld.type == "many2one":
                text = model.env[fld.relation]._display_name(int(value)) if value else ""
            else:
                text = "" if empty else str(value)
            if right is False:
                hit = empty
            else:
                hit = _like(
                    str(right), text, exact=op.startswith("="), case=op in ("like", "not like", "=like")
                )
            return not hit if op.startswith("not") else hit
        if op in ("<", ">", "<=", ">="):
            if empty and fld.type not in ("integer", "float", "monetary"):
                return False
            left = value if not empty else 0
            return bool({"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op])
        raise ValueError(f"Invalid operator {op!r}")

    def _match(self, rec_id: int, tokens: Iterator[Any]) -> bool:
        op = next(tokens)
        if op == "&":
            a = self._match(rec_id, tokens)
            b = self._match(rec_id, tokens)
            return a and b
        if op == "|":
            a = self._match(rec_id, tokens)
            b = self._match(rec_id, tokens)
            return a or b
        if op == "!":
            return not self._match(rec_id, tokens)
        return self._leaf(rec_id, op)

    def _filter(self, domain: Sequence[Any] | None, ids: Sequence[int] | None = None) -> list[int]:
        candidates = list(self.rows()) if ids is None else list(ids)
        norm = _norm_domain(domain or [])
        if "active" in self.fields and self.context.get("active_test", True):
            mentions_active = any(isinstance(t, tuple) and str(t[0]) == "active" for t in norm)
            if not mentions_active:
                norm = ["&", ("active", "=", True), *norm] if norm else [("active", "=", True)]
        if not norm:
            return candidates
        return [i for i in candidates if self._match(i, iter(norm))]

    def _sorted(self, ids: list[int], order: str | None) -> list[int]:
        spec = [p.strip() for p in (order or self._order).split(",") if p.strip()]
        result = list(ids)
        for part in reversed(spec):
            bits = part.split()
            name, desc = bits[0], len(bits) > 1 and bits[1].lower() == "desc"
            if name not in self.fields:
                raise ValueError(f"Invalid order {order!r} on {self._name}")

            def key(i: int, name: str = name) -> tuple[int, Any]:
                value = self.get(i, name)
                if self.fields[name].type == "many2one":
                    value = self.env[self.fields[name].relation]._display_name(value) if value else ""
                return (0, value) if value not in (False, None) else (1, "")

            result.sort(key=key, reverse=desc)
        return result

    # ----------------------------------------------------------------------------------- reading

    def _format(self, rec_id: int, name: str, load: str | None = "_classic_read") -> Any:
        fld = self.fields[name]
        value = self.get(rec_id, name)
        if fld.type == "many2one":
            if not value:
                return False
            if load != "_classic_read":
                return value
            return [value, self.env[fld.relation].sudo()._display_name(value)]
        if fld.type in X2MANY:
            return list(value or [])
        if fld.type in ("integer", "float", "monetary", "boolean"):
            return value if value is not None else False
        return value if value not in (None, "") else False

    def _readable(self, fields: Sequence[str] | None) -> list[str]:
        all_fields = self.fields
        if not fields:
            return [n for n in all_fields if n != "password"]
        unknown = [f for f in fields if f not in all_fields]
        if unknown:
            raise ValueError(f"Invalid field {unknown[0]!r} on model {self._name!r}")
        return list(fields)

    # ----------------------------------------------------------------------------------- public API

    @api_model
    def check_access_rights(self, operation: str, raise_exception: bool = True) -> bool:
        """Odoo <= 17 (``ir.model.access``): may the user ``operation`` this model at all (issue 9)."""
        if operation not in ("read", "write", "create", "unlink"):
            raise ValueError(f"Invalid access mode {operation!r}")
        try:
            self._check_access(operation)
        except AccessError:
            if raise_exception:
                raise
            return False
        return True

    @api_multi
    def has_access(self, operation: str) -> bool:
        """Odoo 18+: the same question as a record method (no ids: the model's access only)."""
        return self.check_access_rights(operation, raise_exception=False)

    @api_model
    def search(
        self, domain: Sequence[Any], offset: int = 0, limit: int | None = None, order: str | None = None
    ) -> list[int]:
        self._check_access("read")
        ids = self._sorted(self._filter(domain), order)
        ids = ids[offset:]
        return ids[:limit] if limit else ids

    @api_model
    def search_count(self, domain: Sequence[Any], limit: int | None = None) -> int:
        self._check_access("read")
        count = len(self._filter(domain))
        return min(count, limit) if limit else count

    @api_multi
    def read(self, fields: Sequence[str] | None = None, load: str | None = "_classic_read") -> list[Row]:
        self._check_access("read")
        names = self._readable(fields)
        out = []
        for rec_id in self.ids:
            if rec_id not in self.rows():
                continue  # Odoo 17 leaves missing records out of read()
            rec = {"id": rec_id}
            for name in names:
                rec[name] = self._format(rec_id, name, load)
            out.append(rec)
        return out

    @api_model
    def search_read(
        self,
        domain: Sequence[Any] | None = None,
        fields: Sequence[str] | None = None,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        **read_kwargs: Any,
    ) -> list[Row]:
        ids = self.search(domain or [], offset=offset, limit=limit, order=order)
        return self.browse(ids).read(fields, **read_kwargs)

    @api_model
    def name_search(
        self, name: str = "", args: Sequence[Any] | None = None, operator: str = "ilike", limit: int = 100
    ) -> list[list[Any]]:
        self._check_access("read")
        ids = self._filter(args or [])
        hits = [
            i
            for i in ids
            if not name or self._compare(self, Field("char"), self._display_name(i), operator, name)
        ]
        return [[i, self._display_name(i)] for i in hits[:limit]]

    @api_model
    def fields_get(
        self, allfields: Sequence[str] | None = None, attributes: Sequence[str] | None = None
    ) -> dict[str, Row]:
        out: dict[str, Row] = {}
        for name, fld in self.fields.items():
            if allfields and name not in allfields:
                continue
            desc: Row = {
                "type": fld.type,
                "string": fld.string or name.replace("_", " ").title(),
                "required": fld.required,
                "readonly": fld.readonly or fld.compute is not None,
                "store": fld.stored,
            }
            if fld.relation:
                desc["relation"] = fld.relation
            if fld.selection:
                desc["selection"] = [list(p) for p in fld.selection]
            if attributes:
                desc = {k: v for k, v in desc.items() if k in attributes}
            out[name] = desc
        return out

    @api_create
    def create(self, vals_list: Row | list[Row]) -> Model:
        self._check_access("create")
        batch = [vals_list] if isinstance(vals_list, dict) else list(vals_list)
        ids = []
        fields = self.fields
        for vals in batch:
            vals = self._prepare_create(dict(vals))
            plain, x2many = self._split_vals(vals)
            for name, fld in fields.items():
                if name in plain or name in x2many or not fld.stored or name == "id":
                    continue
                default = self._default(fld)
                if fld.type == "many2many":
                    x2many[name] = [(6, 0, default)] if default else []
                else:
                    plain[name] = default
            for name, fld in fields.items():
                if fld.required and fld.stored and plain.get(name) in (False, None, ""):
                    raise ValidationError(
                        f"Missing required value for the field '{fld.string or name}' ({name}) "
                        f"on model '{self._name}'"
                    )
            rec_id = self.db.new_id(self._name)
            self.db.touch(self._name)[rec_id] = {**plain, "id": rec_id}
            for name, value in x2many.items():
                if fields[name].type == "many2many":
                    self.db.touch(self._name)[rec_id].setdefault(name, [])
                if value:
                    self._apply_x2many(rec_id, fields[name], value)
            ids.append(rec_id)
        records = self.browse(ids)
        records._post_create()
        return records

    def _prepare_create(self, vals: Row) -> Row:
        """Hook: complete values before create (sequences, defaults that depend on other values)."""
        return vals

    def _post_create(self) -> None:
        """Hook: side effects after create (chatter messages ...)."""

    @api_multi
    def write(self, vals: Row) -> bool:
        self._check_access("write")
        plain, x2many = self._split_vals(dict(vals))
        fields = self.fields
        for rec_id in self.ids:
            self.row(rec_id)
            row = self.db.touch(self._name)[rec_id]
            for name, value in plain.items():
                if fields[name].required and value in (False, None, ""):
                    raise ValidationError(
                        f"Missing required value for the field '{fields[name].string or name}'"
                    )
            row.update(plain)
            row["write_date"] = now_string()
            for name, value in x2many.items():
                self._apply_x2many(rec_id, fields[name], value)
        self._post_write(vals)
        return True

    def _post_write(self, vals: Row) -> None:
        """Hook: side effects after write."""

    @api_multi
    def unlink(self) -> bool:
        self._check_access("unlink")
        for rec_id in self.ids:
            self.row(rec_id)
        for rec_id in self.ids:
            # cascade one2many children whose inverse is required
            for fld in self.fields.values():
                if fld.type == "one2many" and fld.compute is None:
                    comodel = self.env[fld.relation]
                    children = self.get(rec_id, fld.name)
                    if comodel.fields[fld.inverse].required:
                        comodel.browse(children).unlink()
                    else:
                        for child in children:
                            self.db.touch(comodel._name)[child][fld.inverse] = False
            del self.db.touch(self._name)[rec_id]
        data = self.db.touch("ir.model.data")
        for key in [k for k, r in data.items() if r["model"] == self._name and r["res_id"] in self.ids]:
            del data[key]
        return True

    @api_multi
    def exists(self) -> list[int]:
        return [i for i in self.ids if i in self.rows()]

    # ---------------------------------------- web client reads (Odoo 17+; shipments out, issue 4, ODOO.md §5)

    @api_multi
    def web_read(self, specification: Row) -> list[Row]:
        """Odoo 17's ``web_read``: fields as ``specification`` says; a many2one or x2many with ``fields``
        comes back nested (many2one as ``{"id", ...}``, x2many as a list of those), without as ids."""
        self._check_access("read")
        return [self._web_record(rec_id, specification) for rec_id in self.ids if rec_id in self.rows()]

    def _web_record(self, rec_id: int, specification: Row) -> Row:
        fields = self.fields
        out: Row = {"id": rec_id}
        for name, spec in specification.items():
            if name not in fields:
                raise ValueError(f"Invalid field {name!r} on model {self._name!r}")
            fld = fields[name]
            nested = (spec or {}).get("fields")
            if fld.type == "many2one":
                value = self.get(rec_id, name)
                if not value:
                    out[name] = False
                elif nested is None:
                    out[name] = value
                else:
                    out[name] = self.env[fld.relation]._web_record(value, nested)
            elif fld.type in X2MANY:
                ids = list(self.get(rec_id, name) or [])
                comodel = self.env[fld.relation]
                out[name] = ids if nested is None else [comodel._web_record(i, nested) for i in ids]
            else:
                out[name] = self._format(rec_id, name)
        return out

    @api_model
    def web_search_read(
        self,
        domain: Sequence[Any],
        specification: Row,
        offset: int = 0,
        limit: int | None = None,
        order: str | None = None,
        count_limit: int | None = None,
    ) -> Row:
        """Odoo 17's ``web_search_read``: ``{"length": total, "records": web_read(...)}``."""
        ids = self.search(domain or [], offset=offset, limit=limit, order=order)
        records = self.browse(ids).web_read(specification)
        length = len(records) + offset
        if limit and len(records) == limit:
            length = self.search_count(domain or [], limit=count_limit)
        return {"length": length, "records": records}

    # ----------------------------------------------------------------------------------- load (import)

    @api_model
    def load(self, fields: Sequence[str], data: Sequence[Sequence[Any]]) -> Row:
        """Odoo's import: create or update by external id, atomically; errors come back as messages."""
        messages: list[Row] = []
        ids: list[int] = []
        try:
            with self.db.savepoint():
                o2m = {n for n, f in self.fields.items() if f.type == "one2many"}
                for start, end, main, subs in _load_groups(list(fields), [list(r) for r in data], o2m):
                    try:
                        ids.append(self._load_record(list(fields), main, subs))
                    except (OdooError, ValueError) as exc:
                        messages.append(
                            {
                                "type": "error",
                                "message": str(exc),
                                "record": len(ids),
                                "rows": {"from": start, "to": end},
                            }
                        )
                if messages:
                    raise _LoadFailed
        except _LoadFailed:
            return {"ids": False, "messages": messages, "nextrow": 0}
        return {"ids": ids, "messages": [], "nextrow": 0}

    def _load_record(self, columns: list[str], main: list[str], subs: list[list[str]]) -> int:
        fields = self.fields
        vals: Row = {}
        xmlid = ""
        o2m: dict[str, list[tuple[str, Row]]] = {}
        for col, cell in zip(columns, main, strict=False):
            head, _, tail = col.partition("/")
            if col == "id":
                xmlid = str(cell or "")
                continue
            if col == ".id":
                continue
            if head not in fields:
                raise ValueError(f"Unknown field {head!r} on {self._name}")
            fld = fields[head]
            if fld.type == "one2many":
                continue
            vals[head] = self._import_value(fld, tail, cell)
        for name in {c.partition("/")[0] for c in columns if "/" in c}:
            if name in fields and fields[name].type == "one2many":
                comodel = self.env[fields[name].relation]
                sub_cols = [
                    (i, c.partition("/")[2]) for i, c in enumerate(columns) if c.partition("/")[0] == name
                ]
                for row in [main, *subs]:
                    cells = {sub: row[i] if i < len(row) else "" for i, sub in sub_cols}
                    if not any(str(v or "") for v in cells.values()):
                        continue
                    sub_xmlid = str(cells.pop("id", "") or "")
                    sub_vals: Row = {}
                    for sub, cell in cells.items():
                        sname, _, stail = sub.partition("/")
                        if sname not in comodel.fields:
                            raise ValueError(f"Unknown field {sname!r} on {comodel._name}")
                        sub_vals[sname] = comodel._import_value(comodel.fields[sname], stail, cell)
                    o2m.setdefault(name, []).append((sub_xmlid, sub_vals))
        existing = self.db.xmlid_lookup(xmlid) if xmlid else None
        if existing and existing[0] == self._name and existing[1] in self.rows():
            rec_id = existing[1]
            self.browse(rec_id).write(vals)
        else:
            rec_id = self.create([vals]).ids[0]
            if xmlid:
                self.db.xmlid_bind(xmlid, self._name, rec_id)
        for name, children in o2m.items():
            comodel = self.env[fields[name].relation]
            inverse = fields[name].inverse
            for sub_xmlid, sub_vals in children:
                found = self.db.xmlid_lookup(sub_xmlid) if sub_xmlid else None
                if found and found[0] == comodel._name and found[1] in comodel.rows():
                    comodel.browse(found[1]).write({**sub_vals, inverse: rec_id})
                else:
                    child = comodel.create([{**sub_vals, inverse: rec_id}]).ids[0]
                    if sub_xmlid:
                        self.db.xmlid_bind(sub_xmlid, comodel._name, child)
        return rec_id

    def _import_value(self, fld: Field, tail: str, cell: Any) -> Any:
        text = "" if cell is None or cell is False else str(cell)
        label = fld.string or fld.name
        if text == "":
            return [(6, 0, [])] if fld.type == "many2many" else False
        if fld.type == "many2one":
            return self._import_ref(fld, tail, text, label)
        if fld.type == "many2many":
            return [(6, 0, [self._import_ref(fld, tail, part.strip(), label) for part in text.split(",")])]
        if fld.type == "boolean":
            lowered = text.lower()
            if lowered in ("1", "true", "yes"):
                return True
            if lowered in ("0", "false", "no"):
                return False
            raise ValueError(f"Unknown value '{text}' for boolean field '{label}'")
        if fld.type == "integer":
            try:
                return int(text)
            except ValueError:
                raise ValueError(f"'{text}' does not seem to be an integer for field '{label}'") from None
        if fld.type in ("float", "monetary"):
            try:
                return float(text)
            except ValueError:
                raise ValueError(f"'{text}' does not seem to be a number for field '{label}'") from None
        if fld.type == "selection":
            for key, name in fld.selection:
                if text in (key, name):
                    return key
            raise ValueError(f"Value '{text}' not found in selection field '{label}'")
        return text

    def _import_ref(self, fld: Field, tail: str, text: str, label: str) -> int:
        comodel = self.env[fld.relation].sudo()
        if tail == ".id":
            if not text.isdigit() or int(text) not in comodel.rows():
                raise ValueError(f"No matching record found for database id '{text}' in field '{label}'")
            return int(text)
        if tail == "id":
            found = self.db.xmlid_lookup(text if "." in text else f"__import__.{text}")
            if not found or found[1] not in comodel.rows():
                raise ValueError(f"No matching record found for external id '{text}' in field '{label}'")
            return found[1]
        hits = [i for i in comodel.rows() if comodel._display_name(i).lower() == text.lower()]
        if not hits:
            raise ValueError(f"No matching record found for name '{text}' in field '{label}'")
        return hits[0]


class _LoadFailed(Exception):
    """Internal: roll the load savepoint back."""


def _load_groups(
    columns: list[str], rows: list[list[Any]], o2m: set[str]
) -> Iterator[tuple[int, int, list[Any], list[list[Any]]]]:
    """Split import rows into records: a record starts on a row with a non-empty main column."""
    main_idx = [i for i, c in enumerate(columns) if c.partition("/")[0] not in o2m]
    start: int | None = None
    main: list[Any] = []
    subs: list[list[Any]] = []
    for index, row in enumerate(rows):
        is_main = not main_idx or any(str(row[i] if i < len(row) else "") for i in main_idx)
        if is_main or start is None:
            if start is not None:
                yield start, index - 1, main, subs
            start, main, subs = index, row, []
        else:
            subs.append(row)
    if start is not None:
        yield start, len(rows) - 1, main, subs
