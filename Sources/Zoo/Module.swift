// Zoo target: see docs/architecture.md
