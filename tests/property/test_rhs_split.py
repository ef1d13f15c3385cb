"""Property: `format/rhs.py` splits a statement exactly as black does, or declines it.

Random statements of the shapes codegen writes (`mapped_column(...)` calls with keyword arguments,
lambda defaults and `.with_variant(...)` chains, nested `Annotated[...]` with `| None`,
`__table_args__` tuples of `CheckConstraint(...).ddl_if(...)`, `Table(...)` calls, dicts, lists,
long strings), at a random depth and line length, some already exploded with magic trailing
commas the way the emitter writes them. Where `split` gives an answer it must be black's
`format_str` output byte for byte; and it must answer for every statement drawn here, so that the
comparison means something.
"""

from __future__ import annotations

import os
import random

from hypothesis import given, note, settings
from hypothesis import strategies as st

from schemagen.format.rhs import split
from schemagen.format.style import laid_out_for

PROFILE = os.environ.get("SCHEMAGEN_HYPOTHESIS_PROFILE", "default")
EXAMPLES = {"default": 300, "long": 5000}[PROFILE]


def black(text: str, depth: int, length: int) -> str:
    import black

    mode = black.Mode(target_versions={black.TargetVersion.PY311}, line_length=length, magic_trailing_comma=True)
    lines = text.split("\n")
    source = "".join("    " * level + "if True:\n" for level in range(depth)) + "    " * depth + "\n".join(lines) + "\n"
    return "\n".join(black.format_str(source, mode=mode).splitlines()[depth:])


class _Statements:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def name(self) -> str:
        return self.rng.choice(["x", "seen_at", "Base.metadata", "_USER_SETTINGS_ENABLED_AGENTS_TYPE",
                                "AgentType.BUSINESS", "a_rather_long_column_name_for_the_record"])

    def string(self) -> str:
        return '"' + "".join(self.rng.choice("abc de'") for _ in range(self.rng.randint(0, 60))) + '"'

    def atom(self, depth: int = 0) -> str:
        roll = self.rng.random()
        if depth > 3 or roll < 0.3:
            return self.rng.choice([self.name(), self.string(), str(self.rng.randint(-(10**6), 10**6)), "None", "..."])
        if roll < 0.55:
            return self.call(depth + 1)
        if roll < 0.62:
            return "[" + ", ".join(self.atom(depth + 1) for _ in range(self.rng.randint(0, 5))) + "]"
        if roll < 0.68:
            return "lambda: " + self.atom(depth + 1)
        if roll < 0.78:
            method = self.rng.choice(["with_variant", "ddl_if", "label"])
            return f"{self.call(depth + 1)}.{method}({self.arguments(depth + 1, 2)})"
        if roll < 0.88:
            return self.subscript(depth + 1)
        if roll < 0.94:
            right = self.atom(depth + 1)
            while right.startswith("lambda"):  # `a | lambda: b` is no expression
                right = self.atom(depth + 1)
            return f"{self.atom(depth + 1)} | {right}"
        return "{" + ", ".join(f"{self.string()}: {self.atom(depth + 1)}" for _ in range(self.rng.randint(0, 3))) + "}"

    def arguments(self, depth: int, most: int) -> str:
        """Positional arguments, then keyword arguments, each keyword once."""
        positional = [self.atom(depth) for _ in range(self.rng.randint(0, most))]
        keywords = self.rng.sample(["name", "default", "server_default", "comment", "dialect"], self.rng.randint(0, 3))
        return ", ".join([*positional, *(f"{keyword}={self.atom(depth)}" for keyword in keywords)])

    def call(self, depth: int) -> str:
        callee = self.rng.choice(["mapped_column", "Field", "CheckConstraint", "literal", "Index", "TIMESTAMP"])
        return f"{callee}({self.arguments(depth, 4)})"

    def subscript(self, depth: int) -> str:
        name = self.rng.choice(["Annotated", "Mapped", "list", "dict"])
        return name + "[" + ", ".join(self.atom(depth) for _ in range(self.rng.randint(1, 4))) + "]"

    def statement(self) -> str:
        roll = self.rng.random()
        target = self.rng.choice(["x", "seen_at", "match_score"])
        if roll < 0.3:
            return f"{target}: {self.subscript(1)} = {self.atom(1)}"
        if roll < 0.45:
            return f"{target}: {self.subscript(1)}"
        if roll < 0.7:
            items = ", ".join(self.atom(1) for _ in range(self.rng.randint(1, 4)))
            return f"__table_args__ = ({items}{',' if self.rng.random() < 0.5 else ''})"
        if roll < 0.85:
            return f"log_entries = {self.call(1)}"
        return self.call(1)


