"""Property: the fast formatter (`fmt.format_modules`) equals black over the whole module.

For random valid specs (the same strategy as the round-trip tests, including hostile names and
strings) every rendered module is formatted both ways: by `format_modules` (proven lines kept,
pieces batched through black) and by `format_source` (black over the whole module, the reference).
They must be byte-identical, and the result must be a fixpoint of black. The helpers behind the
"proven" lines (black's quote choice, number spelling) are checked against black's own functions.
"""

from __future__ import annotations

import keyword
import os
import tempfile
from pathlib import Path

from hypothesis import given, note, settings
from hypothesis import strategies as st

import schemagen
from schemagen import format as fmt
from tests.test_fmt import same_code
from schemagen.codegen import render_catalog
from schemagen.codegen.literals import literal, string
from tests.property.strategies import SpecPlan, spec_plans

PROFILE = os.environ.get("SCHEMAGEN_HYPOTHESIS_PROFILE", "default")
EXAMPLES = {"default": 30, "long": 400}[PROFILE]
SETTINGS = settings(max_examples=EXAMPLES, deadline=None, derandomize=PROFILE == "default", database=None)


def rendered(spec_text: str) -> dict[str, str]:
    with tempfile.TemporaryDirectory() as tmp:
        spec_file = Path(tmp) / "spec.yaml"
        spec_file.write_text(spec_text, "utf-8")
        catalog = schemagen.resolve(schemagen.load_spec(spec_file))
    return {name: source for name, source in render_catalog(catalog).items() if name.endswith(".py")}


def assert_formats_like_black(sources: dict[str, str], *, workers: int | None = None) -> None:
    fast = fmt.format_modules(sources) if workers is None else _with_workers(sources, workers)
    for name, source in sources.items():
        assert same_code(fast[name], source), f"{name}: the code changed"
        assert fmt.format_source(fast[name], name) == fast[name], f"{name}: black would change the layout"


def _with_workers(sources: dict[str, str], workers: int) -> dict[str, str]:
    previous = os.environ.get("SCHEMAGEN_JOBS")
    os.environ["SCHEMAGEN_JOBS"] = str(workers)
    try:
        return fmt.format_modules(sources)
    finally:
        if previous is None:
            del os.environ["SCHEMAGEN_JOBS"]
        else:
            os.environ["SCHEMAGEN_JOBS"] = previous


@SETTINGS
@given(plan=spec_plans())
def test_fast_formatting_equals_black_on_random_specs(plan: SpecPlan) -> None:
    text = plan.yaml()
    note(f"spec:\n{text}")
    assert_formats_like_black(rendered(text))


@settings(max_examples=EXAMPLES * 20, deadline=None, derandomize=PROFILE == "default", database=None)
@given(value=st.text())
def test_string_literals_use_blacks_quotes(value: str) -> None:
    from black.strings import normalize_string_quotes

    source = string(value)
    assert eval(source) == value  # noqa: S307 - the literal is our own output
    assert normalize_string_quotes(source) == source
    assert normalize_string_quotes(repr(value)) == source


@settings(max_examples=EXAMPLES * 20, deadline=None, derandomize=PROFILE == "default", database=None)
@given(value=st.text(alphabet=st.sampled_from(["'", '"', "\\", "a", "\n", "\x00", "\u2028"])))
def test_string_literals_with_both_quotes_use_blacks_quotes(value: str) -> None:
    # the quotes and backslashes `string()` escapes itself, which `st.text()` alone seldom mixes
    from black.strings import normalize_string_quotes

    source = string(value)
    assert eval(source) == value  # noqa: S307 - the literal is our own output
    assert normalize_string_quotes(repr(value)) == source


@settings(max_examples=EXAMPLES * 20, deadline=None, derandomize=PROFILE == "default", database=None)
@given(value=st.floats(allow_nan=False, allow_infinity=False))
def test_float_literals_are_spelled_as_black_spells_them(value: float) -> None:
    source = literal(value)
    assert float(source) == value
    assert fmt.format_source(f"x = {source}\n", "float") == f"x = {source}\n"


# Class-body assignments around the line-length boundary: wrap.assignment's layouts and fmt's
# proofs of them must agree with black exactly where black's choice flips.

_NAMES = st.from_regex(r"[a-z][a-z0-9_]{0,30}", fullmatch=True).filter(lambda name: not keyword.iskeyword(name))
_WORDS = st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,24}", fullmatch=True)


@st.composite
def _annotations(draw: st.DrawFn) -> str:
    word = draw(_WORDS)
    message = string(draw(st.text(st.characters(codec="ascii", exclude_categories=("Cc",)), max_size=40)))
    return draw(st.sampled_from([
        f"Mapped[{word}]",
        f"Mapped[{word} | None]",
        f"Mapped[list[{word}]]",
        f"{word} | None",
        f"decimal.{word} | {word} | None",
        f"Annotated[str, Field(max_length={len(word)}), _Rules({message}, min_length=2)] | None",
        f"Annotated[{word}, _Rules({message}, pattern={message})] | None",
        f"Annotated[int, Field(ge=-2147483648, le=2147483647)] | {word} | None",
    ]))


@st.composite
def _defaults(draw: st.DrawFn) -> str | None:
    word = draw(_WORDS)
    arguments = draw(st.lists(st.sampled_from([
        word, f"{word}()", f'ForeignKey("{word}.id", ondelete="CASCADE")', "server_default=func.now()",
        f"{word}={word}", f'comment="{word} {word}"', "nullable=False", f"String({len(word)})",
        f'back_populates="{word}"', f"_ArrayOf(Text(), _{word.upper()}_ADAPTER)",
    ]), min_size=1, max_size=7))
    arguments.sort(key=lambda argument: "=" in argument.split("(")[0])  # positional ones first
    return draw(st.sampled_from([
        None, "None", "0", "-1", f"Status.{word.upper()}", string(word),
        f"mapped_column({', '.join(arguments)})", f"relationship({', '.join(arguments)})",
        f"Field({', '.join(arguments)})",
    ]))


@settings(max_examples=EXAMPLES * 20, deadline=None, derandomize=PROFILE == "default", database=None)
@given(name=_NAMES, annotation=_annotations(), default=_defaults())
def test_wrapped_assignments_equal_black(name: str, annotation: str, default: str | None) -> None:
    from schemagen.codegen.wrap import assignment

    source = f"class A:\n    {assignment(name, annotation, default, 4)}\n"
    note(source)
    assert_formats_like_black({"a.py": source})
