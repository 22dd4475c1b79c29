// Visualize target: see docs/architecture.md
