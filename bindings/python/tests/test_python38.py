"""The package and its build backend declare Python >= 3.8. Only a newer
Python runs here, so this checks what 3.8 would reject: syntax (the
parser's 3.8 grammar), the new-style generics and unions that 3.8 cannot
evaluate at run time, and standard-library names added after 3.8. And the
backend reads pyproject.toml without tomllib (3.11+) the same way."""

from __future__ import annotations

import ast
import glob
import importlib.util
import os

import pytest

from conftest import BINDING, SRC

SOURCES = sorted(glob.glob(os.path.join(SRC, "libuid2", "*.py"))) + [
    os.path.join(SRC, "_libuid2_import_guard.py"),
    os.path.join(BINDING, "build_backend.py"),
]

# Attributes and modules that Python 3.8 does not have (added in 3.9-3.12),
# among those a package like this one might reach for.
NEWER_ATTRIBUTES = {
    "removeprefix", "removesuffix", "bit_count", "is_relative_to", "waitstatus_to_exitcode", "randbytes",
    "pairwise", "to_thread", "cache", "lcm", "readlink", "with_stem", "batched", "StrEnum", "UTC",
    "TypeAlias", "ParamSpec", "Concatenate", "TypeGuard", "Self", "LiteralString", "Never", "assert_never",
    "reveal_type", "dataclass_transform", "aiter", "anext", "EllipsisType", "NoneType", "NotImplementedType",
}
NEWER_MODULES = {"zoneinfo", "graphlib", "tomllib"}
BUILTIN_GENERICS = {"list", "dict", "tuple", "set", "frozenset", "type"}
NEWER_KEYWORDS = {("zip", "strict"), ("dataclass", "slots"), ("dataclass", "kw_only"), ("dataclass", "match_args")}


def _annotation_nodes(tree: ast.AST) -> set:
    """Nodes inside annotations: with `from __future__ import annotations`
    they are never evaluated, so 3.9+ forms are fine there."""
    inside = set()
    for node in ast.walk(tree):
        roots = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.returns:
            roots.append(node.returns)
        if isinstance(node, ast.arg) and node.annotation:
            roots.append(node.annotation)
        if isinstance(node, ast.AnnAssign):
            roots.append(node.annotation)
        for root in roots:
            inside.update(id(n) for n in ast.walk(root))
    return inside


def problems(path: str) -> list:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    try:
        tree = ast.parse(text, path, feature_version=(3, 8))
    except SyntaxError as e:
        return [f"{e.lineno}: not Python 3.8 syntax: {e.msg}"]
    future = any(isinstance(n, ast.ImportFrom) and n.module == "__future__"
                 and any(a.name == "annotations" for a in n.names) for n in tree.body)
    in_annotation = _annotation_nodes(tree) if future else set()
    guarded = set()  # `if sys.version_info >= ...:` blocks may use newer names
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "version_info" in ast.dump(node.test):
            guarded.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    found = []
    for node in ast.walk(tree):
        line = getattr(node, "lineno", "?")
        if id(node) in guarded:
            continue
        if isinstance(node, ast.Subscript) and id(node) not in in_annotation:
            if isinstance(node.value, ast.Name) and node.value.id in BUILTIN_GENERICS:
                found.append(f"{line}: {node.value.id}[...] needs 3.9 at run time")
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr) and id(node) not in in_annotation:
            if any(isinstance(side, ast.Constant) and side.value is None for side in (node.left, node.right)):
                found.append(f"{line}: X | None needs 3.10 at run time")
        if isinstance(node, ast.Attribute) and node.attr in NEWER_ATTRIBUTES:
            found.append(f"{line}: .{node.attr} is not in Python 3.8")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            imported = [a.name for a in node.names] if isinstance(node, ast.ImportFrom) else []
            for name in names:
                if name.split(".")[0] in NEWER_MODULES:
                    found.append(f"{line}: module {name} is not in Python 3.8")
            for name in imported:
                if name in NEWER_ATTRIBUTES:
                    found.append(f"{line}: {name} is not in Python 3.8")
        if isinstance(node, ast.Call):
            func = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
            for kw in node.keywords:
                if (func, kw.arg) in NEWER_KEYWORDS:
                    found.append(f"{line}: {func}({kw.arg}=) needs a newer Python")
    return found


@pytest.mark.parametrize("path", SOURCES, ids=os.path.basename)
def test_sources_are_python38(path):
    assert problems(path) == []


def test_the_check_finds_what_38_rejects(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(
        "from __future__ import annotations\n"
        "import zoneinfo\n"
        "def f(x: list[int] | None) -> dict[str, int]:\n"  # fine: annotations
        "    y = list[int]\n"
        "    z = int | None\n"
        "    return 'a'.removeprefix('b'), zip([], [], strict=True)\n"
        "match = 1\n"
    )
    found = "\n".join(problems(str(bad)))
    for what in ("zoneinfo", "list[...]", "X | None", "removeprefix", "strict"):
        assert what in found, (what, found)
    assert "3:" not in found
    (tmp_path / "walrus_ok.py").write_text("if (n := 1):\n    pass\n")
    assert problems(str(tmp_path / "walrus_ok.py")) == []
    (tmp_path / "match.py").write_text("match x:\n    case 1:\n        pass\n")
    assert "3.8 syntax" in problems(str(tmp_path / "match.py"))[0]


def _backend():
    spec = importlib.util.spec_from_file_location("backend38", os.path.join(BINDING, "build_backend.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_backend_reads_pyproject_without_tomllib():
    tomllib = pytest.importorskip("tomllib")
    backend = _backend()
    with open(os.path.join(BINDING, "pyproject.toml"), encoding="utf-8") as f:
        text = f.read()
    assert backend._read_toml(text) == tomllib.loads(text)
    sample = (
        "[project]\nname = 'x'  # c\nlist = [\n  \"a\", 'b',\n]\nlicense = { text = \"MIT\" }\n"
        "flag = true\nn = 3\n[project.urls]\nHome = \"https://e.org/a#b\"\n[[nothing]]\n"
    )
    sample = sample.replace("[[nothing]]\n", "")
    assert backend._read_toml(sample) == tomllib.loads(sample)
    backend.tomllib = None  # as on 3.8-3.10
    assert backend._project()["version"] == tomllib.loads(text)["project"]["version"]
    assert "Requires-Python: >=3.8" in backend._metadata()
