# -*- coding: utf-8 -*-
# A do-nothing handler: the tests configure the function, they never invoke it.


def handler(event, context):
    return event
