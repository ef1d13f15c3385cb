"""The shortcuts rendering takes give what the long way gives: a mapped column's call laid out from
the arguments it was made with (not parsed back), the assignment filter still refusing raw text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemagen.api import parse_spec, resolve
from schemagen.codegen import ir
from schemagen.codegen.common import field_call
from schemagen.codegen.literals import Code
from schemagen.codegen.render import TemplateError, _assignment
from schemagen.codegen import wrap
from schemagen.format.style import call_arguments

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))
import realistic  # noqa: E402


def test_kept_arguments_are_those_the_text_parses_into() -> None:
    """Every mapped column and relationship of a realistic spec: the parts `wrap` lays the line out
    from are exactly what parsing its text finds."""
    catalog = resolve(parse_spec(realistic.make_spec(40)))
    models = sys.modules["schemagen.codegen.models_module"]._Models(catalog, None)
    classes = [models.model_class(table) for table in catalog.tables]
    calls = [field.default for model in classes for field in (*model.columns, *model.relations)]
    assert len(calls) > 400 and all(isinstance(made, wrap.CallSource) for made in calls)
    for made in calls:
        assert call_arguments(made) == (made.callee, made.arguments), made


def test_a_long_call_is_laid_out_without_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    def refused(source: str) -> None:
        raise AssertionError(f"parsed {source!r}")

    monkeypatch.setattr(wrap, "call_arguments", refused)
    made = field_call("mapped_column", "String(200)", 'ForeignKey("customer_0001.id", ondelete="CASCADE")',
                      index="True", comment='"The customer who placed the order, kept for reporting."')
    laid_out = wrap.assignment("customer_id", "Mapped[int]", made, 4)
    assert laid_out.startswith("customer_id: Mapped[int] = mapped_column(\n        String(200),\n")
    assert laid_out.endswith("\n    )")


def test_the_assignment_filter_refuses_text_that_is_not_code() -> None:
    with pytest.raises(TemplateError, match="only Code may be output"):
        _assignment(ir.Field(Code("name"), "str", None))  # type: ignore[arg-type]
    with pytest.raises(TemplateError):
        _assignment(ir.Field(Code("name"), Code("str"), "'raw'"))  # type: ignore[arg-type]
    assert _assignment(ir.Field(Code("name"), Code("str"), Code('"x"'))) == 'name: str = "x"'
