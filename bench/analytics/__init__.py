"""Analytics benchmarks: `python -m bench.analytics.queries`,
`python -m bench.analytics.forecast`."""
