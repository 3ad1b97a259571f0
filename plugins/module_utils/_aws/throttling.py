# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Staying under Lambda's control-plane quota, safely from the threads of a bulk run.

AWS Lambda allows 15 control-plane requests per second per account and region, shared by
every client of the account (GetFunction and GetPolicy have quotas of their own). IAM is
global: its API throttles per account across every region, at a rate AWS does not publish.
Three things keep a task under them:
  - a request rate cap per region and task for Lambda, and one per task for IAM
    (RequestRateLimiter, on every HTTP attempt, retries included), below the quota so that
    the account's other tools keep room;
  - botocore's adaptive retry mode, whose client-side token bucket slows down further
    when AWS throttles anyway (another tool of the account is busy);
  - AWSRetry's jittered backoff, built for each call (lambda_retry, iam_retry): amazon.aws's decorator
    holds one BackoffIterator, and every call through it resets its delay, so one decorator
    shared by threads would keep resetting the other threads' backoff to the first delay.
"""

import functools
import threading
import time

from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Lambda's quota: control-plane requests per second, per account and region (not raisable).
LAMBDA_REQUESTS_PER_SECOND_QUOTA = 15
# The operations with a quota of their own (GetFunction: 100 per second), not counted.
UNCOUNTED_OPERATIONS = frozenset(("GetFunction", "GetPolicy"))
REQUEST_RATE_RANGE = (1, LAMBDA_REQUESTS_PER_SECOND_QUOTA)

# botocore's own retries (each attempt passes the rate cap): adaptive mode learns the rate
# from throttling answers. The number of its attempts stays botocore's setting (3 unless
# AWS_MAX_ATTEMPTS or the profile says otherwise); they run inside each of AWSRetry's.
BOTOCORE_RETRIES = {"mode": "adaptive"}

# AWSRetry's defaults cover throttling (TooManyRequestsException) and some 5xx codes, not
# Lambda's ServiceException nor ResourceConflictException (a concurrent update of the
# function). 7 attempts, sleeping 1, 2, 4, 8, 16 and 20 s at most between them (jittered, so
# about half that on average), each attempt being up to botocore's own attempts (3 by default).
RETRY_EXTRA_CODES = ("ResourceConflictException", "ServiceException")
LAMBDA_RETRY = {"retries": 7, "delay": 1, "max_delay": 20, "catch_extra_error_codes": list(RETRY_EXTRA_CODES)}


def retrying(**backoff):
    """A decorator like AWSRetry.jittered_backoff(**backoff), whose backoff belongs to each call.

    amazon.aws's decorator holds one BackoffIterator, and each call's retry loop resets its
    current delay: a decorator built once and shared by threads keeps resetting the other
    threads' backoff. Built for each call, each call backs off on its own.
    """

    def decorator(func):
        @functools.wraps(func)
        def call(*args, **kwargs):
            return AWSRetry.jittered_backoff(**backoff)(func)(*args, **kwargs)

        return call

    return decorator


lambda_retry = retrying(**LAMBDA_RETRY)

# IAM answers throttling with Throttling (AWSRetry's defaults catch it) and a concurrent change
# of one role with ConcurrentModification; its backoff is AWSRetry's default (from 3 s, doubling,
# at most 60 s), as the grants had, now per call.
IAM_RETRY = {"catch_extra_error_codes": ["ConcurrentModification"]}
iam_retry = retrying(**IAM_RETRY)

# The audit's CloudWatch and SQS reads: both answer throttling with codes AWSRetry's defaults
# catch (Throttling; SQS also RequestThrottled), so its default backoff, per call.
default_retry = retrying()

# IAM publishes no request quota for its API; it throttles per account, for all regions at
# once, and deploy tools write roles too. A task sends at most this many IAM requests per
# second, whatever its regions (the grants' reads and writes, the preflight's simulations).
IAM_REQUESTS_PER_SECOND = 5


# Requests a task may send at once before the cap spaces them: the two or three calls of a
# single-config task (Get, then Update or Put) never wait, and in any second a bulk task sends
# at most rate + REQUEST_BURST - 1 requests.
REQUEST_BURST = 3


class RequestRateLimiter:
    """At most `rate` requests per second after a burst of `burst`, shared by every thread that
    uses it (the generic cell rate algorithm: each request is due one interval after the one
    before it, and may go up to burst - 1 intervals early).

    acquire() returns at once when the request is due, otherwise sleeps until it is. Even
    spacing keeps a bulk task's requests from bunching up against the quota that the
    account's other tools share.
    """

    def __init__(self, rate, burst=REQUEST_BURST, clock=time.monotonic, sleep=time.sleep, uncounted=()):
        self.interval = 1.0 / rate
        self.uncounted = frozenset(uncounted)
        self.early = (burst - 1) * self.interval
        self._clock = clock
        self._sleep = sleep
        self._lock = threading.Lock()
        self._due = None  # when the next request is due, at the sustained rate

    def acquire(self):
        with self._lock:
            now = self._clock()
            due = now if self._due is None else max(now, self._due)
            self._due = due + self.interval
        wait = due - self.early - now
        if wait > 0:
            self._sleep(wait)

    def before_send(self, event_name=None, **kwargs):
        """botocore's before-send hook: every HTTP attempt of a counted operation waits its turn."""
        operation = (event_name or "").rsplit(".", 1)[-1]
        if operation not in self.uncounted:
            self.acquire()


def lambda_rate_limiter(rate):
    """The cap of a task's Lambda requests in one region (GetFunction and GetPolicy not counted)."""
    return RequestRateLimiter(rate, uncounted=UNCOUNTED_OPERATIONS)


def iam_rate_limiter():
    """The cap of a task's IAM requests, every operation counted."""
    return RequestRateLimiter(IAM_REQUESTS_PER_SECOND)


def limit_request_rate(client, limiter):
    """Make every HTTP attempt of the client's operations pass the limiter."""
    client.meta.events.register(f"before-send.{client.meta.service_model.service_id.hyphenize()}", limiter.before_send)
    return client
