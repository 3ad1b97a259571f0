# -*- coding: utf-8 -*-

# Copyright: Contributors to the serverless.aws_lambda project
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Every page of an AWS listing, each page retried on its own.

amazon.aws's paginated_query_with_retries retries the whole listing from its first page after a
throttled page, with one backoff shared by the threads that call it; here read_page is one page's
call with a retry built for each call (throttling.retrying), so a throttled page alone is sent again.
"""


def every_page(read_page, marker="Marker", next_marker="NextMarker"):
    """The pages of a listing in order: read_page(**{marker: token}) for each page after the first,
    the token being the previous page's next_marker, until a page has none."""
    token = None
    while True:
        page = read_page(**({marker: token} if token else {}))
        yield page
        token = page.get(next_marker)
        if not token:
            return
