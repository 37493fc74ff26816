"""Shell completions (issue 11): made from the option tables by `greenfetch --completions
SHELL`, built into build/completions and installed by `cmake --install` where bash-completion,
zsh and fish look; each lists every option of the three --help pages and is valid syntax."""
import os
import re
import shutil
import subprocess
import tempfile

import harness
from harness import check, run

args = harness.parse_args()
GF = args.greenfetch

FILES = {"bash": "greenfetch.bash", "zsh": "_greenfetch", "fish": "greenfetch.fish"}
INSTALLED = {"bash": "share/bash-completion/completions/greenfetch",
             "zsh": "share/zsh/site-functions/_greenfetch",
             "fish": "share/fish/vendor_completions.d/greenfetch.fish"}


def help_options(mode):
    text = run([GF] + mode + ["--help"]).stdout.decode()
    longs = set(re.findall(r"(?<![\w-])(--[a-z0-9][a-z0-9.-]*)", text))
    shorts = set(re.findall(r"^  (-[A-Za-z0-9]),", text, re.M))
    return longs, shorts


def script(shell):
    p = run([GF, "--completions", shell])
    check(p.returncode == 0 and p.stdout, (shell, p.returncode, p.stderr))
    return p.stdout.decode()


@harness.test
def every_help_option_is_in_every_script():
    for shell in FILES:
        text = script(shell)
        for mode in ([], ["bench"], ["crawl"]):
            longs, shorts = help_options(mode)
            check(len(longs) > 20 and len(shorts) > 5, (mode, longs, shorts))
            if shell == "fish":  # fish names options without dashes: -s c -l concurrency
                missing = [o for o in longs if f" -l {o[2:]}" not in text]
                missing += [o for o in shorts if f" -s {o[1:]}" not in text]
            else:
                missing = [o for o in longs | shorts
                           if not re.search(r"(?<![\w-])" + re.escape(o) + r"(?![\w.-])", text)]
            check(not missing, f"{shell} {mode}: missing {sorted(missing)}")


@harness.test
def scripts_are_valid_syntax():
    for shell in FILES:
        exe = shutil.which(shell)
        if exe is None:
            print(f"  ({shell} not installed: syntax not checked)")
            continue
        with tempfile.NamedTemporaryFile("w", suffix="." + shell) as f:
            f.write(script(shell))
            f.flush()
            flag = ["--no-execute"] if shell == "fish" else ["-n"]
            p = subprocess.run([exe] + flag + [f.name], capture_output=True, timeout=30)
            check(p.returncode == 0 and not p.stderr, (shell, p.stderr))


@harness.test
def bash_completes_options_and_modes():
    with tempfile.NamedTemporaryFile("w", suffix=".bash") as f:
        f.write(script("bash"))
        f.flush()
        probe = (f"source {f.name}\n"
                 "COMP_WORDS=(greenfetch crawl --max-d); COMP_CWORD=2; _greenfetch\n"
                 "echo \"crawl:${COMPREPLY[*]}\"\n"
                 "COMP_WORDS=(greenfetch --max-d); COMP_CWORD=1; _greenfetch\n"
                 "echo \"get:${COMPREPLY[*]}\"\n"
                 "COMP_WORDS=(greenfetch cr); COMP_CWORD=1; _greenfetch\n"
                 "echo \"mode:${COMPREPLY[*]}\"\n")
        p = subprocess.run(["bash", "-c", probe], capture_output=True, timeout=30)
        out = p.stdout.decode()
        check("crawl:--max-depth" in out and "get:\n" in out and "mode:crawl" in out, out)


@harness.test
def the_build_made_them_and_cmake_install_puts_them_in_place():
    build = args.build_dir
    for shell, name in FILES.items():
        path = os.path.join(build, "completions", name)
        check(os.path.exists(path), f"{path} not built")
        with open(path) as f:
            check(f.read() == script(shell), f"{path} is stale")
    with tempfile.TemporaryDirectory() as prefix:
        p = subprocess.run(["cmake", "--install", build, "--prefix", prefix],
                           capture_output=True, timeout=120)
        check(p.returncode == 0, p.stderr)
        for shell, rel in INSTALLED.items():
            check(os.path.exists(os.path.join(prefix, rel)), f"{rel} not installed")


@harness.test
def an_unknown_shell_is_a_usage_error():
    p = run([GF, "--completions", "tcsh"])
    check(p.returncode == 2 and b"--completions: 'tcsh' is not bash, zsh or fish" in p.stderr,
          p.stderr)


if __name__ == "__main__":
    harness.main()
