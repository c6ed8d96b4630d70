// Sealing module.
