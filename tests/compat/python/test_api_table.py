"""libuid2's public API against the checked-in table of the official Python
SDK's (official_api.json): every name the table says libuid2 has is there,
callable in the official shapes (the same positional order and keyword
names), with the official enum members and values; names it says are
absent stay absent (so adding one means updating the table). And the table
still describes the installed official package, when one is at hand."""

import enum
import inspect
import json
import os
import subprocess

import pytest

import libuid2

HERE = os.path.dirname(os.path.abspath(__file__))

with open(os.path.join(HERE, "official_api.json"), encoding="utf-8") as f:
    TABLE = json.load(f)


def _call_shapes(params):
    """The calls code written for the official signature makes: positional,
    by keyword, and with only the required arguments."""
    names = [p.rstrip("=") for p in params if not p.startswith("*") and "*" not in p]
    required = [p for p in params if not p.startswith("*") and "*" not in p and not p.endswith("=")]
    keyword_only = {p.split("*")[0]: None for p in params if "*" in p and not p.startswith("*")}
    shapes = [(tuple(names), keyword_only), ((), {**dict.fromkeys(names), **keyword_only}), (tuple(required), {})]
    if any(p.startswith("**") for p in params):
        shapes.append((tuple(required), {"some_keyword": None}))
    return shapes


def _signature(func, drop_first):
    sig = inspect.signature(func)
    params = list(sig.parameters.values())
    if drop_first and params and params[0].name in ("self", "cls"):
        sig = sig.replace(parameters=params[1:])
    return sig


def incompatible_calls(official_params, ours, drop_first=False):
    """The official call shapes that ours rejects."""
    sig = _signature(ours, drop_first)
    bad = []
    for args, kwargs in _call_shapes(official_params):
        try:
            sig.bind(*args, **kwargs)
        except TypeError as e:
            bad.append(f"({', '.join(args)}; {', '.join(kwargs)}): {e}")
    return bad


def _instance(cls, init_params):
    required = [p for p in init_params or [] if not p.startswith("*") and "*" not in p and not p.endswith("=")]
    try:
        return cls(*[None] * len(required))
    except Exception:  # noqa: BLE001 - classes that cannot be made from Nones: class attributes only
        return None


def differences(name, entry, skip=()):
    ours = getattr(libuid2, name, None)
    if ours is None:
        return [f"{name}: missing"]
    kind = entry["kind"]
    if kind == "function":
        return [f"{name}{c}" for c in incompatible_calls(entry["params"], ours)]
    if kind == "exception":
        return [] if inspect.isclass(ours) and issubclass(ours, Exception) else [f"{name}: not an exception"]
    if kind == "enum":
        out = []
        if not (inspect.isclass(ours) and issubclass(ours, enum.Enum)):
            return [f"{name}: not an enum"]
        if (entry["base"] == "IntEnum") != issubclass(ours, int):
            out.append(f"{name}: official is {entry['base']}")
        for member, value in entry["members"].items():
            if member not in ours.__members__:
                out.append(f"{name}.{member}: missing")
            elif ours[member].value != value:
                out.append(f"{name}.{member} = {ours[member].value!r}, official {value!r}")
        return out
    out = []
    if "init" not in skip:
        out += [f"{name}(){c}" for c in incompatible_calls(entry["init"], ours)]
    instance = _instance(ours, entry["init"])
    for member, what in entry["members"].items():
        if member in skip:
            continue
        if not (hasattr(ours, member) or (instance is not None and hasattr(instance, member))):
            out.append(f"{name}.{member}: missing")
            continue
        if isinstance(what, dict):
            (how, params), = what.items()
            func = getattr(ours, member)
            if how == "method" and not callable(func):
                out.append(f"{name}.{member}: not a method")
                continue
            out += [f"{name}.{member}{c}" for c in incompatible_calls(params, func, drop_first=how == "method")]
    return out


def test_every_official_name_has_a_status():
    assert set(TABLE["libuid2"]) == set(TABLE["api"])
    for name, status in TABLE["libuid2"].items():
        assert status["status"].split(":")[0] in ("same", "partial", "absent"), name


@pytest.mark.parametrize("name", sorted(TABLE["api"]))
def test_libuid2_matches_the_table(name):
    status = TABLE["libuid2"][name]
    kind = status["status"].split(":")[0]
    if kind == "absent":
        assert not hasattr(libuid2, name), f"libuid2 now has {name}: update official_api.json"
        return
    assert differences(name, TABLE["api"][name], status.get("not_provided", ())) == []


def test_the_check_finds_differences():
    """Against a package that drifted, the comparison reports each drift."""
    assert incompatible_calls(["token", "domain_name"], lambda token, domain_or_app_name: None)
    assert incompatible_calls(["uid2", "keyset_id="], lambda raw_uid, keyset_id=None: None)
    assert not incompatible_calls(["uid2", "keyset_id="], libuid2.SharingClient.encrypt_raw_uid_into_token, True)
    assert incompatible_calls(["data", "identity_scope", "**kwargs"], lambda data, identity_scope: None)
    assert incompatible_calls([], lambda required: None)

    class Plain(enum.Enum):
        Email = 0

    entry = {"kind": "enum", "base": "IntEnum", "members": {"Email": 0, "Phone": 1}}
    original = libuid2.IdentityType
    try:
        libuid2.IdentityType = Plain
        found = differences("IdentityType", entry)
    finally:
        libuid2.IdentityType = original
    assert "IdentityType: official is IntEnum" in found and "IdentityType.Phone: missing" in found
    assert differences("IdentityType", entry) == []


def _official_python():
    path = os.environ.get("UID2_OFFICIAL_PYTHON") or os.path.expanduser(
        "~/.cache/libuid2/official-sdks/python/bin/python")
    return os.path.abspath(path) if os.path.exists(path) else None


def test_the_table_is_the_installed_official_sdk():
    python = _official_python()
    if python is None:
        pytest.skip("the official uid2-client is not installed (tools/bootstrap.sh installs it)")
    version = subprocess.run(
        [python, "-c", "import importlib.metadata as m; print(m.version('uid2_client'))"],
        capture_output=True, text=True, check=True,
    ).stdout.strip()
    if version != TABLE["version"]:
        pytest.skip(f"installed uid2-client {version}, the table is of {TABLE['version']}")
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    proc = subprocess.run([python, os.path.join(HERE, "api_table.py"), TABLE["package"]],
                          capture_output=True, text=True, env=env, cwd=HERE)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout) == TABLE["api"]
