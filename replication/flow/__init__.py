"""Flow matching: losses (one paper equation each), Euler sampling, base training and the online RL loop."""
