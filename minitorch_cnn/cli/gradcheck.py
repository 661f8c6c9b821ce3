"""``python -m minitorch_cnn gradcheck``: every op's gradient checked by finite differences, as a table.

The cases (inputs kept away from kinks, dropout re-seeded per evaluation) are the op catalogue of
``minitorch_cnn.gradcheck_suite``; this module only runs them and prints the pass/fail table.
"""
import fnmatch

from ..gradcheck_suite import CASES, check_case
from .train.builders import resolve_device


def matching_cases(pattern):
    """The catalogue's cases whose name matches the shell-style ``pattern``."""
    return [case for case in CASES if fnmatch.fnmatch(case[0], pattern)]


def run_gradcheck(pattern="*", device="cpu"):
    """Print the pass/fail table of the cases whose name matches ``pattern``; exit code 0 if all pass."""
    device = resolve_device(device)
    cases = matching_cases(pattern)
    if not cases:
        raise ValueError(f"no gradcheck case matches {pattern!r}")
    width = max(len(name) for name, _, _ in cases)
    print(f"{'op':<{width}}  result  time")
    print(f"{'-' * width}  ------  ------")
    failures = 0
    for name, fn, make in cases:
        status, detail, seconds = check_case(name, fn, make, device)
        failures += status != "PASS"
        print(f"{name:<{width}}  {status:<6}  {seconds * 1000:4.0f}ms" + (f"  {detail[:200]}" if detail else ""),
              flush=True)
    print(f"\n{len(cases) - failures}/{len(cases)} ops pass gradcheck (float64, central differences, "
          f"random cotangent) on {device}")
    return 1 if failures else 0
