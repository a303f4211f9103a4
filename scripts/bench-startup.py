#!/usr/bin/env python3
"""Start-up of `strata run image:info`, or with --exec of `strata exec image:info` (docs/startup.md): wall and CPU time (user + sys, the JIT's threads and
child processes included), best and median of N rounds, the cases interleaved so that a change in the machine's
load hits them all alike.

    scripts/bench-startup.py [-n ROUNDS] [--exec] TREE [TREE...]

TREE is an install tree (dist/target/strata, or a copy of an older build to compare with). Each tree runs in a home
of its own (bundle/, deploy/ and etc/ copied), on the same small qcow2 image; a first run per tree, not counted,
makes what the first start makes (the class-data archive, the prepared framework cache). `java -version` with
run's JVM flags is the floor. With --exec, each tree's home gets a daemon, and `exec image:info` is timed through
each client (STRATA_EXEC_CLIENT=java: the JVM's; else lib/strata-exec.pl), beside `perl -MSocket -e 1`.
"""
import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def measure(command, env):
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.monotonic()
    done = subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    wall = time.monotonic() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        sys.exit("failed: %s: %s" % (" ".join(command), done.stderr.decode(errors="replace")))
    cpu = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    return wall * 1000, cpu * 1000


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--rounds", type=int, default=10)
    parser.add_argument("--exec", action="store_true", help="time exec against a daemon instead of run")
    parser.add_argument("trees", nargs="+")
    args = parser.parse_args()
    work = tempfile.mkdtemp(prefix="strata-startup.")
    daemons = []
    try:
        image = os.path.join(work, "x.qcow2")
        subprocess.run(["qemu-img", "create", "-q", "-f", "qcow2", image, "64M"], check=True)
        env = dict(os.environ)
        env.pop("JAVA_OPTS", None)
        cases = [("java -version (run's JVM flags)", ["java", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC",
                                                      "-XX:-UsePerfData", "-Xshare:auto", "-version"], env)]
        if args.exec:
            cases.append(("perl -MSocket -e 1", ["perl", "-MSocket", "-e", "1"], env))
        for i, tree in enumerate(args.trees):
            home = os.path.join(work, "home%d" % i)
            for d in ("bundle", "deploy", "etc"):
                shutil.copytree(os.path.join(tree, d), os.path.join(home, d))
            strata = os.path.join(tree, "bin", "strata")
            if not args.exec:
                command = [strata, "--home", home, "run", "image:info", image]
                measure(command, env)
                cases.append(("run image:info: " + tree, command, env))
                continue
            daemons.append(subprocess.Popen([strata, "--home", home, "daemon"], stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL,
                                            env=dict(env, STRATA_NBD_LISTEN="unix:" + os.path.join(home, "nbd"))))
            subprocess.run([os.path.join(tree, "bin", "strata-ready"), "--home", home, "--pid",
                            str(daemons[-1].pid)], check=True)
            for client in ("java", "perl"):
                client_env = dict(env, STRATA_EXEC_CLIENT=client)
                command = [strata, "--home", home, "exec", "image:info", image]
                measure(command, client_env)
                cases.append(("exec image:info, %s client: %s" % (client, tree), command, client_env))
        times = {name: [] for name, _, _ in cases}
        for _ in range(args.rounds):
            for name, command, case_env in cases:
                times[name].append(measure(command, case_env))
        print("| case (ms) | wall best | wall median | CPU best | CPU median |")
        print("|---|--:|--:|--:|--:|")
        for name, samples in times.items():
            wall = [w for w, _ in samples]
            cpu = [c for _, c in samples]
            print("| %s | %d | %d | %d | %d |" % (name, min(wall), statistics.median(wall), min(cpu),
                                                 statistics.median(cpu)))
        print("load average after: %s" % " ".join(open("/proc/loadavg").read().split()[:3]))
    finally:
        for daemon in daemons:
            daemon.terminate()
            daemon.wait()
        shutil.rmtree(work)


if __name__ == "__main__":
    main()
