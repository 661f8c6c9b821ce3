"""Run each attack of ``attacks.py`` in a fresh process; print its outcome, peak memory and time.

    .venv/bin/python tests/hostile/measure.py [name ...]

Peak memory is the rise of the process's maximum resident size (``ru_maxrss``) over what it was after
importing minitorch_cnn and building the file; each child runs under a 6 GB address-space limit and a
60 s timeout (reported as ``hang``).
"""
import json
import os
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
CHILD = r"""
import json, pathlib, resource, sys, time
sys.path[:0] = [{here!r}, {repo!r}]
resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))
import attacks, minitorch_cnn
folder = pathlib.Path(sys.argv[2])
path, _ = attacks.ATTACKS[sys.argv[1]](folder)
size = path.stat().st_size
for p in folder.iterdir():
    if p != path:
        p.unlink()
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
start = time.perf_counter()
attacks.ATTACKS[sys.argv[1]] = lambda folder: (path, _)
outcome, message = attacks.run(sys.argv[1], folder)
seconds = time.perf_counter() - start
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before
print(json.dumps(dict(outcome=outcome, message=message[:150], seconds=seconds, peak_kb=peak, size=size)))
"""


def measure(name, timeout=60):
    with tempfile.TemporaryDirectory() as folder:
        code = CHILD.format(here=HERE, repo=os.path.dirname(os.path.dirname(HERE)))
        try:
            out = subprocess.run([sys.executable, "-c", code, name, folder], capture_output=True, text=True,
                                 timeout=timeout)
        except subprocess.TimeoutExpired:
            return dict(outcome="hang", message=f"> {timeout} s", seconds=timeout, peak_kb=-1, size=-1)
        if out.returncode != 0:
            return dict(outcome=f"crash {out.returncode}", message=out.stderr.strip().splitlines()[-1][:150],
                        seconds=-1, peak_kb=-1, size=-1)
        return json.loads(out.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.path.insert(0, HERE)
    import attacks

    names = sys.argv[1:] or list(attacks.ATTACKS)
    print(f"| attack | file bytes | outcome | peak MB | seconds | message |")
    print("|---|---:|---|---:|---:|---|")
    for name in names:
        r = measure(name)
        print(f"| {name} | {r['size']} | {r['outcome']} | {r['peak_kb'] / 1024:.1f} | {r['seconds']:.3f} | "
              f"{r['message'][:110]} |", flush=True)
