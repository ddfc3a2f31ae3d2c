"""Audit the installed dependencies with pip-audit (run by .ci/run).

Exit 1 when pip-audit reports a known vulnerability in any installed package.
When pip-audit cannot reach a vulnerability service (a network that allows the
package index but not PyPI's JSON API or OSV, as on our CI machines), every
package comes back "could not be audited": that is reported plainly and the step
does not fail, because it proves nothing either way. Run it where the services are
reachable (a developer machine, a release pipeline) for a real audit.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

TIMEOUT = 180


def main() -> int:
    if shutil.which("pip-audit") is None:
        print("pip-audit: not installed (pip install -e '.[test]'); skipped")
        return 0
    cmd = ["pip-audit", "--progress-spinner", "off", "--skip-editable", "--format", "json"]
    try:
        run = subprocess.run(cmd, capture_output=True, text=True, timeout=TIMEOUT, check=False)
    except subprocess.TimeoutExpired:
        print(f"pip-audit: NOT AUDITED - no answer from the vulnerability service within {TIMEOUT} s (network)")
        return 0
    try:
        report = json.loads(run.stdout)
    except ValueError:
        print("pip-audit: NOT AUDITED - the vulnerability service could not be reached:")
        print("  " + (run.stderr.strip().splitlines() or ["(no message)"])[-1])
        return 0
    dependencies = report.get("dependencies", [])
    vulnerable = [dep for dep in dependencies if dep.get("vulns")]
    skipped = [dep for dep in dependencies if dep.get("skip_reason")]
    audited = len(dependencies) - len(skipped)
    for dep in vulnerable:
        ids = ", ".join(v["id"] + (f" (fixed in {', '.join(v['fix_versions'])})" if v.get("fix_versions") else "")
                        for v in dep["vulns"])
        print(f"pip-audit: VULNERABLE {dep['name']} {dep.get('version', '')}: {ids}")
    if vulnerable:
        return 1
    if audited == 0 and dependencies:
        print(
            f"pip-audit: NOT AUDITED - none of the {len(dependencies)} installed packages could be looked up "
            "(this network reaches the package index but not a vulnerability service); not failing the build"
        )
        return 0
    note = f"; {len(skipped)} not found on the index (local or unpublished)" if skipped else ""
    print(f"pip-audit: no known vulnerabilities in {audited} packages{note}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
