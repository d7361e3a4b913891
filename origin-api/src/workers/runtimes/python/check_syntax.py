"""Compiles, never runs, the .py files of a function folder with the target interpreter.

Usage: python3.X check_syntax.py <root> '<{"main.py": ["handler"]}>'
Prints {"problems": [{file, line, column, message}]}: syntax errors, missing handler
modules, and handler names the module never binds at top level. Packages vendored with
`pip install -t .` (listed in a *.dist-info/RECORD) are not checked: their authors did.
"""

import ast
import json
import os
import sys


def vendored_names(root):
    names = set()
    for entry in os.listdir(root):
        if not entry.endswith(".dist-info"):
            continue
        try:
            with open(os.path.join(root, entry, "RECORD"), encoding="utf-8") as record:
                for line in record:
                    first = line.split(",", 1)[0].split("/", 1)[0]
                    if first and not first.endswith(".dist-info"):
                        names.add(first)
        except OSError:
            continue
    return names


def python_files(root):
    skip = vendored_names(root)
    for dirpath, dirnames, filenames in os.walk(root):
        top = os.path.samefile(dirpath, root)
        dirnames[:] = sorted(
            d for d in dirnames if not d.startswith(".") and d != "__pycache__" and not (top and d in skip)
        )
        for name in sorted(filenames):
            if name.endswith(".py") and not (top and name in skip):
                yield os.path.relpath(os.path.join(dirpath, name), root)


def problem(file, line, column, message):
    return {"file": file, "line": line, "column": column, "message": message}


def compile_file(root, rel):
    try:
        with open(os.path.join(root, rel), "rb") as source:
            return compile(source.read(), rel, "exec", flags=ast.PyCF_ONLY_AST, dont_inherit=True), None
    except SyntaxError as err:
        return None, problem(rel, err.lineno or 0, err.offset or 0, f"{type(err).__name__}: {err.msg}")
    except ValueError as err:
        return None, problem(rel, 0, 0, str(err))


def top_level_names(tree):
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            for target in targets:
                names.update(n.id for n in ast.walk(target) if isinstance(n, ast.Name))
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, (ast.If, ast.Try)):
            return None  # conditional definitions: leave the check to import time
    return names


def main(root, handlers):
    problems, trees = [], {}
    for rel in python_files(root):
        tree, err = compile_file(root, rel)
        if err:
            problems.append(err)
        else:
            trees[rel] = tree
    for module, functions in handlers.items():
        tree = trees.get(module)
        if tree is None:
            if not os.path.exists(os.path.join(root, module)):
                problems.append(problem(module, 0, 0, f"handler module {module} not found"))
            continue
        names = top_level_names(tree)
        for function in functions:
            if names is not None and function not in names:
                problems.append(problem(module, 0, 0, f"{module} defines no function {function}"))
    print(json.dumps({"problems": problems}))


if __name__ == "__main__":
    main(sys.argv[1], json.loads(sys.argv[2]))
