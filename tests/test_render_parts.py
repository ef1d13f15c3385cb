"""The shortcuts rendering takes give what the long way gives: a mapped column's call laid out from
the arguments it was made with (not parsed back), a class body's fields written by one filter call
as the template's loop over them wrote them, both filters still refusing raw text."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from schemagen.api import parse_spec, resolve
from schemagen.codegen import ir
from schemagen.codegen.common import field_call
from schemagen.codegen.literals import Code
from schemagen.codegen.render import TemplateError, _assignment, _field_lines, environment
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


# the templates' loop over a class body's fields before `field_lines` (one filter call a class)
_FIELDS_LOOP = """{% for field in fields %}
{% if field.annotation %}
    {{ field|assignment }}
{% else %}
    {{ field.name }} = {{ field.default }}

{% endif %}
{% endfor %}
"""
_FIELD_LINES = """{% if fields %}
{{ fields|field_lines }}
{% endif %}
"""


def test_field_lines_write_what_the_loop_over_fields_wrote() -> None:
    """Every schema, model column and relationship of a realistic spec (fields with and without an
    annotation, laid out over lines or not), and a class ending with a field without one."""
    catalog = resolve(parse_spec(realistic.make_spec(40)))
    schemas_module = sys.modules["schemagen.codegen.schemas_module"]
    schemas = schemas_module._Schemas(catalog, None)
    models = sys.modules["schemagen.codegen.models_module"]._Models(catalog, None)
    bodies: list[tuple[ir.Field, ...]] = []
    for table in catalog.tables:
        bodies.extend(schema.fields for nested in (False, True)
                      for schema in schemas_module._Recording(schemas, nested).make(table))
        model = models.model_class(table)
        bodies += [model.columns, model.relations]
    bodies.append((ir.Field(Code("id"), Code("int"), None), ir.Field(Code("_Alias"), Code(""), Code("int"))))
    assert any(not field.annotation for body in bodies for field in body)
    assert any("\n" in _assignment(field) for body in bodies for field in body if field.annotation)
    loop, lines = environment().from_string(_FIELDS_LOOP), environment().from_string(_FIELD_LINES)
    for body in bodies:
        assert lines.render(fields=body) == loop.render(fields=body)


def test_field_lines_refuse_text_that_is_not_code() -> None:
    with pytest.raises(TemplateError, match="only Code may be output"):
        _field_lines((ir.Field("name", Code(""), Code("1")),))  # type: ignore[arg-type]
    with pytest.raises(TemplateError, match="only Code may be output"):
        _field_lines((ir.Field(Code("name"), Code(""), "'raw'"),))  # type: ignore[arg-type]
    with pytest.raises(TemplateError, match="only Code may be output"):
        _field_lines((ir.Field(Code("name"), "str", None),))  # type: ignore[arg-type]
