"""The samples double as end-to-end checks: the demo of the README and the pipelines."""
import os
import shutil

import harness
from harness import check, run

args = harness.parse_args()
SAMPLES = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "samples")


@harness.test
def the_readme_demo_runs_offline():
    p = run(["sh", os.path.join(SAMPLES, "demo.sh"), args.build_dir], timeout=60)
    check(p.returncode == 0, p)
    out = p.stdout.decode()
    check("200 24" in out and "index.txt" in out, out)
    check("404" in out and "missing.html" in out, out)
    check('{"name": "greenfetch", "kind": "example"}' in out, out)


@harness.test
def the_pipelines_run():
    if not shutil.which("jq"):
        raise harness.TestFailure("jq is not installed (.ci/install-deps installs it)")
    p = run(["sh", os.path.join(SAMPLES, "pipelines.sh"), args.build_dir], timeout=60)
    check(p.returncode == 0, p)
    out = p.stdout.decode()
    check("404\t" in out and "missing.html" in out, out)
    check("page8.html" in out and "index.txt.1" in out, out)


if __name__ == "__main__":
    harness.main()
