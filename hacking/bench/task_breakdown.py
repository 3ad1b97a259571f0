#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Where a module's run goes, part by part, from the AnsiballZ files a task left on disk.

    task_breakdown.py ROUNDS LABEL=ANSIBALLZ_PATH...

Each round runs every payload once, the order rotated, each in a fresh interpreter as Ansible
runs it (the wrapper's steps: the zip on sys.path, ansible's loader runs the module as
__main__), and times in it: the imports (and, of them, the compiling of modules loaded from
the zip: zipimport compiles each one twice, in get_filename and get_code, and writes no .pyc),
AnsibleModule's argument spec validation, the boto3 client, the API call with the module's own
logic, and the result's formatting up to the exit. Prints one JSON object: the payload size,
the process's wall time (each round's, and the median) and each part's median, in seconds, per
label.
"""

import ast
import base64
import contextlib
import io
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import zipimport

PARTS = ("imports", "compile", "argument_spec", "client", "call", "result")


def payload_arguments(path):
    """The keyword arguments the AnsiballZ file passes to its _ansiballz_main (the zip, the params)."""
    with open(path) as handle:
        tree = ast.parse(handle.read())
    call = tree.body[-1].body[0].value
    return {kw.arg: ast.literal_eval(kw.value) for kw in call.keywords if kw.arg != "date_time"}


def run_child(path):
    """Run one payload in this interpreter and print its parts (seconds) as JSON."""
    started = time.perf_counter()
    arguments = payload_arguments(path)
    scratch = tempfile.mkdtemp()
    zipped = os.path.join(scratch, "payload.zip")
    with open(zipped, "wb") as handle:
        handle.write(base64.b64decode(arguments["zip_data"]))
    sys.path.insert(0, zipped)
    marks = {"compile": 0.0, "client": 0.0}
    compile_source = zipimport._compile_source

    def timed_compile(pathname, source):
        begin = time.perf_counter()
        try:
            return compile_source(pathname, source)
        finally:
            marks["compile"] += time.perf_counter() - begin

    zipimport._compile_source = timed_compile
    import boto3.session

    from ansible.module_utils import basic
    from ansible.module_utils._internal._ansiballz import _loader

    def around(owner, name, before=None, after=None, total=None):
        original = getattr(owner, name)

        def wrapper(*args, **kwargs):
            begin = time.perf_counter()
            if before:
                marks.setdefault(before, begin)
            try:
                return original(*args, **kwargs)
            finally:
                end = time.perf_counter()
                if after:
                    marks[after] = end
                if total:
                    marks[total] += end - begin

        setattr(owner, name, wrapper)

    around(basic.AnsibleModule, "__init__", before="spec_start", after="spec_end")
    around(boto3.session.Session, "client", total="client")
    around(basic.AnsibleModule, "exit_json", before="exit_start")
    around(basic.AnsibleModule, "fail_json", before="exit_start")
    out = io.StringIO()
    try:
        with contextlib.redirect_stdout(out):
            _loader.run_module(
                json_params=arguments["params"].encode(),
                profile=arguments["profile"],
                module_fqn=arguments["module_fqn"],
                modlib_path=zipped,
                extensions=arguments["extensions"],
            )
    except SystemExit:
        pass
    ended = time.perf_counter()
    if json.loads(out.getvalue()).get("failed"):
        raise SystemExit(f"{path} failed: {out.getvalue()}")
    parts = {
        "imports": marks["spec_start"] - started,
        "compile": marks["compile"],
        "argument_spec": marks["spec_end"] - marks["spec_start"],
        "client": marks["client"],
        "call": marks["exit_start"] - marks["spec_end"] - marks["client"],
        "result": ended - marks["exit_start"],
    }
    print(json.dumps(parts))


def breakdown(rounds, payloads):
    """{label: {"payload_bytes", "wall", part: median seconds}} over the rounds."""
    labels = list(payloads)
    samples = {label: {part: [] for part in ("wall",) + PARTS} for label in labels}
    for index in range(rounds):
        shift = index % len(labels)
        for label in labels[shift:] + labels[:shift]:
            begin = time.perf_counter()
            done = subprocess.run(
                [sys.executable, os.path.abspath(__file__), "--child", payloads[label]],
                capture_output=True,
                text=True,
                check=True,
            )
            samples[label]["wall"].append(time.perf_counter() - begin)
            for part, seconds in json.loads(done.stdout.splitlines()[-1]).items():
                samples[label][part].append(seconds)
    result = {}
    for label in labels:
        # The walls in round order too, for a ratio taken round by round (bench.py paired_ratio).
        result[label] = {"payload_bytes": os.path.getsize(payloads[label]), "walls": samples[label]["wall"]}
        result[label].update({part: statistics.median(values) for part, values in samples[label].items()})
    return result


def main(argv):
    if argv[0] == "--child":
        run_child(argv[1])
        return
    payloads = dict(arg.split("=", 1) for arg in argv[1:])
    print(json.dumps(breakdown(int(argv[0]), payloads)))


if __name__ == "__main__":
    main(sys.argv[1:])
