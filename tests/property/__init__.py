"""Property-based tests: random valid specs through the whole pipeline, and a fuzzed loader."""
