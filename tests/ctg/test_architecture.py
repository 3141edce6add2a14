"""The layers of the code stay as the README's « Architecture » says: a test walks every import of
the project's modules and fails on a new upward import or on a circle of files."""

import ast
from pathlib import Path

from django.conf import settings

ROOT = Path(settings.BASE_DIR)
APPS = [
    "ctg", "conventions", "actions", "governance", "evaluation", "documents", "agenda", "exchange", "people",
    "portfolio", "search",
]

# What each app may import, bottom to top (besides itself, Django and third-party libraries).
# `conventions` reaches `actions.models` only: an avenant's operations act on fiches.
MAY_IMPORT = {
    "ctg": set(),
    "conventions": {"ctg", "actions.models"},
    "actions": {"ctg", "conventions"},
    "governance": {"ctg", "conventions", "actions"},
    "evaluation": {"ctg", "conventions", "actions", "governance"},
    "documents": {"ctg", "conventions", "actions", "governance", "evaluation"},
    "agenda": {"ctg", "conventions", "actions", "governance", "evaluation"},
    "exchange": {"ctg", "conventions", "actions", "governance", "evaluation", "documents"},
    "people": {"ctg", "conventions"},
    "portfolio": {"ctg", "conventions", "actions", "governance", "evaluation"},
    "search": {"ctg", "conventions", "actions", "governance", "evaluation"},
}


def module_name(path):
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def project_modules():
    for app in APPS:
        for path in sorted((ROOT / app).rglob("*.py")):
            if "migrations" not in path.parts:
                yield module_name(path), path


def imports_of(name, path):
    """The project modules `name` imports, anywhere in the file (lazy imports included)."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[: len(anchor) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module.split(".")[0] in APPS}


def graph():
    modules = dict(project_modules())
    return {name: {m for m in imports_of(name, path) if m in modules and m != name} for name, path in modules.items()}


def allowed(importer, imported):
    app, target = importer.split(".")[0], imported.split(".")[0]
    if app == target:
        return True
    return any(imported == rule or imported.startswith(f"{rule}.") for rule in MAY_IMPORT[app])


def test_no_app_imports_upward():
    upward = sorted(
        f"{importer} → {imported}"
        for importer, targets in graph().items() for imported in targets if not allowed(importer, imported)
    )
    assert upward == [], "Imports contraires à l'architecture du README :\n" + "\n".join(upward)


def test_no_circle_of_files():
    edges = graph()
    circles, state = [], {}

    def visit(node, stack):
        state[node] = "open"
        stack.append(node)
        for target in sorted(edges[node]):
            if state.get(target) == "open":
                circles.append(" → ".join([*stack[stack.index(target):], target]))
            elif target not in state:
                visit(target, stack)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node, [])
    assert circles == []


def test_the_walk_sees_imports():
    """The checks above would pass on an empty graph: make sure they read real imports."""
    edges = graph()
    assert "conventions.models" in edges["actions.models"]
    assert "ctg.pdf" in edges["conventions.pdf"]
    assert not allowed("conventions.views", "governance.models") and allowed("exchange.importer", "governance.models")


def test_no_module_grows_past_600_lines():
    long = [f"{name} ({count} lignes)" for name, path in project_modules()
            if (count := len(path.read_text().splitlines())) > 600]
    assert long == []
