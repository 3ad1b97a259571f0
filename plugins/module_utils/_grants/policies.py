# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The inline policies that grant an execution role its destinations, and the plan that brings a
role's policies to a set of destinations within IAM's quota (pure: no AWS call).

IAM allows 10,240 characters (whitespace not counted) of inline policies per role, all of them
together, and one role often serves hundreds of functions, each with a queue of its own. So the
grants of a role are merged: one inline policy per destination service, named
event-invoke-config-destinations-SERVICE, with one statement per action of the kind
(destination_kinds) whose Resource lists exactly the destinations (never a wildcard). A further
SQS queue costs its ARN and three characters: about 60, where a policy of its own took about 150,
so a role holds about 160 queues (of 60-character ARNs) rather than about 70.

Earlier builds of 0.2.0 (its development line) gave each destination a policy of its own
(event-invoke-config-SERVICE-RESOURCE-DIGEST). Those are read as grants too, and the next write to
the role folds them into the merged policies, each step a put before the deletes it allows, so
that a destination is granted at every moment. When the role's room is too small for even that
(a role filled by the old layout), a legacy policy is first grown in place to take in others.
"""

import json
import re

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.references import parse_arn
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import DESTINATION_KINDS
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import POLICY_VERSION
from ansible_collections.serverless.aws_lambda.plugins.module_utils._config.destination_kinds import statements_for

POLICY_PREFIX = "event-invoke-config-"
SERVICE_POLICY_PREFIX = f"{POLICY_PREFIX}destinations-"
# IAM's quota of inline policy characters per role, all its inline policies together, whitespace
# not counted (IAM and STS quotas: "Role policy size"); beyond it PutRolePolicy answers
# LimitExceeded "Maximum policy size of 10240 bytes exceeded for role NAME".
ROLE_INLINE_POLICY_QUOTA = 10240
_STATEMENT_KEYS = {"Sid", "Effect", "Action", "Resource"}


def service_of(destination):
    return parse_arn(destination).service


def service_policy_name(service):
    """The inline policy that grants a role every destination of one service."""
    return f"{SERVICE_POLICY_PREFIX}{service}"


def grant_document(destinations):
    """The merged policy of a set of destinations: one statement per action, its resources listed
    in order (the same set always gives the same document)."""
    resources = {}
    for arn in sorted(destinations):
        for statement in statements_for(arn):
            resources.setdefault(statement["Action"], []).append(statement["Resource"])
    statements = [
        {"Effect": "Allow", "Action": action, "Resource": sorted(set(listed))} for action, listed in resources.items()
    ]
    return {"Version": POLICY_VERSION, "Statement": sorted(statements, key=lambda statement: statement["Action"])}


def policy_size(document):
    """A policy's size as IAM counts it against the role's quota: its JSON without whitespace."""
    if document is None:
        return 0
    return len(re.sub(r"\s+", "", json.dumps(document, separators=(",", ":"))))


def statements_of(document):
    """The statements of a policy document (as IAM returns it: a single statement may be a dict)."""
    if not document:
        return []
    statements = document.get("Statement") or []
    return [statements] if isinstance(statements, dict) else list(statements)


def _listed(value):
    return [value] if isinstance(value, str) else value


def destinations_held(document):
    """The destinations a policy of this collection's form grants in full (every permission of
    its kind on its resources), or None when the document is not of that form (a Deny, a
    Condition, NotAction...): such a policy is never taken as a grant nor rewritten."""
    pairs = set()
    for statement in statements_of(document):
        if not isinstance(statement, dict) or set(statement) - _STATEMENT_KEYS or statement.get("Effect") != "Allow":
            return None
        actions, resources = _listed(statement.get("Action")), _listed(statement.get("Resource"))
        if not isinstance(actions, list) or not isinstance(resources, list):
            return None
        pairs.update((action, resource) for action in actions for resource in resources)
    held = set()
    for action, resource in pairs:
        parts = parse_arn(resource) if isinstance(resource, str) else None
        kind = DESTINATION_KINDS.get(parts.service) if parts else None
        if kind is None or action != kind.permissions[0].action:
            continue
        if all((permission.action, permission.resource(resource)) in pairs for permission in kind.permissions):
            held.add(resource)
    return held


def collection_policies(documents):
    """{name: destinations} of the role's policies that are this collection's (its name prefix,
    its form); documents: {name: document} of the role's inline policies."""
    held = {}
    for name, document in documents.items():
        if document is not None and name.startswith(POLICY_PREFIX):
            destinations = destinations_held(document)
            if destinations is not None:
                held[name] = destinations
    return held


