// Report target: see docs/architecture.md
