"""The tests' own layout: no test module imports from another test module or from a
conftest. Shared fixtures are registered in conftest.py (or a fixtures plugin module);
shared plain helpers live in helpers modules (helpers.py, factories.py, payloads.py, ...)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIPPED_DIRECTORIES = {".venv", "node_modules", ".git"}


def modules_in_tests_packages() -> list[Path]:
    return sorted(
        path
        for path in ROOT.glob("**/tests/**/*.py")
        if not SKIPPED_DIRECTORIES.intersection(path.relative_to(ROOT).parts)
    )


def module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """Every module an import statement may name, as dotted paths: `from a.b import c`
    names a.b and a.b.c (c may be a module); relative imports are resolved."""
    package = module_name(path).rsplit(".", 1)[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(package.split(".")[: len(package.split(".")) - node.level + 1])
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            if not is_test_module_or_conftest(module):
                found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def is_test_module_or_conftest(module: str) -> bool:
    last = module.rsplit(".", 1)[-1]
    return last == "conftest" or last.startswith("test_")


def forbidden_imports(path: Path) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for line, module in imported_modules(path)
        if is_test_module_or_conftest(module)
    ]


def test_no_test_module_imports_from_a_test_module_or_a_conftest():
    modules = modules_in_tests_packages()

    assert ROOT / "routing" / "tests" / "test_engine.py" in modules  # the walk finds them
    assert [found for path in modules for found in forbidden_imports(path)] == []


def test_the_check_catches_each_kind_of_forbidden_import(tmp_path, monkeypatch):
    monkeypatch.setattr(f"{__name__}.ROOT", tmp_path)
    tests = tmp_path / "app" / "tests"
    tests.mkdir(parents=True)
    module = tests / "test_example.py"
    module.write_text(
        "from app.tests.test_other import helper\n"
        "from app.tests.conftest import CONSTANT\n"
        "from . import test_other\n"
        "from .conftest import fixture\n"
        "import app.tests.test_other\n"
        "from app.tests.helpers import allowed\n"
        "from app.tests import payloads\n"
        "from test_utilities import not_a_tests_package_but_still_a_test_module\n"
        "from app.tests import test_other, helpers\n"
    )

    assert forbidden_imports(module) == [
        "app/tests/test_example.py:1 imports app.tests.test_other",
        "app/tests/test_example.py:2 imports app.tests.conftest",
        "app/tests/test_example.py:3 imports app.tests.test_other",
        "app/tests/test_example.py:4 imports app.tests.conftest",
        "app/tests/test_example.py:5 imports app.tests.test_other",
        "app/tests/test_example.py:8 imports test_utilities",
        "app/tests/test_example.py:9 imports app.tests.test_other",
    ]
