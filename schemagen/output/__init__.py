"""Stage 6, output: the manifests, the freshness proof and the all-or-nothing write of generated files."""
