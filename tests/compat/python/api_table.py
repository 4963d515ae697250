"""The public API of a UID2 Python SDK package as a table (JSON): every class
and function that ``from uid2_client import *`` brings in and that the
package defines, with each class's public methods (parameters), properties,
attributes of an instance, and enum members with their values.

    python api_table.py uid2_client            # print the official SDK's table
    python api_table.py libuid2                # ours, to compare

official_api.json is this table for uid2-client 2.9.0, plus a "libuid2"
column saying, per class or function, whether libuid2 has it ("same") or why
not. test_api_table.py compares both packages with it.
"""

import enum
import importlib
import inspect
import json
import sys


def _params(func):
    """Parameter names with their kinds: "name", "name=" (has a default),
    "*name", "**name", "name*" (keyword-only)."""
    try:
        sig = inspect.signature(func)
    except (TypeError, ValueError):
        return None
    out = []
    for p in sig.parameters.values():
        if p.name in ("self", "cls"):
            continue
        if p.kind is p.VAR_POSITIONAL:
            out.append("*" + p.name)
        elif p.kind is p.VAR_KEYWORD:
            out.append("**" + p.name)
        elif p.kind is p.KEYWORD_ONLY:
            out.append(p.name + "*" + ("=" if p.default is not p.empty else ""))
        else:
            out.append(p.name + ("=" if p.default is not p.empty else ""))
    return out


def _instance_attributes(cls):
    """Public attributes set on an instance (not visible on the class): for
    plain result classes, from an instance made with None arguments."""
    params = _params(cls) or []
    required = [p for p in params if not p.endswith("=") and not p.startswith("*") and "*" not in p]
    try:
        instance = cls(*[None] * len(required))
    except Exception:  # noqa: BLE001 - not constructible with None: no instance attributes listed
        return []
    return sorted(k for k in getattr(instance, "__dict__", {}) if not k.startswith("_"))


def describe_class(cls):
    if issubclass(cls, enum.Enum):
        return {"kind": "enum", "base": "IntEnum" if issubclass(cls, int) else "Enum",
                "members": {name: m.value for name, m in cls.__members__.items()}}
    members = {}
    for name in dir(cls):
        if name.startswith("_"):
            continue
        raw = inspect.getattr_static(cls, name)
        if isinstance(raw, property):
            members[name] = "property"
        elif isinstance(raw, (staticmethod, classmethod)):
            members[name] = {"static" if isinstance(raw, staticmethod) else "classmethod":
                             _params(getattr(cls, name))}
        elif callable(raw):
            members[name] = {"method": _params(raw)}
    if issubclass(cls, BaseException):
        return {"kind": "exception", "bases": [b.__name__ for b in cls.__mro__[1:] if b is not object]}
    for name in _instance_attributes(cls):
        members.setdefault(name, "attribute")
    return {"kind": "class", "init": _params(cls), "members": members}


def table(package):
    module = importlib.import_module(package)
    out = {}
    for name in sorted(dir(module)):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue
        if not (getattr(obj, "__module__", "") or "").startswith(package):
            continue  # imported from elsewhere (typing, datetime, ...)
        out[name] = describe_class(obj) if inspect.isclass(obj) else {"kind": "function", "params": _params(obj)}
    return out


if __name__ == "__main__":
    json.dump(table(sys.argv[1]), sys.stdout, indent=1, sort_keys=True)
    print()
