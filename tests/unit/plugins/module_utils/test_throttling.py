# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Retries and the request rate cap, from several threads at once."""

import threading

import boto3
import pytest
import yaml
from botocore.exceptions import ClientError

from ansible_collections.amazon.aws.plugins.module_utils import cloud
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

from ansible_collections.serverless.aws_lambda.plugins.doc_fragments import request_rate
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws import throttling
from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.module import REQUEST_RATE_ARGUMENT_SPEC
from ansible_collections.serverless.aws_lambda.plugins.module_utils._grants import iam as grant_iam

THROTTLED = {"Error": {"Code": "TooManyRequestsException", "Message": "Rate exceeded"}}


@pytest.fixture
def lockstep_sleeps(mocker):
    """Two threads' backoff sleeps, taken in lockstep (each sleep waits for the other
    thread's), with jitter at its upper bound so the delays are the backoff's own."""
    barrier = threading.Barrier(2, timeout=5)
    sleeps = {}

    def sleep(seconds):
        sleeps.setdefault(threading.current_thread().name, []).append(seconds)
        barrier.wait()

    mocker.patch.object(cloud.time, "sleep", side_effect=sleep)
    mocker.patch.object(cloud.random, "uniform", side_effect=lambda low, high: high)
    return sleeps


def throttled_three_times(decorator):
    def run():
        attempts = []

        @decorator
        def call():
            attempts.append(1)
            if len(attempts) <= 3:
                raise ClientError(THROTTLED, "GetFunctionEventInvokeConfig")
            return "done"

        assert call() == "done"

    threads = [threading.Thread(target=run, name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)


def test_two_threads_throttled_at_once_each_back_off_on_their_own(lockstep_sleeps):
    throttled_three_times(throttling.retrying(retries=7, delay=1, max_delay=20))
    assert lockstep_sleeps == {"first": [1, 2, 4], "second": [1, 2, 4]}


def test_amazon_aws_decorator_shared_by_threads_resets_their_backoff(lockstep_sleeps):
    # Why retrying() exists: one AWSRetry decorator shared by two threads gives neither the
    # backoff it would have alone.
    throttled_three_times(AWSRetry.jittered_backoff(retries=7, delay=1, max_delay=20))
    assert lockstep_sleeps["first"] != [1, 2, 4] or lockstep_sleeps["second"] != [1, 2, 4]


class FakeClock:
    def __init__(self):
        self.now = 100.0
        self.lock = threading.Lock()
        self.waits = []

    def clock(self):
        return self.now

    def sleep(self, seconds):
        with self.lock:
            self.waits.append(seconds)


def test_requests_are_spaced_evenly_from_the_first_one_without_a_burst():
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(4, burst=1, clock=fake.clock, sleep=fake.sleep)
    for dummy in range(5):
        limiter.acquire()
    assert fake.waits == [0.25, 0.5, 0.75, 1.0]


def test_a_burst_goes_at_once_then_the_rate_holds():
    # A single-config task's two or three calls never wait; a bulk task's then go at the rate.
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(4, burst=3, clock=fake.clock, sleep=fake.sleep)
    for dummy in range(6):
        limiter.acquire()
    assert fake.waits == [0.25, 0.5, 0.75]


def test_a_request_after_a_pause_goes_at_once():
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(4, burst=1, clock=fake.clock, sleep=fake.sleep)
    limiter.acquire()
    fake.now += 10
    limiter.acquire()
    assert fake.waits == []


def test_threads_share_one_rate():
    # 8 threads x 10 requests at rate 10 with a clock that stands still: every request gets
    # its own slot, 0.1 s after the one before it, whichever thread sends it.
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(10, burst=1, clock=fake.clock, sleep=fake.sleep)

    def send():
        for dummy in range(10):
            limiter.acquire()

    threads = [threading.Thread(target=send) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert sorted(round(wait, 6) for wait in fake.waits) == [round(slot / 10, 6) for slot in range(1, 80)]


def test_every_attempt_of_a_counted_operation_waits_its_turn_but_get_function_does_not():
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(
        2, burst=1, clock=fake.clock, sleep=fake.sleep, uncounted=throttling.UNCOUNTED_OPERATIONS
    )
    client = boto3.client(
        "lambda", region_name="us-east-1", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret"
    )
    throttling.limit_request_rate(client, limiter)
    for operation in ("GetFunctionEventInvokeConfig", "GetFunction", "UpdateFunctionEventInvokeConfig", "GetPolicy"):
        client.meta.events.emit(f"before-send.lambda.{operation}", request=None)
    assert fake.waits == [0.5]  # the second counted request; GetFunction and GetPolicy not counted


def test_every_iam_operation_is_counted_by_the_tasks_iam_cap():
    fake = FakeClock()
    limiter = throttling.RequestRateLimiter(
        throttling.IAM_REQUESTS_PER_SECOND, burst=1, clock=fake.clock, sleep=fake.sleep
    )
    client = boto3.client("iam", aws_access_key_id="AKIDEXAMPLE", aws_secret_access_key="not-a-secret")
    throttling.limit_request_rate(client, limiter)
    for operation in ("GetRolePolicy", "PutRolePolicy", "SimulatePrincipalPolicy"):
        client.meta.events.emit(f"before-send.iam.{operation}", request=None)
    assert [round(wait, 6) for wait in fake.waits] == [0.2, 0.4]
    client.meta.events.emit("before-send.lambda.GetFunctionEventInvokeConfig", request=None)  # not IAM's
    assert [round(wait, 6) for wait in fake.waits] == [0.2, 0.4]


def test_two_threads_throttled_by_iam_at_once_each_back_off_on_their_own(lockstep_sleeps):
    # the grants' IAM calls had a decorator built at import, shared by threads, which
    # reset each other's backoff (measured: 3, 12, 48 s in one thread, 3, 6, 24 s in the other).
    class Throttled:
        def __init__(self):
            self.attempts = 0

        def put_role_policy(self, **kwargs):
            self.attempts += 1
            if self.attempts <= 3:
                raise ClientError({"Error": {"Code": "Throttling", "Message": "Rate exceeded"}}, "PutRolePolicy")

    def run():
        grant_iam.put_role_policy(Throttled(), "shared-exec", "p", {"Version": "2012-10-17"})

    threads = [threading.Thread(target=run, name=name) for name in ("first", "second")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert lockstep_sleeps == {"first": [3, 6, 12], "second": [3, 6, 12]}


def test_the_documented_rate_option_is_the_one_the_modules_take():
    documented = yaml.safe_load(request_rate.ModuleDocFragment.DOCUMENTATION)["options"]["max_requests_per_second"]
    spec = REQUEST_RATE_ARGUMENT_SPEC["max_requests_per_second"]
    assert (documented["type"], documented["default"]) == (spec["type"], spec["default"])
    low, high = throttling.REQUEST_RATE_RANGE
    assert f"from V({low}) to V({high})" in " ".join(documented["description"])
    assert low <= spec["default"] < throttling.LAMBDA_REQUESTS_PER_SECOND_QUOTA  # room for the account's other tools
