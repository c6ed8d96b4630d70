// PeerNode module.
