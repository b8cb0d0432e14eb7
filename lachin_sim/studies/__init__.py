"""Many runs: designs, executors, sweeps, scenario comparisons, the capacity search,
calibration, and uncertainty studies with global sensitivity analysis."""
