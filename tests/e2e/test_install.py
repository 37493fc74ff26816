"""The installed library: `cmake --install` of the build under test into a temporary prefix,
then samples/grequests.cpp built out of tree against it, once with find_package(greenfetch)
(tests/e2e/library_user, which also compiles every installed header alone) and once with
pkg-config, and both programs run against the loopback fixture.

The build's own settings are reused (compiler, launcher, generator, BUILD_SHARED_LIBS): a build
configured with -DBUILD_SHARED_LIBS=ON tests the shared library (see README, "Use the library")."""
import os
import re
import shlex
import shutil
import tempfile

import harness
from harness import HttpFixture, check, run

args = harness.parse_args()
HERE = os.path.dirname(os.path.abspath(__file__))
SAMPLE = os.path.join(HERE, "..", "..", "samples", "grequests.cpp")
USER_PROJECT = os.path.join(HERE, "library_user")
BUILD_TIMEOUT = 240  # a cold compile of the sample and the headers on a loaded machine

_state: dict = {}


def cache() -> dict[str, str]:
    """The build's CMakeCache.txt entries (NAME:TYPE=VALUE)."""
    entries = {}
    with open(os.path.join(args.build_dir, "CMakeCache.txt"), encoding="utf-8") as f:
        for line in f:
            m = re.match(r"^([A-Za-z_0-9]+):[A-Z]+=(.*)$", line.rstrip("\n"))
            if m:
                entries[m.group(1)] = m.group(2)
    return entries


def installed() -> dict:
    """Installs the build into a temporary prefix, once: {prefix, cache, shared, libdir}."""
    if not _state:
        c = cache()
        prefix = tempfile.mkdtemp(prefix="greenfetch-install-")
        harness.atexit.register(shutil.rmtree, prefix, True)
        p = run([c["CMAKE_COMMAND"], "--install", args.build_dir, "--prefix", prefix],
                timeout=120)
        check(p.returncode == 0, p)
        libdir = os.path.join(prefix, c.get("CMAKE_INSTALL_LIBDIR", "lib"))
        shared = c.get("BUILD_SHARED_LIBS", "OFF").upper() in ("ON", "1", "TRUE", "YES")
        _state.update(prefix=prefix, cache=c, shared=shared, libdir=libdir)
    return _state


def compiler(c: dict[str, str]) -> list[str]:
    launcher = c.get("CMAKE_CXX_COMPILER_LAUNCHER", "")
    return ([launcher] if launcher else []) + [c["CMAKE_CXX_COMPILER"]]


def check_fetches(program: str) -> None:
    """The sample's output: bodies in the order of the arguments (the first is the slowest)."""
    with HttpFixture() as h:
        p = run([program, h.url("/delay/200"), h.url("/text/b"), h.url("/text/c")])
        check(p.returncode == 0, p)
        check(p.stdout == b"delayed 200\nhello /text/b\nhello /text/c\n", p.stdout)


def check_poll_shortcut(program: str, s: dict) -> None:
    """LINKER:--undefined=poll reached the user's link: poll() is greenfetch's."""
    if s["shared"]:
        lib = os.path.join(s["libdir"], "libgreenfetch.so")
        p = run(["nm", "-D", "--defined-only", lib])
    else:
        p = run(["nm", "--defined-only", program])
    check(p.returncode == 0, p)
    check(re.search(rb"^[0-9a-f]+ T poll$", p.stdout, re.M), "poll() is not defined")


def skipped() -> bool:
    """The sanitizer build's library needs its -fsanitize flags and Boost.Context's ucontext
    switch in every user's compile: it is not one to install, and these tests skip it."""
    if harness.sanitized():
        print("  (skipped: the sanitizer build is not installed as a library)")
        return True
    return False


