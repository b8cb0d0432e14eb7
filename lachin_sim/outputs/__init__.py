"""What a reader gets: results and their save/load, metrics, plots."""
