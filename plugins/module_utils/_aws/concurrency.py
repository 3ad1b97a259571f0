# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Work run concurrently, bounded, with the collection's failures kept per piece of work and a bug
stopping the rest: the writes of a configs task, the reads of a region's functions.

Threads are Ansible's own means here: a task's work on one account and region, each thread under the
task's request rate cap (throttling). Scale beyond one account is Ansible's (inventory hosts, forks).
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import EventInvokeConfigError

# max_concurrency: how many pieces of work (configs of a task, functions of a region) run at once.
CONCURRENCY_RANGE = (1, 64)


def is_bug(error):
    """An error that is not a failure this collection knows (an AWS answer, a bad option)."""
    return error is not None and not isinstance(error, EventInvokeConfigError)


def run_concurrently(keys, work, max_concurrency):
    """work(i) for every index i of keys, at most max_concurrency at once, indexes with equal
    keys one after the other in their order; returns [(result, error)] in index order.

    An error (EventInvokeConfigError) is kept for its item and the others go on. Any other
    exception is a bug: it is kept for its item, no item starts after it, and the items that
    never started are None.
    """
    groups = {}
    for index, key in enumerate(keys):
        groups.setdefault(key, []).append(index)
    outcomes = [None] * len(keys)
    stop = threading.Event()

    def run_group(indexes):
        for index in indexes:
            if stop.is_set():
                return
            try:
                outcomes[index] = (work(index), None)
            except EventInvokeConfigError as e:
                outcomes[index] = (None, e)
            except Exception as e:  # pylint: disable=broad-except  # a bug: stop, report what was applied
                outcomes[index] = (None, e)
                stop.set()
                return

    with ThreadPoolExecutor(max_workers=max_concurrency) as pool:
        for future in [pool.submit(run_group, indexes) for indexes in groups.values()]:
            future.result()
    return outcomes


def read_concurrently(items, read, max_concurrency):
    """read(item) for every item, at most max_concurrency at once: the results in the items' order,
    less the items AWS answered ResourceNotFoundException for (deleted while they were read). A bug
    (the first) or any other failure raises, after every read has ended."""
    outcomes = run_concurrently(list(range(len(items))), lambda index: read(items[index]), max_concurrency)
    bugs = [error for dummy, error in filter(None, outcomes) if is_bug(error)]
    if bugs:
        raise bugs[0]  # nothing is reported: the bug itself is the whole story
    found = []
    for result, error in outcomes:
        if error is None:
            found.append(result)
        elif error.aws_code() != "ResourceNotFoundException":
            raise error
    return found
