#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""`make bench`: API calls per operation, per-task time against peers, and scale.

Run by hacking/bench.sh, which starts LocalStack and the recording proxy and passes:
    bench.py LOCALSTACK_URL PROXY_URL COLLECTIONS_PATH AWSCLI WORKDIR OUTPUT_RST [NEWEST_COLLECTIONS_PATH]
Calls are counted by the proxy (from outside the module); times come from a callback
that records each task's wall time. Nothing here asserts a timing: it prints a table.
"""

import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import threading
import time
import urllib.request

import boto3
import task_breakdown
from botocore.config import Config
from lambda_fixtures import create_echo_function
from lambda_fixtures import execution_role
from markdown_rst import to_rst

REGION = "us-east-1"
ACCOUNT = "000000000000"
HERE = os.path.dirname(os.path.abspath(__file__))
REPEATS = int(os.environ.get("BENCH_REPEATS", "25"))
SCALES = [int(n) for n in os.environ.get("BENCH_SCALES", "1 10 100 300").split()]
FORKS = int(os.environ.get("BENCH_FORKS", "10"))
FLEET_SIZE = int(os.environ.get("BENCH_FLEET", "300"))
FLEET_LATENCY = 0.05  # seconds the proxy adds to every call in the fleet section
OURS = "ours: no-op lambda_event_invoke_config"
FLOOR = "floor: AnsibleAWSModule making one Get"
QUOTA = 15  # AWS Lambda's control-plane requests per second, per account and region
DEFAULT_RATE = 13  # the modules' default max_requests_per_second (plugins/module_utils/_aws/module.py)
BYSTANDER_PERIOD = 1.0  # another tool of the account reads one config a second, without retries
# The module options measured under the quota: (label, extra options), given as LABEL=JSON lines.
QUOTA_VARIANTS = [
    (label, json.loads(options))
    for label, options in (
        line.split("=", 1)
        for line in os.environ.get(
            "BENCH_QUOTA_VARIANTS",
            f"default (max_requests_per_second {DEFAULT_RATE})={{}}\n"
            f'max_requests_per_second {QUOTA}={{"max_requests_per_second": {QUOTA}}}',
        ).splitlines()
    )
]
# The audit section's region, holding its fleet and nothing else: AUDIT_FUNCTIONS functions with the
# aliases AUDIT_ALIASES each (a config on one live alias in three), and AUDIT_QUEUES SQS queues with two
# disabled mappings each (one queue in two with a redrive policy).
AUDIT_REGION = "us-west-2"
AUDIT_FUNCTIONS = int(os.environ.get("BENCH_AUDIT_FUNCTIONS", "300"))
AUDIT_ALIASES = ("live", "previous")
AUDIT_QUEUES = 5
# BENCH_SECTIONS="quota" (or "fleet", "times", "audit", or several) runs only those sections, after the setup,
# and prints their tables without writing the docsite's page; the other sections run only all together.
ALL_SECTIONS = ("calls", "times", "scale", "fleet", "quota", "audit")
SECTIONS = os.environ.get("BENCH_SECTIONS", " ".join(ALL_SECTIONS)).split()


def aws(service, endpoint, region=REGION):
    return boto3.client(
        service, endpoint_url=endpoint, region_name=region, aws_access_key_id="test", aws_secret_access_key="test"
    )


class Bench:
    def __init__(self, localstack, proxy, collections, awscli, workdir):
        self.localstack = localstack
        self.proxy = proxy
        self.collections = collections
        self.awscli = awscli
        self.workdir = workdir
        self.lam = aws("lambda", localstack)
        self.role = None

    # --- setup, straight to LocalStack (not counted) -------------------------------------
    def setup(self):
        iam = aws("iam", self.localstack)
        self.role = execution_role(iam, "bench-exec")
        self.create_function("bench-fn")
        self.create_function("bench-many")
        for index in range(1, 120):
            self.lam.create_alias(FunctionName="bench-many", Name=f"a{index}", FunctionVersion="1")
        for qualifier in ["$LATEST"] + [f"a{index}" for index in range(1, 120)]:
            self.lam.put_function_event_invoke_config(
                FunctionName="bench-many", Qualifier=qualifier, MaximumRetryAttempts=1
            )
        self.create_function("bench-one")
        self.lam.put_function_event_invoke_config(FunctionName="bench-one", MaximumRetryAttempts=1)
        aws("sqs", self.localstack).create_queue(QueueName="bench-dlq")
        iam.put_role_policy(
            RoleName="bench-exec",
            PolicyName="dlq",
            PolicyDocument=json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [{"Effect": "Allow", "Action": "sqs:SendMessage", "Resource": self.queue_arn()}],
                }
            ),
        )
        for index in range(max(SCALES + [FLEET_SIZE])):
            self.create_function(f"scale-{index}")
        if "audit" in SECTIONS:
            self.setup_audit_region()

    def setup_audit_region(self):
        lam, sqs = aws("lambda", self.localstack, AUDIT_REGION), aws("sqs", self.localstack, AUDIT_REGION)
        dlq = self.audit_queue_arn(sqs, "bench-audit-dlq")
        redrive = json.dumps({"deadLetterTargetArn": dlq, "maxReceiveCount": 5})
        for index in range(AUDIT_FUNCTIONS):
            name = f"audit-{index}"
            create_echo_function(lam, name, self.role, Publish=True)
            for alias in AUDIT_ALIASES:
                lam.create_alias(FunctionName=name, Name=alias, FunctionVersion="1")
            if index % 3 == 0:
                lam.put_function_event_invoke_config(
                    FunctionName=name, Qualifier=AUDIT_ALIASES[0], DestinationConfig={"OnFailure": {"Destination": dlq}}
                )
        for index in range(AUDIT_QUEUES):
            attributes = {"RedrivePolicy": redrive} if index % 2 else {}
            queue = self.audit_queue_arn(sqs, f"bench-audit-source-{index}", attributes)
            for function in (2 * index, 2 * index + 1):
                lam.create_event_source_mapping(
                    FunctionName=f"audit-{function % AUDIT_FUNCTIONS}", EventSourceArn=queue, Enabled=False
                )

    @staticmethod
    def audit_queue_arn(sqs, name, attributes=None):
        url = sqs.create_queue(QueueName=name, Attributes=attributes or {})["QueueUrl"]
        return sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]

    def create_function(self, name):
        create_echo_function(self.lam, name, self.role, Publish=True)

    def queue_arn(self):
        return f"arn:aws:sqs:{REGION}:{ACCOUNT}:bench-dlq"

    # --- running playbooks -----------------------------------------------------------------
    def env(self, **extra):
        env = dict(os.environ)
        env.update(
            {
                "ANSIBLE_COLLECTIONS_PATH": self.collections,
                "ANSIBLE_LIBRARY": os.path.join(HERE, "library"),
                "ANSIBLE_CALLBACK_PLUGINS": os.path.join(HERE, "callback_plugins"),
                "ANSIBLE_CALLBACKS_ENABLED": "bench_timer",
                "ANSIBLE_PYTHON_INTERPRETER": sys.executable,
                "ANSIBLE_LOCALHOST_WARNING": "false",
                "ANSIBLE_INVENTORY_UNPARSED_WARNING": "false",
            }
        )
        env.update(extra)
        return env

    def play(
        self,
        name,
        tasks,
        hosts="localhost",
        inventory=None,
        forks=None,
        times_file=None,
        collections=None,
        module_defaults=True,
        env=None,
    ):
        path = os.path.join(self.workdir, f"{name}.yml")
        play = {"name": name, "hosts": hosts, "gather_facts": False, "tasks": tasks}
        if module_defaults:
            play["module_defaults"] = {
                "group/serverless.aws_lambda.aws": {
                    "region": REGION,
                    "endpoint_url": self.proxy,
                    "access_key": "test",
                    "secret_key": "bench-secret",
                }
            }
        with open(path, "w") as handle:
            json.dump([play], handle, indent=1)
        command = ["ansible-playbook", path]
        if inventory:
            command += ["-i", inventory]
        if forks:
            command += ["--forks", str(forks)]
        extra = dict(env or {})
        if times_file:
            extra["BENCH_TIMES_FILE"] = times_file
        if collections:
            extra["ANSIBLE_COLLECTIONS_PATH"] = collections
        start = time.perf_counter()
        done = subprocess.run(command, env=self.env(**extra), capture_output=True, text=True, check=False)
        elapsed = time.perf_counter() - start
        if done.returncode != 0:
            sys.stderr.write(done.stdout + done.stderr)
            raise SystemExit(f"benchmark playbook {name} failed")
        return elapsed

    def proxy_control(self, path, data=None):
        request = urllib.request.Request(
            self.proxy + path,
            data=json.dumps(data).encode() if data is not None else None,
            method="POST" if data is not None else "GET",
        )
        with urllib.request.urlopen(request) as response:
            return json.load(response)

    # --- 1. API calls per operation --------------------------------------------------------
    def api_calls(self):
        eic = "serverless.aws_lambda.lambda_event_invoke_config"
        scenarios = [
            # No config yet: check mode also reads the function, to fail as the real run would if it is missing.
            (
                "check mode, create (no config yet)",
                eic,
                {"function_name": "bench-fn", "maximum_retry_attempts": 1},
                True,
            ),
            ("create (present, no config yet)", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 1}, False),
            ("no-op present", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 1}, False),
            ("update", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 0}, False),
            ("check mode, a change", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 2}, True),
            ("check mode, no change", eic, {"function_name": "bench-fn", "maximum_retry_attempts": 0}, True),
            (
                "update with validate_destinations (SQS)",
                eic,
                {
                    "function_name": "bench-fn",
                    "validate_destinations": True,
                    "destination_config": {"on_failure": {"destination": self.queue_arn()}},
                },
                False,
            ),
            ("delete (absent)", eic, {"function_name": "bench-fn", "state": "absent"}, False),
            ("no-op absent", eic, {"function_name": "bench-fn", "state": "absent"}, False),
            (
                "info, function with 1 config",
                "serverless.aws_lambda.lambda_event_invoke_config_info",
                {"function_name": "bench-one"},
                False,
            ),
            (
                "info, function with 120 configs",
                "serverless.aws_lambda.lambda_event_invoke_config_info",
                {"function_name": "bench-many"},
                False,
            ),
            (
                "info, one qualifier",
                "serverless.aws_lambda.lambda_event_invoke_config_info",
                {"function_name": "bench-many:a7"},
                False,
            ),
        ]
        rows = []
        for label, module, args, check in scenarios:
            self.proxy_control("/__proxy/reset", [])
            self.play("api-calls", [{"name": label, module: args, "check_mode": check}])
            calls = [call["operation"] for call in self.proxy_control("/__proxy/calls")]
            rows.append((label, calls))
        return rows

    # --- 2. per-task time --------------------------------------------------------------------
    def connection(self):
        """The connection options every per-task AWS task is given inline."""
        return {"region": REGION, "endpoint_url": self.proxy, "access_key": "test", "secret_key": "bench-secret"}

    def noop_tasks(self):
        """{label: task body} of our no-op and of the floor, which the per-task table and the breakdown time."""
        connection = self.connection()
        return {
            OURS: {
                "serverless.aws_lambda.lambda_event_invoke_config": dict(
                    connection, function_name="bench-one", maximum_retry_attempts=1
                )
            },
            FLOOR: {"floor_get_event_invoke_config": dict(connection, function_name="bench-one")},
        }

    def per_task_time(self, collections):
        """{label: [seconds]} of each kind of task, on the amazon.aws in collections. Every AWS task is
        given its connection inline (none through module_defaults), and each round runs the kinds in
        another order (rotated), so that no kind always follows the same task."""
        connection = self.connection()
        kinds = {
            **self.noop_tasks(),
            "amazon.aws.lambda_info (query: config)": {
                "amazon.aws.lambda_info": dict(connection, name="bench-one", query="config")
            },
            "ansible.builtin.command: aws lambda get-function-event-invoke-config": {
                "ansible.builtin.command": {
                    "argv": [
                        self.awscli,
                        "lambda",
                        "get-function-event-invoke-config",
                        "--function-name",
                        "bench-one",
                        "--endpoint-url",
                        self.proxy,
                        "--region",
                        REGION,
                    ]
                },
                "environment": {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "bench-secret"},
                "changed_when": False,
            },
        }
        labels = list(kinds)
        tasks = []
        for index in range(REPEATS + 1):  # the first round warms caches and is dropped
            shift = index % len(labels)
            for label in labels[shift:] + labels[:shift]:
                tasks.append(dict(kinds[label], name=f"{label}#{index}"))
        times_file = os.path.join(self.workdir, "times.jsonl")
        if os.path.exists(times_file):
            os.remove(times_file)
        self.play("per-task", tasks, times_file=times_file, collections=collections, module_defaults=False)
        by_round = {label: {} for label in kinds}
        with open(times_file) as handle:
            for line in handle:
                record = json.loads(line)
                label, index = record["task"].rsplit("#", 1)
                if int(index) > 0:
                    by_round[label][int(index)] = record["seconds"]
        # In round order, so that the n-th sample of every kind is of the same round (paired_ratio).
        return {label: [seconds for dummy, seconds in sorted(rounds.items())] for label, rounds in by_round.items()}

    def task_breakdown(self, collections):
        """Where the time of our no-op and of the floor goes, part by part (task_breakdown.py), from
        the AnsiballZ files of one run of each kept on disk."""
        kept = os.path.join(self.workdir, "kept")
        shutil.rmtree(kept, ignore_errors=True)
        tasks = [dict(body, name=label) for label, body in self.noop_tasks().items()]
        self.play(
            "kept",
            tasks,
            collections=collections,
            module_defaults=False,
            env={"ANSIBLE_KEEP_REMOTE_FILES": "1", "ANSIBLE_REMOTE_TMP": kept},
        )
        payloads = {}
        for root, dummy, files in os.walk(kept):
            for name in files:
                if name == "AnsiballZ_lambda_event_invoke_config.py":
                    payloads[OURS] = os.path.join(root, name)
                elif name == "AnsiballZ_floor_get_event_invoke_config.py":
                    payloads[FLOOR] = os.path.join(root, name)
        command = [sys.executable, os.path.join(HERE, "task_breakdown.py"), str(REPEATS)]
        command += [f"{label}={path}" for label, path in payloads.items()]
        done = subprocess.run(command, capture_output=True, text=True, check=True)
        shutil.rmtree(kept, ignore_errors=True)
        return json.loads(done.stdout)

    # --- 3. scale ----------------------------------------------------------------------------
    def scale(self):
        rows = []
        for count in SCALES:
            names = [f"scale-{index}" for index in range(count)]
            loop_time = self.play(
                f"scale-loop-{count}",
                [
                    {
                        "name": "configure each function",
                        "serverless.aws_lambda.lambda_event_invoke_config": {
                            "function_name": "{{ item }}",
                            "maximum_retry_attempts": 1,
                            "maximum_event_age_in_seconds": 600,
                        },
                        "loop": names,
                    }
                ],
            )
            inventory = os.path.join(self.workdir, f"inventory-{count}.ini")
            with open(inventory, "w") as handle:
                for name in names:
                    handle.write(f"{name} ansible_connection=local ansible_python_interpreter={sys.executable}\n")
            forks_time = self.play(
                f"scale-forks-{count}",
                [
                    {
                        "name": "configure this host's function",
                        "serverless.aws_lambda.lambda_event_invoke_config": {
                            "function_name": "{{ inventory_hostname }}",
                            "maximum_retry_attempts": 2,
                        },
                    }
                ],
                hosts="all",
                inventory=inventory,
                forks=FORKS,
            )
            rows.append((count, loop_time, forks_time))
        return rows

    # --- 4. fleet: many configs in one task, the audit of a region, at AWS-like latency ------
    def delete_scale_configs(self, count):
        for index in range(count):
            try:
                self.lam.delete_function_event_invoke_config(FunctionName=f"scale-{index}")
            except self.lam.exceptions.ResourceNotFoundException:
                pass

    def timed_calls(self, name, tasks, check=False):
        """(seconds, API calls) of one playbook through the proxy."""
        self.proxy_control("/__proxy/reset", [])
        for task in tasks:
            task["check_mode"] = check
        seconds = self.play(name, tasks)
        return seconds, len(self.proxy_control("/__proxy/calls"))

    def fleet_workload(self):
        """The fleet both sections apply: (function names, the settings each config gets)."""
        names = [f"scale-{index}" for index in range(FLEET_SIZE)]
        settings = {
            "maximum_retry_attempts": 1,
            "destination_config": {"on_failure": {"destination": self.queue_arn()}},
        }
        return names, settings

    def fleet(self):
        count = FLEET_SIZE
        names, settings = self.fleet_workload()
        eic = "serverless.aws_lambda.lambda_event_invoke_config"

        def loop(extra):
            return [{"name": "each function", eic: dict(settings, function_name="{{ item }}", **extra), "loop": names}]

        def bulk(extra, concurrency=None):
            args = dict(settings, configs=[{"function_name": name} for name in names], **extra)
            if concurrency:
                args["max_concurrency"] = concurrency
            return [{"name": "all functions", eic: args}]

        methods = [
            ("a loop of the module", loop),
            ("configs, max_concurrency=1", lambda extra: bulk(extra, 1)),
            ("configs, max_concurrency=10 (default)", bulk),
        ]
        self.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
        rows = []
        try:
            for label, tasks in methods:
                self.delete_scale_configs(count)
                first = self.timed_calls("fleet-first", tasks({}))
                again = self.timed_calls("fleet-again", tasks({}))
                check = self.timed_calls("fleet-check", tasks({"maximum_retry_attempts": 2}), check=True)
                rows.append((label, first, again, check))
            exact = self.fleet_exact(count)
            audit = [
                (
                    "a loop of the info module (one function each)",
                    self.timed_calls(
                        "audit-loop",
                        [
                            {
                                "name": "each function",
                                "serverless.aws_lambda.lambda_event_invoke_config_info": {
                                    "function_name": "{{ item }}"
                                },
                                "loop": self.function_names(),
                            }
                        ],
                    ),
                ),
                (
                    "the info module without function_name, max_concurrency=1",
                    self.timed_calls(
                        "audit-1",
                        [
                            {
                                "name": "audit",
                                "serverless.aws_lambda.lambda_event_invoke_config_info": {"max_concurrency": 1},
                            }
                        ],
                    ),
                ),
                (
                    "the info module without function_name (default, 10)",
                    self.timed_calls(
                        "audit", [{"name": "audit", "serverless.aws_lambda.lambda_event_invoke_config_info": {}}]
                    ),
                ),
            ]
        finally:
            self.proxy_control("/__proxy/latency", {"seconds": 0})
        return count, rows, audit, exact, len(self.function_names())

    # --- 5. the fleet under AWS's quota, with another tool of the account at work ---------
    def quota_run(self, name, tasks, check=False, region=REGION, bystander_reads=("bench-one", "$LATEST")):
        """One playbook through the proxy's quota of region while a bystander there reads a config
        (bystander_reads: function, qualifier) every second: {seconds, useful (the module's counted
        calls AWS answered), throttled, floor (useful / quota), bystander calls, bystander refused,
        by_service (the module's calls per service), spans ({operation: (calls, first, last)}, seconds
        from the playbook's start to each call's arrival)}."""
        self.proxy_control("/__proxy/reset", [])
        for task in tasks:
            task["check_mode"] = check
        bystander = boto3.client(
            "lambda",
            endpoint_url=self.proxy,
            region_name=region,
            aws_access_key_id="test",  # the same account, so the same quota
            aws_secret_access_key="bench-secret",
            config=Config(retries={"total_max_attempts": 1}),
        )
        bystander.meta.events.register(
            "before-send", lambda request, **kwargs: request.headers.__setitem__("X-Proxy-Client", "bystander")
        )
        stop = threading.Event()

        function, qualifier = bystander_reads

        def read_every_second():
            while not stop.wait(BYSTANDER_PERIOD):
                try:
                    bystander.get_function_event_invoke_config(FunctionName=function, Qualifier=qualifier)
                except (bystander.exceptions.TooManyRequestsException, bystander.exceptions.ResourceNotFoundException):
                    pass

        reader = threading.Thread(target=read_every_second)
        reader.start()
        try:
            seconds = self.play(name, tasks)
        finally:
            stop.set()
            reader.join()
        calls = self.proxy_control("/__proxy/calls")
        ours = [call for call in calls if call["client"] != "bystander" and call["counted"]]
        theirs = [call for call in calls if call["client"] == "bystander"]
        useful = sum(1 for call in ours if not call["throttled"])
        by_service, spans = {}, {}
        for call in calls:
            if call["client"] != "bystander":
                by_service[call["service"]] = by_service.get(call["service"], 0) + 1
                count, first, last = spans.get(call["operation"], (0, call["at"], call["at"]))
                spans[call["operation"]] = (count + 1, min(first, call["at"]), max(last, call["at"]))
        return {
            "by_service": by_service,
            "spans": spans,
            "seconds": seconds,
            "useful": useful,
            "throttled": sum(1 for call in ours if call["throttled"]),
            "requests": len(ours),
            "floor": useful / QUOTA,
            "bystander": len(theirs),
            "bystander_refused": sum(1 for call in theirs if call["throttled"]),
        }

    def quota(self):
        count = FLEET_SIZE
        names, settings = self.fleet_workload()
        eic = "serverless.aws_lambda.lambda_event_invoke_config"

        def bulk(extra):
            return [
                {"name": "all functions", eic: dict(settings, configs=[{"function_name": n} for n in names], **extra)}
            ]

        def audit(extra):
            return [{"name": "audit", "serverless.aws_lambda.lambda_failure_handling_info": dict(extra)}]

        self.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
        self.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
        rows = []
        try:
            for label, extra in QUOTA_VARIANTS:
                self.delete_scale_configs(count)
                rows.append((label, f"configs: {count} new configs", self.quota_run("quota-first", bulk(extra))))
                rows.append((label, "configs: rerun (no-op)", self.quota_run("quota-again", bulk(extra))))
                check = dict(extra, maximum_retry_attempts=2)
                rows.append((label, "configs: check mode", self.quota_run("quota-check", bulk(check), check=True)))
                exact = self.fleet_exact(count)
                rows.append(
                    (
                        label,
                        f"audit of {len(self.function_names())} functions",
                        self.quota_run("quota-audit", audit(extra)),
                    )
                )
                rows.append((label, "exact", exact))
        finally:
            self.proxy_control("/__proxy/quota", {"rate": 0})
            self.proxy_control("/__proxy/latency", {"seconds": 0})
        return count, rows

    # --- 6. the audit of a region of functions with aliases, under the quota ------------------
    def audit(self):
        """[(options label, quota_run)] of the audit of AUDIT_REGION per QUOTA_VARIANTS, each checked to
        have judged every qualifier (the functions' $LATEST and their aliases) and listed the mappings."""
        qualifiers = AUDIT_FUNCTIONS * (1 + len(AUDIT_ALIASES))
        bare_mappings = AUDIT_QUEUES // 2 + AUDIT_QUEUES % 2  # the queues without a redrive policy
        rows = []
        self.proxy_control("/__proxy/latency", {"seconds": FLEET_LATENCY})
        self.proxy_control("/__proxy/quota", {"rate": QUOTA, "burst": QUOTA})
        try:
            for label, extra in QUOTA_VARIANTS:
                tasks = [
                    {
                        "name": "audit",
                        "serverless.aws_lambda.lambda_failure_handling_info": dict(extra, region=AUDIT_REGION),
                        "register": "audit",
                    },
                    {
                        # Not a timing: it checks that what was timed is the whole audit.
                        "name": "every qualifier judged, every mapping read",
                        "ansible.builtin.assert": {
                            "that": [
                                f"audit.failure_audit | length == {qualifiers}",
                                f"audit.event_source_mappings_without_failure_handling | length == {2 * bare_mappings}",
                            ]
                        },
                    },
                ]
                run = self.quota_run(
                    "audit-qualifiers", tasks, region=AUDIT_REGION, bystander_reads=("audit-0", "live")
                )
                rows.append((label, run))
        finally:
            self.proxy_control("/__proxy/quota", {"rate": 0})
            self.proxy_control("/__proxy/latency", {"seconds": 0})
        return rows

    def function_names(self):
        pages = self.lam.get_paginator("list_functions").paginate().build_full_result()
        return [function["FunctionName"] for function in pages["Functions"]]

    def fleet_exact(self, count):
        """How many of the configs AWS holds after the last fleet apply are exactly the settings written."""
        exact = 0
        for index in range(count):
            config = self.lam.get_function_event_invoke_config(FunctionName=f"scale-{index}")
            exact += (
                config.get("MaximumRetryAttempts") == 1
                and config["DestinationConfig"]["OnFailure"].get("Destination") == self.queue_arn()
            )
        return exact


def amazon_aws_version(collections):
    manifest = os.path.join(collections, "ansible_collections", "amazon", "aws", "MANIFEST.json")
    with open(manifest) as handle:
        return json.load(handle)["collection_info"]["version"]


def versions(collections, awscli_path):
    import botocore

    import ansible

    amazon_aws = amazon_aws_version(collections)
    done = subprocess.run([awscli_path, "--version"], capture_output=True, text=True, check=False)
    awscli = (done.stdout or done.stderr).strip()
    return (
        f"ansible-core {ansible.__version__}, Python {platform.python_version()}, amazon.aws {amazon_aws}, "
        f"boto3/botocore {botocore.__version__}, {awscli}, LocalStack on loopback"
    )


def machine():
    cpus = os.cpu_count()
    model = ""
    if os.path.exists("/proc/cpuinfo"):
        with open("/proc/cpuinfo") as handle:
            model = next((line.split(":", 1)[1].strip() for line in handle if line.startswith("model name")), "")
    return f"{platform.system()} {platform.machine()}, {cpus} CPUs ({model})"


def fleet_report(fleet):
    count, rows, audit, exact, functions = fleet
    lines = [
        "",
        f"## Fleet: {count} configs in one task, and the audit of a region",
        "",
        f"Through the recording proxy with {FLEET_LATENCY * 1000:.0f} ms added to every call (AWS answers in 30-100 ms,",
        "LocalStack in about 5, which would hide whether the work is concurrent); the proxy enforces no quota.",
        f"The module's own cap (max_requests_per_second, {DEFAULT_RATE} per second by default) still holds, so a `configs`",
        f"task takes at least its calls / {DEFAULT_RATE} s ({2 * count} calls: {2 * count / DEFAULT_RATE:.0f} s) "
        "whatever its max_concurrency;",
        "a loop, one module run per config, is slower than the cap. The next section measures them against",
        f"AWS's quota with another tool at work. Each method starts from no configs; the first apply writes {count}",
        "(retry 1, a failure queue), the rerun changes nothing, check mode predicts a change of every config and",
        "writes nothing.",
        "",
        "| method | first apply s | s per config | rerun (no-op) s | check mode s | calls per config (apply / rerun / check) |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for label, first, again, check in rows:
        lines.append(
            f"| {label} | {first[0]:.1f} | {first[0] / count:.3f} | {again[0]:.1f} | {check[0]:.1f} | "
            f"{first[1] / count:.2f} / {again[1] / count:.2f} / {check[1] / count:.2f} |"
        )
    lines += [
        "",
        f"After the last apply, {exact} of {count} configs read back with boto3 hold exactly the settings written.",
        "",
        f"Every config of the region ({functions} functions, more than one page of ListFunctions):",
        "",
        "| method | s | calls |",
        "|---|---:|---:|",
    ]
    for label, (seconds, calls) in audit:
        lines.append(f"| {label} | {seconds:.1f} | {calls} |")
    return lines


def quota_report(quota):
    count, rows = quota
    lines = [
        "",
        f"## The fleet under AWS's quota ({QUOTA} requests per second), with another tool at work",
        "",
        f"AWS Lambda allows {QUOTA} control-plane requests per second per account and region, shared by every",
        "client of the account and not raisable (GetFunction has its own quota). The proxy adds",
        f"{FLEET_LATENCY * 1000:.0f} ms to every call and answers beyond a token bucket of {QUOTA} per second (burst {QUOTA})",
        "as AWS does (429 TooManyRequestsException, 'Rate exceeded'). Meanwhile a bystander of the same account",
        f"(a deploy pipeline, the console) reads one config every {BYSTANDER_PERIOD:.0f} s without retries. The floor is the",
        f"task's useful calls (the ones AWS answered) / {QUOTA} per second: no client can be faster on AWS.",
        "",
        "| options | task | s | floor s | time / floor | requests throttled | bystander refused |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    exact = {}
    for label, task, run in rows:
        if task == "exact":
            exact[label] = run
            continue
        lines.append(
            f"| {label} | {task} | {run['seconds']:.1f} | {run['floor']:.1f} | {run['seconds'] / run['floor']:.2f} | "
            f"{run['throttled']} of {run['requests']} ({100 * run['throttled'] / max(run['requests'], 1):.0f}%) | "
            f"{run['bystander_refused']} of {run['bystander']} |"
        )
    lines.append("")
    for label, held in exact.items():
        lines.append(
            f"- {label}: after the first apply, {held} of {count} configs read back with boto3 hold exactly the settings written."
        )
    return lines


def audit_report(rows):
    qualifiers = AUDIT_FUNCTIONS * (1 + len(AUDIT_ALIASES))
    lines = [
        "",
        f"## The audit of a region: {AUDIT_FUNCTIONS} functions with {len(AUDIT_ALIASES)} aliases each, under the quota",
        "",
        f"A region holding only this fleet: {AUDIT_FUNCTIONS} functions, each with the aliases "
        f"{' and '.join(AUDIT_ALIASES)} ({qualifiers} qualifiers",
        f"to judge), a config on one `{AUDIT_ALIASES[0]}` alias in three, and {2 * AUDIT_QUEUES} SQS mappings on "
        f"{AUDIT_QUEUES} queues. As in the",
        f"section before: {FLEET_LATENCY * 1000:.0f} ms added to every call, AWS's quota of {QUOTA} Lambda requests per "
        "second, and a bystander",
        "reading one config a second in the same region. The playbook asserts that every qualifier was judged",
        "and every mapping read. The bound is the audit's useful Lambda calls at the module's default cap,",
        f"calls / {DEFAULT_RATE} s: CloudWatch (GetMetricData, 500 queries a call) and SQS have quotas of their own.",
        "",
        f"| options | s | Lambda calls | calls / {DEFAULT_RATE} s | s / (calls / {DEFAULT_RATE}) | CloudWatch calls "
        "| SQS calls | requests throttled | bystander refused |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in rows:
        bound = run["useful"] / DEFAULT_RATE
        services = run["by_service"]
        lines.append(
            f"| {label} | {run['seconds']:.1f} | {run['useful']} | {bound:.1f} | {run['seconds'] / bound:.2f} | "
            f"{services.get('monitoring', 0)} | {services.get('sqs', 0)} | {run['throttled']} of {run['requests']} | "
            f"{run['bystander_refused']} of {run['bystander']} |"
        )
    lines += [
        "",
        "When each kind of call was sent (seconds from the playbook's start; throttled attempts included):",
        "",
    ]
    for label, run in rows:
        spans = sorted(run["spans"].items(), key=lambda item: item[1][1])
        parts = [f"{operation} x{count} {first:.1f}-{last:.1f}" for operation, (count, first, last) in spans]
        lines.append(f"- {label}: {', '.join(parts)}; the playbook ended at {run['seconds']:.1f}.")
    return lines


def paired_ratio(values, floors):
    """The median and the deciles of value / floor taken round by round: each round runs both on
    the machine as it is then, so a slow spell of the machine cancels out, which a ratio of the
    two medians does not."""
    ratios = sorted(value / floor for value, floor in zip(values, floors))
    decile = statistics.quantiles(ratios, n=10)
    return statistics.median(ratios), decile[0], decile[-1]


def times_report(samples, breakdowns):
    """The per-task section: samples and breakdowns are {amazon.aws version: ...}."""
    lines = [
        "",
        f"## Per-task time ({REPEATS} runs each, one playbook per amazon.aws; first round dropped)",
        "",
        "Each round runs the four tasks in another order (rotated), and every AWS task gets its",
        "connection inline. Before 2026-12-06 the order was fixed and ours alone got its connection",
        "through `module_defaults`, and the ratio was of two medians (1.17x on 2026-12-03). Part of that",
        "was a real cost, which the breakdown below found: a module runs from its AnsiballZ zip, whose",
        "import compiles every module it loads twice (zipimport's get_filename, then get_code) and caches",
        "nothing, on every run. The fleet, grant and preflight code (45 KB) was loaded by every task; now",
        "only the tasks that use it load it. What remains is the compiling of the code a one-config task",
        "does use. On this machine a single round's ratio spreads over about +-0.2 (the p10-p90 column),",
        "so 25 rounds tell a few hundredths apart only roughly.",
        "",
        "The ratio to the floor is taken in each round (the two tasks ran moments apart) and its median",
        "given, with its p10-p90 over the rounds: this machine's speed drifts by more than the gap.",
        "",
        "| amazon.aws | task | median s | p10 s | p90 s | ratio to floor | ratio p10-p90 |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for version, by_label in samples.items():
        for label, values in by_label.items():
            decile = statistics.quantiles(sorted(values), n=10)
            ratio, low, high = paired_ratio(values, by_label[FLOOR])
            lines.append(
                f"| {version} | {label} | {statistics.median(values):.3f} | {decile[0]:.3f} | {decile[-1]:.3f} | "
                f"{ratio:.3f} | {low:.2f}-{high:.2f} |"
            )
    lines += [
        "",
        f"### Where a no-op's time goes ({REPEATS} fresh runs of each AnsiballZ file, medians, ms)",
        "",
        "Timed inside the module's process (hacking/bench/task_breakdown.py): the imports, and of",
        "them the compiling of the modules loaded from the zip; AnsibleModule's argument spec",
        "validation; the boto3 client; the call with the module's own logic; the result up to the exit.",
        "The process is the whole run, the interpreter's start included.",
        "",
        "| amazon.aws | module | payload KB | process | process / floor's | imports | compiling | argument spec "
        "| client | call | result |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for version, by_label in breakdowns.items():
        for label, parts in by_label.items():
            ratio = paired_ratio(parts["walls"], by_label[FLOOR]["walls"])[0]
            cells = [f"{parts[part] * 1000:.0f}" for part in task_breakdown.PARTS]
            lines.append(
                f"| {version} | {label.split(':')[0]} | {parts['payload_bytes'] / 1000:.0f} | "
                f"{parts['wall'] * 1000:.0f} | {ratio:.3f} | {' | '.join(cells)} |"
            )
    return lines


def report(calls, samples, breakdowns, scale, versions_line, fleet=None, quota=None, audit=None):
    lines = [
        "# Benchmarks",
        "",
        "Regenerate with `make bench` (LocalStack on loopback, calls counted by a recording proxy between",
        "the module and LocalStack, task times by a callback). A benchmark, not a test: nothing asserts these.",
        "",
        f"- Machine: {machine()}",
        f"- Versions: {versions_line}",
        f"- Date: {time.strftime('%Y-%m-%d')}",
        "",
        "## API calls per operation",
        "",
        "The floor is one read for a no-op and one read plus one write for a change. Terraform's",
        "refresh-plan-apply spends a read, a write and a read after the write for a change.",
        "Where no config exists yet, check mode also reads the function (GetFunction): AWS answers",
        '"not found" alike for a missing function, alias and config, and the dry run must fail as the',
        "real run would. The real run makes that read only after a refused write.",
        "",
        "| operation | calls | which |",
        "|---|---:|---|",
    ]
    for label, ops in calls:
        summary = ", ".join(f"{op} x{ops.count(op)}" if ops.count(op) > 1 else op for op in dict.fromkeys(ops))
        lines.append(f"| {label} | {len(ops)} | {summary} |")
    lines += times_report(samples, breakdowns)
    lines += [
        "",
        "## Scale: configure N functions (each a read and a write)",
        "",
        f"| N | loop: total s | loop: s per config | forks={FORKS}: total s | forks: s per config |",
        "|---:|---:|---:|---:|---:|",
    ]
    for count, loop_time, forks_time in scale:
        lines.append(
            f"| {count} | {loop_time:.1f} | {loop_time / count:.3f} | {forks_time:.1f} | {forks_time / count:.3f} |"
        )
    if fleet:
        lines += fleet_report(fleet)
    if quota:
        lines += quota_report(quota)
    if audit:
        lines += audit_report(audit)
    lines.append("")
    return "\n".join(lines)


def per_task(bench, collection_paths):
    """The per-task samples and breakdowns, {amazon.aws version: ...}, one run per collections path."""
    samples, breakdowns = {}, {}
    for collections in collection_paths:
        version = amazon_aws_version(collections)
        samples[version] = bench.per_task_time(collections)
        breakdowns[version] = bench.task_breakdown(collections)
    return samples, breakdowns


def main(localstack, proxy, collections, awscli, workdir, output, newest_collections=None):
    """newest_collections: a collections path with the newest amazon.aws, for the per-task section."""
    os.makedirs(workdir, exist_ok=True)
    bench = Bench(localstack, proxy, collections, awscli, workdir)
    bench.setup()
    collection_paths = [collections] + ([newest_collections] if newest_collections else [])
    if set(SECTIONS) != set(ALL_SECTIONS):
        if "times" in SECTIONS:
            print("\n".join(times_report(*per_task(bench, collection_paths))))
        if "fleet" in SECTIONS:
            print("\n".join(fleet_report(bench.fleet())))
        if "quota" in SECTIONS:
            print("\n".join(quota_report(bench.quota())))
        if "audit" in SECTIONS:
            print("\n".join(audit_report(bench.audit())))
        return
    calls = bench.api_calls()
    samples, breakdowns = per_task(bench, collection_paths)
    scale = bench.scale()
    fleet = bench.fleet()
    quota = bench.quota()
    audit = bench.audit()
    text = report(calls, samples, breakdowns, scale, versions(collections, awscli), fleet, quota, audit)
    with open(output, "w") as handle:
        handle.write(to_rst(text, "guide_benchmarks"))
    print(text)


if __name__ == "__main__":
    main(*sys.argv[1:8])
