"""Fast `--help` for `python -m recipes.NAME` and `python -m tools.NAME`: the docstring and every
flag, read from the source without importing TensorFlow (which takes seconds), then exit 0.

The flags are the recipe's own `flags.DEFINE_*` calls, those of the `define_flags` functions it
calls, and, for a recipe declared as `experiment.Recipe(...)`, those `experiment.main` defines
(`zoo.experiment.flags.define_flags` with the recipe's default workdir and preset: --preset,
--data, --workdir, --seed, --override, --restart, --dry_run, then `strategies.define_flags`:
--strategy, --tpu, --mixed_precision, --cpu_threads), found by following the imports with `ast`.
Anything this reader cannot follow makes it step aside, and absl's own help answers as before
(`--helpfull` always goes to absl). An old name of a moved tool (`recipes._moved`: a module
whose only project import is `from tools.X import main`) answers with the help of the module it
forwards to.
"""

import ast
import os
import sys
import textwrap

HELP_FLAGS = ("--help", "-h", "-help", "--h", "-?")
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _module_path(name):
    """Source file of a project module (zoo.*, recipes.*, tools.*) without importing any
    package."""
    parts = name.split(".")
    if parts[0] not in ("zoo", "recipes", "tools"):
        return None
    base = os.path.join(_ROOT, *parts)
    for path in (base + ".py", os.path.join(base, "__init__.py")):
        if os.path.isfile(path):
            return path
    return None


def _imports(tree):
    """Local alias -> module name of the `import` / `from ... import` statements of `tree`."""
    aliases = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for alias in node.names:
                full = f"{node.module}.{alias.name}"
                aliases[alias.asname or alias.name] = full if _module_path(full) else node.module
        elif isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = alias.name
    return aliases


def _literal(node):
    try:
        return ast.literal_eval(node)
    except ValueError:
        return None


def _flags_of(body, aliases, bindings, seen):
    """(name, default, help) of the flags defined by the statements `body`, following calls
    to `define_flags` of other project modules. `bindings`: parameter name -> literal."""
    found = []
    for node in ast.walk(ast.Module(body=body, type_ignores=[])):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        attr = node.func.attr
        if attr.startswith("DEFINE_") and node.args:
            args = list(node.args) + [None] * 3
            keywords = {k.arg: k.value for k in node.keywords}
            name = _literal(args[0])
            default = keywords.get("default", args[1])
            helptext = keywords.get("help", args[3] if attr == "DEFINE_enum" else args[2])
            if isinstance(default, ast.Name) and default.id in bindings:
                default = bindings[default.id]
            else:
                default = _literal(default) if isinstance(default, ast.AST) else None
            found.append((name, default, _literal(helptext) if helptext else ""))
        elif attr == "define_flags" and isinstance(node.func.value, ast.Name):
            module = aliases.get(node.func.value.id)
            found += _define_flags_of(module, node, seen)
        elif attr == "Recipe" and aliases.get(getattr(node.func.value, "id", None)) == \
                "zoo.experiment":
            found += _recipe_flags(node, seen)
    return found


def _recipe_flags(call, seen):
    """The flags `experiment.main(RECIPE)` defines for the `experiment.Recipe(...)` `call`: its
    default_workdir (the fourth argument) and default_preset bound into
    `zoo.experiment.flags.define_flags`."""
    keywords = {k.arg: k.value for k in call.keywords}
    bindings = {"default_workdir": _literal(keywords.get(
        "default_workdir", call.args[3] if len(call.args) > 3 else ast.Constant(None)))}
    if "default_preset" in keywords:
        bindings["default_preset"] = _literal(keywords["default_preset"])
    return _define_flags_of("zoo.experiment.flags", ast.Call(ast.Name("define_flags"), [], [
        ast.keyword(name, ast.Constant(value)) for name, value in bindings.items()]), seen)


def _define_flags_of(module, call, seen):
    path = _module_path(module or "")
    if path is None:
        raise LookupError(module)
    if path in seen:
        return []
    seen.add(path)
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    function = next((n for n in tree.body
                     if isinstance(n, ast.FunctionDef) and n.name == "define_flags"), None)
    if function is None:  # a package that re-exports it: follow `from X import define_flags`
        source = next((n.module for n in tree.body if isinstance(n, ast.ImportFrom)
                       and any(a.name == "define_flags" and a.asname is None for a in n.names)),
                      None)
        if source is None:
            raise LookupError(f"{module}.define_flags")
        seen.discard(_module_path(source))
        return _define_flags_of(source, call, seen)
    params = [a.arg for a in function.args.args]
    defaults = dict(zip(params[len(params) - len(function.args.defaults):],
                        (_literal(d) for d in function.args.defaults)))
    bindings = {**defaults, **dict(zip(params, (_literal(a) for a in call.args))),
                **{k.arg: _literal(k.value) for k in call.keywords}}
    return _flags_of(function.body, _imports(tree), bindings, seen)


def render(path, program):
    """The help text of the recipe at `path`; LookupError if its flags cannot be followed."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    flags = _flags_of(tree.body, _imports(tree), {}, set())
    if not flags or any(name is None for name, _, _ in flags):
        raise LookupError(path)
    lines = [(ast.get_docstring(tree) or "").strip(), "", f"Flags of {program}:"]
    for name, default, helptext in flags:
        shown = "" if default in (None, [], "") else f" (default: {default!r})"
        lines.append(f"  --{name}{shown}")
        lines += textwrap.wrap(" ".join(str(helptext).split()), 92, initial_indent="      ",
                               subsequent_indent="      ")
    lines += ["", "--helpfull lists absl's and TensorFlow's flags as well."]
    return "\n".join(lines)


def _runnable(module):
    """(source file, program name) of `python -m module`: a package runs its `__main__.py`, an
    old name of a moved tool the module it forwards to; None if not a recipe or a tool."""
    if not module.startswith(("recipes.", "tools.")):
        return None
    path = _module_path(module)
    if path is not None and path.endswith("__init__.py"):
        path = _module_path(module + ".__main__")
    if path is None:
        return None
    forwarded = _forwarded(path)
    if forwarded:
        return _runnable(forwarded)
    return path, f"python -m {module.removesuffix('.__main__')}"


def _forwarded(path):
    """The module whose `main` the module at `path` imports (an old name of a moved tool)."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read())
    return next((node.module for node in tree.body if isinstance(node, ast.ImportFrom)
                 and node.module and node.module.startswith("tools.")
                 and [alias.name for alias in node.names] == ["main"]), None)


def answer_if_asked(argv=None, orig_argv=None):
    """Print the help and exit 0 if this process is `python -m recipes.NAME --help` (or
    `tools.NAME`)."""
    argv = sys.argv if argv is None else argv
    orig_argv = getattr(sys, "orig_argv", []) if orig_argv is None else orig_argv
    if not any(arg in HELP_FLAGS for arg in argv[1:]):
        return
    try:
        module = orig_argv[orig_argv.index("-m") + 1]
    except (ValueError, IndexError):
        return
    try:
        runnable = _runnable(module)
        if runnable is None:
            return
        text = render(*runnable)
    except (LookupError, SyntaxError, OSError):
        return  # absl's help answers
    print(text)
    sys.exit(0)


