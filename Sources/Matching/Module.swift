// Matching target: see docs/architecture.md
