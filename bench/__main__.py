"""`python -m bench [NAME ...]`: run the bench modules (all by default) and print the table."""

from __future__ import annotations

import importlib
import pkgutil
import sys
import traceback

from bench.report import Report


def main(argv: list[str]) -> int:
    names = sorted(m.name for m in pkgutil.iter_modules(["bench"]) if m.name.startswith("bench_"))
    wanted = [a if a.startswith("bench_") else f"bench_{a}" for a in argv] or names
    report = Report()
    failed = []
    for name in wanted:
        module = importlib.import_module(f"bench.{name}")
        report.section = (module.__doc__ or name).strip().splitlines()[0]
        print(f"\n-- {name}: {report.section}", flush=True)
        try:
            module.run(report)
        except Exception:  # a failing bench must not hide the others' figures
            traceback.print_exc()
            failed.append(name)
    print("\n" + "=" * 100)
    print(report.table())
    if failed:
        print(f"\nfailed: {', '.join(failed)}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
