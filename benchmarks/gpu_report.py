"""Merge a GPU check's test results into gpu_results.json and write summary.md.

    python benchmarks/gpu_report.py gpu_out

Reads what ``benchmarks/gpu_check.sh`` left in the folder: gpu_results.json (from
gpu_bench.py), the pytest junit xml files (or, for a run cut off by its time limit, the
``pytest -v`` logs) and the GPU name.
"""
import json
import os
import sys


def junit_summary(path):
    import xml.etree.ElementTree as ET

    root = ET.parse(path).getroot()
    suites = [root] if root.tag == "testsuite" else list(root)
    out = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0, "failed": []}
    for suite in suites:
        for key in ("tests", "failures", "errors", "skipped"):
            out[key] += int(suite.get(key, 0))
        for case in suite.iter("testcase"):
            for bad in list(case.findall("failure")) + list(case.findall("error")):
                out["failed"].append({"test": f"{case.get('classname')}::{case.get('name')}",
                                      "message": (bad.get("message") or "")[:500],
                                      "detail": (bad.text or "")[-1500:]})
    out["passed"] = out["tests"] - out["failures"] - out["errors"] - out["skipped"]
    return out


def log_summary(path):
    """Counts from a ``pytest -v`` log, for a run cut off before it wrote its junit xml."""
    out = {"passed": 0, "failures": 0, "errors": 0, "skipped": 0, "failed": [], "error": "no junit xml (timed out?)"}
    for line in open(path, errors="replace"):
        for word, key in ((" PASSED", "passed"), (" FAILED", "failures"), (" ERROR", "errors"), (" SKIPPED", "skipped")):
            if word in line and "::" in line:
                out[key] += 1
                if key in ("failures", "errors"):
                    out["failed"].append({"test": line.split()[0], "message": "", "detail": ""})
    return out


def summarize(out_dir):
    path = os.path.join(out_dir, "gpu_results.json")
    results = json.load(open(path)) if os.path.exists(path) else {}
    for name in sorted(os.listdir(out_dir)):
        if name.startswith("pytest_") and name.endswith(".log"):
            key, junit = name[:-4], os.path.join(out_dir, "junit_" + name[7:-4] + ".xml")
            try:
                results[key] = junit_summary(junit) if os.path.exists(junit) else log_summary(os.path.join(out_dir, name))
            except Exception as e:  # noqa: BLE001 - a truncated file is reported, not fatal
                results[key] = {"error": f"{type(e).__name__}: {e}"}
    gpu_name = os.path.join(out_dir, "gpu_name.txt")
    if os.path.exists(gpu_name):
        results["nvidia_smi"] = open(gpu_name).read().strip()
    with open(path, "w") as f:
        json.dump(results, f, indent=2, default=str)
    lines = ["# GPU check", "", f"GPU: {results.get('nvidia_smi', '?')}", ""]
    for key, value in results.items():
        if not isinstance(value, dict):
            continue
        if key.startswith("pytest_"):
            lines.append(f"- **{key}**: {value.get('passed', '?')} passed, {value.get('failures', '?')} failed, "
                         f"{value.get('errors', '?')} errors, {value.get('skipped', '?')} skipped"
                         + (f" ({value['error']})" if "error" in value else ""))
            for failed in value.get("failed", [])[:40]:
                lines.append(f"  - FAILED `{failed['test']}`: {failed['message'][:200]}")
        elif not value.get("ok", True):
            lines.append(f"- **{key}**: FAILED: {value.get('error', '')[:300]}")
        else:
            shown = {k: v for k, v in value.items() if k not in ("ok", "rows", "traceback")}
            lines.append(f"- **{key}**: " + ", ".join(f"{k}={v}" for k, v in shown.items()))
            for name, row in value.get("rows", {}).items():
                lines.append(f"  - {name}: " + ", ".join(f"{k}={v}" for k, v in row.items()))
    with open(os.path.join(out_dir, "summary.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))



if __name__ == "__main__":
    summarize(sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", "gpu_out"))
