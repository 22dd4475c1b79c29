// Graph target: see docs/architecture.md
