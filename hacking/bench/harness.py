# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""What every section of `make bench` runs on: the fixtures in LocalStack (not counted), the playbooks
through the recording proxy, the proxy's controls, and the versions and machine the figures are of."""

import json
import os
import platform
import subprocess
import sys
import threading
import time
import urllib.request

from botocore.config import Config
from lambda_fixtures import aws_client
from lambda_fixtures import create_echo_function
from lambda_fixtures import execution_role
from settings import ACCOUNT
from settings import AUDIT_ALIASES
from settings import AUDIT_FUNCTIONS
from settings import AUDIT_QUEUES
from settings import AUDIT_REGION
from settings import BYSTANDER_PERIOD
from settings import FLEET_SIZE
from settings import HERE
from settings import QUOTA
from settings import REGION
from settings import SCALES
from settings import SECTIONS


def aws(service, endpoint, region=REGION):
    return aws_client(service, endpoint, region)


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
        arguments = [path]
        if inventory:
            arguments += ["-i", inventory]
        if forks:
            arguments += ["--forks", str(forks)]
        extra = dict(env or {})
        if collections:
            extra["ANSIBLE_COLLECTIONS_PATH"] = collections
        return self.run_playbook(name, arguments, times_file=times_file, **extra)

    def run_playbook(self, name, arguments, times_file=None, **env):
        """Seconds of one ansible-playbook run (arguments: its command line after the program), which must
        succeed; times_file: where the bench_timer callback writes each task's result, emptied first."""
        if times_file:
            if os.path.exists(times_file):
                os.remove(times_file)
            env["BENCH_TIMES_FILE"] = times_file
        start = time.perf_counter()
        done = subprocess.run(
            ["ansible-playbook"] + arguments, env=self.env(**env), capture_output=True, text=True, check=False
        )
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

    def connection(self):
        """The connection options every per-task AWS task is given inline."""
        return {"region": REGION, "endpoint_url": self.proxy, "access_key": "test", "secret_key": "bench-secret"}

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

    def quota_run(self, name, tasks, check=False, region=REGION, bystander_reads=("bench-one", "$LATEST")):
        """One playbook through the proxy's quota of region while a bystander there reads a config
        (bystander_reads: function, qualifier) every second: {seconds, useful (the module's counted
        calls AWS answered), throttled, floor (useful / quota), bystander calls, bystander refused,
        by_service (the module's calls per service), spans ({operation: (calls, first, last)}, seconds
        from the playbook's start to each call's arrival)}."""
        self.proxy_control("/__proxy/reset", [])
        for task in tasks:
            task["check_mode"] = check
        bystander = aws_client(
            "lambda",
            self.proxy,
            region,
            secret_key="bench-secret",  # the same account (access key "test"), so the same quota
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
