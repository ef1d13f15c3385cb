"""schemagen: one YAML data model -> SQLAlchemy models, Pydantic schemas and relation maps."""

__version__ = "0.1.0"
