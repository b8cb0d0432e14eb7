"""One run's machinery: corridors, checkpoints, convoys, stocks, energy, population, the
daily tick and ``simulate``."""
