// HDF5 target: see docs/architecture.md
