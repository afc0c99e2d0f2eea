#!/usr/bin/env python3
"""The files of revshare-core a piece of code can reach: from a start
file, every file its `crate::`, `super::` and `self::` paths name, and its
private submodules (`mod x;`, its own implementation), followed until
nothing new is reached. Public submodules (`pub mod x;`) are namespaces,
followed only when a path names them. Static, so an upper bound of what a
call crosses; the same rule before and after a change compares them.

    benches/crossed.py crates/revshare-core/src/connectors/stripe.rs
    benches/crossed.py --modules crates/revshare-core/src/connectors/stripe.rs
"""
import os
import re
import sys

ROOT = "crates/revshare-core/src"
PATH = re.compile(r"\b(crate|super|self)((?:::[a-z_][a-z0-9_]*)+)")
USE_GROUP = re.compile(r"\buse\s+(crate|super|self)((?:::[a-z_][a-z0-9_]*)*)::\{([^;]*)\}", re.S)
PRIVATE_MOD = re.compile(r"^\s*mod\s+([a-z_][a-z0-9_]*)\s*;", re.M)


def module_of(path):
    """A file's module path: [] for lib.rs."""
    rel = os.path.relpath(path, ROOT)[:-3].split(os.sep)
    if rel[-1] in ("mod", "lib"):
        rel = rel[:-1]
    return rel


def file_of(parts):
    """The file of the longest prefix of `parts` that is a module."""
    for n in range(len(parts), 0, -1):
        base = os.path.join(ROOT, *parts[:n])
        for candidate in (base + ".rs", os.path.join(base, "mod.rs")):
            if os.path.isfile(candidate):
                return candidate
    return None


def absolute(path, kind, rest):
    here = module_of(path)
    is_dir = os.path.basename(path) in ("mod.rs", "lib.rs")
    if kind == "crate":
        base = []
    elif kind == "self":
        base = here
    else:  # super
        base = here[:-1]
        while rest[:1] == ["super"]:
            base, rest = base[:-1], rest[1:]
    del is_dir
    return base + rest


def reached(path):
    text = open(path, encoding="utf-8").read()
    text = re.sub(r"//[^\n]*", "", text)
    found = set()
    for kind, rest in PATH.findall(text):
        target = file_of(absolute(path, kind, rest.strip(":").split("::")))
        if target:
            found.add(target)
    for kind, rest, group in USE_GROUP.findall(text):
        prefix = [p for p in rest.strip(":").split("::") if p]
        for item in re.split(r"[,\s]+", group):
            name = item.split("::")[0].strip()
            if re.fullmatch(r"[a-z_][a-z0-9_]*", name or "-") and name != "self":
                target = file_of(absolute(path, kind, prefix + [name]))
                if target:
                    found.add(target)
    folder = os.path.dirname(path) if os.path.basename(path) in ("mod.rs", "lib.rs") \
        else path[:-3]
    for name in PRIVATE_MOD.findall(text):
        for candidate in (os.path.join(folder, name + ".rs"), os.path.join(folder, name, "mod.rs")):
            if os.path.isfile(candidate):
                found.add(candidate)
    return found


def main():
    args = sys.argv[1:]
    modules = "--modules" in args
    start = [a for a in args if not a.startswith("--")][0]
    seen, todo = {start}, [start]
    while todo:
        for target in reached(todo.pop()):
            if target not in seen:
                seen.add(target)
                todo.append(target)
    tops = sorted({module_of(f)[0] if module_of(f) else "lib" for f in seen})
    if modules:
        print("\n".join(tops))
    print(f"{len(seen)} files in {len(tops)} modules")


if __name__ == "__main__":
    main()
