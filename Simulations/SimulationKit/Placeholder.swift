// SimulationKit