@harness.test
def the_install_holds_the_library_and_only_the_public_headers():
    if skipped():
        return
    s = installed()
    lib = "libgreenfetch.so" if s["shared"] else "libgreenfetch.a"
    check(os.path.exists(os.path.join(s["libdir"], lib)), f"no {lib} in {s['libdir']}")
    check(os.path.exists(os.path.join(s["libdir"], "cmake", "greenfetch",
                                      "greenfetchConfig.cmake")), "no CMake package")
    check(os.path.exists(os.path.join(s["libdir"], "pkgconfig", "greenfetch.pc")), "no .pc")
    inc = os.path.join(s["prefix"], "include", "greenfetch")
    headers = sorted(os.path.relpath(os.path.join(d, f), inc)
                     for d, _, files in os.walk(inc) for f in files)
    for public in ("greenfetch.hpp", "core/base/error.hpp", "core/engine/reactor.hpp",
                   "core/engine/green_pool.hpp", "core/dns/resolver.hpp",
                   "core/http/client.hpp", "core/http/request.hpp", "core/http/response.hpp"):
        check(public in headers, (public, headers))
    # internals stay private: the DNS sockets, the modes, the outputs, the command line
    for private in ("core/dns/sockets.hpp", "core/http/host_limiter.hpp",
                    "core/output/output.hpp", "core/crawl/crawler.hpp"):
        check(private not in headers, (private, headers))
    check(not any(h.startswith(("cli/", "core/fetch/", "core/bench/", "core/crawl/",
                                "core/output/", "core/input/", "core/url/"))
                  for h in headers), headers)


@harness.test
def the_sample_builds_with_find_package_and_every_header_compiles_alone():
    if skipped():
        return
    s = installed()
    c = s["cache"]
    work = tempfile.mkdtemp(prefix="greenfetch-user-")
    harness.atexit.register(shutil.rmtree, work, True)
    configure = [c["CMAKE_COMMAND"], "-S", USER_PROJECT, "-B", work,
                 "-G", c["CMAKE_GENERATOR"], f"-DCMAKE_PREFIX_PATH={s['prefix']}",
                 f"-DGREENFETCH_SAMPLE={os.path.abspath(SAMPLE)}",
                 f"-DCMAKE_CXX_COMPILER={c['CMAKE_CXX_COMPILER']}"]
    if c.get("CMAKE_MAKE_PROGRAM"):
        configure.append(f"-DCMAKE_MAKE_PROGRAM={c['CMAKE_MAKE_PROGRAM']}")
    if c.get("CMAKE_CXX_COMPILER_LAUNCHER"):
        configure.append(f"-DCMAKE_CXX_COMPILER_LAUNCHER={c['CMAKE_CXX_COMPILER_LAUNCHER']}")
    p = run(configure, timeout=120)
    check(p.returncode == 0, p)
    m = re.search(rb"installed headers: (\d+)", p.stdout)
    check(m and int(m.group(1)) >= 8, p.stdout)
    p = run([c["CMAKE_COMMAND"], "--build", work, "-j", "2"], timeout=BUILD_TIMEOUT)
    check(p.returncode == 0, p)
    program = os.path.join(work, "grequests")
    check_poll_shortcut(program, s)
    check_fetches(program)


@harness.test
def the_sample_builds_with_pkg_config():
    if skipped():
        return
    s = installed()
    c = s["cache"]
    work = tempfile.mkdtemp(prefix="greenfetch-pc-")
    harness.atexit.register(shutil.rmtree, work, True)
    env = {"PKG_CONFIG_PATH": os.path.join(s["libdir"], "pkgconfig")}
    p = run(["pkg-config", "--cflags", "--libs", "greenfetch"], env=env)
    check(p.returncode == 0, p)
    program = os.path.join(work, "grequests")
    rpath = [f"-Wl,-rpath,{s['libdir']}"] if s["shared"] else []
    p = run([*compiler(c), "-std=c++20", "-Wall", "-Wextra", "-o", program,
             os.path.abspath(SAMPLE), *shlex.split(p.stdout.decode()), *rpath],
            timeout=BUILD_TIMEOUT)
    check(p.returncode == 0, p)
    check_poll_shortcut(program, s)
    check_fetches(program)


if __name__ == "__main__":
    # three tests, each within the per-test limit; the first builds the install once
    args.test_timeout = max(args.test_timeout, BUILD_TIMEOUT + 30)
    harness.main()
