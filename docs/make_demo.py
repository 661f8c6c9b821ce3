"""Rerun the README's demo (``python -m minitorch_cnn train`` with its defaults) into docs/demo/ and
rewrite the README's demo block, between its two markers, from what the run printed.

    python docs/make_demo.py        (or: make readme-demo)
"""
import os
import platform
import re
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
START, END = "<!-- demo-output:start -->", "<!-- demo-output:end -->"


def main():
    started = time.perf_counter()
    options = ["--out", "docs/demo", "--force", "--no-progress"]
    result = subprocess.run([sys.executable, "-m", "minitorch_cnn", "train", *options], cwd=ROOT,
                            capture_output=True, text=True, check=True)
    seconds = time.perf_counter() - started
    lines = result.stdout.strip().splitlines()
    (ROOT / "docs" / "demo" / "output.txt").write_text(result.stdout)
    epochs = [line for line in lines if line.startswith("epoch ")]
    tail = [line for line in lines if line.startswith(("test accuracy", "wrote "))]
    block = "\n".join(lines[:2] + epochs[:1] + ["..."] + epochs[-1:] + tail)
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    text = (f"{START}\n```\n$ python -m minitorch_cnn train {' '.join(options)}\n{block}\n```\n"
            f"({seconds:.0f} s on {machine}; written by `docs/make_demo.py` on {time.strftime('%Y-%m-%d')})\n{END}")
    readme = (ROOT / "README.md").read_text()
    if START not in readme:
        raise SystemExit(f"README.md has no {START} marker")
    readme = re.sub(re.escape(START) + r".*?" + re.escape(END), lambda m: text, readme, flags=re.S)
    (ROOT / "README.md").write_text(readme)
    print(text)


if __name__ == "__main__":
    main()
