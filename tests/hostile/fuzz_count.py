"""Count the fuzz outcomes over many cases (not a test): ``python tests/hostile/fuzz_count.py 3000 [op ...]``
(all of ``fuzz_cases.OPS`` and ``fuzz_wide.OPS`` by default), under an 8 GiB address-space limit."""
import collections
import os
import sys

import numpy as np

sys.path[:0] = [os.path.dirname(os.path.abspath(__file__)), os.path.dirname(os.path.dirname(os.path.dirname(
    os.path.abspath(__file__))))]
import fuzz_cases  # noqa: E402

if __name__ == "__main__":
    import resource

    import fuzz_wide

    resource.setrlimit(resource.RLIMIT_AS, (8 << 30, 8 << 30))  # a runaway allocation fails here, not the machine
    total = int(sys.argv[1]) if len(sys.argv) > 1 else 3000
    ops = sys.argv[2:] or fuzz_cases.OPS + fuzz_wide.OPS
    counts, examples = collections.Counter(), collections.defaultdict(list)
    for k in range(total):
        op = ops[k % len(ops)]
        args, kwargs = fuzz_cases.make_case(op, np.random.default_rng(k))
        outcome, why = fuzz_cases.compare(op, args, kwargs)
        counts[outcome] += 1
        if outcome not in ("same", "both_raise") and (len(examples[op]) < 4 or outcome == "hang"):
            examples[op].append(f"  seed {k} {outcome}: {args} {kwargs}\n      {why}")
    print(dict(counts))
    for op, lines in examples.items():
        print(op)
        print("\n".join(lines))
