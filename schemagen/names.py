"""The one authority on names: which spec names can be Python names, and how others are mapped."""

from __future__ import annotations

import hashlib
import re
import unicodedata

_IDENTIFIER = re.compile(r"[^\W\d]\w*")

# Fixed here rather than read from `keyword`, so output never depends on the Python version that
# runs schemagen. Soft keywords (`match`, `case`, `type`, `_`) are fine as attribute names.
PYTHON_KEYWORDS = frozenset(
    {"False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue",
     "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in",
     "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"}
)

# Class attributes that SQLAlchemy declarative or Pydantic give meaning to; a column with one of
# these names keeps its SQL name and gets the Python attribute `name_`.
DECLARATIVE_RESERVED = frozenset(
    {"metadata", "registry", "query", "query_class", "type_annotation_map", "awaitable_attrs"}
)
PYDANTIC_RESERVED = frozenset(
    {"copy", "dict", "json", "schema", "schema_json", "validate", "construct", "from_orm",
     "parse_obj", "parse_raw", "parse_file", "update_forward_refs", "fields", "register",
     # methods of the generated Update schemas
     "changes", "apply_to",
     # builtins the generated class bodies use in annotations (`list[str]`), which a field would shadow
     "str", "int", "float", "bool", "bytes", "list", "dict", "frozenset", "object"}
)


# Names every generated package defines at its top level.
PACKAGE_NAMES = frozenset({"Base", "MODELS", "RELATIONS", "RelationInfo", "RelationKind", "OrderBy", "eager",
                           "TYPE_CHECKING"})

# Top-level modules the generated code imports: a package of the same name would hide them.
IMPORTED_MODULES = frozenset(
    {"datetime", "decimal", "enum", "ipaddress", "typing", "uuid", "sqlalchemy", "pydantic", "pydantic_core"}
)


def is_identifier(name: str) -> bool:
    return bool(_IDENTIFIER.fullmatch(name)) and name.isidentifier()


def needs_mapping(name: str) -> bool:
    """True when `name` is a fine SQL name but cannot be a class attribute as it is."""
    return (
        name in PYTHON_KEYWORDS
        or name in DECLARATIVE_RESERVED
        or name in PYDANTIC_RESERVED
        or name.startswith(("model_", "_sa_"))
    )


def attribute_name(name: str) -> str:
    """The Python attribute for a column or relation key (`class` -> `class_`, `ﬁle` -> `file`).

    Python reads identifiers in NFKC form, so the attribute is written in that form too.
    """
    name = unicodedata.normalize("NFKC", name)
    return name + "_" if needs_mapping(name) else name


def _words(name: str) -> list[str]:
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[\W_]+", spaced) if w]


def singular(word: str) -> str:
    lower = word.lower()
    if lower.endswith("ies") and len(word) > 3:
        return word[:-3] + ("Y" if word[-3].isupper() else "y")
    if lower.endswith(("sses", "shes", "ches", "xes", "zes", "tuses", "buses")):
        return word[:-2]
    if lower.endswith("ss") or lower.endswith(("us", "is")):
        return word
    if lower.endswith("s") and len(word) > 1:
        return word[:-1]
    return word


def class_name(table: str) -> str:
    """`life_ceo_conversations` -> `LifeCeoConversation`."""
    words = _words(unicodedata.normalize("NFKC", table))
    if not words:
        return ""
    words[-1] = singular(words[-1])
    return "".join(w[:1].upper() + w[1:] for w in words)


def suggest_identifier(name: str, kind: str) -> str:
    """A valid, non-keyword identifier close to `name`, for hints (`1st` -> `column_1st`)."""
    candidate = snake_case(name)
    if not candidate:
        return kind
    if candidate[0].isdigit():
        candidate = f"{kind}_{candidate}"
    if candidate in PYTHON_KEYWORDS:
        candidate = f"{candidate}_{kind}"
    return candidate


def snake_case(name: str) -> str:
    return "_".join(w.lower() for w in _words(name))


