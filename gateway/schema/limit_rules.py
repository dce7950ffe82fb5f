"""The parser's token cap and the limit validation rules, set while a document is parsed.

Strawberry's ``MaxTokensLimiter``, ``QueryDepthLimiter``, ``MaxAliasesLimiter`` and
``AddValidationRules`` set these from ``on_operation``, a hook that stays entered
for the whole operation: for a subscription, as long as it is held, each one a
suspended generator with its context-manager wrappers (about 0.9 KiB apiece per
held subscription, ``benchmarks.held``). The settings are only read by the
parse and the validation that follow, so ``LimitRules`` sets them all in one
``on_parse`` hook, which has ended by the time the subscription's stream starts.

It must come first among the extensions: a parser cache's ``on_parse`` parses
with the options set here, and the validation cache validates with the rules.
The rules are the stock limiters' own, built once (a validation cache keys on them).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from graphql import ASTValidationRule
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.extensions import MaxAliasesLimiter, QueryDepthLimiter, SchemaExtension


class LimitRules(SchemaExtension):
    def __init__(self, max_tokens: int, rules: Sequence[type[ASTValidationRule]]) -> None:
        self.max_tokens = max_tokens
        self.rules = tuple(rules)
        self._joined: tuple[tuple[type[ASTValidationRule], ...], tuple[type[ASTValidationRule], ...]] | None = None
        """The last base rules seen and those plus ours: every operation starts from graphql-core's
        standard rules, so one tuple serves them all instead of a copy kept by each held subscription."""

    def on_parse(self) -> Iterator[None]:
        ctx = self.execution_context
        ctx.parse_options["max_tokens"] = self.max_tokens
        base = tuple(ctx.validation_rules)
        joined = self._joined
        if joined is None or joined[0] != base:
            joined = self._joined = (base, base + self.rules)
        ctx.validation_rules = joined[1]
        yield


def limit_rules(*, max_depth: int, max_aliases: int, max_tokens: int, introspection: bool) -> LimitRules:
    """Depth, aliases (and, without introspection, no ``__schema``/``__type``), as Strawberry's limiters check them."""
    rules = [
        *QueryDepthLimiter(max_depth=max_depth).validation_rules,
        *MaxAliasesLimiter(max_alias_count=max_aliases).validation_rules,
    ]
    if not introspection:
        rules.append(NoSchemaIntrospectionCustomRule)
    return LimitRules(max_tokens, rules)
