"""Stage 1-2, the spec language: the typed models (`model.py`), loading YAML with positions
(`load.py`), validating it into the models (`validate.py`) and writing a spec back (`dump.py`).

Nothing is imported here, so that finding spec files (`files.py`) stays import-light.
"""
