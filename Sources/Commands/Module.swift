// Commands target: see docs/architecture.md