class RolePlan:
    """The steps that bring a role's inline policies from documents ({name: document}, every
    inline policy of the role) to granting what they grant, less remove, plus add, every
    destination in the merged policy of its service, within IAM's quota.

    steps: [(name, destinations before, destinations after)], in order; after empty is a delete.
    Every step keeps each destination that is not removed granted: a destination is put into its
    service's policy before the policy that held it loses it.
    refused: the destinations of add that do not fit (nothing of them is written).
    unfolded: (policies, characters) when per-destination policies remain that no step could fold
    for want of room: how many, and how many more characters the first step needs; else None.
    sizes: {name: characters} of the role's inline policies once the steps ran.
    """

    def __init__(self, documents, add=(), remove=(), quota=ROLE_INLINE_POLICY_QUOTA):
        self.quota = quota
        self.sizes = {name: policy_size(document) for name, document in documents.items() if document is not None}
        self.held = collection_policies(documents)
        self.steps = []
        self.refused = []
        self.unfolded = None
        remove = set(remove)
        for name in sorted(self.held):
            if self.held[name] & remove:
                self._write(name, self.held[name] - remove)
        granted = self.granted()
        new = [arn for arn in dict.fromkeys(add) if arn not in granted and arn not in remove]
        for service in sorted({service_of(arn) for arn in granted | set(new)}):
            self.refused += self._merge(service, [arn for arn in new if service_of(arn) == service])

    def room(self):
        return self.quota - sum(self.sizes.values())

    def used(self):
        return sum(self.sizes.values()), len(self.sizes)

    def granted(self):
        return set().union(*self.held.values())

    def _write(self, name, destinations):
        before = self.held.get(name, set())
        self.steps.append((name, frozenset(before), frozenset(destinations)))
        if destinations:
            self.held[name] = set(destinations)
            self.sizes[name] = policy_size(grant_document(destinations))
        else:
            self.held.pop(name, None)
            self.sizes.pop(name, None)

    def _fitting(self, name, candidates):
        """How many of candidates, taken in order, name can take in without crossing the quota."""
        current = self.held.get(name, set())
        room = self.room() + self.sizes.get(name, 0)
        low, high = 0, len(candidates)
        while low < high:
            middle = (low + high + 1) // 2
            if policy_size(grant_document(current | set(candidates[:middle]))) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def _strays(self, service, merged):
        """The collection's other policies that hold destinations of the service (legacy ones)."""
        return {
            name: held
            for name, held in self.held.items()
            if name != merged and any(service_of(arn) == service for arn in held)
        }

    def _take_in(self, host, taken, merged, service):
        """host takes the destinations taken; then the other policies that held them lose them."""
        self._write(host, self.held.get(host, set()) | set(taken))
        for name, held in sorted(self._strays(service, merged).items()):
            if name != host and held & set(taken):
                self._write(name, held - set(taken))

    def _merge(self, service, new):
        """Move the service's destinations held elsewhere into its merged policy, then add new; the
        new ones that do not fit, refused."""
        merged = service_policy_name(service)
        while True:
            moving = sorted(
                {
                    arn
                    for held in self._strays(service, merged).values()
                    for arn in held
                    if service_of(arn) == service and arn not in self.held.get(merged, set())
                }
            )
            pending = moving + [arn for arn in new if arn not in self.held.get(merged, set())]
            if not pending:
                return []
            count = self._fitting(merged, pending)
            if count:
                self._take_in(merged, pending[:count], merged, service)
                continue
            # No room for the merged policy to grow: a legacy policy takes in the others' destinations
            # (each costs its ARN, each policy emptied frees a whole envelope), until it has room.
            strays = self._strays(service, merged)
            host = max(strays, key=lambda name: (len(strays[name]), name)) if len(strays) > 1 else None
            candidates = [arn for arn in moving if host and arn not in strays[host]]
            count = self._fitting(host, candidates) if candidates else 0
            if not count:
                if strays:
                    self._stuck(merged, host, pending, candidates, len(strays))
                return [arn for arn in new if arn not in self.held.get(merged, set())]
            self._take_in(host, candidates[:count], merged, service)

    def _stuck(self, merged, host, pending, candidates, strays):
        """Record what folding the remaining per-destination policies needs: the characters the
        cheapest first step lacks (the merged policy taking one, or the host taking one in)."""
        steps = [(merged, pending[0])] + ([(host, candidates[0])] if host and candidates else [])
        lacking = min(
            policy_size(grant_document(self.held.get(name, set()) | {arn})) - self.sizes.get(name, 0) - self.room()
            for name, arn in steps
        )
        self.unfolded = (strays, max(lacking, self.unfolded[1]) if self.unfolded else lacking)
