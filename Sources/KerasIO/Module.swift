// KerasIO target: see docs/architecture.md
