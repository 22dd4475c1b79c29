// Training target: see docs/architecture.md
