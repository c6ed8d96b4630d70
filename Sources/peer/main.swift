// Runs the command line, turning every failure into one `peer: ...` line on stderr and a non-zero exit.
await CommandLineEntry.run(PeerCommand.self)
