"""Many runs: designs, executors, sweeps, scenario comparisons, the capacity search and
calibration."""
