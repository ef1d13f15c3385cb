"""One example per key of the spec language, as a user writes the key's value in a spec.

The reference (`docs/spec-reference.md`) shows each as `key: value`, and the JSON Schema lists it
under `examples` (editors show it next to the description). The examples are YAML text read by the
spec loader, so they mean exactly what they would in a spec; a test validates each in place, and
fails for a key of `schemagen/spec/model.py` that has none here.
"""

from __future__ import annotations

EXAMPLES: dict[str, dict[str, str]] = {
    "Spec": {
        "package": "shop",
        "dialect": "sqlite",
        "validate_in_database": "false",
        "enums": "{OrderStatus: [pending, paid, shipped]}",
        "types": "{Address: {street: str, city: str, zip: {type: str, pattern: '^[0-9]{5}$'}}}",
        "tables": "{customers: {columns: {id: {type: serial, primary_key: true}, name: text}}}",
        "typescript": "true",
        "erd": "true",
    },
    "Table": {
        "model": "Person",
        "comment": "People who can sign in.",
        "columns": "{id: {type: serial, primary_key: true}, email: {type: varchar, length: 255}}",
        "primary_key": "[order_id, product_id]",
        "unique": "[[customer_id, name], {columns: [email], name: uq_customer_email}]",
        "indexes": "[{columns: [created_at]}, {columns: [email], unique: true, where: deleted_at IS NULL}]",
        "checks": "[{name: positive_total, sql: total >= 0}]",
        "soft_delete": "deleted_at",
        "relations": "{orders: {many: orders}}",
        "renamed_from": "clients",
        "primary_key_name": "orders_pkey",
        "foreign_keys": "[{columns: [tenant_id, order_id], references: {table: orders, columns: [tenant_id, id]}, "
                        "on_delete: cascade}]",
    },
    "TableForeignKey": {
        "columns": "[tenant_id, order_id]",
        "references": "{table: orders, columns: [tenant_id, id]}",
        "on_delete": "cascade",
        "on_update": "cascade",
        "name": "fk_order_items_order",
    },
    "ReferencedColumns": {
        "table": "orders",
        "columns": "[tenant_id, id]",
    },
    "Column": {
        "type": "varchar",
        "primary_key": "true",
        "nullable": "false",
        "unique": "true",
        "index": "true",
        "default": "now",
        "on_update": "now",
        "column": "first_name",
        "comment": "Shown on the invoice.",
        "secret": "true",
        "immutable": "true",
        "server_set": "true",
        "references": "customers.id",
        "on_delete": "cascade",
        "length": "255",
        "precision": "10",
        "scale": "2",
        "timezone": "true",
        "months": "true",
        "array": "true",
        "enum": "OrderStatus",
        "schema": "list[Address]",
        "validate": "{format: email, message: Invalid email address}",
        "renamed_from": "mail",
        "foreign_key_name": "orders_customer_id_fkey",
        "identity": "by default",
        "generated": "{sql: price * quantity}",
    },
    "Rules": {
        "min_length": "1",
        "max_length": "80",
        "pattern": "'^[a-z0-9-]+$'",
        "format": "email",
        "ge": "0",
        "gt": "0",
        "le": "100",
        "lt": "1000000",
        "message": "Must be a lowercase slug",
        "in_database": "false",
    },
    "Generated": {
        "sql": "price * quantity",
        "stored": "true",
    },
    "SqlDefault": {
        "sql": "gen_random_uuid()",
    },
    "JsonDefault": {
        "json": "{sql: select}",
    },
    "ShapeField": {
        "type": "list[str]",
        "enum": "[user, assistant, system]",
        "nullable": "true",
        "default": "[]",
        "comment": "Who wrote the message.",
        "min_length": "1",
        "max_length": "2000",
        "pattern": "'^#[0-9a-f]{6}$'",
        "ge": "0",
        "gt": "0",
        "le": "5",
        "lt": "100",
    },
    "UniqueConstraint": {
        "columns": "[customer_id, name]",
        "name": "uq_customer_name",
    },
    "Index": {
        "columns": "[customer_id, created_at]",
        "unique": "true",
        "name": "ix_orders_recent",
        "where": "deleted_at IS NULL",
        "using": "gin",
        "ops": "jsonb_path_ops",
    },
    "IndexPart": {
        "column": "created_at",
        "expr": "lower(email)",
        "order": "desc",
        "ops": "text_pattern_ops",
    },
    "SqlType": {
        "sql": "citext",
        "python": "str",
    },
    "EnumType": {
        "values": "[pending, paid, shipped]",
        "sql_name": "order_state",
        "renamed_from": "{shipped: sent}",
    },
    "Check": {
        "name": "positive_total",
        "sql": "total >= 0",
        "exact_name": "true",
    },
    "Relation": {
        "one": "customers",
        "many": "orders",
        "through": "order_tags",
        "fields": "[billing_address_id]",
        "references": "[customer_id]",
        "through_fields": "[follower_id, followed_id]",
        "lazy": "selectin",
    },
}
"""Model title (as in the JSON Schema's `$defs`) -> the spec's key -> its example value as YAML."""
