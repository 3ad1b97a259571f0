# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""The range check of an option with bounds: each bound belongs to the code the option drives
(a setting's to the settings table, max_concurrency to concurrency, max_requests_per_second to
throttling, lookback_days to the audit's metrics), and the module files check the options they take."""

from ansible_collections.serverless.aws_lambda.plugins.module_utils._aws.errors import ParameterError


def check_range(option, value, bounds):
    """Raise ParameterError, naming the option, when value (None: not set) is outside bounds."""
    low, high = bounds
    if value is not None and not low <= value <= high:
        raise ParameterError(f"{option} must be between {low} and {high}, got {value}")


def check_ranges(params, ranges):
    """check_range of each option of ranges ({option: bounds}) in params, in the order of ranges."""
    for option, bounds in ranges.items():
        check_range(option, params.get(option), bounds)