@settings(max_examples=EXAMPLES, deadline=None, derandomize=PROFILE == "default", database=None)
@given(rng=st.randoms(use_true_random=False), depth=st.integers(0, 2),
       length=st.sampled_from([79, 88, 100, 120]), exploded=st.booleans())
def test_split_equals_black(rng: random.Random, depth: int, length: int, exploded: bool) -> None:
    text = _Statements(rng).statement()
    compile(text, "statement", "exec")
    if exploded:  # as the emitter writes it: laid out for fewer columns, magic commas and all
        text = black(text, 0, rng.randint(30, 80))
    note(text)
    with laid_out_for(length):
        mine = split(text, 4 * depth)
    if mine is not None:
        assert mine == black(text, depth, length)


def test_split_answers_for_every_statement_of_these_shapes() -> None:
    rng = random.Random(11)
    statements = [_Statements(rng).statement() for _ in range(200)]
    for text in statements:
        compile(text, "statement", "exec")
        assert split(text, 4) is not None, text


# The statements that went to black before `rhs.py` existed (issue 11), one of each shape.
FORMERLY_BLACKS = {
    "lambda default": (1, ("enabled_agents: Mapped[list[AgentType]] = mapped_column(_USER_SETTINGS_ENABLED_AGENTS_"
                          "TYPE, default=lambda: [AgentType.BUSINESS, AgentType.FINANCE, AgentType.HEALTH, AgentTyp"
                          "e.SOCIAL], server_default=literal([AgentType.BUSINESS, AgentType.FINANCE, AgentType.HEALTH"
                          ", AgentType.SOCIAL], _USER_SETTINGS_ENABLED_AGENTS_TYPE))")),
    "nested Annotated": (1, ("match_score: Annotated[Annotated[float, Field(ge=0, le=1, allow_inf_nan=False), AfterVal"
                            "idator(_float4), _FLOAT] | None, Field(description=\"the housing agent's fit estimate\")]"
                            " = None")),
    "with_variant chain": (1, ("seen_at: Mapped[datetime.datetime | None] = mapped_column(_AwareDateTime().with_varian"
                              "t(TIMESTAMP(timezone=True, precision=3), \"postgresql\"))")),
    "ddl_if one-tuple": (1, ("__table_args__ = (\n    CheckConstraint(\"\\\"user\\\" ~ '^[a-z]+$'\", name=\"user_pattern"
                            "_39c46b36\").ddl_if(dialect=\"postgresql\"),\n)")),
    "ddl_if items": (1, ("__table_args__ = (\n    CheckConstraint('length(\"slug\") <= 40', name=\"slug_max_length_40\"),"
                        "\n    CheckConstraint('json_array_length(\"tags\") >= 1', name=\"tags_min_length_1\").ddl_if("
                        "dialect=\"sqlite\"),\n)")),
    "misindented explode": (0, ("log_entries = Table(\n    \"log_entries\",\n    Base.metadata,\n    CheckConstraint(\n"
                               "            \"level IN ('debug', 'info', 'warn', 'error')\",\n            name=\"level_"
                               "known\",\n        ),\n    comment=\"An append-only log; its rows have no identity.\",\n)")),
    "ellipsis, one-tuple": (1, "_relations: ClassVar[tuple[str, ...]] = (\"linked_subscription_0212_0062_links\",)"),
    "wide characters": (1, ("漢字漢字漢字漢字漢字漢字漢字: Mapped[str | None] = mapped_column(String(10), unique=True, inde"
                           "x=True)")),
}


def test_the_statements_black_used_to_get() -> None:
    for name, (depth, text) in FORMERLY_BLACKS.items():
        for length in (79, 88):
            with laid_out_for(length):
                assert split(text, 4 * depth) == black(text, depth, length), (name, length)
