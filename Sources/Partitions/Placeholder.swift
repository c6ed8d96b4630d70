// Partitions module.
