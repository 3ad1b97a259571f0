#!/usr/bin/env python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""A recording (and fault-injecting) proxy on loopback in front of LocalStack.

Counts API calls from outside the module: amazon.aws's resource_actions only knows
https:// endpoints and de-duplicates, so it cannot show a repeated call.

    aws_proxy.py UPSTREAM_URL PORT_FILE

prints nothing; writes the port it listens on to PORT_FILE. Control, on the same port:
    GET  /__proxy/calls   -> [{"operation", "service", "key", "method", "path", "client", "counted",
                             "throttled", "at", "upstream"}...] since the last reset ("at": when it
                             arrived, seconds since the reset; "upstream": seconds LocalStack took to
                             answer it; "service" and "key" are the signing name and the access key of
                             the request's credential scope; "client" the X-Proxy-Client header, for
                             telling tools apart; "counted" says the call counts against the Lambda quota)
    POST /__proxy/reset   -> clears the record and the fault queue (not the latency)
    POST /__proxy/latency -> body {"seconds": S}: every call answered S later (AWS takes 30-100 ms
                             where LocalStack takes about 5, which hides whether work is concurrent)
    POST /__proxy/quota   -> body {"rate": R, "burst": B}: AWS Lambda's control-plane quota, a token
                             bucket of R requests per second (B at most at once) per access key and
                             region, shared by every client; a request beyond it is answered as AWS
                             does (429 TooManyRequestsException "Rate exceeded") and recorded with
                             "throttled": true. GetFunction, GetPolicy and Invoke have quotas of their
                             own and are not counted. Rate 0 turns it off.
    POST /__proxy/faults  -> body [{"operation": NAME or "*",
                                    "fault": throttle|conflict|500|503|permission|invalid|denied|slow|drop,
                                    "count": N, "delay": seconds, "arn": destination ARN (invalid),
                                    "match": text the request's decoded body must hold (optional)}]
                             queued in order; "denied" is IAM's AccessDenied, as an STS or IAM
                             (query protocol) caller gets it, for an account whose role may not be assumed
"""

import http.client
import http.server
import json
import re
import socket
import sys
import threading
import time
import urllib.parse

# The Lambda event invoke config REST routes, by method and path.
_LAMBDA_ROUTES = [
    ("GET", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config/list$"), "ListFunctionEventInvokeConfigs"),
    ("GET", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"), "GetFunctionEventInvokeConfig"),
    ("PUT", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"), "PutFunctionEventInvokeConfig"),
    ("POST", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"), "UpdateFunctionEventInvokeConfig"),
    ("DELETE", re.compile(r"^/2019-09-25/functions/[^/]+/event-invoke-config$"), "DeleteFunctionEventInvokeConfig"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/configuration$"), "GetFunctionConfiguration"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/policy$"), "GetPolicy"),
    ("POST", re.compile(r"^/2015-03-31/functions/[^/]+/invocations$"), "Invoke"),
    ("GET", re.compile(r"^/2015-03-31/functions/?$"), "ListFunctions"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/aliases/?$"), "ListAliases"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+/versions/?$"), "ListVersionsByFunction"),
    ("GET", re.compile(r"^/2015-03-31/event-source-mappings/?$"), "ListEventSourceMappings"),
    ("GET", re.compile(r"^/2015-03-31/functions/[^/]+$"), "GetFunction"),
]

_FAULTS = {
    "throttle": (429, "TooManyRequestsException", "Rate exceeded"),
    "conflict": (
        409,
        "ResourceConflictException",
        "The operation cannot be performed at this time. An update is in progress",
    ),
    "500": (500, "ServiceException", "Internal failure (injected)"),
    "503": (503, "ServiceException", "Service unavailable (injected)"),
    # AWS's two answers while an execution-role grant propagates; the second is also its
    # answer for a destination that does not exist.
    "permission": (
        400,
        "InvalidParameterValueException",
        "The function execution role does not have permissions to call SendMessage on the destination",
    ),
    "invalid": (400, "InvalidParameterValueException", "The destination ARN {arn} is invalid."),
    "denied": (403, "AccessDenied", "User is not authorized to perform: sts:AssumeRole on resource: {arn}"),
}
_THROTTLED = (429, "TooManyRequestsException", "Rate exceeded")
# Lambda operations with quotas of their own (GetFunction: 100 per second; invocation).
_UNCOUNTED = ("GetFunction", "GetPolicy", "Invoke")
# The credential scope of a SigV4 Authorization header: access key, date, region, service.
_CREDENTIAL_RE = re.compile(r"Credential=([^/]+)/[^/]+/([^/]+)/([^/]+)/")


def operation_of(method, path, headers, body):
    bare = urllib.parse.urlsplit(path).path
    for route_method, pattern, name in _LAMBDA_ROUTES:
        if method == route_method and pattern.match(bare):
            return name
    target = headers.get("X-Amz-Target")
    if target:
        return target.split(".")[-1]
    match = re.search(rb"(?:^|&)Action=([A-Za-z]+)", body or b"")
    if match:
        return match.group(1).decode()
    return f"{method} {bare}"


class State:
    def __init__(self, upstream):
        self.upstream = urllib.parse.urlsplit(upstream)
        self.lock = threading.Lock()
        self.calls = []
        self.reset_at = time.monotonic()
        self.faults = []
        self.latency = 0.0
        self.quota = (0.0, 0.0)  # (rate, burst); rate 0 is no quota
        self.buckets = {}  # (access key, region) -> [tokens, time of the last refill]

    @staticmethod
    def scope(headers):
        """(access key, region, service) of the request's SigV4 credential scope, or None unsigned."""
        match = _CREDENTIAL_RE.search(headers.get("Authorization") or "")
        return match.groups() if match else None

    @staticmethod
    def counted(scope, operation):
        """The (access key, region) whose Lambda quota a request of scope counts against, or None."""
        if not scope or scope[2] != "lambda" or operation in _UNCOUNTED:
            return None
        return scope[:2]

    def within_quota(self, key):
        """False when a request counted against key (counted()) is beyond its Lambda quota."""
        rate, burst = self.quota
        if not rate or key is None:
            return True
        now = time.monotonic()
        with self.lock:
            bucket = self.buckets.setdefault(key, [burst, now])
            bucket[0] = min(burst, bucket[0] + (now - bucket[1]) * rate)
            bucket[1] = now
            if bucket[0] >= 1:
                bucket[0] -= 1
                return True
            return False

    def take_fault(self, operation, body):
        text = urllib.parse.unquote_plus(body.decode("utf-8", "replace"))
        with self.lock:
            for fault in self.faults:
                if fault.get("match") and fault["match"] not in text:
                    continue
                if fault["count"] > 0 and fault["operation"] in ("*", operation):
                    fault["count"] -= 1
                    return dict(fault)
        return None


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    state = None

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm
        # holds the second for the first's ACK (about 40 ms per answer on loopback).
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, *args):  # quiet: the record is the output
        pass

    def _reply(self, status, body, headers=None):
        self.send_response(status)
        for key, value in (headers or {}).items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def _error(self, status, code, message, query=False):
        if query:
            # The query protocol (STS, IAM) answers errors in XML.
            payload = (
                f"<ErrorResponse><Error><Type>Sender</Type><Code>{code}</Code><Message>{message}</Message></Error>"
                "<RequestId>00000000-0000-0000-0000-000000000000</RequestId></ErrorResponse>"
            ).encode()
            return self._reply(status, payload, {"Content-Type": "text/xml"})
        payload = json.dumps({"__type": code, "message": message, "Message": message}).encode()
        return self._reply(status, payload, {"Content-Type": "application/json", "x-amzn-ErrorType": code})

    def _control(self, body):
        state = self.state
        if self.path == "/__proxy/calls":
            with state.lock:
                return self._reply(200, json.dumps(state.calls).encode(), {"Content-Type": "application/json"})
        if self.path == "/__proxy/reset":
            with state.lock:
                state.calls, state.faults, state.reset_at = [], [], time.monotonic()
            return self._reply(200, b"{}")
        if self.path == "/__proxy/latency":
            with state.lock:
                state.latency = float(json.loads(body or b"{}").get("seconds", 0))
            return self._reply(200, b"{}")
        if self.path == "/__proxy/quota":
            settings = json.loads(body or b"{}")
            rate = float(settings.get("rate", 0))
            with state.lock:
                state.quota = (rate, float(settings.get("burst", rate)))
                state.buckets = {}
            return self._reply(200, b"{}")
        if self.path == "/__proxy/faults":
            with state.lock:
                # Numbers may come as strings (ansible-core before 2.19 templates to strings).
                for fault in json.loads(body or b"[]"):
                    fault["count"] = int(fault.get("count", 1))
                    state.faults.append(fault)
            return self._reply(200, b"{}")
        return self._reply(404, b"{}")

    def _handle(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.startswith("/__proxy/"):
            return self._control(body)
        operation = operation_of(self.command, self.path, self.headers, body)
        scope = self.state.scope(self.headers)
        quota_key = self.state.counted(scope, operation)
        call = {
            "operation": operation,
            "service": scope[2] if scope else None,
            "key": scope[0] if scope else None,
            "method": self.command,
            "path": self.path,
            "client": self.headers.get("X-Proxy-Client"),
            "counted": quota_key is not None,
            "throttled": False,
            "at": round(time.monotonic() - self.state.reset_at, 3),
        }
        with self.state.lock:
            self.state.calls.append(call)
        if self.state.latency:
            time.sleep(self.state.latency)
        if not self.state.within_quota(quota_key):
            call["throttled"] = True
            return self._error(*_THROTTLED)
        fault = self.state.take_fault(operation, body)
        if fault:
            kind = fault["fault"]
            if kind == "drop":
                self.close_connection = True
                self.connection.close()
                return None
            if kind == "slow":
                time.sleep(float(fault.get("delay", 5)))
            else:
                status, code, message = _FAULTS[kind]
                query = re.search(rb"(?:^|&)Action=", body or b"") is not None
                return self._error(status, code, message.format(arn=fault.get("arn", "")), query=query)
        upstream = self.state.upstream
        started = time.monotonic()
        connection = http.client.HTTPConnection(upstream.hostname, upstream.port, timeout=120)
        connection.connect()
        connection.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        headers = {key: value for key, value in self.headers.items() if key.lower() != "connection"}
        connection.request(self.command, self.path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        call["upstream"] = round(time.monotonic() - started, 4)
        passed = {
            k: v
            for k, v in response.getheaders()
            if k.lower() not in ("transfer-encoding", "connection", "content-length")
        }
        connection.close()
        return self._reply(response.status, data, passed)

    do_GET = do_PUT = do_POST = do_DELETE = do_HEAD = do_PATCH = _handle


def main(upstream, port_file):
    Handler.state = State(upstream)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    with open(port_file, "w") as handle:
        handle.write(str(server.server_address[1]))
    server.serve_forever()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
