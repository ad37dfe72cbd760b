"""Speed and quality benchmarks; each script records its results under benchmarks/results/."""