def core_table_name(table: str, class_name: str) -> str:
    """The module-level name of a Core table (one without a primary key): `LogEntries` -> `log_entries`."""
    name = snake_case(table) or snake_case(class_name)
    if not is_identifier(name):
        name = snake_case(class_name)
    return name + "_" if needs_mapping(name) or name in IMPORTED_MODULES else name


def enum_member(value: str) -> str:
    """`in-progress` -> `IN_PROGRESS`; values that start with a digit get a `V_` prefix."""
    words = _words(unicodedata.normalize("NFKC", value))
    member = "_".join(w.upper() for w in words) if words else ""
    member = "".join(ch if ("A" + ch).isidentifier() else "_" for ch in member)
    if not member or not member[0].isalpha():
        member = "V_" + member
    return unicodedata.normalize("NFKC", member)


MAX_SQL_NAME = 63  # PostgreSQL truncates identifiers beyond this many bytes
ON_UPDATE_TRIGGER_SUFFIX = "_on_update_now"
"""Every trigger schemagen makes (`on_update: now`) ends so: migrations manage these, and leave others alone."""


def on_update_trigger_name(table: str) -> str:
    """`<table>_on_update_now`, the table's `on_update: now` trigger (and its PostgreSQL function); a long
    table name is shortened with a hash, never the suffix."""
    suffix = ON_UPDATE_TRIGGER_SUFFIX
    if len(f"{table}{suffix}".encode()) <= MAX_SQL_NAME:
        return f"{table}{suffix}"
    digest = hashlib.sha256(table.encode()).hexdigest()[:8]
    prefix = table.encode()[: MAX_SQL_NAME - len(suffix) - 9].decode(errors="ignore")
    return f"{prefix}_{digest}{suffix}"


def sql_name_problem(name: str) -> str:
    """Why a table, column or constraint name cannot be used in SQL, or ''."""
    if not name.strip():
        return "it is empty"
    if len(name.encode()) > MAX_SQL_NAME:
        return f"it is longer than {MAX_SQL_NAME} bytes, where PostgreSQL cuts names off"
    if "." in name:
        return "`.` separates table and column in references"
    if not name.isprintable():
        return "it holds a control character"
    return ""


def truncate_name(name: str) -> str:
    """A name that fits PostgreSQL's 63 bytes: a long one keeps its longest prefix that fits with
    `_` and eight hex digits of a hash of the whole (cut at a character, never inside one)."""
    if len(name.encode()) <= MAX_SQL_NAME:
        return name
    digest = hashlib.sha256(name.encode()).hexdigest()[:8]
    prefix = name.encode()[: MAX_SQL_NAME - 9].decode(errors="ignore")
    return f"{prefix}_{digest}"


def sqlalchemy_cut(name: str) -> str:
    """A convention-made name as SQLAlchemy sends it to PostgreSQL: one longer than 63 characters
    becomes 54 of them, `_` and four hex digits of its md5. SQLAlchemy counts characters where
    PostgreSQL counts bytes, so a multibyte result may still be too long (see `constraint_name`)."""
    if len(name) <= MAX_SQL_NAME:
        return name
    return name[: MAX_SQL_NAME - 8] + "_" + hashlib.md5(name.encode()).hexdigest()[-4:]


def constraint_name(conventional: str) -> tuple[str, bool]:
    """The name the model gives a constraint named by the naming convention, and whether it writes
    it out. The convention's own name wherever SQLAlchemy's shortening makes it fit (existing
    databases have those names); where that still passes 63 bytes (multibyte names), PostgreSQL
    would cut it again and two constraints could end up with one name, so schemagen names it itself."""
    if len(sqlalchemy_cut(conventional).encode()) <= MAX_SQL_NAME:
        return conventional, False
    return truncate_name(conventional), True


def postgresql_constraint_name(conventional: str) -> str:
    """The name a convention-made constraint has in a PostgreSQL database schemagen made."""
    name, written_out = constraint_name(conventional)
    return name if written_out else sqlalchemy_cut(name)


def nested_schema_name(class_name: str, relation_attr: str) -> str:
    """The read schema of a model with one relation loaded: `User` + `memories` -> `UserWithMemories`."""
    words = [word for word in relation_attr.split("_") if word]
    return f"{class_name}With" + "".join(word[:1].upper() + word[1:] for word in words)
