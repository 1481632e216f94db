"""Babel extractor for .kv files: finds tr._('...') calls in kv rules."""

from __future__ import annotations

import ast
import re

_CALL = re.compile(r"""tr\._\(\s*(?P<q>['"])(?P<msg>(?:\\.|(?!(?P=q)).)*)(?P=q)\s*\)""")


def extract(fileobj, keywords, comment_tags, options):
    for lineno, raw in enumerate(fileobj, start=1):
        line = raw.decode(options.get("encoding", "utf-8"))
        for match in _CALL.finditer(line):
            literal = match.group("q") + match.group("msg") + match.group("q")
            yield lineno, "_", ast.literal_eval(literal), []
