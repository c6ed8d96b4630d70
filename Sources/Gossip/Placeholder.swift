// Gossip module.
