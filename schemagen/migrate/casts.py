"""Type changes PostgreSQL makes only with a cast: text to its network types (inet, cidr, macaddr) and back.

PostgreSQL changes a column's type in place through an assignment cast, and text has none to inet,
cidr or macaddr: `ALTER COLUMN addr TYPE inet` fails ("cannot be cast automatically") unless it says
`USING addr::inet`. Alembic takes that clause (`postgresql_using`), but its autogenerate renderer
leaves it out, so such a revision could not run; and the safety rules saw TEXT -> INET as a
narrowing that loses data. It loses none: the database converts each value, and one that does not
read as an address stops the ALTER, which is rolled back with its transaction.

Back to text, an inet is written as PostgreSQL prints it (`abbrev`: `10.0.0.1`, as SQLite stores
it); a plain cast to text would add a /32 to every single address. An array of inet, which no
USING clause can convert item by item (no subquery allowed), keeps the /32 in its items' text.

A cidr becomes an inet as it is (never the reverse: PostgreSQL's cidr(inet) zeroes the host bits).

SQLite stores these types as text already: the column's type does not change there.
"""

from __future__ import annotations

import re
from typing import Any

from alembic.autogenerate import renderers
from alembic.autogenerate.api import AutogenContext
from alembic.operations import ops
from sqlalchemy.engine import Dialect

_NETWORK = ("INET", "CIDR", "MACADDR")
_TEXT = re.compile(r"TEXT|VARCHAR(\(\d+\))?")


def converts(old: str, new: str) -> bool:
    """True when PostgreSQL converts every value of type `old` to `new` or refuses the change whole."""
    return _using(old, new, "x") is not None


def _using(old: str, new: str, column: str) -> str | None:
    """The USING expression that converts `column` of type `old` (compiled, upper case) to `new`."""
    old_item, new_item = old.removesuffix("[]"), new.removesuffix("[]")
    array = old.endswith("[]")
    if array != new.endswith("[]"):
        return None
    brackets = "[]" if array else ""
    if _TEXT.fullmatch(old_item) and new_item in _NETWORK:
        return f"{column}::{new_item.lower()}{brackets}"
    if (old_item, new_item) == ("CIDR", "INET"):  # every network is an address with its prefix
        return f"{column}::inet{brackets}"
    if old_item in _NETWORK and _TEXT.fullmatch(new_item):
        # (text, then the assignment to a VARCHAR(n) refuses a value too long rather than cut it)
        return f"abbrev({column})" if old_item == "INET" and not array else f"{column}::text{brackets}"
    return None


class CastColumnOp(ops.AlterColumnOp):
    """A column's type changed with a USING cast (rendered: Alembic's renderer drops `postgresql_using`)."""

    @classmethod
    def of(cls, op: ops.AlterColumnOp, using: str) -> CastColumnOp:
        cast = cls(op.table_name, op.column_name, schema=op.schema, existing_type=op.existing_type,
                   existing_server_default=op.existing_server_default, existing_nullable=op.existing_nullable,
                   existing_comment=op.existing_comment, modify_nullable=op.modify_nullable,
                   modify_comment=op.modify_comment, modify_server_default=op.modify_server_default,
                   modify_name=op.modify_name, modify_type=op.modify_type, **{**op.kw, "postgresql_using": using})
        return cast


@renderers.dispatch_for(CastColumnOp)
def _render_cast(context: AutogenContext, op: CastColumnOp) -> str:
    rendered = renderers.dispatch(ops.AlterColumnOp)(context, op)
    assert isinstance(rendered, str) and rendered.endswith(")")
    using = op.kw["postgresql_using"]
    return (f"# PostgreSQL converts each value ({using}); one that is no value of the new type stops\n"
            "# this migration, which then changes nothing: fix or remove such values and run it again\n"
            f"{rendered[:-1]},\n{' ' * 11}postgresql_using={using!r})")


def add_casts(operations: list[Any], dialect: Dialect) -> None:
    """Each type change of `operations` that needs a USING cast on PostgreSQL made a `CastColumnOp`."""
    if dialect.name != "postgresql":
        return
    for op in operations:
        if not isinstance(op, ops.ModifyTableOps):
            continue
        for position, inner in reversed(list(enumerate(op.ops))):
            if not isinstance(inner, ops.AlterColumnOp) or isinstance(inner, CastColumnOp) \
                    or inner.modify_type is None or inner.existing_type is None:
                continue
            old, new = (str(t.compile(dialect=dialect)).upper() for t in (inner.existing_type, inner.modify_type))
            using = _using(old, new, dialect.identifier_preparer.quote(inner.column_name))
            if using is None:
                continue
            cast = CastColumnOp.of(inner, using)
            op.ops[position] = cast
            if inner.existing_server_default:
                # the column's default is converted without USING, and text has no cast to inet
                # ("default ... cannot be cast automatically"): dropped first, set again after
                op.ops.insert(position, ops.AlterColumnOp(
                    op.table_name, inner.column_name, schema=op.schema, existing_type=inner.existing_type,
                    existing_server_default=inner.existing_server_default, existing_nullable=inner.existing_nullable,
                    modify_server_default=None))
                if cast.modify_server_default is False:
                    cast.modify_server_default = inner.existing_server_default
                cast.existing_server_default = None
