"""Models: small configs of real transformers/diffusers classes, and loaders for the paper checkpoints."""
